#!/bin/sh
# tests/train_e2e.sh: headless training as a user runs it: a tiny generated
# set, `moespec train --headless --export DIR`, every CSV file of SPEC 8 with
# its literal header (K and 2K spelled out), the progress lines, and the exit
# statuses of the usual mistakes.
set -e
. "$srcdir/tests/lib.sh"

set_dir="$TEST_TMP/set"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 16 --seqs 24 --seq-len 32 \
    --dtype f32 --seed 3 -o "$set_dir"
expect_rc 0 "gen a tiny set"

out="$TEST_TMP/export"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --max-steps 30 --eval-every 10 \
    --batch 64 --threads 1 --export "$out"
expect_rc 0 "headless training with --export"
expect_match ERR '^simple: step 10/30 epoch [0-9.]+ train_loss [0-9.]+ val_ce [0-9.]+ hit1 [0-9.]+ hit5 [0-9.]+ hit10 [0-9.]+ recall_2 [0-9.]+ cover_2 [0-9.]+ cover_4 [0-9.]+ samples_per_s [0-9]+$' \
    "one progress line per evaluation, in the documented format"
expect_match ERR '^simple: DONE at step 30/30$' "final state line"
expect_match ERR '^linear: DONE at step 30/30$' "the linear run trains by default"
expect_match ERR '^moespec: run linear: 544 parameters' "linear: L x E x (D + 1) parameters"
expect_match ERR '^hybrid: DONE at step 30/30$' "the hybrid run trains by default"
expect_match ERR '^complex: DONE at step 30/30$' "the complex run trains by default"
expect_match ERR "exported CSV files to $out" "export path reported"

header() { head -n 1 "$out/$1"; }
check_header() {
    checks=$((checks + 1))
    if [ "$(header "$1")" = "$2" ]; then pass "$1 header"; else
        fail "$1 header: $(header "$1") != $2"
    fi
}
check_header summary.csv "run,arch,params,steps,samples_per_s,hit1,hit5,hit10,hit15,hit20,recall_2,cover_2,cover_4,exact,val_ce,val_loss,best_recall_2,best_step"
check_header metrics.csv "run,arch,step,epoch,samples,train_loss,val_loss,val_ce,hit1,hit5,hit10,hit15,hit20,recall_2,cover_2,cover_4,exact,lr,samples_per_s,wall_s"
check_header coverage.csv "run,arch,k,cover,recall,hit,chance_cover,chance_recall,chance_hit,freq_cover,freq_recall,freq_hit,gate_cover,gate_recall,gate_hit"
check_header layers.csv "run,arch,layer,recall_2,cover_4"
check_header experts.csv "run,arch,layer,expert,needed,predicted,recall_2"
check_header confusion-linear.csv "layer,true,p0,p1,p2,p3,p4,p5,p6,p7"
check_header confusion-simple.csv "layer,true,p0,p1,p2,p3,p4,p5,p6,p7"
check_header confusion-hybrid.csv "layer,true,p0,p1,p2,p3,p4,p5,p6,p7"
check_header confusion-complex.csv "layer,true,p0,p1,p2,p3,p4,p5,p6,p7"
check_header future.csv "run,arch,offset,hit1,recall_2,cover_2"
check_header config.csv "run,key,value"

rows() { tail -n +2 "$out/$1" | wc -l; }
# gen writes the simulated routers, so the gate baseline is there too
[ "$(rows summary.csv)" -eq 8 ] && pass "summary: four runs + 4 baselines" || fail "summary rows: $(rows summary.csv)"
cut -d, -f1 "$out/summary.csv" | tr '\n' ' ' | grep -q "^run linear simple hybrid complex chance frequency repeat gate $" \
    && pass "summary row names" || fail "summary rows: $(cut -d, -f1 "$out/summary.csv")"
[ "$(rows coverage.csv)" -eq 32 ] && pass "coverage: k = 1..E per run" || fail "coverage rows: $(rows coverage.csv)"
[ "$(rows layers.csv)" -eq 16 ] && pass "layers: one row per layer per run" || fail "layers rows"
[ "$(rows experts.csv)" -eq 160 ] && pass "experts: (L + all) x E per run" || fail "experts rows: $(rows experts.csv)"
[ "$(rows future.csv)" -eq 4 ] && pass "future: offsets 1..4 of the hybrid" || fail "future rows: $(rows future.csv)"
[ "$(rows confusion-simple.csv)" -eq 40 ] && pass "confusion: (L + all) x E" || fail "confusion rows"
grep -q '^all,' "$out/confusion-simple.csv" && pass "confusion has the all-layers rows" || fail "no all rows"
last_step=$(tail -n 1 "$out/metrics.csv" | cut -d, -f3)
[ "$last_step" = 30 ] && pass "metrics ends at step 30" || fail "metrics last step $last_step"
grep -q '^simple,openblas_core,' "$out/config.csv" && pass "config names the OpenBLAS core" || fail "config"
grep -q '^linear,rank,0$' "$out/config.csv" && pass "config lists the rank" || fail "config rank"

