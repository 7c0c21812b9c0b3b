#!/bin/sh
# tests/ckpt_e2e.sh: checkpoints through the real binary (SPEC 8): a run
# stopped with --stop-at and resumed writes the same metrics.csv (all
# columns but samples_per_s and wall_s) as an uninterrupted one; --resume
# refuses another trace set (3), a conflicting value, --arch and a repeated
# architecture (2); eval prints summary.csv's keys and reproduces the
# training evaluation; a corrupt checkpoint is exit 3 naming the file;
# --checkpoint-every; an unwritable checkpoint directory is a runtime failure.
set -e
. "$srcdir/tests/lib.sh"

set_dir="$TEST_TMP/set"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 16 --seqs 24 --seq-len 32 \
    --dtype f32 --seed 3 -o "$set_dir"
expect_rc 0 "gen a tiny set"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 16 --seqs 24 --seq-len 32 \
    --dtype f32 --seed 4 -o "$TEST_TMP/other"
expect_rc 0 "gen another set of the same shape"
common="--data $set_dir --arch simple,hybrid --max-steps 30 --eval-every 10 --batch 64 --window 8 --threads 1"
ck="$TEST_TMP/ck"

# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --export "$TEST_TMP/whole"
expect_rc 0 "uninterrupted training"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --stop-at 15 --checkpoint-dir "$ck"
expect_rc 0 "--stop-at 15 exits 0 once every run stopped"
expect_match ERR '^simple: PAUSED at step 15/30: stopped at step 15' "simple stopped at 15 of 30 planned"
expect_match ERR '^hybrid: PAUSED at step 15/30: stopped at step 15' "hybrid stopped at 15 of 30 planned"
for r in simple hybrid; do
    checks=$((checks + 1))
    [ -s "$ck/$r.ckpt" ] && pass "$r.ckpt written" || fail "no $ck/$r.ckpt"
done
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$ck/simple.ckpt" \
    --resume "$ck/hybrid.ckpt" --threads 1 --checkpoint-dir "$ck" --export "$TEST_TMP/resumed"
expect_rc 0 "resume both runs to the end"
expect_match ERR '^simple: DONE at step 30/30$' "simple resumed to its planned end"
expect_match ERR '^hybrid: DONE at step 30/30$' "hybrid resumed to its planned end"
cols() { cut -d, -f1-18 "$1"; } # every column but samples_per_s and wall_s
checks=$((checks + 1))
if [ "$(cols "$TEST_TMP/whole/metrics.csv")" = "$(cols "$TEST_TMP/resumed/metrics.csv")" ]; then
    pass "stopped + resumed metrics.csv equals the uninterrupted one"
else
    fail "metrics differ: $(diff "$TEST_TMP/whole/metrics.csv" "$TEST_TMP/resumed/metrics.csv")"
fi
for f in coverage.csv layers.csv experts.csv future.csv confusion-hybrid.csv; do
    checks=$((checks + 1))
    cmp -s "$TEST_TMP/whole/$f" "$TEST_TMP/resumed/$f" && pass "$f identical" || fail "$f differs"
done

# --resume's refusals
run_cmd "$MOESPEC" train --headless --data "$TEST_TMP/other" --resume "$ck/simple.ckpt"
expect_rc 3 "--resume with another trace set"
expect_match ERR "simple.ckpt: trained on another trace set" "the checkpoint is named"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$ck/simple.ckpt" --lr 0.5
expect_rc 2 "--resume with a conflicting --lr"
expect_match ERR "^moespec: --lr 0.5: .*simple.ckpt was trained with 0.001" "the conflict is named"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$ck/simple.ckpt" --batch 32
expect_rc 2 "--resume with a conflicting --batch"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$ck/simple.ckpt" --arch simple
expect_rc 2 "--resume with --arch"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$ck/simple.ckpt" \
    --resume "$ck/simple.ckpt"
