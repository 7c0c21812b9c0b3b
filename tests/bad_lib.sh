# tests/bad_lib.sh: the harness, fixtures and crafting helpers of the bad-input
# battery (tests/bad_inputs.sh; sourced after tests/lib.sh, not run).
#
# A case is one line:  bad NAME RC FILE OUT COMMAND...
# COMMAND runs under a timeout (BAT_TIMEOUT, 20 s) and must end with exit
# status RC and no crash (no signal, no sanitizer report) and no hang;
#   FILE  a stderr line must start "moespec: FILE:" (a FILE ending in * :
#         "moespec: FILE" and anything after); - : no message asked for
#   OUT   the output the command would write: it must not exist afterwards
#         and its parent must hold no new temporary (.NAME.tmp-XXXXXX,
#         .NAME.XXXXXX.tmp); =PATH: PATH existed before and is left as it
#         was; - : none
# `known` instead of `bad` marks a bug whose fix has not landed: the same
# checks, reported as XFAIL (what happened) or XPASS (it passes now: make it
# `bad`), neither failing the suite. Before a case, `within S` bounds it to
# S seconds (its timeout), `bounded KB` its peak memory to KB over a small
# failing import's (needs GNU time, else unchecked), `quiet RE` forbids a
# stderr line matching RE (training progress before a refusal).
# shellcheck disable=SC2086,SC2034,SC2154
# (commands in variables are split on purpose; the battery uses what is set
# here; lib.sh and the test environment set the rest)
CRAFT=$(cd "${top_builddir:-.}" && pwd)/tests/bad_craft
[ -x "$CRAFT" ] || { echo "no $CRAFT (make check builds it)" >&2; exit 99; }
TO=${BAT_TIMEOUT:-20}
T=$TEST_TMP/w
mkdir "$T"

SANITIZER_REPORT='AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:'
classes="" n_cases=0 n_xfail=0 n_xpass=0 n_skip=0 known_list=""
next_to="" next_kb="" next_quiet="" base_kb=0
class() { CLASS=$1; classes="$classes $1"; eval "n_$1=0 x_$1=0"; }
within() { next_to=$1; shift; "$@"; }
bounded() { next_kb=$1; shift; "$@"; }
quiet() { next_quiet=$1; shift; "$@"; }
bad() { run_case bad "$@"; }
known() { run_case known "$@"; }
skip_case() { n_skip=$((n_skip + 1)); echo "SKIP: $CLASS/$1: $2"; }
# litter DIR BASE: the temporaries in DIR, one a line
litter() {
    [ -d "$1" ] || return 0
    # shellcheck disable=SC2012 # the names here are the suite's own
    ls -A "$1" | while IFS= read -r f; do
        case $f in ."$2".tmp-* | .*.tmp) echo "$f" ;; esac
    done
}
# fingerprint PATH: what must not change in a PATH that existed before
fingerprint() { if [ -d "$1" ]; then ls -lA "$1"; else cksum <"$1"; fi; }
now_ms() {
    s=$(date +%s%N)
    case $s in *N) echo $(($(date +%s) * 1000)) ;; *) echo $((s / 1000000)) ;; esac
}
why() { why="${why:+$why; }$*"; }

# check_out OUT FINGERPRINT BEFORE: the nothing-partial checks (adds to why);
# what is left is removed, out of the next case's way
check_out() {
    dir=$(dirname "$1") base=$(basename "$1")
    if [ -n "$2" ]; then
        [ "$(fingerprint "$1")" = "$2" ] || why "$1 was changed"
    elif [ -e "$1" ] || [ -L "$1" ]; then
        why "$1 left behind"
        rm -rf "$1"
    fi
    new=$(litter "$dir" "$base" | while IFS= read -r f; do
        printf '%s\n' "$3" | grep -qxF -- "$f" || printf ' %s' "$f"
    done)
    if [ -n "$new" ]; then
        why "temporaries left in $dir:$new"
        for f in $new; do rm -rf "${dir:?}/$f"; done
    fi
}

