#!/bin/sh
# tests/router_cli.sh: router matrices as a user meets them: `gen` writes
# them, `import --router FILE` checks and copies them in, `info` says so,
# headless training reports and exports the gate baseline (recall@K >= 0.99
# at lookahead 0 on a gen set, the acceptance test of the generator's exact
# D-space routers), a set without routers exports empty gate cells, and every
# bad router file is exit 3 "moespec: FILE: tensor NAME: what" with nothing
# written. Bad files are built here with printf (JSON header, raw f32 bytes).
set -e
. "$srcdir/tests/lib.sh"
T=$TEST_TMP/work
mkdir "$T"

# ---- gen: the simulated routers, exact at lookahead 0 ----
run_cmd "$MOESPEC" gen --experts 16 --top-k 2 --layers 3 --dim 24 --seqs 24 --seq-len 32 \
    --dtype f16 --seed 5 -o "$T/gen"
expect_rc 0 "gen a small set"
[ -f "$T/gen/router.safetensors" ] && pass "gen writes router.safetensors" || fail "no router file"
checks=$((checks + 1))
grep -Eq '^router = router.safetensors [0-9]+ [0-9a-f]{16}$' "$T/gen/manifest" \
    && pass "manifest router line" || fail "manifest: $(cat "$T/gen/manifest")"
checks=$((checks + 1))
grep -q '^expert_bytes = 17301504$' "$T/gen/manifest" \
    && pass "gen records the profile's expert size" || fail "manifest: $(cat "$T/gen/manifest")"
run_cmd "$MOESPEC" info "$T/gen"
expect_rc 0 "info on the gen set"
expect_match OUT '^router +yes \(router.safetensors, 3 of 3 layers with bias; source: moespec gen' \
    "info says the routers are there and names their source"
run_cmd "$MOESPEC" train --headless --data "$T/gen" --arch simple --max-steps 2 --batch 64 \
    --threads 1 --export "$T/x0"
expect_rc 0 "headless training on the gen set"
expect_match ERR '^moespec: baseline gate: hit1 [0-9.]+ recall_2 (0\.99[0-9]*|1\.0+) cover_2' \
    "gate recall@K >= 0.99 at lookahead 0"

# With --val-data the gate is the validated set's routers, the ones that
# routed it: a set of another seed (other routers) is predicted at >= 0.99,
# which --data's routers could not do.
run_cmd "$MOESPEC" gen --experts 16 --top-k 2 --layers 3 --dim 24 --seqs 8 --seq-len 32 \
    --dtype f16 --seed 6 -o "$T/gen6"
expect_rc 0 "gen a set of another seed"
run_cmd "$MOESPEC" train --headless --data "$T/gen" --val-data "$T/gen6" --arch linear \
    --max-steps 1 --batch 64 --threads 1 --checkpoint-dir "$T/ck6"
expect_rc 0 "training with --val-data"
expect_match ERR '^moespec: baseline gate: hit1 [0-9.]+ recall_2 (0\.99[0-9]*|1\.0+) cover_2' \
    "the gate uses the --val-data set's routers"
checks=$((checks + 1))
grep -q '^gate,gate,' "$T/x0/summary.csv" && pass "summary.csv has the gate row" \
    || fail "summary.csv: $(cat "$T/x0/summary.csv")"
checks=$((checks + 1))
awk -F, 'NR > 1 && ($13 == "" || $14 == "" || $15 == "") { bad = 1 } END { exit bad }' \
    "$T/x0/coverage.csv" && pass "coverage.csv gate cells filled" || fail "empty gate cells"

# the same set without its routers (manifest line dropped): no gate row,
# empty gate cells
cp -r "$T/gen" "$T/norouter"
rm "$T/norouter/router.safetensors"
sed -e '/^router = /d' -e '/^expert_bytes = /d' -e 's/^moespec-traces 2$/moespec-traces 1/' "$T/gen/manifest" \
    >"$T/norouter/manifest"
run_cmd "$MOESPEC" train --headless --data "$T/norouter" --arch simple --max-steps 2 --batch 64 \
    --threads 1 --export "$T/x1"
expect_rc 0 "headless training on a set without routers"
checks=$((checks + 1))
! grep -q '^gate,' "$T/x1/summary.csv" && ! printf '%s\n' "$ERR" | grep -q 'baseline gate' \
    && pass "no gate row or line without routers" || fail "gate without routers"
checks=$((checks + 1))
head -n 1 "$T/x1/coverage.csv" | grep -q ',gate_cover,gate_recall,gate_hit$' \
    && awk -F, 'NR > 1 && ($13 != "" || $14 != "" || $15 != "") { bad = 1 } END { exit bad }' \
    "$T/x1/coverage.csv" && pass "coverage.csv: gate columns present and empty" \
    || fail "coverage.csv without routers: $(head -n 2 "$T/x1/coverage.csv")"

# ---- import --router ----
printf 'seq,pos,layer,e0,e1,h0,h1\n0,0,0,1,2,0.5,1\n0,0,1,3,2,-0.5,2\n0,1,0,0,1,1,2\n0,1,1,1,0,1,2\n1,0,0,1,2,0.5,1\n1,0,1,3,2,-0.5,2\n' >"$T/a.csv"
run_cmd "$MOESPEC" import --experts 4 "$T/a.csv" -o "$T/plain"
expect_rc 0 "import without routers"
run_cmd "$MOESPEC" info "$T/plain"
expect_match OUT '^router +no$' "info says there are no routers"
checks=$((checks + 1))
grep -q '^moespec-traces 1$' "$T/plain/manifest" && pass "a set without routers stays version 1" \
    || fail "manifest: $(head -n 1 "$T/plain/manifest")"

