/*
 * test_deploy.c: src/deploy against hand-worked traces, a plain reference
 * replay written from SPEC 11's text (global event order, timestamps,
 * linear scans; no per-layer decomposition), and invariants.
 */
#include "test_util.h"

#include "deploy/sim.h"

#define assert_double_equal(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static const SimCost cost1 = {10.0, 10.0, 0.5, 1.0}; /* f = 1 ms */

static SimResult run(const SimTrace *t, SimPolicy p, int C, int M, const SimPred *pr)
{
    SimCase c = {p, C, M, pr, NULL};
    SimResult r;
    Err e;
    err_clear(&e);
    assert_int_equal(sim_replay(t, &c, &cost1, &r, NULL, &e), 0);
    return r;
}

/* E=6 K=2 C=3 L=1, R: {0,1} {0,1} {2,3} {4,5} {1,2}.
 * lru: s1 hits 2; s2 evicts 0 (0,1 tie at s1, lower id); s3 evicts 1 then 2
 *      (2,3 tie at s2); s4 S={3,4,5}: 0 hits. Total 2.
 * lfu: s2 evicts 0 (counts 2,2, last tie, lower id); s3: counts 1:2 2:1 3:1
 *      -> 2 (tie last, lower id), then 3; S={1,4,5}; s4 hits 1. Total 3.
 * belady: s2 evicts 0 (never again) over 1 (s4); s3 evicts 3 (never), then
 *      1 (1 and 2 both at s4, lower id); s4 S={2,4,5}: hits 1. Total 3.
 * static: counts 1:3 0:2 2:2 -> S={0,1,2}: 2+2+1+0+2 = 7. */
static const uint16_t hand1[] = {0, 1, 0, 1, 2, 3, 4, 5, 1, 2};

static void test_hand_policies(void **state)
{
    (void)state;
    SimTrace t = {6, 2, 1, 5, hand1};
    const int want[4] = {2, 3, 3, 7};
    for (int p = 0; p < SIM_N_POLICIES; p++) {
        SimResult r = run(&t, (SimPolicy)p, 3, 0, NULL);
        assert_int_equal(r.hits, want[p]);
        assert_int_equal(r.demand_fetches, 10 - want[p]);
        assert_int_equal(r.prefetch_fetches, 0);
        assert_true(isnan(r.prefetch_precision));
    }
}

/* L=2 K=2 C=2 lru M=2. t0: {0,1} {2,3}; t1: {0,1} {4,5}. Predictions:
 * l0 rows {0,1},{0,1}; l1 rows {2,3},{2,4}.
 * Δ=1: layer 1: t0 prefetch fetches 2,3 (p=2), hits 2; t1 prefetch fetches 4
 *   evicting 3 (2 is one of the M), p=1; demand hits 4, fetches 5 evicting 2.
 *   layer 0: 2 misses then 2 hits. hits 5, demand 3, prefetch 3, useful 3.
 *   f = 10 MB / 10 GB/s = 1 ms, lead 0.5 ms: late 1.5 + 0.5; stall 3 + 2 =
 *   5 ms over 2 tokens = 2.5; tpot = 2 · 0.5 + 2.5 = 3.5; bytes 6e7 / 2.
 * Δ=0 (attn 1 ms): layer 0 prefetches 0,1 at t0 (p=2, late 1), hits 2+2;
 *   layer 1 as above, late 1 + 0. hits 7, demand 1, prefetch 5, useful 5;
 *   stall 1 + 2 = 3 ms, 1.5 per token, tpot 2.5. */
static const uint16_t hand2[] = {0, 1, 2, 3, 0, 1, 4, 5};
static const uint16_t hand2_pred[] = {0, 1, 2, 3, 0, 1, 2, 4};

