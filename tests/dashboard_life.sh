#!/bin/sh
# tests/dashboard_life.sh: the dashboard's life from start to end (SPEC 7):
# at 80x24 the compact layout, resizes (full layout, too small, back),
# RUNNING then DONE, exports still served after DONE, q/y; a failed export; under an ASCII locale with NO_COLOR nothing but ASCII and
# no colours (with colours as the control), SIGTERM exits 143 (with a
# checkpoint) and Ctrl-C twice (the quit question, then at once) 130 with
# the terminal restored; an unknown TERM exits 2.
set -e
. "$srcdir/tests/lib.sh"
[ "${MOESPEC_SKIP_SLOW:-0}" = 1 ] && { echo "MOESPEC_SKIP_SLOW=1: skipped"; exit 77; }
. "$srcdir/tests/tmux.sh"

set_dir="$TEST_TMP/set"
tiny_set "$set_dir"
exp="$TEST_TMP/exports"

# 80x24: compact layout, RUNNING to DONE, export after DONE, quit.
s=small
tmux_start $s 80 24 LC_ALL=C.UTF-8 -- "$MOESPEC" train --data "$set_dir" --arch simple --threads 1 --batch 64 --width 8 --export "$exp" --eval-every 200 --max-steps 100000
expect_screen $s ' RUNNING ' "status line shows RUNNING"
expect_screen $s 'loss .*coverage vs k' "80x24: loss beside coverage"
expect_screen $s 'hit@k.*confusion, all 4 layers' "80x24: hit@k beside the confusion heatmap"
# d at 80x24: the compact deployment view (the table, spark strips, no charts)
tmux_keys $s d
expect_screen $s 'C = 2 of E = 8 resident per layer \(25%\)' "80x24 d: the cursor on the smallest C"
expect_screen $s '^ simple +lru +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ ' "80x24 d: the run's row, every column" 60
expect_screen $s '^ - +belady +[0-9.]+ +- ' "80x24 d: belady without prefetch"
expect_screen $s '^ oracle +lru +1\.000 +1\.000 ' "80x24 d: the oracle prefetches every need (lookahead 0)"
expect_screen $s '^ simple [0-9]+ [0-9]+ [0-9]+ [0-9]+' "80x24 d: smallest k per cover level"
tm resize-window -t $s -x 120 -y 40
expect_screen $s 'hit rate vs cache C.*stall ms/token vs cache C' "120x40 d: both charts"
expect_screen $s '1 simple\+lru +l lru +b belady +f frequency' "120x40 d: the chart legend"
tmux_keys $s End
expect_screen $s 'C = 8 of E = 8 resident per layer \(100%\)' "End: the largest C"
tmux_keys $s Left
expect_screen $s 'C = 6 of E = 8' "Left: the next smaller C"
tmux_keys $s d
tm resize-window -t $s -x 80 -y 24
tm resize-window -t $s -x 120 -y 40
expect_screen $s 'loss \(l: log scale\) .*confusion' "resized to 120x40: the full layout"
tm resize-window -t $s -x 50 -y 15
expect_screen $s 'terminal 50x15 is too small' "resized to 50x15: asks for room"
tm resize-window -t $s -x 80 -y 24
expect_screen $s 'loss .*coverage vs k' "back to 80x24: the compact layout"
expect_screen $s ' DONE .*100%' "status line shows DONE at 100%" 120
tmux_keys $s Space
expect_screen $s 'simple is DONE: nothing to pause' "space on a DONE run says so"
tmux_keys $s e
expect_screen $s "exported to .*exports/[0-9]{8}-[0-9]{6}" "e still exports after DONE"
tmux_keys $s q
expect_screen $s 'Quit with unsaved runs\? \(y/n\)' "q asks about unsaved runs after DONE"
tmux_keys $s y
checks=$((checks + 1))
if tmux_wait_exit $s 30 && [ "$RC" = 0 ]; then pass "q y exits 0"; else fail "q y: exit '$RC'"; fi
expect_restored $s

