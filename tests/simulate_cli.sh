#!/bin/sh
# tests/simulate_cli.sh: `moespec simulate` as a user meets it (SPEC 11):
# the baselines on a gen set and on a routing-only set, a checkpoint's run
# as a predictor on its validation split, deploy.csv's columns and the
# simulator's invariants read off it (belady >= lru and lfu, lru and belady
# non-decreasing in C, oracle >= every predictor, speedup 1 for plain lru,
# bytes per token = fetches x expert bytes), the same table twice, and the
# usual mistakes (exit 2 naming the option, nothing written).
set -e
. "$srcdir/tests/lib.sh"
T=$TEST_TMP/work
mkdir "$T"

run_cmd "$MOESPEC" gen --experts 16 --top-k 2 --layers 4 --dim 24 --seqs 24 --seq-len 32 \
    --dtype f16 --seed 5 -o "$T/gen"
expect_rc 0 "gen a small set"

run_cmd "$MOESPEC" simulate --data "$T/gen" --threads 1 --prefetch 2,4 --export "$T/x"
expect_rc 0 "simulate the baselines"
expect_match ERR "768 tokens of 24 sequences replayed, E=16 K=2 L=4; statistics from the replayed trace itself \(hindsight\)" \
    "says what it replayed and that the statistics are hindsight"
expect_match ERR "expert 17.3015 MB, link 25 GB/s" "the set's expert size and the default link"
expect_match OUT "^predictor +policy +cache +prefetch" "a table on stdout"
head -1 "$T/x/deploy.csv" | grep -qx 'predictor,policy,cache,prefetch,lookahead,hit,prefetch_precision,bytes_per_token,stall_ms_per_token,tpot_ms,speedup' \
    && pass "deploy.csv header (SPEC 8)" || fail "header: $(head -1 "$T/x/deploy.csv")"
checks=$((checks + 1))
# 4 caches (4, 8, 16, 8 -> 4, 8, 16) x (4 policies + 4 predictors x 2 depths x 2 policies
# where M <= C): C=4: 4 + 16, C=8: 4 + 16, C=16: 4 + 16
rows=$(($(wc -l < "$T/x/deploy.csv") - 1))
[ "$rows" -eq 60 ] && pass "60 rows: 3 cache sizes x (4 policies + 16 prefetch rows)" \
    || fail "deploy.csv has $rows rows"
checks=$((checks + 1))
for p in frequency repeat gate oracle; do
    grep -q "^$p,lru,4,2,1," "$T/x/deploy.csv" && pass "$p prefetches at lookahead 1" \
        || fail "no $p row"
    checks=$((checks + 1))
done

# Invariants read off the table.
awk -F, 'NR > 1 && $1 == "" { hit[$2 "," $3] = $6 }
    NR > 1 && $1 == "" && $2 == "lru" && $11 != 1 { bad = bad " lru speedup " $11 }
    NR > 1 && $1 == "oracle" && $4 == 2 { orc[$2 "," $3] = $6 }
    NR > 1 && $1 != "" && $1 != "oracle" && $4 == 2 { other[$2 "," $3 "," $1] = $6 }
    END {
        n = split("4 8 16", cs, " ")
        for (i = 1; i <= n; i++) {
            c = cs[i]
            if (hit["belady," c] < hit["lru," c] || hit["belady," c] < hit["lfu," c])
                bad = bad " belady<lru/lfu@" c
            if (i > 1 && (hit["lru," c] < hit["lru," cs[i-1]] || hit["belady," c] < hit["belady," cs[i-1]]))
                bad = bad " decreasing@" c
        }
        for (k in other) { split(k, f, ","); if (other[k] > orc[f[1] "," f[2]]) bad = bad " " k ">oracle" }
        if (bad != "") { print bad; exit 1 }
    }' "$T/x/deploy.csv" > "$T/inv" && pass "belady >= lru, lfu; lru, belady non-decreasing in C; oracle >= every predictor; plain lru speedup 1" \
    || fail "invariants: $(cat "$T/inv")"
checks=$((checks + 1))
# bytes_per_token = fetches x expert bytes / tokens: a whole number of experts per token
# times 17301504 over 768 tokens, so bytes x 768 / 17301504 is an integer.
awk -F, 'NR > 1 { f = $8 * 768 / 17301504; if (f - int(f + 0.5) > 1e-3 || int(f + 0.5) - f > 1e-3) bad = bad " " $0 }
    END { if (bad != "") { print bad; exit 1 } }' "$T/x/deploy.csv" > "$T/bytes" \
    && pass "bytes per token are whole fetches of 17.3 MB" || fail "bytes: $(cat "$T/bytes")"