static void test_hand_prefetch(void **state)
{
    (void)state;
    SimTrace t = {6, 2, 2, 2, hand2};
    SimPred p1 = {2, 1, hand2_pred}, p0 = {2, 0, hand2_pred};
    SimResult r = run(&t, SIM_LRU, 2, 2, &p1);
    assert_int_equal(r.hits, 5);
    assert_int_equal(r.demand_fetches, 3);
    assert_int_equal(r.prefetch_fetches, 3);
    assert_int_equal(r.prefetch_useful, 3);
    assert_double_equal(r.stall_ms_per_token, 2.5, 1e-12);
    assert_double_equal(r.tpot_ms, 3.5, 1e-12);
    assert_double_equal(r.bytes_per_token, 3e7, 1e-3);
    r = run(&t, SIM_LRU, 2, 2, &p0);
    assert_int_equal(r.hits, 7);
    assert_int_equal(r.demand_fetches, 1);
    assert_int_equal(r.prefetch_fetches, 5);
    assert_int_equal(r.prefetch_useful, 5);
    assert_double_equal(r.stall_ms_per_token, 1.5, 1e-12);
    assert_double_equal(r.tpot_ms, 2.5, 1e-12);
    SimResult plain = run(&t, SIM_LRU, 2, 0, NULL);
    assert_double_equal(sim_speedup(&plain, &r), plain.tpot_ms / 2.5, 1e-12);
}

/* ---- reference: SPEC 11 read literally, all layers interleaved ---- */

typedef struct Ref {
    uint8_t in[64][64];
    int64_t last[64][64], cnt[64][64];
    int n_res[64];
} Ref;

static int64_t ref_next(const SimTrace *t, int l, int64_t s, int e)
{
    for (int64_t u = s + 1; u < t->n_tok; u++)
        for (int j = 0; j < t->K; j++)
            if (t->experts[(u * t->L + l) * t->K + j] == e)
                return u;
    return INT64_MAX;
}

/* Evicts from layer l one resident not in keep[n], by the policy's rule. */
static void ref_evict(Ref *f, const SimTrace *t, SimPolicy p, int l, int64_t s,
                      const uint16_t *keep, int n)
{
    int v = -1;
    int64_t vk1 = 0, vk2 = 0;
    for (int e = 0; e < t->E; e++) {
        int kept = 0;
        for (int j = 0; j < n; j++)
            kept |= keep[j] == e;
        if (!f->in[l][e] || kept)
            continue;
        int64_t k1 = p == SIM_BELADY ? -ref_next(t, l, s, e)
                     : p == SIM_LFU  ? f->cnt[l][e] : f->last[l][e];
        int64_t k2 = p == SIM_LFU ? f->last[l][e] : 0;
        if (v < 0 || k1 < vk1 || (k1 == vk1 && k2 < vk2))
            v = e, vk1 = k1, vk2 = k2;
    }
    f->in[l][v] = 0;
    f->n_res[l]--;
}

static void ref_put(Ref *f, const SimTrace *t, const SimCase *c, int l, int64_t s,
                    const uint16_t *keep, int n, int e)
{
    if (f->n_res[l] == c->cache)
        ref_evict(f, t, c->policy, l, s, keep, n);
    f->in[l][e] = 1;
    f->n_res[l]++;
}

static int ref_prefetch(Ref *f, const SimTrace *t, const SimCase *c, int l, int64_t s,
                        int64_t now, int64_t *useful)
{
    const uint16_t *top = c->pred->top + (s * t->L + l) * c->pred->M;
    const uint16_t *R = t->experts + (s * t->L + l) * t->K;
    int p = 0;
    for (int j = 0; j < c->prefetch; j++) {
        int e = top[j];
        f->last[l][e] = now;
        if (f->in[l][e])
            continue;
        ref_put(f, t, c, l, s, top, c->prefetch, e);
        p++;
        for (int i = 0; i < t->K; i++)
            *useful += R[i] == e;
    }
    return p;
}

