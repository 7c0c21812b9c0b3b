#!/bin/sh
# tests/deploy_live.sh: the live deployment simulation (SPEC 11) through the
# real binary: headless training writes deploy.csv at the live caches (K,
# 2K, 3K, 4K, 6K, 8K, 12K, ... up to E, plus E/2 and E), with the policies
# alone, each run under lru and lfu and the baselines at every cache;
# `moespec simulate` of the runs' checkpoints at those caches writes the
# same file byte for byte; oracle with M = K at lookahead 0 hits 1; belady
# >= lru and lfu; at C = K a run's hit is its final recall_K; --sim-tokens 0
# turns it off, a bad --sim-tokens is exit 2.
set -e
. "$srcdir/tests/lib.sh"
T=$TEST_TMP/work
mkdir "$T"
set_dir="$T/set"

# E = 20, K = 2: the live caches are 2,4,6,8,10,12,16,20 (E/2 and E are not
# multiples of K from the list, so both extras are exercised).
run_cmd "$MOESPEC" gen --experts 20 --top-k 2 --layers 4 --dim 16 --seqs 24 --seq-len 32 \
    --dtype f32 --seed 3 -o "$set_dir"
expect_rc 0 "gen a small set"
run_cmd "$MOESPEC" info "$set_dir"
expect_rc 0 "info on the set"
E=$(printf '%s\n' "$OUT" | sed -n 's/^experts (E) *\([0-9][0-9]*\)$/\1/p')
K=$(printf '%s\n' "$OUT" | sed -n 's/^top-k (K) *\([0-9][0-9]*\)$/\1/p')
checks=$((checks + 1))
[ -n "$E" ] && [ -n "$K" ] && pass "info gives E=$E K=$K" || fail "no E or K in info: $OUT"
gate=
printf '%s\n' "$OUT" | grep -Eq '^router +yes' && gate=gate

ck=$T/ck
ex=$T/ex
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple,linear --max-steps 20 \
    --eval-every 10 --checkpoint-every 20 --checkpoint-dir "$ck" --export "$ex" \
    --batch 64 --threads 1
expect_rc 0 "train simple and linear, exporting"
for r in simple linear; do
    checks=$((checks + 1))
    [ -s "$ck/$r.ckpt" ] && pass "$r.ckpt written" || fail "no $ck/$r.ckpt"
done
dep=$ex/deploy.csv
checks=$((checks + 1))
[ -s "$dep" ] && pass "the training export has deploy.csv" || fail "no $dep: $(ls "$ex")"
header='predictor,policy,cache,prefetch,lookahead,hit,prefetch_precision,bytes_per_token,stall_ms_per_token,tpot_ms,speedup'
checks=$((checks + 1))
[ "$(head -n 1 "$dep")" = "$header" ] && pass "deploy.csv's first line is its header (SPEC 8)" \
    || fail "header: $(head -n 1 "$dep")"

# The live caches, computed here from E and K.
want=$(awk -v E="$E" -v K="$K" 'BEGIN {
        n = split("1 2 3 4 6 8 12 16 24 32 48 64 96 128", m, " ")
        for (i = 1; i <= n; i++) if (m[i] * K <= E) c[m[i] * K] = 1
        if (int(E / 2) >= K) c[int(E / 2)] = 1
        c[E] = 1
        for (x in c) print x
    }' | sort -n | paste -sd, -)
got=$(sed 1d "$dep" | cut -d, -f3 | sort -nu | paste -sd, -)
checks=$((checks + 1))
[ -n "$got" ] && [ "$got" = "$want" ] && pass "the live caches are $want" \
    || fail "caches in deploy.csv '$got', want '$want'"

# The key assertion: simulate of the same checkpoints at the live caches
# agrees with the live table to the last digit.
run_cmd "$MOESPEC" simulate "$ck/simple.ckpt" "$ck/linear.ckpt" --data "$set_dir" \
    --cache "$want" --sim-tokens 16384 --export "$T/sim"
expect_rc 0 "simulate the checkpoints at the live caches"
checks=$((checks + 1))
cmp "$dep" "$T/sim/deploy.csv" >"$T/cmp" 2>&1 && pass "simulate's deploy.csv is byte-identical to training's" \
    || fail "deploy.csv differs: $(cat "$T/cmp"); $(diff "$dep" "$T/sim/deploy.csv" | head -n 6)"

