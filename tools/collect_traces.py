#!/usr/bin/env python3
"""collect_traces.py: routing traces from a Hugging Face MoE model, written
as a moespec trace set (moespec-traces(5)).

For each text sequence the model runs once; forward hooks on every MoE layer's
router record the K experts it chose per token (in gate order, with their gate
weights, computed as the model computes them) and the hidden state at the
chosen point:
  router-input  the input of the router (after the post-attention norm)
  layer-input   the input of the decoder layer (the residual stream before
                attention: what a prefetcher running one layer ahead sees)
Families: qwen2_moe (Qwen1.5-MoE, Qwen2-MoE), mixtral, olmoe, deepseek_v2.

Usage:
  collect_traces.py --model DIR --text FILE [FILE...] -o OUT
                    [--seq-len 256] [--max-seqs N] [--hidden-point router-input]
                    [--dtype f16] [--device cuda] [--shard-mb 256]
  collect_traces.py --tiny qwen2_moe --random-tokens 8 -o OUT   (a tiny random
                    model, no files needed: how the collector is tested)

Runs where PyTorch, transformers and the model are; moespec itself never
needs Python. Files are read locally only (no downloads).
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moespec_traces  # noqa: E402

FAMILIES = ("qwen2_moe", "mixtral", "olmoe", "deepseek_v2")


def tiny_config(family):
    """A small random configuration of a family, for tests."""
    from transformers import AutoConfig
    common = dict(vocab_size=512, hidden_size=64, intermediate_size=96, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256)
    if family == "qwen2_moe":
        return AutoConfig.for_model("qwen2_moe", num_experts=12, num_experts_per_tok=4,
                                    moe_intermediate_size=32, shared_expert_intermediate_size=64,
                                    norm_topk_prob=False, **common)
    if family == "mixtral":
        return AutoConfig.for_model("mixtral", num_local_experts=8, num_experts_per_tok=2,
                                    **common)
    if family == "olmoe":
        return AutoConfig.for_model("olmoe", num_experts=16, num_experts_per_tok=4,
                                    norm_topk_prob=False, **common)
    if family == "deepseek_v2":
        return AutoConfig.for_model("deepseek_v2", n_routed_experts=16, num_experts_per_tok=4,
                                    moe_intermediate_size=32, n_shared_experts=1,
                                    first_k_dense_replace=1, kv_lora_rank=16, q_lora_rank=None,
                                    qk_rope_head_dim=8, v_head_dim=16, qk_nope_head_dim=16,
                                    topk_method="greedy", n_group=1, topk_group=1, **common)
    raise SystemExit("collect_traces.py: --tiny takes one of " + ", ".join(FAMILIES))


def moe_layers(model):
    """(decoder layer, router module, family) for every MoE layer, in order."""
    family = model.config.model_type
    if family not in FAMILIES:
        raise SystemExit("collect_traces.py: model type %s is not one of %s"
                         % (family, ", ".join(FAMILIES)))
    out = []
    for layer in model.model.layers:
        block = getattr(layer, "block_sparse_moe", None) or getattr(layer, "mlp", None)
        gate = getattr(block, "gate", None)
        if gate is not None and (family != "deepseek_v2" or hasattr(block, "experts")):
            out.append((layer, gate, family))
    if not out:
        raise SystemExit("collect_traces.py: no MoE layer found")
    return out


def route(family, config, gate_out, K):
    """(experts [N][K], weights [N][K]) in gate order, as the MoE block uses them.
    Routers of transformers 5 return (logits, weights, indices) and DeepSeek-V2's
    remote code (indices, weights, aux): those are taken as they are. A plain
    linear router (transformers 4) returns logits, and the family's rule is
    applied: softmax, top-K, and renormalised weights for Mixtral and when
    norm_topk_prob is set."""
    if isinstance(gate_out, tuple):
        tensors = [t for t in gate_out if torch.is_tensor(t) and t.dim() > 0]
        idx = [t for t in tensors if not t.is_floating_point()][0]
        w = [t for t in tensors if t.is_floating_point() and t.shape == idx.shape][-1]
        idx, w = idx.reshape(-1, idx.shape[-1]), w.reshape(-1, w.shape[-1]).float()
        order = torch.argsort(w, dim=-1, descending=True, stable=True)
        return torch.gather(idx, -1, order), torch.gather(w, -1, order)
    logits = gate_out.reshape(-1, gate_out.shape[-1]).float()
    probs = torch.softmax(logits, dim=-1)
    w, idx = torch.topk(probs, K, dim=-1)
    if family == "mixtral" or getattr(config, "norm_topk_prob", False):
        w = w / w.sum(dim=-1, keepdim=True)
    return idx, w


def num_routed(config):
    for key in ("num_experts_per_tok", "moe_topk"):
        if getattr(config, key, None):
            return int(getattr(config, key))
    raise SystemExit("collect_traces.py: the config names no experts per token")


def num_experts(config):
    for key in ("num_experts", "num_local_experts", "n_routed_experts"):
        if getattr(config, key, None):
            return int(getattr(config, key))
    raise SystemExit("collect_traces.py: the config names no expert count")


def router_matrices(layers, E, D):
    """(weights [L] of [E][D], biases [L] of [E] or None) of the MoE layers'
    routers, or None when a router is not a plain [E, D] matrix."""
    W, B = [], []
    for _, gate, _ in layers:
        w = getattr(gate, "weight", None)
        if w is None or tuple(w.shape) != (E, D):
            return None
        W.append(w.detach().float().cpu().numpy())
        b = getattr(gate, "bias", None)
        B.append(None if b is None else b.detach().float().cpu().numpy())
    return W, B


def expert_bytes(config):
    """gate, up and down projections of one routed expert in the checkpoint's
    dtype (2 bytes unless the config says float32), or 0 when unknown."""
    inter = getattr(config, "moe_intermediate_size", None) or getattr(
        config, "intermediate_size", None)
    dtype = str(getattr(config, "torch_dtype", None) or getattr(config, "dtype", "") or "")
    size = 4 if "float32" in dtype else 2
    return 3 * int(config.hidden_size) * int(inter) * size if inter else 0


class Recorder:
    """Forward hooks that keep one sequence's routing and hidden states."""

    def __init__(self, model, point):
        self.layers = moe_layers(model)
        self.config = model.config
        self.K = num_routed(model.config)
        self.point = point
        self.experts, self.weights, self.hidden = {}, {}, {}
        self.handles = []
        for i, (layer, gate, family) in enumerate(self.layers):
            self.handles.append(gate.register_forward_hook(self._gate_hook(i, family)))
            if point == "layer-input":
                self.handles.append(layer.register_forward_pre_hook(self._layer_hook(i),
                                                                    with_kwargs=True))

    def _gate_hook(self, i, family):
        def hook(module, inputs, output):
            idx, w = route(family, self.config, output, self.K)
            self.experts[i], self.weights[i] = idx.cpu(), w.cpu()
            if self.point == "router-input":
                x = inputs[0]
                self.hidden[i] = x.reshape(-1, x.shape[-1]).float().cpu()
        return hook

    def _layer_hook(self, i):
        def hook(module, args, kwargs=None):
            x = args[0] if args else kwargs["hidden_states"]
            self.hidden[i] = x.reshape(-1, x.shape[-1]).float().cpu()
        return hook

    def take(self):
        L = len(self.layers)
        ex = torch.stack([self.experts[i] for i in range(L)], dim=1)
        w = torch.stack([self.weights[i] for i in range(L)], dim=1)
        h = torch.stack([self.hidden[i] for i in range(L)], dim=1)
        self.experts, self.weights, self.hidden = {}, {}, {}
        return ex.numpy(), w.numpy(), h.numpy()


