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

# The architectures: --help's list is the program's table; the man page and
# the --arch default must list the same names, with the same default lr.
run_cmd "$MOESPEC" train --help
archs=$(printf '%s\n' "$OUT" | sed -n '/^Architectures/,$p' | awk 'NR > 1 && $2 == "lr" {print $1 "=" $3}')
[ -n "$archs" ] && pass "train --help lists the architectures" || fail "no architecture list in train --help"
man_page="$srcdir/man/moespec.1"
lr_line=$(grep -A1 '^Defaults: ' "$man_page" | tr '\n' ' ' | sed 's/\\-/-/g')
for a in $archs; do
    name=${a%%=*} lr=${a#*=}
    grep -q "^\.B $name\$" "$man_page" && pass "man page describes $name" || fail "man page lacks $name"
    man_lr=$(printf '%s\n' "$lr_line" | sed -n "s/.*[ ,]$name \([0-9.e+-]*\).*/\1/p")
    awk -v a="$lr" -v b="$man_lr" 'BEGIN { exit !(b != "" && a + 0 == b + 0) }' \
        && pass "man page gives $name's default lr ($lr)" \
        || fail "man page's default lr of $name is '$man_lr', the program's $lr"
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

# '' as a path is a usage error naming what it stood for, wherever a path goes
for cmd in "info" "import --experts 8 -o $TEST_TMP/imp" "gen -o" "eval --data $TEST_TMP/x" "simulate --data $TEST_TMP/x" \
    "train --headless --resume"; do
    run_cmd "$MOESPEC" $cmd ''
    expect_rc 2 "$cmd '' is a usage error"
    expect_match ERR "^moespec: .*: an empty path\$" "$cmd '': says so"
done
checks=$((checks + 1))
[ ! -e "$TEST_TMP/imp" ] && pass "nothing written for an empty path" || fail "import wrote $TEST_TMP/imp"

# '' is not "no --data": it must not quietly train on the demo set
for cmd in "train --headless" "simulate" "eval x.ckpt"; do
    run_cmd "$MOESPEC" $cmd --data ''
    expect_rc 2 "$cmd --data '' is a usage error"
    expect_match ERR "^moespec: --data: an empty path\$" "$cmd --data '': says so"
done

finish
