#!/bin/sh
# tests/collected_sets.sh: trace sets written by tools/collect_traces.py
# from tiny random Hugging Face models (transformers 5.17, on the GPU
# machine; see tests/fixtures/collected/README) read, verify and train in
# moespec: the Python writer and the C reader agree on the format. Then the
# Python writer again, here, when numpy is at hand (skipped otherwise).
set -e
. "$srcdir/tests/lib.sh"

fix="$srcdir/tests/fixtures/collected"
for fam in qwen2_moe:12:4:3 mixtral:8:2:3 olmoe:16:4:3 deepseek_v2:16:4:2; do
    name=${fam%%:*}; rest=${fam#*:}
    E=${rest%%:*}; rest=${rest#*:}; K=${rest%%:*}; L=${rest#*:}
    run_cmd "$MOESPEC" info "$fix/$name"
    expect_rc 0 "$name: info verifies the collected set"
    expect_match OUT "^experts \(E\) +$E$" "$name: E = $E"
    expect_match OUT "^top-k \(K\) +$K$" "$name: K = $K"
    expect_match OUT "^layers \(L\) +$L$" "$name: L = $L"
done
run_cmd "$MOESPEC" train --headless --data "$fix/qwen2_moe" --max-steps 6 --eval-every 3 \
    --batch 16 --val-frac 0.34 --threads 1
expect_rc 0 "training on a collected set"

# The collector's router matrices: the gate baseline at lookahead 0 applies
# them to the stored router inputs and must give back the routing (olmoe:
# one of its three sequences starts with a zero hidden state, where all
# logits tie; see tests/fixtures/collected/README).
for fam in qwen2_moe:1.0000 mixtral:1.0000 deepseek_v2:1.0000 olmoe:0.9; do
    name=${fam%%:*}; want=${fam#*:}
    run_cmd "$MOESPEC" info "$fix/$name"
    expect_match OUT "^router +yes \(router.safetensors, 0 of [23] layers with bias; source: collect_traces.py: tiny $name \($name\)\)$" \
        "$name: info reports the collected router matrices"
    run_cmd "$MOESPEC" train --headless --data "$fix/$name" --arch linear --max-steps 1 \
        --batch 16 --val-frac 0 --val-data "$fix/$name" --threads 1 \
        --checkpoint-dir "$TEST_TMP/ck-$name"
    expect_rc 0 "$name: a run with the gate baseline"
    got=$(printf "%s\n" "$ERR" | sed -n 's/^moespec: baseline gate: hit1 [0-9.]* recall_[0-9]* \([0-9.]*\).*/\1/p')
    if [ "$want" = 1.0000 ]; then
        [ "$got" = 1.0000 ] || fail "$name: gate recall@K $got, want 1.0000"
    else
        awk -v g="$got" -v w="$want" 'BEGIN { exit !(g != "" && g + 0 >= w + 0) }' \
            || fail "$name: gate recall@K $got, want >= $want"
    fi
    echo "ok: $name gate recall@K at lookahead 0: $got"
done

cp -r "$fix/mixtral" "$TEST_TMP/bad"
chmod -R u+w "$TEST_TMP/bad"
printf '\377' | dd of="$TEST_TMP/bad/shard-0000.bin" bs=1 seek=5000 conv=notrunc 2>/dev/null
run_cmd "$MOESPEC" info "$TEST_TMP/bad"
expect_rc 3 "a flipped byte in a collected shard"
expect_match ERR "shard-0000.bin" "the corrupt shard is named"

py=/usr/bin/python3
if [ -x "$py" ] && "$py" -c 'import numpy' 2>/dev/null; then
    run_cmd "$py" - "$srcdir/tools" "$TEST_TMP/py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import moespec_traces as mt
rng = np.random.default_rng(0)
w = mt.TraceSetWriter(sys.argv[2], E=8, K=2, L=3, D=6, point="layer-input", dtype="f16")
w.shard_bytes = 2000
for s in range(5):
    T = 4 + s
    ex = np.stack([rng.permutation(8)[:2] for _ in range(T * 3)]).reshape(T, 3, 2)
    w.add(ex, weights=rng.random((T, 3, 2)), hidden=rng.standard_normal((T, 3, 6)),
          tokens=rng.integers(0, 100, T))
w.set_router([rng.standard_normal((8, 6)) for _ in range(3)], [rng.standard_normal(8), None, None],
             source="collected_sets.sh")
w.expert_bytes = 4096
w.close()
PY
    expect_rc 0 "the Python writer (pure-Python checksum path)"
    run_cmd "$MOESPEC" info "$TEST_TMP/py"
    expect_rc 0 "moespec verifies the Python writer's set"
    expect_match OUT "^shards +2$" "several shards"
    expect_match OUT "^hidden point +layer-input$" "hidden point kept"
    expect_match OUT '^router +yes \(router.safetensors, 1 of 3 layers with bias; source: collected_sets.sh\)$' \
        "the Python writer's router matrices"
    expect_match OUT "^expert bytes +4096$" "the Python writer's expert_bytes"
else
    echo "skip: /usr/bin/python3 with numpy not found; Python writer not exercised"
fi
finish
