#!/usr/bin/python3
"""bench_train_torch.py: the four predictors of SPEC 5 in PyTorch (float32,
CPU), trained on random inputs of the same shape as bench_train.c: the
reference that bench/bench_train.sh sets moespec beside. Run it with Debian's
python3-torch (/usr/bin/python3).

Each model is moespec's in shape, initialisation and loss: ports to
nn.Module of the float64 references in tests/fixtures/ (make_linear_fixture,
make_simple_fixture, make_window_fixture.py), which pin the C models.
bench/bench_train_torch_check.py holds these modules against those fixtures.
  linear   one map per layer; the batch sorted by layer and one GEMM per
           layer present (as src/models/linear.c), rows put back in order
  simple   D->W, 2 x [W->W, LayerNorm, ReLU, Dropout 0.1], W->E
  hybrid   features + 2 nn.TransformerEncoderLayer (pre-norm, causal) + heads
  complex  6 nn.TransformerEncoderLayer over 2W + expert and confidence heads
The step is the trainer's: forward, loss, zero_grad, backward,
clip_grad_norm_(1.0), AdamW (betas 0.9/0.999, eps 1e-8, weight decay 0.01).
Batches as bench_train.c's: B rows (per-token), or B/window whole windows of
one sequence at one layer each (hybrid's future targets are the next
tokens'); every row valid, so samples = rows with a target = B.

Usage: bench_train_torch.py [--arch linear|simple|hybrid|complex] [--dim D]
       [--experts E] [--top-k K] [--layers L] [--batch B] [--steps N]
       [--warmup N] [--threads T] [--seconds S] [--width W] [--window T]
       [--rank R] [--no-layer-id]
"""
import argparse
import ctypes
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HYBRID_HEADS, HYBRID_LAYERS, HYBRID_AHEAD = 4, 2, 4
HYBRID_CURRENT_W, HYBRID_FUTURE_W = 1.0, 0.3
COMPLEX_HEADS, COMPLEX_LAYERS, COMPLEX_CE_W, COMPLEX_CONF_W = 8, 6, 0.5, 0.1


def xavier_linears(module):
    """SPEC 5: every Linear weight Xavier-uniform, every bias 0."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def encoder_layer(C, H, Fw):
    """nn/transformer.h's layer: pre-norm, ReLU, no dropout; in_proj is
    already Xavier over (3C, C) with zero bias (nn.MultiheadAttention's)."""
    return nn.TransformerEncoderLayer(C, H, dim_feedforward=Fw, dropout=0.0, activation="relu",
                                      batch_first=True, norm_first=True)


def causal_mask(T):
    return torch.triu(torch.full((T, T), float("-inf")), diagonal=1)


class Linear(nn.Module):
    """scores = A_l h + b_l (A_l = U_l V_l with a rank); one map without the
    layer id. Each map is its own Parameter: slices of one tensor would make
    every slice's backward write a gradient of the whole tensor."""

    def __init__(self, D, E, L, rank, use_layer_id):
        super().__init__()
        self.M, self.rank = (L if use_layer_id else 1), rank

        def weights(rows, cols):
            return nn.ParameterList(nn.Parameter(nn.init.xavier_uniform_(torch.empty(rows, cols)))
                                    for _ in range(self.M))
        if rank:  # drawn U_l then V_l per map in moespec; the order only moves the draws
            self.u, self.v = weights(E, rank), weights(rank, D)
        else:
            self.a = weights(E, D)
        self.b = nn.ParameterList(nn.Parameter(torch.zeros(E)) for _ in range(self.M))

    def map(self, l, x):
        if self.rank:
            return F.linear(F.linear(x, self.v[l]), self.u[l], self.b[l])
        return F.linear(x, self.a[l], self.b[l])

    def forward(self, x, layer):
        if self.M == 1:
            return self.map(0, x)
        _, order = torch.sort(layer, stable=True)
        counts = torch.bincount(layer, minlength=self.M).tolist()
        xs, outs, s0 = x.index_select(0, order), [], 0
        for l, nl in enumerate(counts):
            if nl:
                outs.append(self.map(l, xs[s0:s0 + nl]))
            s0 += nl
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(order.numel())
        return torch.cat(outs).index_select(0, inverse)


class Simple(nn.Module):
    def __init__(self, D, W, E, L, use_layer_id):
        super().__init__()
        self.inp = nn.Linear(D, W)
        self.emb = nn.Embedding(L, W) if use_layer_id else None
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(W, W), nn.LayerNorm(W), nn.ReLU(), nn.Dropout(0.1))
            for _ in range(2))
        self.out = nn.Linear(W, E)
        xavier_linears(self)

    def forward(self, x, layer):
        h = self.inp(x)
        if self.emb is not None:
            h = h + self.emb(layer)
        for b in self.blocks:
            h = b(h)
        return self.out(h)


