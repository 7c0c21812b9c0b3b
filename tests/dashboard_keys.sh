#!/bin/sh
# tests/dashboard_keys.sh: the dashboard at 120x40 as a person uses it
# (SPEC 7): the status line and every panel, step advancing, each key of
# the table (help, pause, pause all, compare, k cursor, layers, log scale,
# checkpoints c and C, export), the quit prompt (n stays, y exits 0) and the
# terminal restored afterwards; the --log file.
set -e
. "$srcdir/tests/lib.sh"
[ "${MOESPEC_SKIP_SLOW:-0}" = 1 ] && { echo "MOESPEC_SKIP_SLOW=1: skipped"; exit 77; }
. "$srcdir/tests/tmux.sh"

set_dir="$TEST_TMP/set"
tiny_set "$set_dir"
exp="$TEST_TMP/exports"
log="$TEST_TMP/dash.log"
s=main
tmux_start $s 120 40 LC_ALL=C.UTF-8 -- "$MOESPEC" train --data "$set_dir" --arch simple \
    --threads 1 --batch 64 --eval-every 20 --max-steps 10000000 --export "$exp" --log "$log" \
    --checkpoint-dir "$TEST_TMP/ckpt"

expect_screen $s 'run simple \(simple, [0-9]+ params\) RUNNING' "status line: run, architecture, parameters, RUNNING"
expect_screen $s 'step [0-9]+/10000000 .* samples/s .* ETA ' "status line: step N/planned, samples/s, ETA"
for title in 'loss \(l: log scale\)' 'hit@k: top-k hit rate' 'coverage vs k' \
    'confusion.* all 4 layers'; do
    expect_screen $s "$title" "panel shown: $title"
done
expect_screen $s 'latest +[0-9.]+ +[0-9.]+' "hit@k legend with the latest values"
expect_screen $s 'chance cover [0-9.]+ recall [0-9.]+' "coverage read-out with chance"
expect_screen $s 'rc( lowest@2:|: recall@2 per expert; lowest) e[0-9]' "per-expert recall under the heatmap"
if LC_ALL=C grep -q "$(printf '\342[\240-\243]')" <<EOF
$SCREEN
EOF
then pass "braille charts under UTF-8"; else fail "no braille on the screen"; fi

expect_step_past $s "$(tmux_step $s)" "the step advances"

# ? lists every key of SPEC 7 with what it does; any key closes it.
tmux_keys $s '?'
expect_screen $s 'any key closes this help' "? opens the help"
for pair in 'space +pause/resume the shown run' 'P +pause/resume all runs' \
    '1\.\.9 +show run N, in --arch order' \
    'Tab +show the next run' 'c +checkpoint the shown run' 'C +checkpoint all runs' \
    'e +export CSV for all runs' 'v +compare view' 'd +deployment view' '← +move the k cursor left' \
    '→ +move the k cursor right' '\[ +previous layer' '\] +next layer' \
    'l +log scale for the loss' '\? +this help' 'q +quit'; do
    expect_screen $s "│ $pair" "help lists: $pair" 2
done
tmux_keys $s x
expect_screen_gone $s 'any key closes this help' "any key closes the help"

# space pauses and resumes the shown run; the step stands still meanwhile.
tmux_keys $s Space
expect_screen $s ' PAUSED ' "space shows PAUSED"
a=$(tmux_step $s); sleep 0.5; b=$(tmux_step $s)
[ "$a" = "$b" ] && pass "no steps while paused ($a)" || fail "steps while paused: $a -> $b"
tmux_keys $s Space
expect_screen $s ' RUNNING ' "space again resumes"
tmux_keys $s P
expect_screen $s ' PAUSED .*|pausing all runs' "P pauses all"
expect_screen $s ' PAUSED ' "P: the run is PAUSED"
tmux_keys $s P
expect_screen $s ' RUNNING ' "P again resumes all"

tmux_keys $s v
expect_screen $s 'compare: one row per run, latest evaluation' "v shows the compare view"
expect_screen $s 'simple +RUNNING +[0-9]+/10000000 +[0-9.]+ ' "compare: a summary row for the run"
expect_screen $s '^│frequency' "compare: the frequency baseline row"
expect_screen $s 'val_ce \(l: log\)' "compare: val_ce chart"
tmux_keys $s v
expect_screen $s 'coverage vs k' "v again returns"

tmux_keys $s 2 3 Tab
expect_screen $s ' simple \(simple.*\) RUNNING ' "2, 3 and Tab do nothing with one run"