run_case() {
    mode=$1 name=$2 want=$3 file=$4 out=$5
    shift 5
    n_cases=$((n_cases + 1))
    eval "n_$CLASS=\$((n_$CLASS + 1))"
    to=${next_to:-$TO} kb=$next_kb nq=$next_quiet
    next_to="" next_kb="" next_quiet="" kept="" before=""
    case $out in =*) out=${out#=} kept=$(fingerprint "$out") ;; esac
    if [ "$out" != - ]; then before=$(litter "$(dirname "$out")" "$(basename "$out")"); fi
    t0=$(now_ms)
    if [ -n "$kb" ] && [ -n "$GNU_TIME" ]; then
        run_cmd timeout "$to" "$GNU_TIME" -f %M -o "$T/rss" "$@"
    else
        run_cmd timeout "$to" "$@"
    fi
    ms=$(($(now_ms) - t0))
    why=""
    if [ "$RC" -eq "$want" ]; then :
    elif [ "$RC" -eq 124 ]; then why "hung: killed by timeout after $to s"
    elif [ "$RC" -ge 128 ]; then why "crashed: exit $RC (signal $((RC - 128))), want $want"
    else why "exit $RC, want $want"; fi
    if printf '%s\n' "$ERR" | grep -Eq "$SANITIZER_REPORT"; then why "a sanitizer report"; fi
    if [ "$file" != - ]; then
        case $file in *'*') p="moespec: ${file%'*'}" ;; *) p="moespec: $file:" ;; esac
        printf '%s\n' "$ERR" | awk -v p="$p" 'index($0, p) == 1 { f = 1 } END { exit !f }' ||
            why "no stderr line starts '$p'"
    fi
    if [ -n "$nq" ] && printf '%s\n' "$ERR" | grep -Eq -- "$nq"; then
        why "stderr has /$nq/: work was done before the refusal"
    fi
    if [ "$out" != - ]; then check_out "$out" "$kept" "$before"; fi
    if [ -n "$kb" ] && [ -z "$GNU_TIME" ]; then
        echo "note: $name: no GNU time here, its memory bound is not checked"
    elif [ -n "$kb" ]; then
        rss=$(tail -n 1 "$T/rss")
        case $rss in *[!0-9]* | '') rss=0 ;; esac
        [ $((rss - base_kb)) -le "$kb" ] ||
            why "peak RSS $rss KB, $((rss - base_kb)) KB over a small import's (bound $kb)"
    fi
    said=$(printf '%s\n' "$ERR" | grep -m 1 '^moespec: ' || printf '%s\n' "$ERR" | head -n 1)
    said=$(printf '%s' "$said" | cut -c 1-200)
    if [ "$mode" = bad ]; then
        if [ -z "$why" ]; then pass "$CLASS/$name (exit $RC, $ms ms)"
        else fail "$CLASS/$name: $why; stderr: $said"; fi
    elif [ -z "$why" ]; then
        n_xpass=$((n_xpass + 1))
        echo "XPASS: $CLASS/$name: passes now (exit $RC, $ms ms): make it a 'bad' case"
    else
        n_xfail=$((n_xfail + 1))
        eval "x_$CLASS=\$((x_$CLASS + 1))"
        echo "XFAIL: $CLASS/$name: $why ($ms ms); stderr: $said"
        known_list="$known_list
  $CLASS/$name: $why; stderr: $said"
    fi
}

# bat_summary: the count by class and the known-failing list
bat_summary() {
    echo "bad-input battery: $n_cases cases, $n_xfail known-failing, $n_xpass XPASS," \
        "$n_skip skipped"
    for c in $classes; do eval "echo \"  $c: \$n_$c cases (\$x_$c known-failing)\""; done
    [ -z "$known_list" ] || echo "known-failing (XFAIL):$known_list"
    checks=$((checks + 1))
    if [ "$n_cases" -ge 60 ]; then pass "at least 60 cases ($n_cases)"
    else fail "only $n_cases cases"; fi
}

GNU_TIME=""
if /usr/bin/time -f %M -o "$T/rss" true 2>/dev/null && [ -s "$T/rss" ]; then
    GNU_TIME=/usr/bin/time
fi
# AS: the prefix that runs a command as a user that permissions stop: none
# (not root), setpriv to nobody (root), or AS_NONE=1 (root without setpriv).
AS="" AS_NONE="" P=$T/perm
if [ "$(id -u)" -eq 0 ]; then
    AS_NONE=1
    chmod 711 "$TEST_TMP" "$T"
    if command -v setpriv >/dev/null 2>&1 &&
        setpriv --reuid=65534 --regid=65534 --clear-groups "$MOESPEC" --version >/dev/null 2>&1
    then AS="setpriv --reuid=65534 --regid=65534 --clear-groups" AS_NONE=""; fi
fi

# ---- fixtures: a small set with routers, a checkpoint of it, a CSV ----
set=$T/set
run_cmd "$MOESPEC" gen --experts 8 --top-k 2 --layers 4 --dim 16 --seqs 24 --seq-len 32 \
    --dtype f32 --seed 3 -o "$set"
