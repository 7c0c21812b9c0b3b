#!/bin/sh
# tests/gen.sh: `moespec gen` as a user meets it (SPEC 4.3, 9): option
# errors (exit 2), a small set, determinism per seed, refusing a non-empty
# output (exit 1), profiles from a file, bad profile files (exit 3).
set -e
. "$srcdir/tests/lib.sh"

SMALL="--experts 8 --top-k 2 --layers 4 --dim 16 --seqs 3 --seq-len 20"

run_cmd "$MOESPEC" gen --help
expect_rc 0 "gen --help"
expect_match OUT "--profile NAME" "gen --help lists --profile"

run_cmd "$MOESPEC" gen $SMALL
expect_rc 2 "gen without -o"
expect_match ERR "no output directory" "missing -o is named"

run_cmd "$MOESPEC" gen --experts 8 --top-k 9 -o "$TEST_TMP/x"
expect_rc 2 "top-k > experts"
expect_match ERR "top_k = 9 exceeds experts = 8" "K > E is explained"

run_cmd "$MOESPEC" gen --profile no-such -o "$TEST_TMP/x"
expect_rc 2 "unknown profile"
expect_match ERR "no profile 'no-such'.*demo" "unknown profile lists the built-in ones"

run_cmd "$MOESPEC" gen --dtype f8 -o "$TEST_TMP/x"
expect_rc 2 "bad dtype"
run_cmd "$MOESPEC" gen --seqs 0 -o "$TEST_TMP/x"
expect_rc 2 "zero sequences"
run_cmd "$MOESPEC" gen --seed -3 -o "$TEST_TMP/x"
expect_rc 2 "negative seed"
[ ! -e "$TEST_TMP/x" ] && pass "usage errors write nothing" || fail "usage error wrote $TEST_TMP/x"

run_cmd "$MOESPEC" gen $SMALL --seed 4 -o "$TEST_TMP/a"
expect_rc 0 "small gen"
expect_match ERR "wrote .*E=8 K=2 L=4 D=16" "gen ends with a summary line"
grep -q '^E = 8$' "$TEST_TMP/a/manifest" && pass "manifest says E = 8" || fail "manifest: $(cat "$TEST_TMP/a/manifest")"

run_cmd "$MOESPEC" gen $SMALL --seed 4 -o "$TEST_TMP/b"
run_cmd "$MOESPEC" gen $SMALL --seed 5 -o "$TEST_TMP/c"
same=yes
for f in "$TEST_TMP"/a/*; do cmp -s "$f" "$TEST_TMP/b/${f##*/}" || same=no; done
[ "$same" = yes ] && pass "same seed, same bytes" || fail "same seed gave different files"
differ=no
for f in "$TEST_TMP"/a/shard*; do cmp -s "$f" "$TEST_TMP/c/${f##*/}" || differ=yes; done
[ "$differ" = yes ] && pass "another seed, other bytes" || fail "seeds 4 and 5 gave the same shards"

run_cmd "$MOESPEC" gen $SMALL --seed 9 -o "$TEST_TMP/a"
expect_rc 1 "non-empty output directory"
expect_match ERR "$TEST_TMP/a" "the output directory is named"
cmp -s "$TEST_TMP/a/manifest" "$TEST_TMP/b/manifest" && pass "existing set untouched" || fail "existing set changed"

touch "$TEST_TMP/file"
run_cmd "$MOESPEC" gen $SMALL -o "$TEST_TMP/file/set"
expect_rc 1 "output under a regular file"

sed -e 's/^experts = 60$/experts = 12/' -e 's/^name = demo$/name = mine/' \
    -e 's/^seqs = .*/seqs = 2/' -e 's/^seq_len = .*/seq_len = 16/' \
    "$srcdir/data/profiles/demo.conf" >"$TEST_TMP/mine.conf"
run_cmd "$MOESPEC" gen --profile "$TEST_TMP/mine.conf" --layers 3 -o "$TEST_TMP/m"
expect_rc 0 "profile from a file"
grep -q '^E = 12$' "$TEST_TMP/m/manifest" && grep -q '^L = 3$' "$TEST_TMP/m/manifest" &&
    pass "file profile and override both apply" || fail "manifest: $(cat "$TEST_TMP/m/manifest")"

printf 'name = bad\nexperts = many\n' >"$TEST_TMP/bad.conf"
run_cmd "$MOESPEC" gen --profile "$TEST_TMP/bad.conf" -o "$TEST_TMP/x"
expect_rc 3 "bad profile file"
expect_match ERR "bad.conf:2: experts: 'many' is not an integer" "bad value named by file, line, key"

run_cmd "$MOESPEC" gen --profile "$TEST_TMP/none.conf" -o "$TEST_TMP/x"
expect_rc 3 "missing profile file"
[ ! -e "$TEST_TMP/x" ] && pass "input errors write nothing" || fail "input error wrote $TEST_TMP/x"

finish
