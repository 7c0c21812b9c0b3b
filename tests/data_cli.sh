#!/bin/sh
# tests/data_cli.sh: `moespec import` and `moespec info` as a user meets them:
# exit statuses (0, 1 output exists, 2 usage, 3 bad input or corrupt set),
# "moespec: FILE:WHERE: what" messages, nothing written on failure, the
# info summary and its --csv table.
set -e
. "$srcdir/tests/lib.sh"
T=$TEST_TMP/work  # run_cmd keeps its own out/err files in TEST_TMP
mkdir "$T"

printf 'seq,pos,layer,token,e0,e1,w0,w1,h0,h1\n0,0,0,5,1,2,0.6,0.4,0.5,1e-3\n0,0,1,5,3,2,0.7,0.3,-0.5,2\n0,1,0,7,0,1,0.5,0.5,1,2\n0,1,1,7,1,0,0.5,0.5,1,2\n1,0,1,9,1,2,0.6,0.4,0.5,1e-3\n1,0,0,9,3,2,0.7,0.3,-0.5,2\n' >"$T/a.csv"

run_cmd "$MOESPEC" import --experts 4 --hidden-point layer-input "$T/a.csv" -o "$T/set"
expect_rc 0 "import a valid file"
run_cmd "$MOESPEC" info "$T/set"
expect_rc 0 "info on the imported set"
expect_match OUT '^experts \(E\) +4$' "info prints E"
expect_match OUT '^top-k \(K\) +2$' "info prints K"
expect_match OUT '^layers \(L\) +2$' "info prints L"
expect_match OUT '^hidden \(D\) +2$' "info prints D"
expect_match OUT '^hidden point +layer-input$' "info prints the hidden point"
expect_match OUT '^dtype +f32$' "info prints the dtype"
expect_match OUT '^sequences +2$' "info prints sequences"
expect_match OUT '^samples +6$' "info prints samples = tokens x L"
expect_match OUT '^shards +1$' "info prints shards"
expect_match OUT '^layer +skew +repeat_ratio +affinity +same_id +token_share$' "info prints the layer table"
run_cmd "$MOESPEC" info --csv "$T/set"
expect_rc 0 "info --csv"
expect_match OUT '^layer,skew,repeat_ratio,affinity,same_id,token_share$' "--csv header"
expect_match OUT '^1,[0-9.e+-]+,[0-9.e+-]*,,,[0-9.e+-]+$' "--csv: the last layer has empty affinity and same_id"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] && pass "--csv prints only the table" || fail "--csv: $OUT"

# bad input: exit 3, FILE:LINE:COLUMN, nothing written
printf 'seq,pos,layer,e0,e1\n0,0,0,1,2\n0,1,0,1,61\n' >"$T/bad.csv"
run_cmd "$MOESPEC" import --experts 60 "$T/bad.csv" -o "$T/out"
expect_rc 3 "expert id out of range"
expect_match ERR "^moespec: $T/bad.csv:3:e1: expert id 61 out of range \[0, 60\)$" "error names file, line, column"
[ ! -e "$T/out" ] && [ -z "$(ls -A "$T" | grep '^\.out')" ] && pass "nothing written" || fail "output left behind"
run_cmd "$MOESPEC" import --experts 60 "$T/a.csv" "$T/no-such.csv" -o "$T/out"
expect_rc 3 "missing input file"
expect_match ERR "no-such.csv: No such file" "missing file is named"

# usage errors: exit 2
run_cmd "$MOESPEC" import "$T/a.csv" -o "$T/out"
expect_rc 2 "import without --experts"
run_cmd "$MOESPEC" import --experts 4 "$T/a.csv"
expect_rc 2 "import without -o"
run_cmd "$MOESPEC" import --experts 4 --hidden-point middle "$T/a.csv" -o "$T/out"
expect_rc 2 "bad --hidden-point"
run_cmd "$MOESPEC" import --experts 0 "$T/a.csv" -o "$T/out"
expect_rc 2 "--experts 0"
run_cmd "$MOESPEC" info
expect_rc 2 "info without DIR"
run_cmd "$MOESPEC" info --bogus "$T/set"
expect_rc 2 "info with an unknown option"

# output exists and is not empty: exit 1
run_cmd "$MOESPEC" import --experts 4 "$T/a.csv" -o "$T/set"
expect_rc 1 "output exists"

# corrupt sets: exit 3 naming the shard
run_cmd "$MOESPEC" info "$T/nothing-here"
expect_rc 3 "info on a missing directory"
printf '\001' | dd of="$T/set/shard-0000.bin" bs=1 seek=300 conv=notrunc 2>/dev/null
run_cmd "$MOESPEC" info "$T/set"
expect_rc 3 "info on a flipped byte"
expect_match ERR "^moespec: $T/set/shard-0000.bin:120: checksum mismatch" "checksum error names the shard"
truncate -s 256 "$T/set/shard-0000.bin"
run_cmd "$MOESPEC" info --csv "$T/set"
expect_rc 3 "info on a truncated shard"
expect_match ERR "shard-0000.bin:256: truncated" "truncation is named"

# special files where a file is read: exit 3 at once, never a wait on a FIFO
mkfifo "$T/fifo.csv" "$T/fifo.ckpt"
mkdir -p "$T/fifo-set" && mkfifo "$T/fifo-set/manifest"
for what in "import --experts 8 $T/fifo.csv -o $T/fifo-out" "import --experts 8 /dev/null -o $T/dev-out" \
    "import --experts 8 $T -o $T/dir-out" "info $T/fifo-set" "eval $T/fifo.ckpt --data $T/fifo-set"; do
    run_cmd timeout 20 "$MOESPEC" $what
    expect_rc 3 "$what: a special file is exit 3 at once"
    expect_match ERR "not a regular file" "$what: says it is not a regular file"
done
checks=$((checks + 1))
[ ! -e "$T/fifo-out" ] && [ ! -e "$T/dev-out" ] && [ ! -e "$T/dir-out" ] &&
    pass "nothing partial left by the refused imports" || fail "an import left its output"

finish