static void ref_replay(const SimTrace *t, const SimCase *c, const SimCost *cost, SimResult *r)
{
    static Ref f;
    memset(&f, 0, sizeof f);
    memset(r, 0, sizeof *r);
    int d = c->prefetch ? c->pred->lookahead : 0;
    int pstep[64];
    int64_t now = 0;
    uint32_t counts[64][64] = {{0}};
    for (int64_t s = 0; s < t->n_tok; s++)
        for (int l = 0; l < t->L; l++)
            for (int j = 0; j < t->K; j++)
                counts[l][t->experts[(s * t->L + l) * t->K + j]]++;
    if (c->policy == SIM_STATIC)
        for (int l = 0; l < t->L; l++)
            for (int k = 0; k < c->cache; k++) { /* k-th most needed, ties lower id */
                int b = -1;
                for (int e = 0; e < t->E; e++)
                    if (!f.in[l][e] && (b < 0 || counts[l][e] > counts[l][b]))
                        b = e;
                f.in[l][b] = 1;
            }
    for (int64_t s = 0; s < t->n_tok; s++) {
        for (int l = 0; l < t->L; l++)
            pstep[l] = 0;
        for (int l = 0; l < t->L; l++) {
            if (c->prefetch && d == 0)
                pstep[l] = ref_prefetch(&f, t, c, l, s, ++now, &r->prefetch_useful);
            const uint16_t *R = t->experts + (s * t->L + l) * t->K;
            ++now;
            for (int j = 0; j < t->K; j++) {
                int e = R[j];
                r->hits += f.in[l][e];
                if (c->policy == SIM_STATIC)
                    continue;
                f.last[l][e] = now;
                f.cnt[l][e]++;
            }
            for (int j = 0; j < t->K; j++)
                if (!f.in[l][R[j]]) {
                    r->demand_fetches++;
                    if (c->policy != SIM_STATIC)
                        ref_put(&f, t, c, l, s, R, t->K, R[j]);
                }
            if (c->prefetch && d >= 1 && l + d < t->L)
                pstep[l + d] = ref_prefetch(&f, t, c, l + d, s, ++now, &r->prefetch_useful);
        }
        for (int l = 0; l < t->L; l++) {
            r->prefetch_fetches += pstep[l];
            if (c->prefetch && l >= d)
                r->late_s += sim_late_s(pstep[l], d, cost);
        }
    }
    r->tokens = t->n_tok;
    r->steps = t->n_tok * t->L;
    sim_finish(t, cost, r);
}

/* ---- random traces ---- */

static uint64_t rs;
static uint32_t rnd(uint32_t n)
{
    rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
    return (uint32_t)((rs >> 11) % n);
}

/* K distinct experts per step, skewed (low ids likelier), sometimes a repeat
 * of the previous token's set. */
static void rand_trace(int E, int K, int L, int64_t n, uint16_t *x)
{
    for (int64_t s = 0; s < n; s++)
        for (int l = 0; l < L; l++) {
            uint16_t *R = x + (s * L + l) * K;
            if (s > 0 && rnd(3) == 0) {
                memcpy(R, R - L * K, (size_t)K * sizeof *R);
                continue;
            }
            for (int j = 0; j < K; j++) {
                int e, dup;
                do {
                    e = (int)(rnd(2) ? rnd((uint32_t)E) : rnd((uint32_t)(E + 1) / 2));
                    dup = 0;
                    for (int i = 0; i < j; i++)
                        dup |= R[i] == e;
                } while (dup);
                R[j] = (uint16_t)e;
            }
        }
}

/* M distinct random ids per step. */
static void rand_pred(int E, int L, int64_t n, int M, uint16_t *top)
{
    for (int64_t s = 0; s < n * L; s++)
        for (int j = 0; j < M; j++) {
            int e, dup;
            do {
                e = (int)rnd((uint32_t)E);
                dup = 0;
                for (int i = 0; i < j; i++)
                    dup |= top[s * M + i] == e;
            } while (dup);
            top[s * M + j] = (uint16_t)e;
        }
}

static void same(const SimResult *a, const SimResult *b)
{
    assert_int_equal(a->hits, b->hits);
    assert_int_equal(a->demand_fetches, b->demand_fetches);
    assert_int_equal(a->prefetch_fetches, b->prefetch_fetches);
    assert_int_equal(a->prefetch_useful, b->prefetch_useful);
    assert_double_equal(a->late_s, b->late_s, 1e-9);
}