# linear of rank R (SPEC 5): L x (E R + R D + E) parameters, rank in config.csv
out_r="$TEST_TMP/export-rank"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch linear,simple --rank 3 \
    --max-steps 20 --eval-every 10 --batch 64 --threads 1 --export "$out_r"
expect_rc 0 "linear with --rank 3 beside simple"
expect_match ERR '^moespec: run linear: 320 parameters' "rank 3: L x (E R + R D + E) parameters"
expect_match ERR '^linear: DONE at step 20/20$' "the rank-3 run ends"
grep -q '^linear,rank,3$' "$out_r/config.csv" && grep -q '^simple,rank,0$' "$out_r/config.csv" \
    && pass "config: linear's rank, none for simple" || fail "config rank 3"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch linear --lookahead 1 --no-layer-id \
    --max-steps 10 --eval-every 10 --batch 64 --threads 1
expect_rc 0 "linear with --lookahead 1 and --no-layer-id"
expect_match ERR '^moespec: run linear: 136 parameters' "--no-layer-id: one shared map, E x (D + 1)"
expect_match ERR 'samples \(lookahead 1\)' "layer l's state predicts layer l+1"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch linear --rank 8 --max-steps 5
expect_rc 2 "a rank not below min(E, D)"
expect_match ERR "linear rank 8 not in \[1, 7\]" "the refusal names linear and the range"
ls -a "$TEST_TMP" | grep -q '\.tmp$' && fail "a temporary directory was left behind" || pass "no temporary left"

# SIGINT and SIGTERM stop a headless run between steps: 130 and 143
for sig in INT TERM; do
    : >"$TEST_TMP/sig.err" # the last run's lines must not answer the wait below
    "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 100000000 \
        --threads 1 --checkpoint-dir "$TEST_TMP/sig-ckpt" 2>"$TEST_TMP/sig.err" &
    pid=$!
    i=0
    until grep -q '^simple: step' "$TEST_TMP/sig.err" || [ $i -ge 200 ]; do sleep 0.1; i=$((i + 1)); done
    kill -s "$sig" "$pid"
    set +e; wait "$pid"; RC=$?; set -e
    ERR=$(cat "$TEST_TMP/sig.err")
    checks=$((checks + 1))
    want=130; [ "$sig" = TERM ] && want=143
    expect_rc "$want" "SIG$sig stops a headless run"
    expect_match ERR "stopped by a signal" "SIG$sig: said"
done

# The usual mistakes
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 5 --export "$out"
expect_rc 1 "export into a non-empty directory"
expect_match ERR "not empty" "the refusal says why"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 5 \
    --export "$TEST_TMP/no/such/dir"
expect_rc 1 "export below a missing directory: refused before training, not after"
expect_match ERR "cannot create the export directory in $TEST_TMP/no/such" "the refusal names the parent"
case "$ERR" in *"step 5/5"*) fail "training ran before the export was refused" ;;
*) pass "no training ran" ;; esac
checks=$((checks + 1))
for bad_log in "$TEST_TMP" "$TEST_TMP/no/such/dir/x.log"; do
    run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 5 --log "$bad_log"
    expect_rc 1 "--log $bad_log cannot be opened"
    expect_match ERR "^moespec: --log $bad_log: " "--log's failure has the moespec: prefix and names it"
done
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple,simple
expect_rc 2 "a repeated architecture"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch bogus
expect_rc 2 "an unknown architecture"
run_cmd "$MOESPEC" train --headless --data "$TEST_TMP/missing" --max-steps 5
expect_rc 3 "a missing trace set"
expect_match ERR "missing" "the missing set is named"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 0 --seqs 4 --seq-len 8 -o "$TEST_TMP/routing"
run_cmd "$MOESPEC" train --headless --data "$TEST_TMP/routing" --max-steps 5
expect_rc 3 "a routing-only set (D = 0)"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 3 --dim 16 --seqs 4 --seq-len 8 -o "$TEST_TMP/other"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --val-data "$TEST_TMP/other" --max-steps 5
expect_rc 3 "--val-data of another shape"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --lookahead 4 --max-steps 5
expect_rc 2 "a lookahead past the last layer"

finish