expect_rc 2 "--resume naming one architecture twice"
cp "$ck/simple.ckpt" "$TEST_TMP/again.ckpt"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$TEST_TMP/again.ckpt" \
    --lr 0.001 --batch 64 --max-steps 30 --stop-at 30 --checkpoint-dir "$TEST_TMP/again"
expect_rc 0 "--resume with the checkpoint's own values is fine"

# eval: a checkpoint at an evaluation step reproduces that evaluation
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 30 \
    --eval-every 10 --batch 64 --threads 1 --stop-at 20 --checkpoint-dir "$TEST_TMP/ck20"
expect_rc 0 "--stop-at 20"
run_cmd "$MOESPEC" eval "$TEST_TMP/ck20/simple.ckpt" --data "$set_dir" --export "$TEST_TMP/ev"
expect_rc 0 "eval exits 0"
for key in 'run simple' 'arch simple' 'params [0-9]+' 'steps 20' 'hit1 [0-9.e-]+' \
    'hit20 [0-9.e-]+' 'recall_2 [0-9.e-]+' 'cover_2 [0-9.e-]+' 'cover_4 [0-9.e-]+' \
    'exact [0-9.e-]+' 'val_ce [0-9.e-]+' 'val_loss [0-9.e-]+' 'best_recall_2 [0-9.e-]+' \
    'best_step [0-9]+'; do
    expect_match OUT "^$key\$" "eval prints '$key'"
done
expect_match ERR "evaluated on its own validation split" "eval on the training set uses its split"
expect_match OUT "^baseline frequency$" "eval prints the frequency baseline"
expect_match OUT "^baseline repeat$" "eval prints the repeat baseline"
base_recall=$(printf '%s\n' "$OUT" | sed -n '/^baseline frequency$/,/^$/s/^recall_2 //p')
[ -n "$base_recall" ] && pass "the frequency block has its recall_2 ($base_recall)" \
    || fail "no recall_2 in eval's frequency block"
checks=$((checks + 1))
row20() { grep '^simple,simple,20,' "$1" | cut -d, -f7-18; } # val_loss .. lr
checks=$((checks + 1))
want=$(row20 "$TEST_TMP/whole/metrics.csv")
got=$(row20 "$TEST_TMP/ev/metrics.csv")
[ -n "$want" ] && [ "$want" = "$got" ] && pass "eval reproduces training's step-20 metrics" \
    || fail "eval metrics '$got' != training's '$want'"
run_cmd "$MOESPEC" eval "$TEST_TMP/ck20/simple.ckpt" --data "$TEST_TMP/other"
expect_rc 0 "eval on another set of the same shape"
expect_match ERR "evaluated on the whole trace set" "another set is evaluated whole"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 3 --dim 16 --seqs 4 --seq-len 8 -o "$TEST_TMP/shape"
run_cmd "$MOESPEC" eval "$TEST_TMP/ck20/simple.ckpt" --data "$TEST_TMP/shape"
expect_rc 3 "eval on another shape"
bad="$TEST_TMP/bad.ckpt"
cp "$TEST_TMP/ck20/simple.ckpt" "$bad"
printf 'Z' | dd of="$bad" bs=1 seek=400 conv=notrunc 2>/dev/null
run_cmd "$MOESPEC" eval "$bad" --data "$set_dir"
expect_rc 3 "eval on a corrupt checkpoint"
expect_match ERR "^moespec: $bad:[0-9]+: checksum mismatch" "the corrupt file and offset are named"
run_cmd "$MOESPEC" eval --data "$set_dir"
expect_rc 2 "eval without a checkpoint"

# --checkpoint-every; an unwritable checkpoint directory is a runtime failure
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 30 \
    --eval-every 10 --batch 64 --threads 1 --checkpoint-every 10 --checkpoint-dir "$TEST_TMP/every"