checks=$((checks + 1))

run_cmd "$MOESPEC" simulate --data "$T/gen" --threads 1 --prefetch 2,4 --export "$T/x2"
cmp -s "$T/x/deploy.csv" "$T/x2/deploy.csv" && pass "the same replay gives the same file" \
    || fail "two replays differ"
checks=$((checks + 1))

# A routing-only set: frequency, repeat and oracle, no gate.
run_cmd "$MOESPEC" gen --experts 16 --top-k 2 --layers 4 --dim 0 --seqs 8 --seq-len 32 \
    --seed 5 -o "$T/routes"
expect_rc 0 "gen a routing-only set"
run_cmd "$MOESPEC" simulate --data "$T/routes" --cache 4 --policy lru --sim-tokens 100 \
    --export "$T/r"
expect_rc 0 "simulate a routing-only set"
expect_match ERR " 96 tokens of 3 sequences replayed" "--sim-tokens keeps whole sequences"
cut -d, -f1 "$T/r/deploy.csv" | sort -u | tr '\n' ' ' | grep -qx ' frequency oracle predictor repeat ' \
    && pass "routing-only: frequency, repeat, oracle" || fail "predictors: $(cut -d, -f1 "$T/r/deploy.csv" | sort -u | tr '\n' ' ')"
checks=$((checks + 1))
run_cmd "$MOESPEC" simulate --data "$T/routes" --predictor gate
expect_rc 2 "gate on a routing-only set"
expect_match ERR "^moespec: --predictor gate: " "the refusal names the predictor"

# A checkpoint's run predicts on its own validation split.
run_cmd "$MOESPEC" train --headless --data "$T/gen" --arch linear --lookahead 1 --max-steps 20 \
    --stop-at 20 --batch 64 --threads 1 --checkpoint-dir "$T/ck"
expect_rc 0 "train a linear run at lookahead 1"
run_cmd "$MOESPEC" simulate "$T/ck/linear.ckpt" --data "$T/gen" --threads 1 --cache 4 \
    --export "$T/c"
expect_rc 0 "simulate a checkpoint"
expect_match ERR "statistics from the training split" "the baselines count the training split"
expect_match ERR " 64 tokens of 2 sequences replayed" "its validation split (2 of 24 sequences: --val-frac 0.1)"
grep -q '^linear,lru,4,2,1,' "$T/c/deploy.csv" && pass "the run prefetches at its lookahead" \
    || fail "no linear row: $(cat "$T/c/deploy.csv")"
checks=$((checks + 1))

# The usual mistakes: exit 2 naming the option, nothing written.
for bad in "--cache 1" "--cache 17" "--prefetch 0" "--policy fifo" "--predictor nope" \
           "--lookahead 4" "--link-bandwidth 0" "--sim-tokens 10"; do
    # shellcheck disable=SC2086
    run_cmd "$MOESPEC" simulate --data "$T/gen" $bad --export "$T/bad"
    expect_rc 2 "simulate $bad"
    expect_match ERR "^moespec: .*--(cache|prefetch|policy|predictor|lookahead|link-bandwidth|sim-tokens)" \
        "simulate $bad: the message names the option"
    [ ! -e "$T/bad" ] && pass "simulate $bad: nothing written" || fail "simulate $bad wrote $T/bad"
    checks=$((checks + 1))
done
# A set may hold up to 65535 experts; the simulator takes 1024: bounded
# before anything is sized by E (an imported routing-only set, E = 1100).
printf 'seq,pos,layer,e0,e1\n0,0,0,1099,3\n0,1,0,5,1000\n1,0,0,7,8\n' > "$T/big.csv"
run_cmd "$MOESPEC" import --experts 1100 "$T/big.csv" -o "$T/bigE"
expect_rc 0 "import a set of 1100 experts"
run_cmd "$MOESPEC" simulate --data "$T/bigE" --cache 4
expect_rc 3 "simulate refuses E beyond its bound"
expect_match ERR "bigE: E=1100: the simulator takes at most 1024 experts" "the refusal names the set"
run_cmd "$MOESPEC" simulate --data "$T/gen" --export "$T/x"
expect_rc 1 "export into a non-empty directory"
run_cmd "$MOESPEC" simulate --data "$T/nope"
expect_rc 3 "a missing trace set"
finish
