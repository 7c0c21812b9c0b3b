#!/usr/bin/env python3
"""synth_probe.py: checks SPEC 4.3's "residual-stream hidden state" property
of a trace set: how well layer l's stored hidden state predicts the routing
of layer l (its own router's input) and of layer l+1, against the frequency
baseline. Linear softmax probes (and optionally a one-hidden-layer MLP),
trained on 90 % of the sequences and evaluated on the rest.

Usage: /usr/bin/python3 tools/synth_probe.py SET_DIR [--layers 0,5,11,17,22|all]
           [--lookahead 0,1] [--epochs 8] [--mlp] [--seed 1] [--val-frac 0.1]
           [--csv FILE]
Prints one line per (layer, target): hit@1 (the top-1 guess is among the
token's K experts), top1 = the guess is the primary expert, recall@K.
The validation sequences are moespec's own (src/data/split.c, the same
--seed and --val-frac as `moespec train`), so the numbers stand beside
moespec's layers.csv; --csv writes them in that file's layout
(layer = input layer) with the frequency baseline beside.
Needs numpy and torch; reads the shard layout of moespec-traces(5)
(src/data/shard.h). Not part of the test suite (takes a minute).
"""
import argparse
import os
import struct
import sys

import numpy as np
import torch


def read_set(path):
    shards = []
    with open(os.path.join(path, "manifest")) as f:
        for line in f:
            if line.startswith("shard ="):
                shards.append(line.split()[2])
    toks, exps, hids = [], [], []
    seq_of = []
    first_seq = 0
    for name in shards:
        buf = open(os.path.join(path, name), "rb").read()
        E, K, L, D, point, dtype, flags, index = struct.unpack_from("<8I", buf, 16)
        fseq, nseq, ntok, o_seq, o_tok, o_exp, o_w, o_hid = struct.unpack_from("<8Q", buf, 48)
        seqtab = np.frombuffer(buf, np.uint64, nseq + 1, o_seq).astype(np.int64)
        exps.append(np.frombuffer(buf, np.uint16, ntok * L * K, o_exp).reshape(ntok, L, K))
        hdt = np.float16 if dtype == 1 else np.float32
        hids.append(np.frombuffer(buf, hdt, ntok * L * D, o_hid).reshape(ntok, L, D))
        for s in range(nseq):
            seq_of.append(np.full(seqtab[s + 1] - seqtab[s], first_seq + s))
        first_seq += nseq
    return (E, K, L, D, np.concatenate(exps), np.concatenate(hids),
            np.concatenate(seq_of))


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


MASK64 = (1 << 64) - 1


def moespec_val_mask(n_seqs, frac, seed):
    """is_val[s] as split_by_sequence (src/data/split.c) draws it: the
    first round(frac * n) of a Fisher-Yates shuffle keyed by the seed."""
    n_val = max(1, int(np.floor(frac * n_seqs + 0.5)))
    order = list(range(n_seqs))
    state = seed ^ 0xBB67AE8584CAA73B
    for i in range(n_seqs - 1, 0, -1):
        state, r = splitmix64(state)
        j = r % (i + 1)
        order[i], order[j] = order[j], order[i]
    mask = np.zeros(n_seqs, dtype=bool)
    mask[order[:n_val]] = True
    return mask


def metrics(scores, target, K):
    """hit@1, top1 (primary), recall@K of scores [N,E] against target [N,K]."""
    top = torch.topk(scores, K, dim=1).indices
    hit1 = (top[:, :1] == target).any(1).float().mean().item()
    prim = (top[:, 0] == target[:, 0]).float().mean().item()
    rec = (top.unsqueeze(2) == target.unsqueeze(1)).any(2).float().sum(1).mean().item() / K
    return hit1, prim, rec


def probe(x_tr, y_tr, x_va, y_va, E, K, epochs, mlp):
    torch.manual_seed(0)
    D = x_tr.shape[1]
    net = (torch.nn.Sequential(torch.nn.Linear(D, 256), torch.nn.ReLU(), torch.nn.Linear(256, E))
           if mlp else torch.nn.Linear(D, E))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    soft = torch.zeros(len(y_tr), E).scatter_(1, y_tr, 1.0 / K)
    for _ in range(epochs):
        perm = torch.randperm(len(x_tr))
        for i in range(0, len(x_tr), 512):
            b = perm[i:i + 512]
            loss = -(soft[b] * torch.log_softmax(net(x_tr[b]), 1)).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return metrics(net(x_va), y_va, K)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("set")
    ap.add_argument("--layers", default="0,5,11,17,22", help="comma list or 'all'")
    ap.add_argument("--lookahead", default="0,1", help="targets l+N, comma list")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--mlp", action="store_true")
    ap.add_argument("--seed", type=int, default=1, help="moespec's --seed (the split)")
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--csv", help="write lookahead,layer,recall_K,... here")
    a = ap.parse_args()
    torch.set_num_threads(2)
    E, K, L, D, exps, hids, seq = read_set(a.set)
    nseq = seq.max() + 1
    val = moespec_val_mask(nseq, a.val_frac, a.seed)[seq]
    layers = range(L) if a.layers == "all" else [int(v) for v in a.layers.split(",")]
    print(f"E={E} K={K} L={L} D={D} tokens={len(seq)} val={val.sum()} probe={'mlp' if a.mlp else 'linear'}")
    print("layer  target  probe(hit@1 top1 recall@K)   frequency(hit@1 top1 recall@K)")
    rows = []
    for l in layers:
        x = torch.tensor(hids[:, l, :].astype(np.float32))
        mu, sd = x[~val].mean(0), x[~val].std(0) + 1e-6
        x = (x - mu) / sd
        for dl in [int(v) for v in a.lookahead.split(",")]:
            if l + dl >= L:
                continue
            y = torch.tensor(exps[:, l + dl, :].astype(np.int64))
            p = probe(x[~val], y[~val], x[val], y[val], E, K, a.epochs, a.mlp)
            counts = torch.bincount(y[~val].flatten(), minlength=E).float()
            # frequency order with ties to the lower id, as moespec ranks
            counts = counts - torch.arange(E, dtype=torch.float32) * 1e-6
            freq = metrics(counts.expand(int(val.sum()), E), y[val], K)
            rows.append((dl, l, p[2], p[0], freq[2]))
            print(f"{l:5d}  l+{dl:<5d} {p[0]:.3f} {p[1]:.3f} {p[2]:.3f}          "
                  f"{freq[0]:.3f} {freq[1]:.3f} {freq[2]:.3f}")
            sys.stdout.flush()
    for dl in sorted({r[0] for r in rows}):
        sel = [r for r in rows if r[0] == dl]
        print(f"mean over {len(sel)} layers, l+{dl}: probe recall@K {np.mean([r[2] for r in sel]):.4f}"
              f", frequency recall@K {np.mean([r[4] for r in sel]):.4f}")
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("lookahead,layer,probe_recall_K,probe_hit1,frequency_recall_K\n")
            for r in rows:
                f.write("%d,%d,%.6f,%.6f,%.6f\n" % r)


if __name__ == "__main__":
    main()