expect_rc 0 "--checkpoint-every 10"
expect_match ERR "^checkpoint $TEST_TMP/every/simple.ckpt\$" "the checkpoint is reported"
run_cmd "$MOESPEC" eval "$TEST_TMP/every/simple.ckpt" --data "$set_dir"
expect_match OUT '^steps 30$' "the last periodic checkpoint is of step 30"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 30 \
    --batch 64 --threads 1 --stop-at 5 --checkpoint-dir "$set_dir/manifest/ck"
expect_rc 1 "a checkpoint directory that cannot be made"
expect_match ERR "manifest/ck" "the directory is named"

# linear's --rank is stored (checkpoint version 2): resuming with another
# rank is a conflict, with the same one fine; the run beside it takes none
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch linear,simple --rank 3 \
    --max-steps 30 --eval-every 10 --batch 64 --threads 1 --stop-at 20 \
    --checkpoint-dir "$TEST_TMP/rank"
expect_rc 0 "linear of rank 3 stopped at step 20"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$TEST_TMP/rank/linear.ckpt" --rank 4
expect_rc 2 "--resume with a conflicting --rank"
expect_match ERR "^moespec: --rank 4: .*linear.ckpt was trained with 3" "the rank conflict is named"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$TEST_TMP/rank/simple.ckpt" \
    --resume "$TEST_TMP/rank/linear.ckpt" --rank 3 --threads 1 --checkpoint-dir "$TEST_TMP/rank2"
expect_rc 0 "--resume of both runs with the checkpoint's own rank"
expect_match ERR '^linear: DONE at step 30/30$' "the rank-3 run resumes to the end"
run_cmd "$MOESPEC" eval "$TEST_TMP/rank/linear.ckpt" --data "$set_dir"
expect_rc 0 "eval of a rank-3 checkpoint"
expect_match OUT '^params 320$' "with its rank's parameter count"
# a version-1 checkpoint (before the rank field) from the moespec of then
run_cmd "$MOESPEC" eval "$srcdir/tests/fixtures/ckpt_v1_simple.ckpt" --data "$set_dir"
expect_rc 0 "a version-1 checkpoint is loadable"
expect_match OUT '^steps 12$' "its run is read whole"

# SIGTERM and SIGHUP (an ssh drop) in headless mode: a checkpoint per run,
# then 143 / 129. A SIGHUP ignored here (nohup) stays ignored by moespec,
# so that case is skipped.
sigs=TERM
if sh -c 'kill -s HUP $$' 2>/dev/null; then echo "SIGHUP is ignored here (nohup?): its case skipped"
else sigs="TERM HUP"; fi
for sig in $sigs; do
    want=143; [ "$sig" = HUP ] && want=129
    sd="$TEST_TMP/sig-$sig"
    "$MOESPEC" train --headless --data "$set_dir" --arch simple,hybrid --max-steps 100000000 \
        --batch 64 --window 8 --threads 1 --checkpoint-dir "$sd" 2>"$sd.err" &
    pid=$!
    i=0
    until grep -q '^hybrid: step' "$sd.err" || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
    kill -s "$sig" "$pid"
    set +e; wait "$pid"; RC=$?; set -e
    ERR=$(cat "$sd.err")
    checks=$((checks + 1))
    expect_rc "$want" "SIG$sig stops a headless run"
    expect_match ERR "^checkpoint $sd/simple.ckpt, $sd/hybrid.ckpt\$" "SIG$sig: the checkpoints are named"
    expect_match ERR "^moespec: stopped by a signal \(SIG$sig\); every run with unsaved steps was checkpointed\$" \
        "SIG$sig: said"
    for r in simple hybrid; do
        end=$(sed -n "s|^$r: [A-Z]* at step \([0-9]*\)/.*|\1|p" "$sd.err" | tail -n 1)
        run_cmd "$MOESPEC" eval "$sd/$r.ckpt" --data "$set_dir"
        expect_rc 0 "the SIG$sig checkpoint of $r is loadable"
        expect_match OUT "^steps $end\$" "the SIG$sig checkpoint of $r holds its last step (${end:-none})"
    done
    ls -a "$sd" | grep -q '\.tmp$' && fail "SIG$sig: a temporary was left behind" \
        || pass "SIG$sig: no temporary left"
