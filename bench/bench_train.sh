#!/bin/sh
# bench_train.sh: training throughput of each predictor architecture,
# moespec beside PyTorch CPU (Debian's python3-torch, bench_train_torch.py:
# the same models, loss and step) and beside the GEMM-only floor that
# bench_train measures in the same run (its step's GEMMs replayed alone).
# For each architecture, REPS rounds, each running once, interleaved so
# drift hits all alike:
#   moespec T        moespec's pool T threads, OpenBLAS 1 thread
#   torch matched    torch T threads, OpenBLAS T threads
#   torch best       torch 1 thread, OpenBLAS T threads, OMP_WAIT_POLICY=passive
#   moespec 1        moespec on 1 thread
# then the medians, moespec T / the faster PyTorch setting (ratio of
# medians) and moespec / floor (median of the runs' own ratios), with the
# OpenBLAS core and the thread counts of every figure.
# Usage: bench/bench_train.sh [BUILD_DIR] (needs `make bench/bench_train`)
# Env: ARCHS ("linear simple hybrid complex"), DIM (2048; the demo's is
# 128), REPS (5), THREADS (nproc), BATCH (1024), RUN_SECONDS (2.5: each
# run steps for at least this long, at least STEPS (2) steps, after WARMUP
# untimed steps: 3, or 1 for complex, whose step takes about a second).
# OPENBLAS_CORETYPE is left as the environment sets it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-.}
bin="$build/bench/bench_train"
[ -x "$bin" ] || { echo "bench_train.sh: build $bin first (make bench/bench_train)" >&2; exit 2; }
ARCHS=${ARCHS:-linear simple hybrid complex}
REPS=${REPS:-5}
T=${THREADS:-$(nproc)}
DIM=${DIM:-2048}
common="--batch ${BATCH:-1024} --dim $DIM --steps ${STEPS:-2} --seconds ${RUN_SECONDS:-2.5}"
py=/usr/bin/python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# field PREFIX FILE: the samples/s of the line "PREFIX: N samples/s ..."
field() { sed -n "s|^$1: \([0-9.]*\) samples/s.*|\1|p" "$2"; }
# ratio ARCH FILE: the moespec/floor ratio of a run
ratio() { sed -n "s|^moespec/floor $1: \([0-9.]*\) .*|\1|p" "$2"; }
# core FILE: "CORE, N threads" of the first figure in FILE
core() { sed -n 's/.*OpenBLAS core \([^,]*, [0-9]* threads\).*/\1/p' "$1" | head -n 1; }
median() {
    sort -n "$1" | awk '{v[NR] = $1} END {
        if (NR == 0) print "-"
        else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run_round ARCH ARGS: one run of each setting; rates appended to $out/ARCH.*
run_round() {
    a=$1
    shift
    "$bin" --arch "$a" "$@" --threads "$T" >"$out/run"
    cat "$out/run" >>"$out/$a.log.moespec"
    field "moespec $a" "$out/run" >>"$out/$a.moespec"
    field "floor $a" "$out/run" >>"$out/$a.floor"
    ratio "$a" "$out/run" >>"$out/$a.ratio"
    OPENBLAS_NUM_THREADS=$T OMP_NUM_THREADS=$T "$py" "$here/bench_train_torch.py" --arch "$a" \
        "$@" --threads "$T" >"$out/run"
    cat "$out/run" >>"$out/$a.log.matched"
    field "pytorch $a" "$out/run" >>"$out/$a.matched"
    OPENBLAS_NUM_THREADS=$T OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive "$py" \
        "$here/bench_train_torch.py" --arch "$a" "$@" --threads 1 >"$out/run"
    cat "$out/run" >>"$out/$a.log.best"
    field "pytorch $a" "$out/run" >>"$out/$a.best"
    "$bin" --arch "$a" "$@" --threads 1 >"$out/run"
    cat "$out/run" >>"$out/$a.log.moespec1"
    field "moespec $a" "$out/run" >>"$out/$a.moespec1"
    field "floor $a" "$out/run" >>"$out/$a.floor1"
    ratio "$a" "$out/run" >>"$out/$a.ratio1"
}

# report ARCH ARGS: the medians and ratios of ARCH's rounds
report() {
    a=$1
    shift
    m=$(median "$out/$a.moespec"); f=$(median "$out/$a.floor"); r=$(median "$out/$a.ratio")
    m1=$(median "$out/$a.moespec1"); f1=$(median "$out/$a.floor1"); r1=$(median "$out/$a.ratio1")
    pm=$(median "$out/$a.matched"); pb=$(median "$out/$a.best")
    echo "== $a: D=$DIM, $REPS runs each, interleaved ($*) =="
    echo "machine: $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
    echo "median samples/s (samples = rows with a target):"
    printf '  %-46s %9s  floor %9s  moespec/floor %s  (OpenBLAS core %s)\n' \
        "moespec $T threads (pool $T, OpenBLAS 1)" "$m" "$f" "$r" "$(core "$out/$a.log.moespec")"
    printf '  %-46s %9s  floor %9s  moespec/floor %s  (OpenBLAS core %s)\n' \
        "moespec 1 thread" "$m1" "$f1" "$r1" "$(core "$out/$a.log.moespec1")"
    printf '  %-46s %9s  (OpenBLAS core %s; torch %s threads)\n' \
        "torch matched (torch $T, OpenBLAS $T)" "$pm" "$(core "$out/$a.log.matched")" "$T"
    printf '  %-46s %9s  (OpenBLAS core %s; torch 1 thread)\n' \
        "torch best (torch 1, OpenBLAS $T, passive)" "$pb" "$(core "$out/$a.log.best")"
    awk -v a="$a" -v m="$m" -v pm="$pm" -v pb="$pb" -v r="$r" -v T="$T" 'BEGIN {
        f = (pm > pb) ? pm : pb; name = (pm > pb) ? "matched" : "best";
        printf "ratio %s: moespec %s threads / faster PyTorch (%s): %.2f; ", a, T, name, m / f
        printf "moespec / floor (%s threads, same runs): %s\n", T, r }'
}

for a in $ARCHS; do
    case $a in
    complex) args="$common --warmup ${WARMUP:-1}" ;;
    *) args="$common --warmup ${WARMUP:-3}" ;;
    esac
    i=0
    while [ "$i" -lt "$REPS" ]; do
        # shellcheck disable=SC2086
        run_round "$a" $args
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    report "$a" $args
done
