"""moespec_traces.py: write a moespec trace set (moespec-traces(5)) from Python.

The byte layout, the checksum and the manifest follow src/data/shard.c,
src/data/checksum.c and src/data/manifest.c; `moespec info DIR` reads the
result back and verifies every checksum, which is how the collector's tests
check this file. Needs numpy only; uses the `xxhash` package when present (the
shard checksum equals XXH64 with seed 0 for the shard sizes written here,
always a multiple of 64 bytes), else a pure-Python fallback.

set_router() adds router.safetensors (the model's router matrices, F32, with
__metadata__ naming the source) and expert_bytes records one expert's size;
either makes the manifest version 2.

Not here: running a model (collect_traces.py).
"""
import json
import os
import shutil
import struct
import tempfile

import numpy as np

MAGIC = b"MOESHARD"
VERSION = 1
HEADER_BYTES = 128
ALIGN = 64
POINTS = {"unknown": 0, "router-input": 1, "layer-input": 2}
DTYPES = {"f32": 0, "f16": 1}
M64 = (1 << 64) - 1
P1, P2, P3, P4 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                  0x85EBCA77C2B2AE63)


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def _round(acc, w):
    return (_rotl((acc + w * P2) & M64, 31) * P1) & M64


def checksum_py(data):
    """The shard checksum of a buffer whose length is a multiple of 32 and at
    least 32 (a shard always is): four xxHash64 lanes, merged, finalised."""
    assert len(data) % 32 == 0 and len(data) >= 32
    words = np.frombuffer(data, dtype="<u8").reshape(-1, 4)
    v = [(P1 + P2) & M64, P2, 0, (-P1) & M64]
    for a, b, c, d in words.tolist():
        v[0] = _round(v[0], a)
        v[1] = _round(v[1], b)
        v[2] = _round(v[2], c)
        v[3] = _round(v[3], d)
    h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M64
    for lane in v:
        h = ((h ^ _round(0, lane)) * P1 + P4) & M64
    h = (h + len(data)) & M64
    h ^= h >> 33
    h = (h * P2) & M64
    h ^= h >> 29
    h = (h * P3) & M64
    h ^= h >> 32
    return h


def checksum(data):
    try:
        import xxhash
        return xxhash.xxh64_intdigest(data, seed=0)
    except ImportError:
        return checksum_py(data)


def _place(pos, nbytes):
    """Section at pos; returns (offset, next 64-aligned position)."""
    return pos, (pos + nbytes + ALIGN - 1) // ALIGN * ALIGN