expect_rc 0 "fixture: gen a small set"
train="$MOESPEC train --headless --data $set --arch simple --width 8 --batch 64 --threads 1"
run_cmd $train --max-steps 4 --eval-every 2 --stop-at 4 --checkpoint-dir "$T/ck"
expect_rc 0 "fixture: a checkpoint of it"
CK=$T/ck/simple.ckpt
printf 'seq,pos,layer,e0,e1,h0,h1\n%s\n%s\n%s\n%s\n' 0,0,0,1,2,0.5,1 0,0,1,3,2,-0.5,2 \
    0,1,0,0,1,1,2 0,1,1,1,0,1,2 >"$T/a.csv"
run_cmd "$MOESPEC" import --experts 4 "$T/a.csv" -o "$T/a-set"
expect_rc 0 "fixture: the CSV imports"
[ "$failures" -eq 0 ] || { finish; exit 1; }
shard='shard-0000.bin'
# commands as words (timeout runs programs, not shell functions)
info="$MOESPEC info"
ev="$MOESPEC eval"
evd="--data $set --export"
rsm="$MOESPEC train --headless --data $set --threads 1 --resume"
imp="$MOESPEC import --experts 8"
rimp="$MOESPEC import --experts 4 --router"
during="sh $srcdir/tests/bad_during.sh"
fsize="sh $srcdir/tests/bad_fsize.sh"

# ---- crafting ----
# set_copy NAME: d = a copy of the set
set_copy() { d=$T/$1; cp -R "$set" "$d"; }
# reseal DIR: the shard's checksum redone, in its header and the manifest
reseal() {
    sum=$("$CRAFT" seal-shard "$1/$shard")
    bytes=$(wc -c <"$1/$shard" | tr -d ' ')
    sed "s/^\(shard = $shard [0-9]* [0-9]*\) [0-9]* [0-9a-f]*\$/\1 $bytes $sum/" "$set/manifest" \
        >"$1/manifest"
}
# shard_craft NAME [OFFSET WIDTH VALUE]...: d = a copy whose shard holds those
# little-endian fields, resealed
shard_craft() {
    set_copy "$1"
    shift
    while [ $# -ge 3 ]; do "$CRAFT" put "$d/$shard" "$1" "$2" "$3"; shift 3; done
    reseal "$d"
}
hdr() { "$CRAFT" get "$set/$shard" "$1" 8; } # a u64 of the fixture's shard header
# manifest NAME SED-ARGS...: d = a copy whose manifest is edited
manifest() { set_copy "$1"; shift; sed "$@" "$set/manifest" >"$d/manifest"; }
# router_reseal DIR: the manifest's router line redone for DIR's router file
router_reseal() {
    sum=$("$CRAFT" hash "$1/router.safetensors")
    bytes=$(wc -c <"$1/router.safetensors" | tr -d ' ')
    sed "s/^router = router.safetensors .*/router = router.safetensors $bytes $sum/" \
        "$set/manifest" >"$1/manifest"
}
# ck_craft NAME [OFFSET WIDTH VALUE]...: k = a copy of the checkpoint holding
# those fields, resealed; ck_f64 NAME OFFSET X: an f64 field
ck_craft() {
    k=$T/$1.ckpt
    cp "$CK" "$k"
    shift
    while [ $# -ge 3 ]; do "$CRAFT" put "$k" "$1" "$2" "$3"; shift 3; done
    "$CRAFT" seal-ckpt "$k"
}
ck_f64() { ck_craft "$1"; "$CRAFT" putf64 "$k" "$2" "$3"; "$CRAFT" seal-ckpt "$k"; }
at() { "$CRAFT" ckpt-at "$CK" "$1"; } # a field's offset in the fixture checkpoint
# csv NAME PRINTF-FORMAT: f = $T/NAME.csv holding it
# shellcheck disable=SC2059 # the format is the content
csv() { f=$T/$1.csv; printf "$2" >"$f"; }
# le64 N: N as 8 little-endian bytes
le64() {
    n=$1 i=0
    while [ $i -lt 8 ]; do
        # shellcheck disable=SC2059 # an octal escape made here
        printf "\\$(printf '%03o' $((n % 256)))"
        n=$((n / 256)) i=$((i + 1))
    done
}
# st NAME JSON DATABYTES [HLEN]: r = a safetensors file of DATABYTES zero bytes
st() {
    r=$T/$1.safetensors
    { le64 "${4:-${#2}}"; printf '%s' "$2"; head -c "$3" /dev/zero; } >"$r"
}
w() { printf '"layers.%s.router.weight":{"dtype":"%s","shape":%s,"data_offsets":[%s]}' "$@"; }
md='"__metadata__":{"source":"bad_inputs.sh"}'
