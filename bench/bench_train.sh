#!/bin/sh
# bench_train.sh: simple-predictor training throughput, moespec beside
# PyTorch CPU (Debian's python3-torch) on the same shape and batch, each the
# median of REPS runs, interleaved so drift hits both alike:
#   moespec          OpenBLAS with T threads
#   torch matched    torch T threads, OpenBLAS T threads
#   torch best       torch 1 thread, OpenBLAS T threads, OMP_WAIT_POLICY=passive
# and the ratio of moespec to the faster PyTorch setting.
# Usage: bench/bench_train.sh [BUILD_DIR] (needs `make bench/bench_train`)
# Env: REPS (5), THREADS (nproc), BATCH (1024), DIM (2048), STEPS (20).
# OPENBLAS_CORETYPE is left as the environment sets it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-.}
bin="$build/bench/bench_train"
[ -x "$bin" ] || { echo "bench_train.sh: build $bin first (make bench/bench_train)" >&2; exit 2; }
REPS=${REPS:-5}
T=${THREADS:-$(nproc)}
args="--batch ${BATCH:-1024} --dim ${DIM:-2048} --steps ${STEPS:-20}"
py=/usr/bin/python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

rate() { sed -n 's/^[a-z]* simple: \([0-9]*\) samples\/s.*/\1/p'; }
i=0
while [ "$i" -lt "$REPS" ]; do
    # shellcheck disable=SC2086
    "$bin" $args --threads "$T" | tee -a "$out/log" | rate >>"$out/moespec"
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=$T OMP_NUM_THREADS=$T "$py" "$here/bench_train_torch.py" $args --threads "$T" \
        | tee -a "$out/log" | rate >>"$out/matched"
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=$T OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive "$py" "$here/bench_train_torch.py" \
        $args --threads 1 | tee -a "$out/log" | rate >>"$out/best"
    i=$((i + 1))
done
median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
m=$(median "$out/moespec"); a=$(median "$out/matched"); b=$(median "$out/best")
core=$(sed -n 's/.*OpenBLAS core \([^,]*\),.*/\1/p' "$out/log" | head -n 1)
echo "machine: $(nproc) cores; OpenBLAS core $core; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; threads $T; $REPS runs each ($args)"
echo "median samples/s: moespec $m | torch matched ($T+$T threads) $a | torch best (1 + OpenBLAS $T, passive) $b"
awk -v m="$m" -v a="$a" -v b="$b" 'BEGIN {
    f = (a > b) ? a : b; name = (a > b) ? "matched" : "best";
    printf "ratio moespec / faster PyTorch (%s): %.2f\n", name, m / f }'
