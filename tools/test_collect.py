#!/usr/bin/env python3
"""test_collect.py: checks collect_traces.py on tiny random models of each
family: the trace set it writes is read back independently (numpy over the
documented layout) and its experts must equal the top-K of the router logits
that transformers itself returns (output_router_logits=True), in gate order;
its hidden states must be the router's input; its router.safetensors must
hold the model's own gate matrices, and the top-K of softmax(W h) over the
stored hidden states (the `gate` baseline at lookahead 0) must give back the
stored experts. Needs torch and transformers
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


def read_router(path, L):
    """[L] of (weight [E][D], bias [E] or None) from router.safetensors,
    parsed independently of moespec_traces (8-byte length, JSON, F32 data)."""
    import json
    buf = open(os.path.join(path, "router.safetensors"), "rb").read()
    n = int(np.frombuffer(buf[:8], "<u8")[0])
    head = json.loads(buf[8:8 + n])
    data = buf[8 + n:]

    def tensor(name):
        if name not in head:
            return None
        t = head[name]
        assert t["dtype"] == "F32", name
        a, b = t["data_offsets"]
        return np.frombuffer(data[a:b], "<f4").reshape(t["shape"])
    return [(tensor("layers.%d.router.weight" % l), tensor("layers.%d.router.bias" % l))
            for l in range(L)]


def read_hidden(path, L, D):
    """hidden states [N][L][D] (f32 sets only) of a set, in token order."""
    out = []
    for line in open(os.path.join(path, "manifest")):
        if line.startswith("shard ="):
            buf = open(os.path.join(path, line.split()[2]), "rb").read()
            hdr = np.frombuffer(buf[48:128], dtype="<u8")
            n_tok, hid = int(hdr[2]), int(hdr[7])
            out.append(np.frombuffer(buf, "<f4", n_tok * L * D, hid).reshape(n_tok, L, D))
    return np.concatenate(out)


def diagnose(family, path, model, stored, hidden, experts, K):
    """Why the gate rule and the stored experts disagree: the model's own
    router logits against W h of the stored hidden states, and the logit gaps
    at the K-th place where they differ."""
    for l, (w, b) in enumerate(stored):
        lg = hidden[:, l, :].astype(np.float64) @ w.T.astype(np.float64)
        if b is not None:
            lg += b
        top = np.argsort(-lg, axis=1, kind="stable")
        bad = np.where((np.sort(top[:, :K], 1) != np.sort(experts[:, l, :], 1)).any(1))[0]
        for i in bad[:4]:
            srt = np.sort(lg[i])[::-1]
            print("  %s layer %d token %d: stored %s, W h top %s, logits %s"
                  % (family, l, i, experts[i, l].tolist(), top[i, :K].tolist(),
                     np.round(srt[:K + 2], 6).tolist()))


def check_router(family, path, model, man, experts):
    L, K, D = int(man["L"]), int(man["K"]), int(man["D"])
    layers = collect_traces.moe_layers(model)
    stored = read_router(path, L)
    for l, ((_, gate, _), (w, b)) in enumerate(zip(layers, stored)):
        assert w is not None, "%s: layer %d has no router weight" % (family, l)
        want = gate.weight.detach().float().numpy()
        assert np.array_equal(w, want), "%s: layer %d router differs from the gate" % (family, l)
        gb = getattr(gate, "bias", None)
        assert (b is None) == (gb is None), "%s: layer %d bias presence" % (family, l)
    hidden = read_hidden(path, L, D)
    agree, steps, tied = 0, 0, 0
    for l, (w, b) in enumerate(stored):
        logits = hidden[:, l, :].astype(np.float64) @ w.T.astype(np.float64)
        if b is not None:
            logits += b
        # A tie at the K-th place (an all-zero hidden state: a padding
        # token's zero embedding) has no one answer: torch.topk picks any,
        # moespec the lower ids. Such steps are counted apart.
        srt = -np.sort(-logits, axis=1)
        clear = srt[:, K - 1] != srt[:, K]
        top = np.argsort(-logits, axis=1, kind="stable")[:, :K]
        same = (np.sort(top, 1) == np.sort(experts[:, l, :], 1)).all(1)
        agree += (same & clear).sum()
        steps += clear.sum()
        tied += (~clear).sum()
    share = agree / steps
    if tied:
        print("  %s: %d of %d steps tie at the K-th logit (left out)" % (family, tied, tied + steps))
    if share < 0.999:
        diagnose(family, path, model, stored, hidden, experts, K)
    assert share >= 0.999, "%s: the gate rule gives the stored experts for %.4f of steps" % (
        family, share)
    return share


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
            logits = getattr(model(ids, output_router_logits=True), "router_logits", None)
        if logits is None:
            # DeepSeek-V2's model class returns no router logits: its experts
            # are checked by the gate rule of check_router alone.
            print("  %s: the model returns no router logits; experts checked by the gate rule"
                  % family)
            break
        want = np.stack([torch.topk(torch.softmax(l.float(), -1), K, -1).indices.numpy()
                         for l in logits], axis=1)
        got = experts[start:start + T]
        assert (got == want).all(), "%s: experts differ from the model's router" % family
        start += T
    share = check_router(family, path, model, man, experts)
    print("%s: E=%s K=%s L=%s D=%s, %d sequences, experts match the router's top-%d "
          "(where the model returns router logits); "
          "router.safetensors equals the gates; gate rule exact on %.4f of steps"
          % (family, man["E"], man["K"], man["L"], man["D"], len(lens), K, share))


def main():
    out = sys.argv[1]
    failed = []
    for family in collect_traces.FAMILIES:
        try:
            check(family, out)
        except AssertionError as exc:
            print("FAIL", exc)
            failed.append(family)
    if failed:
        raise SystemExit("test_collect: failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