class TraceSetWriter:
    """Sequences in, a trace set out: shards of whole sequences, written into
    a temporary sibling directory that close() renames to `path` (which must
    not exist or be empty); abort() removes everything."""

    def __init__(self, path, E, K, L, D, point="unknown", dtype="f16", weights=True,
                 tokens=True, shard_mb=256):
        if point not in POINTS or dtype not in DTYPES:
            raise ValueError("point must be one of %s, dtype f16 or f32" % sorted(POINTS))
        if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
            raise FileExistsError("%s: exists and is not empty" % path)
        self.path = os.path.abspath(path)
        self.E, self.K, self.L, self.D = E, K, L, D
        self.point, self.dtype = point, dtype
        self.weights, self.tokens = weights, tokens
        self.shard_bytes = shard_mb << 20
        parent = os.path.dirname(self.path)
        self.tmp = tempfile.mkdtemp(prefix="." + os.path.basename(self.path) + ".",
                                    suffix=".tmp", dir=parent)
        self.pending = []        # sequences of the shard being filled
        self.pending_bytes = 0
        self.shards = []         # (name, seqs, tokens, bytes, checksum)
        self.n_seqs = 0
        self.n_tokens = 0
        self.router = None       # (bytes, checksum) of router.safetensors
        self.expert_bytes = 0    # one expert's weights in bytes, 0 = unknown

    def set_router(self, weights, biases=None, source=""):
        """weights: L arrays [E][D]; biases: None or L arrays [E] (None
        entries allowed). Written as F32 safetensors, tensors
        layers.N.router.weight / .bias."""
        header, blobs, at = {"__metadata__": {"source": str(source)}}, [], 0
        if len(weights) != self.L:
            raise ValueError("router: %d weight matrices for %d layers" % (len(weights), self.L))
        for n in range(self.L):
            parts = [("weight", weights[n], (self.E, self.D))]
            if biases is not None and biases[n] is not None:
                parts.append(("bias", biases[n], (self.E,)))
            for what, a, shape in parts:
                a = np.asarray(a, dtype="<f4")
                if a.shape != shape or not np.isfinite(a).all():
                    raise ValueError("router: layers.%d.router.%s must be finite %s, not %s"
                                     % (n, what, list(shape), list(a.shape)))
                blob = a.tobytes()
                header["layers.%d.router.%s" % (n, what)] = {
                    "dtype": "F32", "shape": list(shape), "data_offsets": [at, at + len(blob)]}
                blobs.append(blob)
                at += len(blob)
        # the header is padded with spaces so that the file is a multiple of
        # 64 bytes, the lengths checksum() handles (8-aligned data whenever
        # the data size is a multiple of 8)
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * (-(8 + len(h) + at) % 64)
        data = struct.pack("<Q", len(h)) + h + b"".join(blobs)
        with open(os.path.join(self.tmp, "router.safetensors"), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        self.router = (len(data), checksum(data))

    def _seq_bytes(self, T):
        elt = 2 if self.dtype == "f16" else 4
        per_token = 4 + self.L * self.K * (2 + (4 if self.weights else 0)) + self.L * self.D * elt
        return 8 + T * per_token

    def add(self, experts, weights=None, hidden=None, tokens=None):
        """experts [T][L][K] ints < E in gate order; weights [T][L][K] or None;
        hidden [T][L][D] floats or None (D = 0); tokens [T] ids or None."""
        experts = np.asarray(experts, dtype=np.int64)
        T = experts.shape[0]
        if experts.shape != (T, self.L, self.K) or T < 1:
            raise ValueError("experts must be [T][%d][%d], T >= 1" % (self.L, self.K))
        if experts.min() < 0 or experts.max() >= self.E:
            raise ValueError("expert id out of [0, %d)" % self.E)
        seq = {"experts": experts.astype("<u2")}
        if self.weights:
            seq["weights"] = np.asarray(weights, dtype="<f4").reshape(T, self.L, self.K)
        if self.D:
            h = np.asarray(hidden, dtype=np.float32).reshape(T, self.L, self.D)
            if not np.isfinite(h).all():
                raise ValueError("hidden state is not finite")
            seq["hidden"] = h.astype("<f2" if self.dtype == "f16" else "<f4")
        seq["tokens"] = (np.full(T, -1) if tokens is None else np.asarray(tokens)).astype("<i4")
        size = self._seq_bytes(T)
        if self.pending and self.pending_bytes + size > self.shard_bytes:
            self._flush()
        self.pending.append(seq)
        self.pending_bytes += size

    def _flush(self):
        seqs, index = self.pending, len(self.shards)
        n_tok = sum(s["tokens"].shape[0] for s in seqs)
        lengths = np.cumsum([0] + [s["tokens"].shape[0] for s in seqs]).astype("<u8")
        parts = [("seqtab", lengths.tobytes()),
                 ("tokens", np.concatenate([s["tokens"] for s in seqs]).tobytes()),
                 ("experts", np.concatenate([s["experts"] for s in seqs]).tobytes())]
        if self.weights:
            parts.append(("weights", np.concatenate([s["weights"] for s in seqs]).tobytes()))
        if self.D:
            parts.append(("hidden", np.concatenate([s["hidden"] for s in seqs]).tobytes()))
        offs, pos = {}, HEADER_BYTES
        for name, blob in parts:
            offs[name], pos = _place(pos, len(blob))
        buf = bytearray(pos)
        for name, blob in parts:
            buf[offs[name]:offs[name] + len(blob)] = blob
        flags = (1 if self.weights else 0) | (2 if self.tokens else 0)
        head = MAGIC + struct.pack("<IIIIIIIIII", VERSION, HEADER_BYTES, self.E, self.K, self.L,
                                   self.D, POINTS[self.point], DTYPES[self.dtype], flags, index)
        head += struct.pack("<QQQQQQQQQQ", self.n_seqs, len(seqs), n_tok, offs["seqtab"],
                            offs["tokens"], offs["experts"], offs.get("weights", 0),
                            offs.get("hidden", 0), pos, 0)
        assert len(head) == HEADER_BYTES
        buf[:HEADER_BYTES] = head
        digest = checksum(bytes(buf))
        buf[120:128] = struct.pack("<Q", digest)
        name = "shard-%04d.bin" % index
        with open(os.path.join(self.tmp, name), "wb") as f:
            f.write(buf)
            f.flush()
            os.fsync(f.fileno())
        self.shards.append((name, len(seqs), n_tok, pos, digest))
        self.n_seqs += len(seqs)
        self.n_tokens += n_tok
        self.pending, self.pending_bytes = [], 0

    def close(self):
        if self.pending:
            self._flush()
        if not self.shards:
            self.abort()
            raise ValueError("no sequences were added")
        v2 = self.router is not None or self.expert_bytes > 0
        lines = ["moespec-traces %d" % (2 if v2 else 1), "E = %d" % self.E, "K = %d" % self.K, "L = %d" % self.L,
                 "D = %d" % self.D, "hidden_point = %s" % self.point, "dtype = %s" % self.dtype,
                 "weights = %s" % ("yes" if self.weights else "no"),
                 "token_ids = %s" % ("yes" if self.tokens else "no"),
                 "sequences = %d" % self.n_seqs, "tokens = %d" % self.n_tokens,
                 "shards = %d" % len(self.shards)]
        if self.expert_bytes > 0:
            lines.append("expert_bytes = %d" % self.expert_bytes)
        if self.router is not None:
            lines.append("router = router.safetensors %d %016x" % self.router)
        lines.append("# shard = FILE SEQUENCES TOKENS BYTES CHECKSUM")
        lines += ["shard = %s %d %d %d %016x" % s for s in self.shards]
        with open(os.path.join(self.tmp, "manifest"), "w") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if os.path.isdir(self.path):
            os.rmdir(self.path)  # empty, checked at open
        os.rename(self.tmp, self.path)
        fd = os.open(os.path.dirname(self.path), os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)

    def abort(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
