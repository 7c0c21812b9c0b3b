#!/bin/sh
# tests/dashboard_noterm.sh: without a terminal the dashboard refuses to
# start (SPEC 7): exit 2 with a pointer to --headless, said before any data
# is read or generated.
set -e
. "$srcdir/tests/lib.sh"

cache="$TEST_TMP/cache"
run_cmd env XDG_CACHE_HOME="$cache" "$MOESPEC" train </dev/null
expect_rc 2 "train without a terminal"
expect_match ERR '^moespec: no terminal: use --headless$' "the refusal names --headless"
checks=$((checks + 1))
[ ! -e "$cache/moespec" ] && pass "no demo set generated first" || fail "the demo set was generated"

run_cmd env XDG_CACHE_HOME="$cache" "$MOESPEC" </dev/null
expect_rc 2 "moespec with no command and no terminal"
expect_match ERR 'no terminal: use --headless' "same message"

# stdin a terminal is not enough: stdout must be one too (and the other way).
run_cmd "$MOESPEC" train --data "$TEST_TMP/missing" </dev/null
expect_rc 2 "the terminal is checked before the data (a missing set would be 3)"
run_cmd "$MOESPEC" train --headless --data "$TEST_TMP/missing" </dev/null
expect_rc 3 "--headless needs no terminal"

finish
