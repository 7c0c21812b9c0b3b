#!/bin/sh
# tests/cli.sh: the command line as a user meets it: --help, --version,
# unknown options and commands (SPEC 9 exit statuses and messages).
set -e
. "$srcdir/tests/lib.sh"

run_cmd "$MOESPEC" --version
expect_rc 0 "--version"
expect_match OUT '^moespec [0-9]+\.[0-9]+\.[0-9]+$' "--version prints name and version"

run_cmd "$MOESPEC" --help
expect_rc 0 "--help"
for c in train gen import info eval; do
    expect_match OUT "^  $c " "--help lists $c"
done

for c in train gen import info eval; do
    run_cmd "$MOESPEC" "$c" --help
    expect_rc 0 "$c --help"
    expect_match OUT "^Usage: moespec .*$c|^Usage: moespec \[train\]" "$c --help starts with a usage line"
done

run_cmd "$MOESPEC" --no-such-option
expect_rc 2 "unknown option"
expect_match ERR "unknown option '--no-such-option'" "unknown option is named"
expect_match ERR "^Try 'moespec train --help'" "unknown option gives a one-line hint"
[ "$(printf '%s\n' "$ERR" | wc -l)" -eq 2 ] && pass "usage error is two lines" || fail "usage error: $ERR"

run_cmd "$MOESPEC" frobnicate
expect_rc 2 "unknown command"
expect_match ERR "unknown command 'frobnicate'" "unknown command is named"

run_cmd "$MOESPEC" train --batch
expect_rc 2 "option missing its value"

finish