# Rows: at every cache the policies alone, each run under lru and lfu, and
# the baselines under lru and lfu, at prefetch K; nothing else.
preds="simple linear frequency repeat $gate oracle"
awk -F, -v caches="$want" -v preds="$preds" -v K="$K" '
    NR > 1 { row[$1 "," $2 "," $3 "," $4]++; n++ }
    END {
        nc = split(caches, c, ","); np = split(preds, p, " ")
        for (i = 1; i <= nc; i++) {
            split("lru lfu belady static", pol, " ")
            for (j = 1; j <= 4; j++)
                if (row["," pol[j] "," c[i] ",0"] != 1) bad = bad " " pol[j] "@" c[i]
            for (j = 1; j <= np; j++) {
                if (row[p[j] ",lru," c[i] "," K] != 1) bad = bad " " p[j] ",lru@" c[i]
                if (row[p[j] ",lfu," c[i] "," K] != 1) bad = bad " " p[j] ",lfu@" c[i]
            }
        }
        if (n != nc * (4 + 2 * np)) bad = bad " " n " rows, want " nc * (4 + 2 * np)
        if (bad != "") { print bad; exit 1 }
    }' "$dep" >"$T/rows" && pass "every cache: lru, lfu, belady, static alone; $preds under lru and lfu" \
    || fail "rows missing or extra:$(cat "$T/rows")"
checks=$((checks + 1))

# The runs' lookahead is the default 0; oracle with M = K then hits exactly 1.
awk -F, 'NR > 1 && $1 != "" && $5 != 0 { bad = bad " " $0 }
    NR > 1 && $1 == "oracle" && $5 == 0 && $6 != 1 { bad = bad " " $0 }
    END { if (bad != "") { print bad; exit 1 } }' "$dep" >"$T/oracle" \
    && pass "prefetch rows at lookahead 0; oracle with M = K hits 1 at every cache" \
    || fail "oracle / lookahead:$(cat "$T/oracle")"
checks=$((checks + 1))

# belady >= lru and lfu without prefetch at every cache.
awk -F, 'NR > 1 && $1 == "" { hit[$2 "," $3] = $6; c[$3] = 1 }
    END {
        for (x in c) if (hit["belady," x] < hit["lru," x] || hit["belady," x] < hit["lfu," x])
            bad = bad " @" x ": belady " hit["belady," x] " lru " hit["lru," x] " lfu " hit["lfu," x]
        if (bad != "") { print bad; exit 1 }
    }' "$dep" >"$T/belady" && pass "belady >= lru and lfu at every cache" \
    || fail "belady below a policy:$(cat "$T/belady")"
checks=$((checks + 1))

# At C = K with M = K at lookahead 0 the cache holds exactly the prefetched
# top K, so a run's hit is its recall_K on the replayed validation split: the
# final evaluation's (summary.csv), i.e. deploy.csv is of the latest one.
for r in simple linear; do
    rec=$(awk -F, -v r="$r" -v col="recall_$K" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i }
        NR > 1 && $1 == r { print $k }' "$ex/summary.csv" || :)
    hit=$(awk -F, -v r="$r" -v K="$K" '$1 == r && $2 == "lru" && $3 == K && $4 == K { print $6 }' "$dep" || :)
    checks=$((checks + 1))
    awk -v a="$rec" -v b="$hit" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d < 1e-9 && d > -1e-9) }' \
        && pass "$r: hit at C = K ($hit) is its final recall_$K" \
        || fail "$r: hit at C = K '$hit', final recall_$K '$rec'"
done

# --sim-tokens: the default is recorded; 0 turns the simulation off.
checks=$((checks + 1))
grep -qx 'simple,sim_tokens,16384' "$ex/config.csv" && pass "config.csv records sim_tokens 16384" \
    || fail "config.csv: $(grep sim_tokens "$ex/config.csv" || echo 'no sim_tokens row')"
run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple,linear --max-steps 20 \
    --eval-every 10 --batch 64 --threads 1 --sim-tokens 0 --export "$T/off"
expect_rc 0 "train with --sim-tokens 0"
checks=$((checks + 1))
[ -s "$T/off/summary.csv" ] && [ ! -e "$T/off/deploy.csv" ] && pass "--sim-tokens 0: no deploy.csv" \
    || fail "--sim-tokens 0 export: $(ls "$T/off")"
checks=$((checks + 1))
grep -qx 'simple,sim_tokens,0' "$T/off/config.csv" && pass "config.csv records sim_tokens 0" \
    || fail "config.csv: $(grep sim_tokens "$T/off/config.csv" || echo 'no sim_tokens row')"
for bad in -1 x; do
    run_cmd "$MOESPEC" train --headless --data "$set_dir" --arch simple --max-steps 2 \
        --threads 1 --sim-tokens "$bad" --export "$T/bad"
    expect_rc 2 "train --sim-tokens $bad"
    expect_match ERR "^moespec: --sim-tokens" "--sim-tokens $bad: the message names the option"
    checks=$((checks + 1))
    [ ! -e "$T/bad" ] && pass "--sim-tokens $bad: nothing written" || fail "--sim-tokens $bad wrote $T/bad"
done
finish
