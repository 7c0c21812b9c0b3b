#!/bin/sh
# tests/interrupted_writes.sh: writes cut short leave nothing behind (P13).
# SIGINT, SIGTERM and SIGHUP during gen, import and the demo-cache build end
# with SPEC 9's status (130, 143, 129), no output and no temporary; a
# SIGKILL's litter is swept by the next write of the same name; a damaged or
# empty demo cache is rebuilt, not reused.
set -e
. "$srcdir/tests/lib.sh"

# no_litter DIR WHAT: no ".NAME.*.tmp" temporary is left in DIR
no_litter() {
    checks=$((checks + 1))
    left=$(find "$1" -maxdepth 1 -name '.*.tmp' | head -3)
    if [ -z "$left" ]; then pass "$2: no temporary left"; else fail "$2: left $left"; fi
}

# wait_tmp DIR PID: waits (at most 60 s) until PID, still running, has a
# temporary in DIR or a .csv file open (an import still parsing)
wait_tmp() {
    n=0
    while [ $n -lt 6000 ] && kill -0 "$2" 2>/dev/null; do
        [ -n "$(find "$1" -maxdepth 1 -name '.*.tmp' | head -1)" ] && return 0
        for fd in /proc/"$2"/fd/*; do
            case $(readlink "$fd" 2>/dev/null) in *.csv) return 0 ;; esac
        done
        sleep 0.01
        n=$((n + 1))
    done
    return 1
}

# interrupt SIG STATUS WHAT CMD...: runs CMD in the background, sends SIG once
# its temporary exists, and checks the status, the output and the litter
interrupt() {
    sig=$1 want=$2 what=$3
    shift 3
    "$@" >"$TEST_TMP/bg.out" 2>&1 &
    pid=$!
    checks=$((checks + 1))
    if wait_tmp "$TEST_TMP" $pid; then
        kill -"$sig" $pid
        pass "$what: $sig sent while the temporary exists"
    else
        fail "$what: no temporary appeared while it ran"
    fi
    set +e
    wait $pid
    RC=$?
    set -e
    ERR=$(cat "$TEST_TMP/bg.out")
    expect_rc "$want" "$what: $sig"
    expect_match ERR "interrupted by signal" "$what: says it was interrupted"
    checks=$((checks + 1))
    [ ! -e "$TEST_TMP/set" ] && pass "$what: no output" || fail "$what: $TEST_TMP/set exists"
    no_litter "$TEST_TMP" "$what"
}

big="--experts 8 --top-k 2 --layers 4 --dim 64 --seqs 3000 --seq-len 64 --dtype f32 --shard-mb 8"
# shellcheck disable=SC2086
interrupt INT 130 "gen" "$MOESPEC" gen $big -o "$TEST_TMP/set"
# shellcheck disable=SC2086
interrupt TERM 143 "gen" "$MOESPEC" gen $big -o "$TEST_TMP/set"
# shellcheck disable=SC2086
interrupt HUP 129 "gen" "$MOESPEC" gen $big -o "$TEST_TMP/set"

# import: two CSV files (sequences 0-399 and 400-799) large enough to be
# caught parsing or writing
for part in 0 1; do
    awk -v first=$((part * 400)) 'BEGIN { print "seq,pos,layer,e0,e1,h0,h1,h2,h3,h4,h5,h6,h7";
        for (s = first; s < first + 400; s++) for (p = 0; p < 64; p++) for (l = 0; l < 4; l++)
            printf "%d,%d,%d,%d,%d,0.5,-0.25,1.5,2,0.125,-3,4.5,0.75\n", s, p, l, (p + l) % 8,
                (p + l + 1) % 8 }' >"$TEST_TMP/part$part.csv"
done
interrupt INT 130 "import" "$MOESPEC" import --experts 8 "$TEST_TMP/part0.csv" \
    "$TEST_TMP/part1.csv" -o "$TEST_TMP/set"

# SIGKILL cannot be caught: its temporary stays, and the next gen of the
# same name sweeps it (its process is gone)
# shellcheck disable=SC2086
"$MOESPEC" gen $big -o "$TEST_TMP/set" >/dev/null 2>&1 &
pid=$!
wait_tmp "$TEST_TMP" $pid || true
kill -KILL $pid
wait $pid || true
checks=$((checks + 1))
[ -n "$(find "$TEST_TMP" -maxdepth 1 -name '.set.*.tmp')" ] && pass "SIGKILL leaves its temporary" \
    || fail "no temporary after SIGKILL (the gen finished first?)"
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 8 --seqs 4 --seq-len 8 -o "$TEST_TMP/set"
expect_rc 0 "gen again into the same name"
no_litter "$TEST_TMP" "the dead gen's temporary is swept"
rm -rf "$TEST_TMP/set"

# the demo cache: empty, then damaged, then interrupted while built
XDG_CACHE_HOME="$TEST_TMP/cache"
export XDG_CACHE_HOME
demo=$("$MOESPEC" --version | awk '{ print $2 }')
cache="$XDG_CACHE_HOME/moespec/demo-$demo"
mkdir -p "$cache"
quick="train --headless --arch simple --max-steps 1 --sim-tokens 0 --threads 1"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" $quick
expect_rc 0 "an empty demo cache"
expect_match ERR "^moespec: the demo cache is damaged \(.*not a moespec trace set\): rebuilding it" \
    "an empty demo cache is said to be damaged and rebuilt"
checks=$((checks + 1))
[ -s "$cache/manifest" ] && pass "the demo cache was rebuilt" || fail "no $cache/manifest"
shard=$(ls "$cache"/shard-*.bin | head -1)
printf 'X' | dd of="$shard" bs=1 seek=5000 conv=notrunc 2>/dev/null
# shellcheck disable=SC2086
run_cmd "$MOESPEC" $quick
expect_rc 0 "a damaged demo cache"
expect_match ERR "^moespec: the demo cache is damaged \(.*shard-0000.bin.*\): rebuilding it" \
    "a flipped byte in a cached shard is found and the cache rebuilt"
# shellcheck disable=SC2086
run_cmd "$MOESPEC" $quick
expect_rc 0 "the rebuilt demo cache"
checks=$((checks + 1))
printf '%s\n' "$ERR" | grep -q "damaged\|generating" && fail "rebuilt again: $ERR" \
    || pass "the rebuilt cache is reused"
rm -rf "$XDG_CACHE_HOME"
mkdir -p "$XDG_CACHE_HOME/moespec"
# shellcheck disable=SC2086
"$MOESPEC" $quick >"$TEST_TMP/bg.out" 2>&1 &
pid=$!
checks=$((checks + 1))
if wait_tmp "$XDG_CACHE_HOME/moespec" $pid; then
    kill -INT $pid
    pass "demo build: SIGINT sent while it is built"
else
    fail "demo build: no temporary appeared"
fi
set +e
wait $pid
RC=$?
set -e
ERR=$(cat "$TEST_TMP/bg.out")
expect_rc 130 "an interrupted demo build"
checks=$((checks + 1))
[ ! -e "$cache" ] && pass "no half demo cache" || fail "$cache exists"
no_litter "$XDG_CACHE_HOME/moespec" "demo build"
finish