done
# Under nohup (SIGHUP ignored on entry) a SIGHUP changes nothing; SIGTERM
# still stops.
nd="$TEST_TMP/nohup"
sh -c 'trap "" HUP; exec "$@"' sh "$MOESPEC" train --headless --data "$set_dir" --arch simple \
    --max-steps 100000000 --batch 64 --eval-every 20 --threads 1 --checkpoint-dir "$nd" \
    2>"$nd.err" &
pid=$!
i=0
until grep -q '^simple: step' "$nd.err" || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -s HUP "$pid"
rows=$(grep -c '^simple: step' "$nd.err" || :)
i=0
until [ "$(grep -c '^simple: step' "$nd.err" || :)" -gt $((rows + 2)) ] || [ $i -ge 100 ]; do
    sleep 0.1; i=$((i + 1))
done
checks=$((checks + 1))
kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ] && pass "nohup: training goes on after SIGHUP" ||
    fail "nohup: SIGHUP stopped training"
kill -s TERM "$pid" 2>/dev/null || :
set +e; wait "$pid"; RC=$?; set -e
ERR=$(cat "$nd.err")
expect_rc 143 "nohup: SIGTERM still stops"
ls -a "$ck" | grep -q '\.tmp$' && fail "a temporary was left behind" || pass "no temporary left"

# SPEC 8: a fresh run does not replace another run's RUN.ckpt unless
# --overwrite; its own configuration's may be replaced
ow="$TEST_TMP/ow"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --stop-at 5 --checkpoint-dir "$ow"
expect_rc 0 "a first run into a fresh checkpoint directory"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --stop-at 5 --checkpoint-dir "$ow"
expect_rc 0 "the same configuration again replaces its own checkpoints"
before=$(cksum <"$ow/simple.ckpt")
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --lr 0.01 --stop-at 5 --checkpoint-dir "$ow"
expect_rc 2 "another configuration (--lr) into the same directory"
expect_match ERR "^moespec: $ow/simple.ckpt: holds a simple run of another configuration \(--lr differs\); --overwrite replaces it" \
    "the file and what differs are named"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --shards-per-group 2 --stop-at 5 --checkpoint-dir "$ow"
expect_rc 2 "another --shards-per-group into the same directory"
expect_match ERR "another configuration \(--shards-per-group differs\)" "--shards-per-group: named"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --seed 9 --stop-at 5 --checkpoint-dir "$ow"
expect_match ERR "another configuration \(--seed differs\)" "--seed: named as the option"
run_cmd "$MOESPEC" train --headless --data "$TEST_TMP/other" --arch simple --max-steps 30 \
    --batch 64 --threads 1 --stop-at 5 --checkpoint-dir "$ow"
expect_rc 2 "another trace set into the same directory"
expect_match ERR "^moespec: $ow/simple.ckpt: holds a run of another trace set" "another set: named"
checks=$((checks + 1))
[ "$(cksum <"$ow/simple.ckpt")" = "$before" ] && pass "the refused runs left the checkpoint as it was" \
    || fail "the refused runs touched $ow/simple.ckpt"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" train --headless $common --lr 0.01 --stop-at 5 --checkpoint-dir "$ow" --overwrite
expect_rc 0 "--overwrite replaces it"
checks=$((checks + 1))
[ "$(cksum <"$ow/simple.ckpt")" != "$before" ] && pass "the checkpoint was replaced" \
    || fail "--overwrite left $ow/simple.ckpt as it was"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --resume "$ow/simple.ckpt" --resume "$ow/hybrid.ckpt" \
    --lr 0.01 --stop-at 6 --threads 1 --checkpoint-dir "$ow"
expect_rc 0 "the replaced checkpoints are of the --lr 0.01 runs (a resume with it agrees)"
finish
