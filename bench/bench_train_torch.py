#!/usr/bin/python3
"""bench_train_torch.py: the simple predictor of SPEC 5 in PyTorch (float32,
CPU), trained on random inputs of the same shape as bench_train.c: the
reference that bench/bench_train.sh sets moespec beside. Run it with Debian's
python3-torch (/usr/bin/python3).

Usage: bench_train_torch.py [--dim D] [--experts E] [--top-k K] [--layers L]
                            [--batch B] [--steps N] [--warmup N] [--threads T]
"""
import argparse
import time

import torch
import torch.nn as nn


class Simple(nn.Module):
    def __init__(self, D, W, E, L):
        super().__init__()
        self.inp = nn.Linear(D, W)
        self.emb = nn.Embedding(L, W)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(W, W), nn.LayerNorm(W), nn.ReLU(), nn.Dropout(0.1))
            for _ in range(2))
        self.out = nn.Linear(W, E)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x, layer):
        h = self.inp(x) + self.emb(layer)
        for b in self.blocks:
            h = b(h)
        return self.out(h)


def main():
    p = argparse.ArgumentParser()
    for name, default in (("dim", 2048), ("experts", 60), ("top-k", 4), ("layers", 24),
                          ("batch", 1024), ("steps", 20), ("warmup", 3), ("threads", 0)):
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    D, E, K, L, B = a.dim, a.experts, a.top_k, a.layers, a.batch
    W = D // 2 if D < 512 else 256
    model = Simple(D, W, E, L)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.01)
    x = torch.randn(B, D)
    layer = torch.randint(0, L, (B,))
    first = torch.randint(0, E, (B, 1))
    targets = (first + torch.arange(K)) % E
    soft = torch.zeros(B, E).scatter_(1, targets, 1.0 / K)
    model.train()
    t0 = 0.0
    for s in range(a.warmup + a.steps):
        if s == a.warmup:
            t0 = time.perf_counter()
        logits = model(x, layer)
        loss = -(soft * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    secs = time.perf_counter() - t0
    print("pytorch simple: %.0f samples/s (D=%d W=%d E=%d B=%d, %d steps in %.3f s, loss %.4f; "
          "torch %s, %d threads)" % (a.steps * B / secs, D, W, E, B, a.steps, secs, loss.item(),
                                     torch.__version__, torch.get_num_threads()))


if __name__ == "__main__":
    main()