class Hybrid(nn.Module):
    """src/models/hybrid.h: features, head (a), learned positions, causal
    stack, current-token head (c) and the four future heads (u)."""

    def __init__(self, D, W, E, L, T, use_layer_id):
        super().__init__()
        self.W, self.E, self.T = W, E, T
        self.w1 = nn.Linear(D, W)
        self.emb = nn.Embedding(L, W) if use_layer_id else None
        self.ln1, self.w2, self.ln2 = nn.LayerNorm(W), nn.Linear(W, W), nn.LayerNorm(W)
        self.wa = nn.Linear(W, E)
        self.pos = nn.Parameter(0.02 * torch.randn(T, W))
        self.tf = nn.ModuleList(encoder_layer(W, HYBRID_HEADS, W) for _ in range(HYBRID_LAYERS))
        self.wc = nn.Linear(W, E)
        self.wu = nn.Linear(W, HYBRID_AHEAD * E)
        self.register_buffer("mask", causal_mask(T))
        xavier_linears(self)
        with torch.no_grad():  # each future head its own Linear W->E (bound from (E, W))
            for j in range(HYBRID_AHEAD):
                nn.init.xavier_uniform_(self.wu.weight[j * E:(j + 1) * E])

    def forward(self, x, layer):
        n = x.shape[0]
        h = self.w1(x)
        if self.emb is not None:
            h = h + self.emb(layer)
        f = F.relu(self.ln2(self.w2(F.relu(self.ln1(h)))))
        z = f.view(n // self.T, self.T, self.W) + self.pos
        for l in self.tf:
            z = l(z, src_mask=self.mask)
        z = z.reshape(n, self.W)
        return self.wa(f), self.wc(z), self.wu(z).view(n, HYBRID_AHEAD, self.E)


def sinusoids(T, C):
    """nn/attention.h's table, computed in double, stored as float32."""
    t = torch.arange(T, dtype=torch.float64)[:, None]
    c = torch.arange(C)
    angle = t / torch.pow(10000.0, (c - c % 2).double() / C)
    return torch.where(c % 2 == 1, torch.cos(angle), torch.sin(angle)).float()


class Complex(nn.Module):
    """src/models/complex.h: Linear D->2W + sinusoids, 6 causal layers (8
    heads, FFN 8W), final LayerNorm, expert head 2W->4W->2W->E and
    confidence head 2W->W->1."""

    def __init__(self, D, W, E, L, T, use_layer_id):
        super().__init__()
        C = 2 * W
        self.C, self.T = C, T
        self.w_in = nn.Linear(D, C)
        self.emb = nn.Embedding(L, C) if use_layer_id else None
        self.register_buffer("sinus", sinusoids(T, C))
        self.tf = nn.ModuleList(encoder_layer(C, COMPLEX_HEADS, 4 * C)
                                for _ in range(COMPLEX_LAYERS))
        self.lnf = nn.LayerNorm(C)
        self.we1, self.we2, self.we3 = nn.Linear(C, 2 * C), nn.Linear(2 * C, C), nn.Linear(C, E)
        self.wq1, self.wq2 = nn.Linear(C, W), nn.Linear(W, 1)
        self.register_buffer("mask", causal_mask(T))
        xavier_linears(self)

    def forward(self, x, layer):
        n = x.shape[0]
        h = self.w_in(x)
        if self.emb is not None:
            h = h + self.emb(layer)
        h = h.view(n // self.T, self.T, self.C) + self.sinus
        for l in self.tf:
            h = l(h, src_mask=self.mask)
        y = self.lnf(h.reshape(n, self.C))
        scores = self.we3(F.relu(self.we2(F.relu(self.we1(y)))))
        return scores, self.wq2(F.relu(self.wq1(y))).view(n)


def rows(x, used):
    return x if used is None else x[used]


def soft_ce(logits, soft, used=None):
    """Soft-target CE (1/K on each target id), mean over the rows that
    count (all when used is None)."""
    return -(rows(soft, used) * torch.log_softmax(rows(logits, used), dim=1)).sum(dim=1).mean()


def bce(logits, multihot, used=None):
    """Multi-hot BCE, mean over the rows that count x E."""
    return F.binary_cross_entropy_with_logits(rows(logits, used), rows(multihot, used))


def hybrid_loss(out, t):
    """BCE(a) + 1.0 BCE(c) + 0.3 x the mean over the offsets j that have a
    row whose token t+1+j exists of BCE(u_j) over those rows."""
    a, c, u = out
    used, fused = t["used"], t["future_used"]
    terms = []
    for j in range(u.shape[1]):
        uj = None if fused is None else fused[:, j]
        if uj is None or uj.any():
            terms.append(bce(u[:, j], t["future"][:, j], uj))
    loss = bce(a, t["multihot"], used) + HYBRID_CURRENT_W * bce(c, t["multihot"], used)
    return loss + HYBRID_FUTURE_W * sum(terms) / len(terms) if terms else loss


def complex_loss(out, t, K):
    """BCE + 0.5 soft CE + 0.1 BCE of the confidence against "top-K
    exactly right" (set from the scores of this forward, no gradient)."""
    scores, conf = out
    used = t["used"]
    with torch.no_grad():
        top = torch.sort(torch.topk(scores, K, dim=1).indices, dim=1).values
        exact = (top == t["sorted"]).all(dim=1).to(scores.dtype)
    return (bce(scores, t["multihot"], used) + COMPLEX_CE_W * soft_ce(scores, t["soft"], used)
            + COMPLEX_CONF_W * F.binary_cross_entropy_with_logits(rows(conf, used),
                                                                  rows(exact, used)))


def target_forms(targets, E, valid=None, future=None):
    """The targets [n][K] (and future [n][A][K]) in the forms the losses
    take. Ids of -1 (padding, tokens past a sequence's end) are in no set;
    valid [n] and the -1 future rows give the masks (None: all count)."""
    n, K = targets.shape
    known = (targets >= 0).to(torch.get_default_dtype())
    ids = targets.clamp(min=0)
    t = {"soft": torch.zeros(n, E).scatter_add_(1, ids, known / K),
         "multihot": torch.zeros(n, E).scatter_add_(1, ids, known).clamp(max=1.0),
         "sorted": torch.sort(targets, dim=1).values,
         "used": None if valid is None else valid.bool(), "future_used": None}
    if future is not None:
        A = future.shape[1]
        fk = (future >= 0).to(torch.get_default_dtype())
        t["future"] = torch.zeros(n, A, E).scatter_add_(2, future.clamp(min=0), fk).clamp(max=1.0)
        if (future < 0).any() or valid is not None:
            t["future_used"] = future[:, :, 0] >= 0
            if valid is not None:
                t["future_used"] &= valid.bool()[:, None]
    return t


def random_targets(n, E, K):
    """n target sets of K distinct ids: a run of consecutive experts."""
    return (torch.randint(0, E, (n, 1)) + torch.arange(K)) % E


def make_batch(a, windowed, n_aux):
    """x, layer and the target forms, every row valid."""
    D, E, K, L = a.dim, a.experts, a.top_k, a.layers
    T = a.window if windowed else 1
    nwin = a.batch // T
    n = nwin * T
    x = torch.randn(n, D)
    layer = torch.randint(0, L, (nwin, 1)).expand(nwin, T).reshape(n)
    seq = random_targets(nwin * (T + n_aux), E, K).view(nwin, T + n_aux, K)
    targets = seq[:, :T].reshape(n, K)
    future = None
    if n_aux:  # row p's future j: token p + 1 + j of its window's sequence
        future = torch.stack([seq[:, 1 + j:1 + j + T] for j in range(n_aux)], dim=2)
        future = future.reshape(n, n_aux, K)
    return x, layer, target_forms(targets, E, None, future)


def build(a):
    """The model and its loss for --arch."""
    D, W, E, K, L, T, lid = a.dim, a.width, a.experts, a.top_k, a.layers, a.window, \
        not a.no_layer_id
    if a.arch == "linear":
        return Linear(D, E, L, a.rank, lid), lambda out, t: soft_ce(out, t["soft"]), False, 0
    if a.arch == "simple":
        return Simple(D, W, E, L, lid), lambda out, t: soft_ce(out, t["soft"]), False, 0
    if a.arch == "hybrid":
        return Hybrid(D, W, E, L, T, lid), hybrid_loss, True, HYBRID_AHEAD
    return Complex(D, W, E, L, T, lid), lambda out, t: complex_loss(out, t, K), True, 0


def openblas():
    """OpenBLAS's core and thread count as this process has them."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode(), lib.openblas_get_num_threads()
    except (OSError, AttributeError):
        return "unknown", 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=("linear", "simple", "hybrid", "complex"), default="simple")
    for name, default in (("dim", 2048), ("experts", 60), ("top-k", 4), ("layers", 24),
                          ("batch", 1024), ("steps", 20), ("warmup", 3), ("threads", 0),
                          ("width", 256), ("window", 32), ("rank", 0)):
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--seconds", type=float, default=0.0,
                   help="keep stepping past --steps until this much time has passed")
    p.add_argument("--no-layer-id", action="store_true")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, loss_fn, windowed, n_aux = build(a)
    x, layer, t = make_batch(a, windowed, n_aux)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                            weight_decay=0.01)
    model.train()
    t0, steps, s = 0.0, 0, 0
    while s < a.warmup or steps < a.steps or time.perf_counter() - t0 < a.seconds:
        if s == a.warmup:
            t0 = time.perf_counter()
        loss = loss_fn(model(x, layer), t)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        steps += s >= a.warmup
        s += 1
    secs = time.perf_counter() - t0
    n = x.shape[0]
    core, blas_threads = openblas()
    print("pytorch %s%s: %.0f samples/s (samples = rows with a target; D=%d W=%d E=%d K=%d "
          "L=%d window %d rank %d, %d params, B=%d rows, %d steps in %.3f s, loss %.4f; "
          "OpenBLAS core %s, %d threads; torch %s, %d threads)"
          % (a.arch, "" if not a.no_layer_id else " (no layer id)", steps * n / secs, a.dim,
             a.width, a.experts, a.top_k, a.layers, a.window if windowed else 1, a.rank,
             sum(q.numel() for q in model.parameters()), n, steps, secs, loss.item(), core,
             blas_threads, torch.__version__, torch.get_num_threads()))


if __name__ == "__main__":
    main()
