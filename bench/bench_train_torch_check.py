#!/usr/bin/python3
"""bench_train_torch_check.py: holds the nn.Module ports of
bench_train_torch.py against the float64 references that pin moespec's
models (tests/fixtures/*.bin, made by the make_*_fixture.py beside them):
the fixture's parameters are loaded into the module (in float64), its batch
run through it, and the scores and the loss compared with the fixture's.
simple's training logits depend on moespec's dropout stream, so simple is
compared in evaluation mode, and its loss on the fixture's training logits.
The benchmark itself never needs this.

Usage: /usr/bin/python3 bench/bench_train_torch_check.py [FIXTURE_DIR]
       (default tests/fixtures beside this script's folder); exit 1 on a
       mismatch.
"""
import os
import struct
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in a source tree (read-only in distcheck)
import bench_train_torch as bt  # noqa: E402 (after the line above)

torch.set_default_dtype(torch.float64)
TOL = 1e-9  # float64 both sides; only the summation order differs
GRAD_TOL = 1e-6  # the windowed fixtures store gradients as float32


def read_fixture(path):
    """name -> tensor (float64 for 'd' and 'f', int64 for 'i')."""
    out = {}
    with open(path, "rb") as f:
        assert f.read(16) == b"MOESPEC-FIXTURE1", path
        while True:
            head = f.read(4)
            if not head:
                return out
            name = f.read(struct.unpack("<I", head)[0]).decode()
            kind = f.read(1).decode()
            count = struct.unpack("<Q", f.read(8))[0]
            size = {"d": 8, "f": 4, "i": 4}[kind]
            vals = struct.unpack(f"<{count}{kind}", f.read(count * size))
            out[name] = torch.tensor(vals, dtype=torch.int64 if kind == "i" else torch.float64)


def load_flat(tensors, flat):
    """Copies consecutive slices of flat into tensors, in order."""
    off = 0
    with torch.no_grad():
        for t in tensors:
            t.copy_(flat[off:off + t.numel()].view(t.shape))
            off += t.numel()
    assert off == flat.numel(), (off, flat.numel())


def close_grads(loss, tensors, want):
    """The gradient of loss, flattened in the parameter order, against want."""
    loss.backward()
    got = torch.cat([(t.grad if t.grad is not None else torch.zeros_like(t)).reshape(-1)
                     for t in tensors])  # a map no row used has none
    return close("grads", got, want, GRAD_TOL)


def layer_tensors(layer):
    """One nn.TransformerEncoderLayer in nn/transformer.h's order."""
    a = layer.self_attn
    return [layer.norm1.weight, layer.norm1.bias, a.in_proj_weight, a.in_proj_bias,
            a.out_proj.weight, a.out_proj.bias, layer.norm2.weight, layer.norm2.bias,
            layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias]


def emb(m):
    return [m.emb.weight] if m.emb is not None else []


def linear_order(m):
    maps = []
    for l in range(m.M):
        maps += ([m.u[l], m.v[l]] if m.rank else [m.a[l]]) + [m.b[l]]
    return maps


def simple_order(m):
    out = [m.inp.weight, m.inp.bias] + emb(m)
    for b in m.blocks:
        out += [b[0].weight, b[0].bias, b[1].weight, b[1].bias]
    return out + [m.out.weight, m.out.bias]


def hybrid_order(m):
    out = [m.w1.weight, m.w1.bias] + emb(m) + [
        m.ln1.weight, m.ln1.bias, m.w2.weight, m.w2.bias, m.ln2.weight, m.ln2.bias,
        m.wa.weight, m.wa.bias, m.pos]
    for layer in m.tf:
        out += layer_tensors(layer)
    return out + [m.wc.weight, m.wc.bias, m.wu.weight, m.wu.bias]


def complex_order(m):
    out = [m.w_in.weight, m.w_in.bias] + emb(m)
    for layer in m.tf:
        out += layer_tensors(layer)
    return out + [m.lnf.weight, m.lnf.bias, m.we1.weight, m.we1.bias, m.we2.weight,
                  m.we2.bias, m.we3.weight, m.we3.bias, m.wq1.weight, m.wq1.bias,
                  m.wq2.weight, m.wq2.bias]


def close(name, got, want, tol=TOL):
    err = (got - want).abs().max().item()
    scale = max(1.0, want.abs().max().item())
    ok = err <= tol * scale
    print(f"  {name}: max |diff| {err:.3g} {'ok' if ok else 'MISMATCH'}")
    return ok


def check_linear(f):
    B, D, E, K, L, lid, rank = f["cfg"][:7].tolist()
    m = bt.Linear(D, E, L, rank, lid)
    load_flat(linear_order(m), f["params"])
    logits = m(f["x"].view(B, D), f["layer"])
    t = bt.target_forms(f["targets"].view(B, K), E)
    loss = bt.soft_ce(logits, t["soft"])
    return close("logits", logits, f["logits"].view(B, E)) & \
        close("loss", loss.view(1), f["loss"]) & close_grads(loss, linear_order(m), f["grads"])


def check_simple(f):
    B, D, W, E, K, L, lid = f["cfg"][:7].tolist()
    m = bt.Simple(D, W, E, L, lid)
    load_flat(simple_order(m), f["params"])
    m.eval()
    t = bt.target_forms(f["targets"].view(B, K), E)
    train_loss = bt.soft_ce(f["logits"].view(B, E), t["soft"]).view(1)  # its dropout's logits
    return close("eval logits", m(f["x"].view(B, D), f["layer"]), f["logits_eval"].view(B, E)) & \
        close("loss of the training logits", train_loss, f["loss"])


def check_window(f, arch):
    N, D, W, E, K, L, T, lid = f["cfg"][:8].tolist()
    cls, order = (bt.Hybrid, hybrid_order) if arch == "hybrid" else (bt.Complex, complex_order)
    m = cls(D, W, E, L, T, lid)
    load_flat(order(m), f["params"])
    m.train()  # no dropout in either; keeps nn.TransformerEncoderLayer off its fast path
    out = m(f["x"].view(N, D), f["layer"])
    if arch == "hybrid":
        A = bt.HYBRID_AHEAD
        t = bt.target_forms(f["targets"].view(N, K), E, f["valid"], f["future"].view(N, A, K))
        ok = close("scores", 0.5 * (out[0] + out[1]), f["scores"].view(N, E)) & \
            close("future scores", out[2], f["future_scores"].view(N, A, E))
        loss = bt.hybrid_loss(out, t)
    else:
        t = bt.target_forms(f["targets"].view(N, K), E, f["valid"])
        ok = close("scores", out[0], f["scores"].view(N, E)) & close("conf", out[1], f["conf"])
        loss = bt.complex_loss(out, t, K)
    return ok & close("loss", loss.view(1), f["loss"]) & close_grads(loss, order(m), f["grads"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "fixtures")
    ok = True
    for name in ("linear_layerid", "linear_nolayerid", "linear_rank", "simple_layerid",
                 "simple_nolayerid", "hybrid_layerid", "hybrid_nolayerid", "complex_layerid",
                 "complex_nolayerid"):
        print(name)
        f = read_fixture(os.path.join(fixtures, name + ".bin"))
        arch = name.split("_")[0]
        if arch == "linear":
            ok &= check_linear(f)
        elif arch == "simple":
            ok &= check_simple(f)
        else:
            ok &= check_window(f, arch)
    print("all match" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