tmux_keys $s c
expect_screen $s "checkpoint $TEST_TMP/ckpt/simple.ckpt" "c: the checkpoint path in the status line"
checks=$((checks + 1))
[ -s "$TEST_TMP/ckpt/simple.ckpt" ] && pass "c wrote simple.ckpt" || fail "c: no simple.ckpt"
rm -f "$TEST_TMP/ckpt/simple.ckpt"
tmux_keys $s C
checks=$((checks + 1))
i=0
until [ -s "$TEST_TMP/ckpt/simple.ckpt" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TEST_TMP/ckpt/simple.ckpt" ] && pass "C wrote every run's checkpoint" || fail "C: no simple.ckpt"
run_cmd "$MOESPEC" eval "$TEST_TMP/ckpt/simple.ckpt" --data "$set_dir"
expect_rc 0 "the dashboard's checkpoint is loadable"

expect_screen $s 'k=2 k/E=25.0%' "the k cursor starts at K"
tmux_keys $s Right
expect_screen $s 'k=3 k/E=37.5% cover [0-9.]+ recall [0-9.]+' "→ moves the k cursor"
tmux_keys $s Left Left Left
expect_screen $s 'k=1 k/E=12.5%' "← moves it back, stopping at 1"
tmux_keys $s ']'
expect_screen $s 'layer 0 of 0..3' "] steps to layer 0"
tmux_keys $s '['
expect_screen $s 'all 4 layers' "[ steps back to all layers"
tmux_keys $s l
expect_screen $s 'loss \(log scale, l\)' "l switches the loss to a log scale"

tmux_keys $s e
expect_screen $s "exported to $exp/[0-9]{8}-[0-9]{6}" "e: the export path in the status line"
dir=$(printf '%s\n' "$SCREEN" | sed -n "s|.*exported to \($exp/[0-9-]*\).*|\1|p" | head -n 1)
for f in summary.csv metrics.csv coverage.csv layers.csv experts.csv confusion-simple.csv config.csv deploy.csv; do
    checks=$((checks + 1))
    [ -s "$dir/$f" ] && pass "export wrote $f" || fail "export: no $dir/$f"
done

tmux_keys $s q
expect_screen $s 'Quit with unsaved runs\? \(y/n\)' "q asks about unsaved runs"
tmux_keys $s n
expect_screen_gone $s 'Quit with unsaved runs' "n returns to the dashboard"
expect_step_past $s "$(tmux_step $s)" "training goes on after n"

tmux_keys $s q
expect_screen $s 'Quit with unsaved runs\? \(y/n\)' "q asks again"
tmux_keys $s y
checks=$((checks + 1))
if tmux_wait_exit $s 30; then
    [ "$RC" = 0 ] && pass "y exits 0" || fail "y: exit $RC"
else
    fail "the dashboard did not exit after y"
fi
expect_restored $s
expect_screen_gone $s 'coverage vs k' "the dashboard is off the screen" 5

checks=$((checks + 1))
grep -q "^moespec: exported to $dir\$" "$log" && pass "log keeps the export path" ||
    fail "log: no export line: $(cat "$log")"
checks=$((checks + 1))
grep -Eq '^simple: step 20/10000000 epoch [0-9.]+ train_loss ' "$log" &&
    pass "log has one line per evaluation" || fail "log: no evaluation lines"
checks=$((checks + 1))
grep -q '^moespec: data ' "$log" && pass "start lines go to the log" || fail "log: no start lines"

# Three runs side by side.
s=runs
tmux_start $s 120 40 LC_ALL=C.UTF-8 -- "$MOESPEC" train --data "$set_dir" \
    --arch simple,hybrid,complex --threads 1 --batch 64 --eval-every 20 --max-steps 10000000 \
    --export "$exp"
expect_screen $s '│ 1 simple 2 hybrid 3 complex|^ 1 simple 2 hybrid 3 complex' "three runs listed with their keys"
expect_screen $s ' simple \(simple.*\) RUNNING ' "the first run is shown"
tmux_keys $s Tab
expect_screen $s ' hybrid \(hybrid.*\) RUNNING ' "Tab shows the next run"
tmux_keys $s 3
expect_screen $s ' complex \(complex.*\) RUNNING ' "3 shows complex"
tmux_keys $s 1
expect_screen $s ' simple \(simple.*\) RUNNING ' "1 shows simple"
tmux_keys $s 2 Space
expect_screen $s ' hybrid \(hybrid.*\) PAUSED ' "space pauses the shown run"
tmux_keys $s v
expect_screen $s '│hybrid +PAUSED ' "compare: hybrid PAUSED"
expect_screen $s '│simple +RUNNING .*│complex +RUNNING |│complex +RUNNING ' "compare: the others still run"
expect_screen $s '│simple +RUNNING ' "compare: simple still runs"
expect_screen $s '1 simple [0-9.-]+ +2 hybrid [0-9.-]+ +3 complex [0-9.-]+' "compare: every run overlaid"
tmux_keys $s P
expect_screen $s '│simple +PAUSED ' "P pauses simple"
expect_screen $s '│complex +PAUSED ' "P pauses complex"
tmux_keys $s P
expect_screen $s '│hybrid +RUNNING ' "P again resumes hybrid"
expect_screen $s '│simple +RUNNING ' "P again resumes simple"
tmux_keys $s q y
checks=$((checks + 1))
if tmux_wait_exit $s 30 && [ "$RC" = 0 ]; then pass "q y exits 0"; else fail "q y: exit '$RC'"; fi

finish