def sequences(args, tokenizer, vocab):
    """Token id lists of at most --seq-len tokens, up to --max-seqs of them."""
    if args.random_tokens:
        g = torch.Generator().manual_seed(args.seed)
        for _ in range(args.random_tokens):
            yield torch.randint(0, vocab, (args.seq_len,), generator=g).tolist()
        return
    n = 0
    for path in args.text:
        with open(path, encoding="utf-8") as f:
            ids = tokenizer(f.read())["input_ids"]
        for start in range(0, len(ids) - 1, args.seq_len):
            chunk = ids[start:start + args.seq_len]
            if len(chunk) < 2 or (args.max_seqs and n >= args.max_seqs):
                return
            n += 1
            yield chunk


def load(args):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    if args.tiny:
        torch.manual_seed(args.seed)
        return AutoModelForCausalLM.from_config(tiny_config(args.tiny)), None
    dtype = torch.bfloat16 if args.device.startswith("cuda") else torch.float32
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=dtype,
                                                 local_files_only=True,
                                                 trust_remote_code=args.trust_remote_code)
    tok = None if args.random_tokens else AutoTokenizer.from_pretrained(
        args.model, local_files_only=True, trust_remote_code=args.trust_remote_code)
    return model, tok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="a local Hugging Face model directory")
    src.add_argument("--tiny", choices=FAMILIES,
                     help="a tiny random model of this family (tests)")
    p.add_argument("--text", nargs="*", default=[], help="UTF-8 text files to run")
    p.add_argument("--random-tokens", type=int, default=0, metavar="N",
                   help="run N sequences of random token ids instead of text")
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--max-seqs", type=int, default=0)
    p.add_argument("--hidden-point", choices=("router-input", "layer-input"),
                   default="router-input")
    p.add_argument("--dtype", choices=("f16", "f32"), default="f16")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--shard-mb", type=int, default=256)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow the model's own code (DeepSeek-V2 needs it)")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args()
    if not args.text and not args.random_tokens:
        p.error("give --text FILE... or --random-tokens N")
    model, tokenizer = load(args)
    model.to(args.device).eval()
    rec = Recorder(model, args.hidden_point)
    E, K, L = num_experts(model.config), rec.K, len(rec.layers)
    D = model.config.hidden_size
    out = moespec_traces.TraceSetWriter(args.output, E, K, L, D, point=args.hidden_point,
                                        dtype=args.dtype, shard_mb=args.shard_mb)
    out.expert_bytes = expert_bytes(model.config)
    n = 0
    try:
        routers = router_matrices(rec.layers, E, D)
        if routers is not None:
            out.set_router(routers[0], routers[1],
                           source="collect_traces.py: %s (%s)" % (args.model or "tiny " + args.tiny,
                                                                  model.config.model_type))
        else:
            print("collect_traces: the routers are not plain [E, D] matrices; "
                  "no router.safetensors", file=sys.stderr)
        with torch.no_grad():
            for ids in sequences(args, tokenizer, model.config.vocab_size):
                model(torch.tensor([ids], device=args.device))
                ex, w, h = rec.take()
                out.add(ex, weights=w, hidden=h, tokens=ids)
                n += 1
                print("\rcollect_traces: %d sequences" % n, end="", file=sys.stderr)
        out.close()
    except BaseException:
        out.abort()
        raise
    print("\ncollect_traces: %s: E=%d K=%d L=%d D=%d, %d sequences, %d tokens"
          % (args.output, E, K, L, D, out.n_seqs, out.n_tokens), file=sys.stderr)


if __name__ == "__main__":
    main()
