# tests/tmux.sh: helpers for the dashboard's end-to-end tests (sourced after
# tests/lib.sh): a private tmux server of fixed-size sessions, keys sent as a
# person types them, and polling of what is on the screen (never fixed
# sleeps). Skips the test (exit 77) without tmux. The server is killed on
# every exit.

command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 77; }

unset TMUX
TMUX_CONF="$TEST_TMP/tmux.conf"
TMUX_SOCK="$TEST_TMP/tmux.sock"
cat >"$TMUX_CONF" <<'EOF'
set -g status off
set -g default-terminal screen
set -g remain-on-exit on
EOF
trap 'tm kill-server >/dev/null 2>&1 || :; rm -rf "$TEST_TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tm() { tmux -S "$TMUX_SOCK" -f "$TMUX_CONF" "$@"; }

# tmux_start NAME W H [VAR=VALUE...] -- COMMAND...: runs COMMAND in a new
# W x H session NAME with VAR=VALUE in its environment, under a shell that
# then writes the terminal's modes (stty -a) to $TEST_TMP/NAME.stty and
# COMMAND's status to $TEST_TMP/NAME.rc, in that order (tmux_wait waits for
# the .rc, so the modes must be on disk first: a loaded machine once read an
# empty .stty), and stays, so the screen can be read.
# The shell survives Ctrl-C and Ctrl-\ (trap :) to record the status;
# COMMAND gets the default SIGINT and SIGQUIT dispositions.
tmux_start() {
    _name=$1 _w=$2 _h=$3
    shift 3
    _env=""
    while [ "$1" != "--" ]; do _env="$_env -e $1"; shift; done
    shift
    # shellcheck disable=SC2086
    tm new-session -d -s "$_name" -x "$_w" -y "$_h" $_env -- sh -c \
        'trap : INT QUIT; "$@"; rc=$?; stty -a >"$0.stty" 2>&1; echo $rc >"$0.rc"; exec sleep 600' \
        "$TEST_TMP/$_name" "$@"
}

tmux_screen() { tm capture-pane -p -t "$1"; }

# tmux_wait NAME REGEX [SECONDS]: until the screen matches (0) or time is
# up (1); SCREEN holds the last capture either way.
tmux_wait() {
    _deadline=$(( $(date +%s) + ${3:-30} ))
    while :; do
        SCREEN=$(tmux_screen "$1")
        printf '%s\n' "$SCREEN" | grep -Eq -- "$2" && return 0
        [ "$(date +%s)" -ge "$_deadline" ] && return 1
        sleep 0.1
    done
}

# tmux_wait_gone NAME REGEX [SECONDS]: until the screen stops matching.
tmux_wait_gone() {
    _deadline=$(( $(date +%s) + ${3:-30} ))
    while :; do
        SCREEN=$(tmux_screen "$1")
        printf '%s\n' "$SCREEN" | grep -Eq -- "$2" || return 0
        [ "$(date +%s)" -ge "$_deadline" ] && return 1
        sleep 0.1
    done
}

# expect_screen NAME REGEX DESCRIPTION [SECONDS]
expect_screen() {
    checks=$((checks + 1))
    if tmux_wait "$1" "$2" "${4:-30}"; then pass "$3"; else
        fail "$3: the screen never matched /$2/:"
        printf '%s\n' "$SCREEN" >&2
    fi
}

# expect_screen_gone NAME REGEX DESCRIPTION [SECONDS]
expect_screen_gone() {
    checks=$((checks + 1))
    if tmux_wait_gone "$1" "$2" "${4:-30}"; then pass "$3"; else
        fail "$3: /$2/ stayed on the screen:"
        printf '%s\n' "$SCREEN" >&2
    fi
}

tmux_keys() { _n=$1; shift; tm send-keys -t "$_n" "$@"; }

# tmux_step_once NAME: the step number on the status line (empty if none).
tmux_step_once() { tmux_screen "$1" | sed -n 's/.*step \([0-9][0-9]*\).*/\1/p' | head -n 1; }
# tmux_step NAME: the step on the status line, waiting (up to 10 s) through
# a frame caught mid-redraw (a prompt just closed) that shows none, so that
# a caller never compares against an empty step.
tmux_step() {
    _n=0
    _s=$(tmux_step_once "$1")
    while [ -z "$_s" ] && [ $_n -lt 100 ]; do
        sleep 0.1
        _n=$((_n + 1))
        _s=$(tmux_step_once "$1")
    done
    printf '%s\n' "$_s"
}

# expect_step_past NAME N DESCRIPTION [SECONDS]: until the step shown is
# greater than N.
expect_step_past() {
    checks=$((checks + 1))
    _deadline=$(( $(date +%s) + ${4:-30} ))
    while :; do
        _step=$(tmux_step_once "$1")
        if [ -n "$_step" ] && [ "$_step" -gt "$2" ]; then pass "$3 ($2 -> $_step)"; return 0; fi
        if [ "$(date +%s)" -ge "$_deadline" ]; then fail "$3: step stayed at '$_step'"; return 0; fi
        sleep 0.1
    done
}

# tmux_wait_exit NAME [SECONDS]: until COMMAND ended; RC is its status
# (empty when it did not end in time).
tmux_wait_exit() {
    _deadline=$(( $(date +%s) + ${2:-30} ))
    RC=
    while [ ! -s "$TEST_TMP/$1.rc" ]; do
        [ "$(date +%s)" -ge "$_deadline" ] && return 1
        sleep 0.1
    done
    RC=$(cat "$TEST_TMP/$1.rc")
}

# tmux_pid NAME: the process id of COMMAND (the child of the pane's shell).
tmux_pid() { pgrep -P "$(tm display -p -t "$1" '#{pane_pid}')" | head -n 1; }

# expect_restored NAME: after COMMAND ended, the terminal is back in its
# usual modes (canonical input, echo), out of the alternate screen, with a
# visible cursor.
expect_restored() {
    checks=$((checks + 1))
    _stty=$(cat "$TEST_TMP/$1.stty")
    if printf '%s\n' "$_stty" | grep -Eq '(^| )-(icanon|echo)( |$)'; then
        fail "$1: terminal modes not restored: $_stty"
    elif ! printf '%s\n' "$_stty" | grep -Eq '(^| )icanon( |$)'; then
        fail "$1: no terminal modes recorded: $_stty"
    elif [ "$(tm display -p -t "$1" '#{alternate_on}')" != 0 ]; then
        fail "$1: still in the alternate screen"
    elif [ "$(tm display -p -t "$1" '#{cursor_flag}')" != 1 ]; then
        fail "$1: the cursor is still hidden"
    else
        pass "$1: terminal restored (modes, screen, cursor)"
    fi
}

# tiny_set DIR: the small generated trace set the dashboard tests train on.
tiny_set() {
    "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 16 --seqs 24 --seq-len 32 \
        --dtype f32 --seed 3 -o "$1" >/dev/null 2>&1 || { echo "gen failed" >&2; exit 99; }
}
