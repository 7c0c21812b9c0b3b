#!/bin/sh
# tests/shard_truncated.sh: a shard truncated while training has it mapped
# (P13): the run ends with exit 3 naming the shard and the offset of the
# read past its end, not a SIGBUS; every run is checkpointed at its last good
# step, and with the shard restored the checkpoints load and evaluate. The
# same in the dashboard, whose fatal-signal handler (which restores the
# terminal) hands such a SIGBUS to the data layer first.
set -e
. "$srcdir/tests/lib.sh"
. "$srcdir/tests/tmux.sh"

set_dir="$TEST_TMP/set"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 64 --seqs 200 --seq-len 64 \
    --dtype f32 --seed 3 --shard-mb 2 -o "$set_dir"
expect_rc 0 "gen a set of several shards"
# a separate validation set: the truncation then always hits a training batch
# (a run whose evaluation hits it keeps its previous checkpoint instead)
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 64 --seqs 40 --seq-len 64 \
    --dtype f32 --seed 4 -o "$TEST_TMP/val"
expect_rc 0 "gen a validation set"
cp "$set_dir/shard-0001.bin" "$TEST_TMP/shard-0001.keep"
ck="$TEST_TMP/ck"
log="$TEST_TMP/train.log"

# a run far longer than the test: it is stopped by the truncation
"$MOESPEC" train --headless --data "$set_dir" --val-data "$TEST_TMP/val" --arch simple,hybrid --max-steps 1000000 \
    --eval-every 20 --batch 64 --window 8 --threads 1 --sim-tokens 0 \
    --checkpoint-dir "$ck" >"$log" 2>&1 &
pid=$!
waited=0
until grep -q ' step ' "$log" 2>/dev/null || [ $waited -ge 600 ]; do
    sleep 0.1
    waited=$((waited + 1))
done
truncate -s 100000 "$set_dir/shard-0001.bin"
waited=0
while kill -0 $pid 2>/dev/null && [ $waited -lt 600 ]; do
    sleep 0.1
    waited=$((waited + 1))
done
checks=$((checks + 1))
if kill -0 $pid 2>/dev/null; then
    kill $pid
    fail "training went on for 60 s with a truncated shard"
fi
set +e
wait $pid
RC=$?
set -e
ERR=$(cat "$log")
expect_rc 3 "a shard truncated under the training is bad input"
expect_match ERR "^moespec: $set_dir/shard-0001.bin:[0-9]+: changed while in use: 100000 bytes now, [0-9]+ when the set was opened" \
    "the message names the shard, the offset and both sizes"
expect_match ERR "^checkpoint $ck/simple.ckpt, $ck/hybrid.ckpt$" "every run is checkpointed"
checks=$((checks + 1))
if grep -Eq 'Bus error|AddressSanitizer|ThreadSanitizer|runtime error' "$log"; then
    fail "a crash or a sanitizer report: $(cat "$log")"
else
    pass "no SIGBUS, no sanitizer report"
fi

cp "$TEST_TMP/shard-0001.keep" "$set_dir/shard-0001.bin"
for r in simple hybrid; do
    run_cmd "$MOESPEC" eval "$ck/$r.ckpt" --data "$set_dir" --val-data "$TEST_TMP/val"
    expect_rc 0 "$r.ckpt loads and evaluates on the restored set"
done

# the dashboard: the screen says it, q leaves with 3, the checkpoint is there
s=dash
dck="$TEST_TMP/dash-ck"
tmux_start $s 100 30 LC_ALL=C.UTF-8 -- "$MOESPEC" train --data "$set_dir" --val-data "$TEST_TMP/val" --arch simple \
    --max-steps 1000000 --eval-every 20 --batch 64 --threads 1 --sim-tokens 0 \
    --checkpoint-dir "$dck"
expect_screen $s ' RUNNING ' "dashboard: running"
truncate -s 100000 "$set_dir/shard-0001.bin"
expect_screen $s 'd while in use: 100000 bytes now' "dashboard: the failure is on the screen"
tmux_keys $s q
tmux_keys $s y
checks=$((checks + 1))
if tmux_wait_exit $s 30 && [ "$RC" = 3 ]; then pass "dashboard: exit 3"; else fail "dashboard: exit '$RC'"; fi
expect_screen $s 'moespec: .*shard-0001.bin:[0-9]+: changed while in use' "dashboard: said on leaving" 5
checks=$((checks + 1))
[ -s "$dck/simple.ckpt" ] && pass "dashboard: the run is checkpointed" || fail "dashboard: no $dck/simple.ckpt"
expect_restored $s
finish