# ASCII locale, NO_COLOR: only ASCII, no colour; SIGTERM exits 143.
s=ascii
tmux_start $s 100 30 LC_ALL=C NO_COLOR=1 -- "$MOESPEC" train --data "$set_dir" --arch simple --threads 1 --batch 64 --export "$exp" --eval-every 20 --max-steps 10000000 --checkpoint-dir "$TEST_TMP/ascii.ck"
expect_screen $s ' RUNNING ' "ASCII: RUNNING"
expect_screen $s '^\+ loss .*\+ coverage vs k \(Left Right cursor\)' "ASCII: frames and key names in ASCII"
tmux_keys $s d
expect_screen $s '^ simple +lru +[0-9.]+ ' "ASCII: the deployment view's rows" 60
expect_screen $s 'hit rate vs cache C' "ASCII: its charts at 100x30"
checks=$((checks + 1))
if tmux_screen $s | LC_ALL=C grep -q '[^ -~]'; then
    fail "ASCII: a non-ASCII byte on the screen"; tmux_screen $s >&2
else pass "ASCII: nothing but ASCII on the screen"; fi
checks=$((checks + 1))
if tm capture-pane -p -e -t $s | grep -Eq "$(printf '\033')\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]"; then
    fail "NO_COLOR: colours on the screen"
else pass "NO_COLOR: no colours"; fi
pid=$(tmux_pid $s)
kill -TERM "$pid"
checks=$((checks + 1))
if tmux_wait_exit $s 30 && [ "$RC" = 143 ]; then pass "SIGTERM exits 143"; else fail "SIGTERM: exit '$RC'"; fi
expect_screen $s 'stopped by a signal \(SIGTERM\); every run with unsaved steps was checkpointed' "SIGTERM: said after the screen is restored" 5
expect_restored $s
run_cmd "$MOESPEC" eval "$TEST_TMP/ascii.ck/simple.ckpt" --data "$set_dir"
expect_rc 0 "SIGTERM: the checkpoint is loadable"

# An --export that cannot be used is refused before the dashboard opens.
: >"$TEST_TMP/a-file"
run_cmd script -qec "\"$MOESPEC\" train --data \"$set_dir\" --arch simple --export \"$TEST_TMP/a-file/exports\"" /dev/null
expect_rc 1 "an unusable --export (under a file) in the dashboard"
expect_match OUT "moespec: $TEST_TMP/a-file/exports: export directory: Not a directory" \
    "an unusable --export is said before the dashboard"

# Colours by default (the control for NO_COLOR); an export that fails (its
# directory became a file after the start) says why; Ctrl-C asks (steps are
# unsaved) and a second Ctrl-C exits 130.
s=colour
mkdir "$TEST_TMP/late"
tmux_start $s 80 24 LC_ALL=C.UTF-8 -- "$MOESPEC" train --data "$set_dir" --arch simple --threads 1 --batch 64 --export "$TEST_TMP/late/exports" --eval-every 20 --max-steps 10000000
expect_screen $s ' RUNNING ' "colour: RUNNING"
rmdir "$TEST_TMP/late" && : >"$TEST_TMP/late"
tmux_keys $s e
expect_screen $s 'port failed: .*late/exports: Not a directory' "a failed export says why"
checks=$((checks + 1))
if tm capture-pane -p -e -t $s | grep -Eq "$(printf '\033')\[([0-9;]*;)?(3[0-7]|4[0-7])[;m]"; then
    pass "colours without NO_COLOR"
else fail "no colours without NO_COLOR"; fi
tmux_keys $s C-c
expect_screen $s 'Quit with unsaved runs\? \(y/n\)' "Ctrl-C asks about unsaved runs"
tmux_keys $s C-c
checks=$((checks + 1))
if tmux_wait_exit $s 30 && [ "$RC" = 130 ]; then pass "Ctrl-C twice exits 130"; else fail "Ctrl-C twice: exit '$RC'"; fi
expect_screen $s 'stopped by a signal \(SIGINT, twice\); no checkpoint written' "Ctrl-C twice: said" 5
expect_restored $s

# A terminal curses cannot drive: exit 2, nothing left behind.
s=badterm
tmux_start $s 80 24 -- env TERM=no-such-terminal "$MOESPEC" train --data "$set_dir" --arch simple --threads 1 --batch 64 --export "$exp" --max-steps 10
checks=$((checks + 1))
if tmux_wait_exit $s 30 && [ "$RC" = 2 ]; then pass "unknown TERM exits 2"; else fail "unknown TERM: exit '$RC'"; fi
expect_screen $s 'no-such-terminal: cannot use this terminal: use --headless' "unknown TERM: said" 5

finish