static void test_random_vs_reference(void **state)
{
    (void)state;
    static uint16_t x[200 * 6 * 8], top[200 * 6 * 12], fo[6 * 40];
    uint32_t counts[6 * 40];
    rs = 88172645463325252ull;
    for (int it = 0; it < 300; it++) {
        int E = 2 + (int)rnd(30), K = 1 + (int)rnd((uint32_t)(E < 8 ? E : 8));
        int L = 1 + (int)rnd(6);
        int64_t n = 1 + rnd(200);
        int C = K + (int)rnd((uint32_t)(E - K + 1));
        SimTrace t = {E, K, L, n, x};
        rand_trace(E, K, L, n, x);
        int M = (int)rnd((uint32_t)C + 1);
        if (M > 12)
            M = 12;
        int oracle = rnd(2);
        sim_count_needs(&t, counts);
        sim_freq_order(counts, E, L, fo);
        if (oracle)
            sim_pred_oracle(&t, fo, M ? M : 1, top);
        else
            rand_pred(E, L, n, M ? M : 1, top);
        SimPred pr = {M ? M : 1, (int)rnd((uint32_t)L + 1), top};
        SimCost cost = {1.0 + rnd(20), 5.0 + rnd(30), 0.1 * (1 + rnd(5)), 0.1 * rnd(5)};
        for (int p = 0; p < SIM_N_POLICIES; p++)
            for (int pf = 0; pf < 2; pf++) {
                if (pf && (M == 0 || p >= SIM_BELADY))
                    continue;
                SimCase c = {(SimPolicy)p, C, pf ? M : 0, pf ? &pr : NULL, NULL};
                SimResult a, b;
                Err e;
                assert_int_equal(sim_replay(&t, &c, &cost, &a, NULL, &e), 0);
                ref_replay(&t, &c, &cost, &b);
                same(&a, &b);
            }
    }
}

/* belady >= lru, lfu; lru and belady monotone in C; oracle M = K hits all
 * of l' >= Δ; bytes = fetches · bytes / tokens; C = K holds the last R. */
static void test_invariants(void **state)
{
    (void)state;
    enum { E = 24, K = 3, L = 4, N = 500 };
    static uint16_t x[N * L * K], top[N * L * K], fo[L * E];
    uint32_t counts[L * E];
    rs = 0x9e3779b97f4a7c15ull;
    for (int it = 0; it < 10; it++) {
        SimTrace t = {E, K, L, N, x};
        rand_trace(E, K, L, N, x);
        int64_t prev_lru = -1, prev_bel = -1;
        for (int C = K; C <= E; C++) {
            SimResult lru = run(&t, SIM_LRU, C, 0, NULL), lfu = run(&t, SIM_LFU, C, 0, NULL);
            SimResult bel = run(&t, SIM_BELADY, C, 0, NULL);
            assert_true(bel.hits >= lru.hits && bel.hits >= lfu.hits);
            assert_true(lru.hits >= prev_lru && bel.hits >= prev_bel);
            prev_lru = lru.hits, prev_bel = bel.hits;
            assert_double_equal(lru.bytes_per_token,
                                (double)lru.demand_fetches * 10e6 / N, 1e-6);
            if (C == K) /* holds exactly the last R: hits are repeats of it */
                assert_int_equal(lru.hits, lfu.hits);
        }
        sim_count_needs(&t, counts);
        sim_freq_order(counts, E, L, fo);
        sim_pred_oracle(&t, fo, K, top);
        for (int d = 0; d <= 2; d++) {
            SimPred pr = {K, d, top};
            SimCase c = {SIM_LRU, 2 * K, K, &pr, NULL};
            SimResult r;
            int64_t lh[L];
            Err e;
            assert_int_equal(sim_replay(&t, &c, &cost1, &r, lh, &e), 0);
            for (int l = d; l < L; l++)
                assert_int_equal(lh[l], (int64_t)N * K);
            assert_double_equal(r.bytes_per_token,
                                (double)(r.demand_fetches + r.prefetch_fetches) * 10e6 / N,
                                1e-6);
            assert_double_equal(r.prefetch_precision, 1.0, 0);
        }
    }
}

static void check_err(const SimTrace *t, SimCase c, const char *want)
{
    Err e;
    SimResult r;
    err_clear(&e);
    assert_int_equal(sim_replay(t, &c, &cost1, &r, NULL, &e), ERR_USAGE);
    assert_int_equal(e.code, ERR_USAGE);
    assert_string_equal(e.msg, want);
}