# le64 N: N as 8 little-endian bytes
le64() {
    n=$1 i=0
    while [ $i -lt 8 ]; do
        printf "\\$(printf '%03o' $((n % 256)))"
        n=$((n / 256)) i=$((i + 1))
    done
}
# st FILE JSON DATABYTES [HLEN]: a safetensors file of DATABYTES zero bytes
st() {
    { le64 "${4:-${#2}}"; printf '%s' "$2"; head -c "$3" /dev/zero; } >"$1"
}
w() { printf '"layers.%s.router.weight":{"dtype":"%s","shape":%s,"data_offsets":[%s]}' "$@"; }
b() { printf '"layers.%s.router.bias":{"dtype":"F32","shape":[4],"data_offsets":[%s]}' "$@"; }
md='"__metadata__":{"source":"router_cli.sh"}'

st "$T/good.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32),$(b 0 32,48),$(w 1 F16 '[4,2]' 48,64)}" 64
run_cmd "$MOESPEC" import --experts 4 --router "$T/good.safetensors" --expert-mb 1.5 \
    "$T/a.csv" -o "$T/with"
expect_rc 0 "import --router with a good file"
run_cmd "$MOESPEC" info "$T/with"
expect_rc 0 "info on the imported set with routers"
expect_match OUT '^router +yes \(router.safetensors, 1 of 2 layers with bias; source: router_cli.sh\)$' \
    "info: routers present, their source"
expect_match OUT '^expert bytes +1500000$' "info: expert bytes from --expert-mb"
checks=$((checks + 1))
cmp -s "$T/good.safetensors" "$T/with/router.safetensors" && pass "the file is copied as is" \
    || fail "router file differs"

# bad_router FILE DESCRIPTION REGEX: import --router FILE fails with exit 3 and REGEX
bad_router() {
    rm -rf "$T/out"
    run_cmd "$MOESPEC" import --experts 4 --router "$1" "$T/a.csv" -o "$T/out"
    expect_rc 3 "$2"
    expect_match ERR "^moespec: $1: $3" "$2: the message names the file and what"
    checks=$((checks + 1))
    [ ! -e "$T/out" ] && [ -z "$(ls -A "$T" | grep '^\.out')" ] && pass "$2: nothing written" \
        || fail "$2: output left behind"
}
st "$T/missing.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32)}" 32
bad_router "$T/missing.safetensors" "missing tensor" \
    'tensor layers\.1\.router\.weight: missing \(the trace set has 2 layers\)$'
st "$T/shape.safetensors" "{$md,$(w 0 F32 '[4,3]' 0,48),$(w 1 F32 '[4,2]' 48,80)}" 80
bad_router "$T/shape.safetensors" "wrong shape" \
    'tensor layers\.0\.router\.weight: shape \[4, 3\], expected \[4, 2\]$'
st "$T/dtype.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32),$(w 1 I32 '[4,2]' 32,64)}" 64
bad_router "$T/dtype.safetensors" "wrong dtype" \
    'tensor layers\.1\.router\.weight: dtype I32, expected F32, F16 or BF16$'
st "$T/range.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32),$(w 1 F32 '[4,2]' 32,64)}" 40
bad_router "$T/range.safetensors" "offsets out of range" \
    'tensor layers\.1\.router\.weight: data_offsets \[32, 64\] out of range: the data area has 40 bytes$'
st "$T/overlap.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32),$(w 1 F32 '[4,2]' 16,48)}" 48
bad_router "$T/overlap.safetensors" "overlapping offsets" \
    'tensor layers\.1\.router\.weight: data_offsets \[16, 48\] overlap those of tensor layers\.0\.router\.weight \[0, 32\]$'
st "$T/size.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32),$(w 1 F32 '[4,2]' 32,60)}" 60
bad_router "$T/size.safetensors" "size not shape x dtype" \
    'tensor layers\.1\.router\.weight: data_offsets \[32, 60\] hold 28 bytes, F32 \[E, D\] needs 32$'
h="{$md,$(w 0 F32 '[4,2]' 0,32),$(w 1 F32 '[4,2]' 32,64)}"
{ le64 ${#h}; printf '%s' "$h"; head -c 36 /dev/zero; printf '\000\000\300\177'; head -c 24 /dev/zero; } \
    >"$T/nan.safetensors"
bad_router "$T/nan.safetensors" "NaN value" 'tensor layers\.1\.router\.weight: element 1 is NaN$'
st "$T/hlen.safetensors" "$h" 64 100000
bad_router "$T/hlen.safetensors" "header length beyond the file" \
    'header: header length 100000 exceeds the file.s [0-9]+ bytes after the length$'
st "$T/json.safetensors" '{"a":' 0
bad_router "$T/json.safetensors" "bad JSON" 'header: JSON at byte'
st "$T/wrongL.safetensors" "{$md,$(w 0 F32 '[4,2]' 0,32),$(w 1 F32 '[4,2]' 32,64)}" 64
run_cmd "$MOESPEC" import --experts 5 --router "$T/wrongL.safetensors" "$T/a.csv" -o "$T/out"
expect_rc 3 "a router of another E"
expect_match ERR 'tensor layers\.0\.router\.weight: shape \[4, 2\], expected \[5, 2\]$' \
    "checked against the set's E"

# a corrupted router in a set: info names it (checksum verified when read)
cp -r "$T/with" "$T/corrupt"
printf '\001' | dd of="$T/corrupt/router.safetensors" bs=1 seek=200 conv=notrunc 2>/dev/null
run_cmd "$MOESPEC" info "$T/corrupt"
expect_rc 3 "info on a set whose router file changed"
expect_match ERR "^moespec: $T/corrupt/router.safetensors: checksum mismatch" \
    "the checksum mismatch names the file"

finish
