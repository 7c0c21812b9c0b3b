# tests/lib.sh: shared helpers for the shell tests (sourced, not run).
# The test environment (tests/local.mk) exports srcdir, MOESPEC, XDG_CACHE_HOME.
set -u

: "${MOESPEC:?MOESPEC must name the built moespec binary}"
: "${srcdir:=.}"

failures=0
checks=0

# A private scratch directory, removed on exit.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/moespec-sh.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT
# Run inside it: the defaults that name the current directory
# (./moespec-checkpoints, ./moespec-export) are then this test's own, and a
# checkpoint one test leaves never meets another's fresh run (SPEC 8).
srcdir=$(cd "$srcdir" && pwd)
cd "$TEST_TMP"

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

pass() {
    echo "ok: $*"
}

# run_cmd: runs "$@", keeping stdout, stderr and status in OUT, ERR, RC.
run_cmd() {
    checks=$((checks + 1))
    set +e
    "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    RC=$?
    set -e
    OUT=$(cat "$TEST_TMP/out")
    ERR=$(cat "$TEST_TMP/err")
}

# expect_rc WANT DESCRIPTION: checks the status of the last run_cmd.
expect_rc() {
    if [ "$RC" -eq "$1" ]; then pass "$2 (exit $RC)"; else
        fail "$2: exit $RC, want $1; stderr: $ERR"
    fi
}

# expect_match WHICH REGEX DESCRIPTION: WHICH is OUT or ERR.
expect_match() {
    eval "text=\$$1"
    if printf '%s\n' "$text" | grep -Eq -- "$2"; then pass "$3"; else
        fail "$3: $1 does not match /$2/: $text"
    fi
}

finish() {
    echo "$checks commands checked, $failures failures"
    [ "$failures" -eq 0 ]
}