static void test_validation(void **state)
{
    (void)state;
    static const uint16_t x[4] = {0, 1, 2, 3};
    static const uint16_t top[4 * 6] = {0};
    SimTrace t = {6, 4, 1, 1, x};
    SimPred pr = {4, 1, top};
    check_err(&t, (SimCase){SIM_LRU, 3, 0, NULL, NULL}, "--cache 3 is less than K = 4");
    check_err(&t, (SimCase){SIM_LRU, 7, 0, NULL, NULL}, "--cache 7 is more than E = 6");
    check_err(&t, (SimCase){SIM_LRU, 4, 5, &pr, NULL}, "--prefetch 5 is more than the cache 4");
    check_err(&t, (SimCase){SIM_LRU, 4, -1, &pr, NULL}, "--prefetch -1 is negative");
    check_err(&t, (SimCase){SIM_BELADY, 4, 2, &pr, NULL},
              "--prefetch 2 needs policy lru or lfu, not belady");
    check_err(&t, (SimCase){SIM_STATIC, 4, 2, &pr, NULL},
              "--prefetch 2 needs policy lru or lfu, not static");
    check_err(&t, (SimCase){SIM_LFU, 4, 2, NULL, NULL}, "--prefetch 2 without a predictor");
    check_err(&t, (SimCase){SIM_LFU, 6, 5, &pr, NULL},
              "--prefetch 5 is more than the predictor's 4 ranks");
    SimPolicy p;
    Err e;
    assert_int_equal(sim_policy_parse("fifo", &p, &e), ERR_USAGE);
    assert_string_equal(e.msg, "--policy fifo is not one of lru, lfu, belady, static");
    assert_int_equal(sim_policy_parse("belady", &p, &e), 0);
    assert_int_equal(p, SIM_BELADY);
}

static void test_rank_scores(void **state)
{
    (void)state;
    const float sc[5] = {1.0f, 3.0f, NAN, 3.0f, 2.0f};
    uint16_t out[5];
    sim_rank_scores(sc, 5, 5, out);
    const uint16_t want[5] = {1, 3, 4, 0, 2};
    assert_memory_equal(out, want, sizeof want);
}


/* Ensure that repeat predicts the previous token's experts at the same
 * layer in gate order, then the frequency order, and the frequency order
 * alone at a sequence's first token (seq_start). E=6 K=2 L=1, 3 tokens,
 * token 2 starts a new sequence. */
static void test_pred_repeat(void **state)
{
    (void)state;
    static const uint16_t x[] = {4, 2, 5, 0, 3, 1};
    static const uint8_t starts[] = {1, 0, 1};
    static const uint16_t freq[] = {5, 4, 3, 2, 1, 0};
    SimTrace t = {6, 2, 1, 3, x};
    uint16_t top[3 * 3];
    sim_pred_repeat(&t, starts, freq, 3, top);
    static const uint16_t want[] = {5, 4, 3,   /* t=0: frequency order */
                                    4, 2, 5,   /* t=1: R(0) = {4, 2}, then 5 */
                                    5, 4, 3};  /* t=2: a new sequence */
    assert_memory_equal(top, want, sizeof want);
}

/* Ensure that static pins the C experts of static_counts (the training
 * split's), not the replayed trace's: counts make {3, 4} the set, the trace
 * needs {0, 1} then {3, 5}: hits 0 then 1. */
static void test_static_counts(void **state)
{
    (void)state;
    static const uint16_t x[] = {0, 1, 3, 5};
    static const uint32_t counts[] = {1, 1, 0, 9, 8, 0};
    SimTrace t = {6, 2, 1, 2, x};
    SimCase c = {SIM_STATIC, 2, 0, NULL, counts};
    SimResult r;
    Err e;
    assert_int_equal(sim_replay(&t, &c, &cost1, &r, NULL, &e), 0);
    assert_int_equal(r.hits, 1);
    assert_int_equal(r.demand_fetches, 3);
    c.static_counts = NULL; /* from the trace: {0, 1} (ties to lower id) */
    assert_int_equal(sim_replay(&t, &c, &cost1, &r, NULL, &e), 0);
    assert_int_equal(r.hits, 2);
}

/* Ensure that the frequency order ranks integer counts exactly, also above
 * 2^24 where floats would tie 16777217 with 16777216. */
static void test_freq_order_large(void **state)
{
    (void)state;
    static const uint32_t counts[] = {16777216u, 16777217u, 3, 16777217u};
    uint16_t order[4];
    sim_freq_order(counts, 4, 1, order);
    static const uint16_t want[] = {1, 3, 0, 2};
    assert_memory_equal(order, want, sizeof want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_policies),  cmocka_unit_test(test_hand_prefetch),
        cmocka_unit_test(test_random_vs_reference), cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_validation),     cmocka_unit_test(test_rank_scores),
        cmocka_unit_test(test_pred_repeat),    cmocka_unit_test(test_static_counts),
        cmocka_unit_test(test_freq_order_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
