/*
 * test_metrics.c: src/metrics against hand-worked examples, brute-force
 * enumeration and a naive per-sample oracle.
 *
 * The hand-worked numbers are derived in the comments next to them; the
 * oracle (oracle_order) sorts experts with a plain O(E^2) selection under the
 * SPEC's rule (higher score first, ties to the lower id, NaN last) and reads
 * every metric off set membership directly.
 */
#include "test_util.h"

#include "metrics/baseline.h"
#include "metrics/chance.h"
#include "metrics/metrics.h"
#include "metrics/topk.h"
#include "util/rng.h"

/* ---- helpers ---- */

static MetricsAcc *acc_new(int E, int K, int L)
{
    MetricsAcc *a = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(metrics_acc_create(E, K, L, &a, &e), 0);
    return a;
}

static void result_of(const MetricsAcc *a, int E, int K, int L, MetricsResult *r)
{
    Err e;
    assert_int_equal(metrics_result_create(E, K, L, r, &e), 0);
    assert_int_equal(metrics_finish(a, r, &e), 0);
}

/* n random samples: scores on a coarse grid (so ties happen), an occasional
 * NaN when with_nan, K distinct random targets, layers in 0..L-1. */
static void random_samples(uint64_t seed, int E, int K, int L, size_t n, int with_nan,
                           float *scores, int32_t *targets, int *layers)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < E; j++) {
            uint64_t r = rng_splitmix64(&s);
            scores[i * (size_t)E + (size_t)j] = (float)(r % 7) * 0.5f - 1.0f;
            if (with_nan && r % 97 == 0)
                scores[i * (size_t)E + (size_t)j] = NAN;
        }
        for (int x = 0; x < K; x++) {
            int32_t id;
            int dup;
            do {
                id = (int32_t)(rng_splitmix64(&s) % (uint64_t)E);
                dup = 0;
                for (int y = 0; y < x; y++)
                    dup |= targets[i * (size_t)K + (size_t)y] == id;
            } while (dup);
            targets[i * (size_t)K + (size_t)x] = id;
        }
        layers[i] = (int)(rng_splitmix64(&s) % (uint64_t)L);
    }
}

/* The full P order of scores[E] by selection sort (the oracle). */
static void oracle_order(const float *s, int E, int *order)
{
    int used[256] = {0};
    for (int pos = 0; pos < E; pos++) {
        int best = -1;
        for (int j = 0; j < E; j++) {
            if (used[j])
                continue;
            int jn = isnan(s[j]), bn = best >= 0 && isnan(s[best]);
            if (best < 0 || (!jn && bn) || (!jn && !bn && s[j] > s[best]))
                best = j;
        }
        used[best] = 1;
        order[pos] = best;
    }
}

/* ---- ordering ---- */

/* Ensure that top-k follows higher score first, ties to the lower id, NaN last. */
static void test_topk_ties_and_nan(void **state)
{
    (void)state;
    /* scores 1,3,3,NaN,2,3 -> order 1,2,5 (the three 3s by id), 4, 0, 3 (NaN) */
    const float s[6] = {1.0f, 3.0f, 3.0f, NAN, 2.0f, 3.0f};
    int ids[6] = {-1, -1, -1, -1, -1, -1};
    assert_int_equal(metrics_topk(s, 6, 4, ids), 4);
    int want4[4] = {1, 2, 5, 4};
    assert_memory_equal(ids, want4, sizeof want4);
    assert_int_equal(metrics_rank(s, 6, 3), 5);
    assert_int_equal(metrics_rank(s, 6, 5), 2);
    assert_int_equal(metrics_rank(s, 6, 0), 4);
    /* NaN comes after -inf; two NaNs by id */
    const float t[3] = {NAN, -INFINITY, NAN};
    int o[3];
    assert_int_equal(metrics_topk(t, 3, 3, o), 3);
    int want3[3] = {1, 0, 2};
    assert_memory_equal(o, want3, sizeof want3);
    assert_int_equal(metrics_rank(t, 3, 0), 1);
    assert_int_equal(metrics_rank(t, 3, 2), 2);
}

/* Ensure that k > E clamps to E and k < 1 selects nothing. */
static void test_topk_clamps(void **state)
{
    (void)state;
    const float s[3] = {0.0f, 1.0f, 0.5f};
    int ids[3];
    assert_int_equal(metrics_topk(s, 3, 10, ids), 3);
    int want[3] = {1, 2, 0};
    assert_memory_equal(ids, want, sizeof want);
    assert_int_equal(metrics_topk(s, 3, 0, ids), 0);
}

/* Ensure that top-k and ranks agree with the oracle order on random scores. */
static void test_topk_matches_oracle(void **state)
{
    (void)state;
    enum { E = 60, N = 200 };
    static float s[N * E];
    static int32_t t[N * 4];
    static int l[N];
    random_samples(11, E, 4, 1, N, 1, s, t, l);
    for (int i = 0; i < N; i++) {
        int order[E], top[E];
        oracle_order(s + i * E, E, order);
        int k = 1 + i % E;
        assert_int_equal(metrics_topk(s + i * E, E, k, top), k);
        assert_memory_equal(top, order, (size_t)k * sizeof(int));
        for (int p = 0; p < E; p++)
            assert_int_equal(metrics_rank(s + i * E, E, order[p]), p);
    }
}

/* ---- the accumulator on a hand-worked example ---- */

/*
 * E=5, K=2, L=2, three samples:
 *  A layer 0, scores .1 .4 .3 .2 0 -> order 1,2,3,0,4; T={2,0}: ranks 1,3
 *  B layer 1, scores 2 2 0 1 -1    -> order 0,1,3,2,4; T={0,1}: ranks 0,1
 *  C layer 1, scores 0 0 0 0 0     -> order 0,1,2,3,4; T={3,4}: ranks 3,4
 * hit@k    (min rank < k):  k=1 B -> 1/3; k=2,3 A,B -> 2/3; k=4,5 -> 1
 * recall@k (ranks < k /2):  k=1 (0+.5+0)/3=1/6; k=2 (.5+1+0)/3=1/2;
 *                           k=3 1/2; k=4 (1+1+.5)/3=5/6; k=5 1
 * cover@k  (max rank < k):  k=1 0; k=2,3 B -> 1/3; k=4 A,B -> 2/3; k=5 1
 * exact (P_2 = T): B -> 1/3
 * layer 0: n=1, recall@2 1/2, cover@4 (A max 3) 1
 * layer 1: n=2, recall@2 (2+0)/4 = 1/2, cover@4 B yes C no -> 1/2
 * top-1: A 1, B 0, C 0 -> confusion[0][2][1], [1][0][0], [1][3][0]
 * val_ce: A lse(.1,.4,.3,.2,0)-.2 = 1.6194163; B lse(2,2,0,1,-1)-2 = 0.9372698;
 *         C log 5 = 1.6094379; mean 1.3887080
 */
static const float hand_scores[3 * 5] = {0.1f, 0.4f, 0.3f, 0.2f, 0.0f, 2, 2, 0, 1, -1,
                                         0,    0,    0,    0,    0};
static const int32_t hand_targets[3 * 2] = {2, 0, 0, 1, 3, 4};
static const int hand_layers[3] = {0, 1, 1};

static void check_hand_result(const MetricsResult *r)
{
    const double hit[5] = {1 / 3., 2 / 3., 2 / 3., 1, 1};
    const double recall[5] = {1 / 6., 1 / 2., 1 / 2., 5 / 6., 1};
    const double cover[5] = {0, 1 / 3., 1 / 3., 2 / 3., 1};
    assert_int_equal(r->n, 3);
    assert_close_d(r->hit, hit, 5, 1e-15, 0);
    assert_close_d(r->recall, recall, 5, 1e-15, 0);
    assert_close_d(r->cover, cover, 5, 1e-15, 0);
    assert_true(fabs(r->exact - 1 / 3.) < 1e-15);
    assert_true(fabs(r->val_ce - 1.3887080281) < 1e-6);
    const double lrec[2] = {0.5, 0.5}, lcov[2] = {1, 0.5};
    assert_close_d(r->layer_recall_K, lrec, 2, 1e-15, 0);
    assert_close_d(r->layer_cover_2K, lcov, 2, 1e-15, 0);
    assert_int_equal(r->layer_n[0], 1);
    assert_int_equal(r->layer_n[1], 2);
    /* confusion: layer 0 only [2][1]; layer 1 [0][0] and [3][0]; "all" their sum */
    int64_t want[3][25] = {{0}};
    want[0][2 * 5 + 1] = 1;
    want[1][0 * 5 + 0] = want[1][3 * 5 + 0] = 1;
    want[2][2 * 5 + 1] = want[2][0] = want[2][3 * 5 + 0] = 1;
    assert_memory_equal(r->confusion, want, sizeof want);
    /* per expert, "all" row: needed 2,1,1,1,1; predicted (P_2 = {1,2},{0,1},{0,1}) 2,3,1,0,0;
     * hits (in T and P_2): A 2; B 0,1 -> 1,1,1,0,0; recall 1/2,1,1,0,0 */
    const int64_t needed[5] = {2, 1, 1, 1, 1}, pred[5] = {2, 3, 1, 0, 0}, hits[5] = {1, 1, 1, 0, 0};
    assert_memory_equal(r->needed + 10, needed, sizeof needed);
    assert_memory_equal(r->predicted + 10, pred, sizeof pred);
    assert_memory_equal(r->hits + 10, hits, sizeof hits);
    const double rec_all[5] = {0.5, 1, 1, 0, 0};
    assert_close_d(r->expert_recall_K + 10, rec_all, 5, 1e-15, 0);
    /* layer 0: needed {0,2}, hit 2 only; experts 1, 3, 4 never needed -> NaN */
    assert_true(r->expert_recall_K[0] == 0.0 && r->expert_recall_K[2] == 1.0);
    assert_true(isnan(r->expert_recall_K[1]) && isnan(r->expert_recall_K[3]) &&
                isnan(r->expert_recall_K[4]));
}

/* Ensure that every table matches the hand-worked three-sample example. */
static void test_acc_hand_example(void **state)
{
    (void)state;
    MetricsAcc *a = acc_new(5, 2, 2);
    Err e;
    assert_int_equal(metrics_acc_add(a, hand_scores, hand_targets, hand_layers, 3, &e), 0);
    MetricsResult r;
    result_of(a, 5, 2, 2, &r);
    check_hand_result(&r);
    MetricsSummary s;
    metrics_summary(&r, &s);
    /* hit5..hit20 clamp to k = E = 5; cover_2K is cover@4 */
    assert_true(s.hit1 == r.hit[0] && s.hit5 == 1.0 && s.hit20 == 1.0);
    assert_true(s.recall_K == 0.5 && s.cover_K == r.cover[1] && s.cover_2K == r.cover[3]);
    assert_true(metrics_cover_at(&r, 99) == 1.0 && metrics_hit_at(&r, 0) == 0.0);
    metrics_result_free(&r);
    metrics_acc_free(a);
}

/* Ensure that reset forgets everything and finish refuses a result of
 * another shape. */
static void test_acc_reset(void **state)
{
    (void)state;
    MetricsAcc *a = acc_new(5, 2, 2);
    Err e;
    int lay[3] = {1, 1, 1};
    assert_int_equal(metrics_acc_add(a, hand_scores, hand_targets, lay, 3, &e), 0);
    metrics_acc_reset(a);
    assert_int_equal(metrics_acc_count(a), 0);
    assert_int_equal(metrics_acc_add(a, hand_scores, hand_targets, hand_layers, 3, &e), 0);
    MetricsResult r;
    result_of(a, 5, 2, 2, &r);
    check_hand_result(&r);
    MetricsResult other;
    assert_int_equal(metrics_result_create(5, 2, 3, &other, &e), 0);
    assert_int_equal(metrics_finish(a, &other, &e), ERR_USAGE);
    metrics_result_free(&other);
    metrics_result_free(&r);
    metrics_acc_free(a);
}

/* Ensure that bad targets and layers are ERR_INPUT naming the sample, never a crash. */
static void test_acc_rejects_bad_samples(void **state)
{
    (void)state;
    MetricsAcc *a = acc_new(5, 2, 2);
    Err e;
    err_clear(&e);
    const int32_t bad_id[4] = {0, 1, 5, 0}, neg[2] = {-1, 0};
    int lay[2] = {0, 0};
    assert_int_equal(metrics_acc_add(a, hand_scores, bad_id, lay, 2, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "sample 1: expert 5 out of range"));
    assert_int_equal(metrics_acc_count(a), 1);
    assert_int_equal(metrics_acc_add(a, hand_scores, neg, lay, 1, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "sample 0: expert -1 out of range"));
    const int32_t dup[2] = {3, 3};
    assert_int_equal(metrics_acc_add(a, hand_scores, dup, lay, 1, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "twice"));
    int badl[1] = {2};
    assert_int_equal(metrics_acc_add(a, hand_scores, hand_targets, badl, 1, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "layer 2 out of range"));
    MetricsAcc *b = NULL;
    assert_int_equal(metrics_acc_create(4, 5, 1, &b, &e), ERR_USAGE);
    assert_null(b);
    metrics_acc_free(a);
}

/* Ensure that NaN scores neither crash nor count as good, and val_ce becomes NaN. */
static void test_acc_nan_scores(void **state)
{
    (void)state;
    MetricsAcc *a = acc_new(4, 1, 1);
    Err e;
    /* scores NaN 1 0 2 -> order 3,1,2,0; T={0}: rank 3 -> hit@k only at k=4 */
    const float s[4] = {NAN, 1, 0, 2};
    const int32_t t[1] = {0};
    const int l[1] = {0};
    assert_int_equal(metrics_acc_add(a, s, t, l, 1, &e), 0);
    MetricsResult r;
    result_of(a, 4, 1, 1, &r);
    const double hit[4] = {0, 0, 0, 1};
    assert_close_d(r.hit, hit, 4, 0, 0);
    assert_true(isnan(r.val_ce));
    metrics_result_free(&r);
    metrics_acc_free(a);
}

/* ---- invariants and the oracle on random data ---- */

static void check_random(int E, int K, int L, size_t n, uint64_t seed)
{
    float *s = malloc(n * (size_t)E * sizeof *s);
    int32_t *t = malloc(n * (size_t)K * sizeof *t);
    int *l = malloc(n * sizeof *l);
    double *hit = calloc((size_t)E, sizeof *hit), *rec = calloc((size_t)E, sizeof *rec);
    double *cov = calloc((size_t)E, sizeof *cov);
    assert_true(s && t && l && hit && rec && cov);
    random_samples(seed, E, K, L, n, 1, s, t, l);
    MetricsAcc *a = acc_new(E, K, L);
    Err e;
    assert_int_equal(metrics_acc_add(a, s, t, l, n, &e), 0);
    MetricsResult r;
    result_of(a, E, K, L, &r);
    /* Oracle: full order, then membership of T in the first k for every k. */
    int order[256], pos[256];
    for (size_t i = 0; i < n; i++) {
        oracle_order(s + i * (size_t)E, E, order);
        for (int p = 0; p < E; p++)
            pos[order[p]] = p;
        for (int k = 1; k <= E; k++) {
            int in = 0;
            for (int x = 0; x < K; x++)
                in += pos[t[i * (size_t)K + (size_t)x]] < k;
            hit[k - 1] += in > 0;
            rec[k - 1] += (double)in / K;
            cov[k - 1] += in == K;
        }
    }
    for (int k = 0; k < E; k++) {
        hit[k] /= (double)n;
        rec[k] /= (double)n;
        cov[k] /= (double)n;
    }
    assert_close_d(r.hit, hit, (size_t)E, 1e-12, 0);
    assert_close_d(r.recall, rec, (size_t)E, 1e-12, 0);
    assert_close_d(r.cover, cov, (size_t)E, 1e-12, 0);
    /* cover <= recall <= hit, each monotone in k, all 1 at k = E */
    for (int k = 0; k < E; k++) {
        assert_true(r.cover[k] <= r.recall[k] && r.recall[k] <= r.hit[k]);
        if (k > 0)
            assert_true(r.hit[k] >= r.hit[k - 1] && r.recall[k] >= r.recall[k - 1] &&
                        r.cover[k] >= r.cover[k - 1]);
    }
    assert_true(r.hit[E - 1] == 1.0 && r.recall[E - 1] == 1.0 && r.cover[E - 1] == 1.0);
    assert_true(r.exact == r.cover[K - 1]);
    /* table totals: every sample once in confusion, K times in needed and predicted */
    int64_t conf = 0, need = 0, pred = 0, hits = 0, ln = 0;
    size_t EE = (size_t)E * (size_t)E, all = (size_t)L;
    for (size_t i = 0; i < EE; i++)
        conf += r.confusion[all * EE + i];
    for (int x = 0; x < E; x++) {
        need += r.needed[all * (size_t)E + (size_t)x];
        pred += r.predicted[all * (size_t)E + (size_t)x];
        hits += r.hits[all * (size_t)E + (size_t)x];
    }
    for (int x = 0; x < L; x++)
        ln += r.layer_n[x];
    assert_int_equal(conf, (int64_t)n);
    assert_int_equal(need, (int64_t)n * K);
    assert_int_equal(pred, (int64_t)n * K);
    assert_int_equal(ln, (int64_t)n);
    assert_true(fabs((double)hits / (double)need - r.recall[K - 1]) < 1e-12);
    metrics_result_free(&r);
    metrics_acc_free(a);
    free(s);
    free(t);
    free(l);
    free(hit);
    free(rec);
    free(cov);
}

/* Ensure that on random scores with ties and NaNs every rate equals the oracle's
 * and cover@k <= recall@k <= hit@k, monotone in k, all 1 at k = E. */
static void test_acc_random_invariants(void **state)
{
    (void)state;
    check_random(60, 4, 24, 2000, 1);
    check_random(8, 2, 3, 3000, 2);
    check_random(64, 8, 4, 1000, 3);
    check_random(5, 5, 1, 100, 4);
    check_random(1, 1, 1, 10, 5);
    check_random(3, 1, 2, 200, 6);
}

/* Ensure that chunking does not change the result (bit for bit) and that
 * merging accumulators changes at most the last bits of val_ce. */
static void test_acc_chunking_independent(void **state)
{
    (void)state;
    enum { E = 60, K = 4, L = 3, N = 999 };
    static float s[N * E];
    static int32_t t[N * K];
    static int l[N];
    random_samples(7, E, K, L, N, 0, s, t, l);
    Err e;
    MetricsAcc *whole = acc_new(E, K, L);
    assert_int_equal(metrics_acc_add(whole, s, t, l, N, &e), 0);
    MetricsResult rw, rc;
    result_of(whole, E, K, L, &rw);
    const size_t chunks[3] = {1, 7, 100};
    for (int c = 0; c < 3; c++) {
        MetricsAcc *a = acc_new(E, K, L);
        for (size_t i = 0; i < N; i += chunks[c]) {
            size_t m = N - i < chunks[c] ? N - i : chunks[c];
            assert_int_equal(metrics_acc_add(a, s + i * E, t + i * K, l + i, m, &e), 0);
        }
        result_of(a, E, K, L, &rc);
        assert_memory_equal(rc.mem_, rw.mem_, rw.bytes_);
        assert_true(rc.val_ce == rw.val_ce && rc.exact == rw.exact);
        metrics_result_free(&rc);
        metrics_acc_free(a);
    }
    /* three accumulators over thirds, merged in reverse order */
    MetricsAcc *part[3], *m = acc_new(E, K, L);
    for (int p = 0; p < 3; p++) {
        part[p] = acc_new(E, K, L);
        assert_int_equal(metrics_acc_add(part[p], s + p * 333 * E, t + p * 333 * K, l + p * 333,
                                         333, &e),
                         0);
    }
    for (int p = 2; p >= 0; p--)
        assert_int_equal(metrics_acc_merge(m, part[p], &e), 0);
    result_of(m, E, K, L, &rc);
    assert_memory_equal(rc.mem_, rw.mem_, rw.bytes_);
    assert_true(rc.exact == rw.exact);
    assert_true(fabs(rc.val_ce - rw.val_ce) <= 1e-14 * rw.val_ce);
    MetricsAcc *off = acc_new(E, K, L);
    metrics_acc_set_ce(off, 0);
    assert_int_equal(metrics_acc_merge(m, off, &e), ERR_USAGE);
    metrics_result_free(&rc);
    metrics_result_free(&rw);
    for (int p = 0; p < 3; p++)
        metrics_acc_free(part[p]);
    metrics_acc_free(off);
    metrics_acc_free(m);
    metrics_acc_free(whole);
}

/* ---- chance ---- */

static int popcount(unsigned x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* Ensure that the chance formulas equal brute-force enumeration of every
 * k-subset for all E <= 8 (T = {0..K-1} by symmetry). */
static void test_chance_brute_force(void **state)
{
    (void)state;
    for (int E = 1; E <= 8; E++)
        for (int K = 1; K <= E; K++) {
            unsigned T = (1u << K) - 1;
            for (int k = 1; k <= E; k++) {
                double n = 0, hit = 0, rec = 0, cov = 0, exact = 0;
                for (unsigned S = 0; S < 1u << E; S++) {
                    if (popcount(S) != k)
                        continue;
                    n++;
                    hit += (S & T) != 0;
                    rec += (double)popcount(S & T) / K;
                    cov += (S & T) == T;
                    exact += S == T;
                }
                assert_true(fabs(metrics_chance_hit(E, K, k) - hit / n) < 1e-14);
                assert_true(fabs(metrics_chance_recall(E, K, k) - rec / n) < 1e-14);
                assert_true(fabs(metrics_chance_cover(E, K, k) - cov / n) < 1e-14);
                if (k == K)
                    assert_true(fabs(metrics_chance_exact(E, K) - exact / n) < 1e-14);
            }
            assert_true(metrics_chance_hit(E, K, E + 3) == metrics_chance_hit(E, K, E));
            assert_true(metrics_chance_cover(E, K, 0) == 0.0);
        }
}

static void permute_all(float *perm, int n, int i, MetricsAcc *a, const int32_t *t)
{
    if (i == n) {
        int layer = 0;
        Err e;
        assert_int_equal(metrics_acc_add(a, perm, t, &layer, 1, &e), 0);
        return;
    }
    for (int j = i; j < n; j++) {
        float x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
        permute_all(perm, n, i + 1, a, t);
        perm[j] = perm[i];
        perm[i] = x;
    }
}

/* Ensure that the accumulator over all E! orderings gives exactly the chance
 * levels (ties the measured code path to the formulas). */
static void test_chance_equals_all_orderings(void **state)
{
    (void)state;
    enum { E = 6, K = 2 };
    float perm[E] = {0, 1, 2, 3, 4, 5};
    const int32_t t[K] = {4, 1};
    MetricsAcc *a = acc_new(E, K, 1);
    permute_all(perm, E, 0, a, t);
    MetricsResult r;
    result_of(a, E, K, 1, &r);
    assert_int_equal(r.n, 720);
    for (int k = 1; k <= E; k++) {
        assert_true(fabs(r.hit[k - 1] - metrics_chance_hit(E, K, k)) < 1e-14);
        assert_true(fabs(r.recall[k - 1] - metrics_chance_recall(E, K, k)) < 1e-14);
        assert_true(fabs(r.cover[k - 1] - metrics_chance_cover(E, K, k)) < 1e-14);
    }
    assert_true(fabs(r.exact - metrics_chance_exact(E, K)) < 1e-14);
    metrics_result_free(&r);
    metrics_acc_free(a);
}

/* Ensure that the chance levels are right for the SPEC's example and finite,
 * in [0,1] and monotone for E = 65535 (no overflow). */
static void test_chance_large_e(void **state)
{
    (void)state;
    assert_true(fabs(metrics_chance_hit(60, 4, 1) - 4.0 / 60) < 1e-15); /* 6.67 % */
    assert_true(fabs(metrics_chance_exact(60, 4) - 1.0 / 487635) < 1e-18); /* C(60,4) */
    MetricsSummary s;
    metrics_chance_summary(60, 4, &s);
    assert_true(fabs(s.val_ce - log(60.0)) < 1e-15 && s.cover_2K == metrics_chance_cover(60, 4, 8));
    const int E = 65535, K = 8;
    double ph = 0, pc = 0;
    for (int k = 1; k <= E; k++) {
        double h = metrics_chance_hit(E, K, k), c = metrics_chance_cover(E, K, k);
        assert_true(isfinite(h) && isfinite(c) && h >= ph && c >= pc && h <= 1 && c <= h);
        ph = h;
        pc = c;
    }
    assert_true(ph == 1.0 && pc == 1.0);
    /* lgamma cross-check in the middle: cover@k = exp(lC(E-K,k-K) - lC(E,k)) */
    int k = 30000;
    double lc = lgamma(E - K + 1.0) - lgamma(k - K + 1.0) - lgamma(E - k + 1.0) -
                (lgamma(E + 1.0) - lgamma(k + 1.0) - lgamma(E - k + 1.0));
    assert_true(fabs(metrics_chance_cover(E, K, k) / exp(lc) - 1) < 1e-9);
    assert_true(fabs(metrics_chance_hit(65535, 1, 1) - 1.0 / 65535) < 1e-15);
}

/* ---- baselines on a hand-made trace set ---- */

/*
 * E=5, K=2, L=2. Training (seq 1: 3 tokens, seq 2: 2 tokens), targets per layer:
 *   layer 0: {1,2} {1,3} {2,1} | {3,1} {0,1}  counts 1,5,2,2,0 -> order 1,2,3,0,4
 *   layer 1: {0,4} {4,0} {3,4} | {4,2} {2,4}  counts 2,0,2,1,5 -> order 4,0,2,3,1
 * (Counting first choices only would give layer 0 the order 1,0,2,3,4.)
 * Validation, one sequence of 3 tokens:
 *   layer 0: {2,3} {3,0} {1,4};   layer 1: {4,0} {0,2} {2,0}
 * frequency ranks: l0 (1,2) (2,3) (0,4); l1 (0,1) (1,2) (2,1)
 *   hit@1 2/6, hit@2 5/6, hit@3..5 1
 *   recall@1 2/12, @2 6/12, @3 10/12, @4 11/12, @5 1
 *   cover@1 0, @2 1/6, @3 4/6, @4 5/6, @5 1; exact 1/6
 * repeat (prev = previous token's targets; first token = frequency):
 *   l0 t1 prev {2,3} -> order 2,3,1,0,4: {3,0} ranks (1,3)
 *   l0 t2 prev {3,0} -> order 3,0,1,2,4: {1,4} ranks (2,4)
 *   l1 t1 prev {4,0} -> order 4,0,2,3,1: {0,2} ranks (1,2)
 *   l1 t2 prev {0,2} -> order 0,2,4,3,1: {2,0} ranks (1,0)
 *   ranks (1,2) (1,3) (2,4) (0,1) (1,2) (0,1)
 *   hit@1 2/6, hit@2 5/6, hit@3..5 1
 *   recall@1 2/12, @2 7/12, @3 10/12, @4 11/12, @5 1
 *   cover@1 0, @2 2/6, @3 4/6, @4 5/6, @5 1; exact 2/6
 * frequency val_ce with p = (c+1)/15 (layer 0 c+1 = 2,6,3,3,1; layer 1 3,1,3,2,6):
 *   mean over samples of -(log p_a + log p_b)/2
 */
static const int32_t train_t[2][5][2] = {{{1, 2}, {1, 3}, {2, 1}, {3, 1}, {0, 1}},
                                          {{0, 4}, {4, 0}, {3, 4}, {4, 2}, {2, 4}}};
static const int32_t val_t[2][3][2] = {{{2, 3}, {3, 0}, {1, 4}}, {{4, 0}, {0, 2}, {2, 0}}};

static MetricsFreq *hand_freq(void)
{
    MetricsFreq *f = NULL;
    Err e;
    assert_int_equal(metrics_freq_create(5, 2, 2, &f, &e), 0);
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 5; i++)
            assert_int_equal(metrics_freq_add(f, train_t[l][i], &l, 1, &e), 0);
    metrics_freq_finish(f);
    return f;
}

/* Measures a baseline over the validation sequence; repeat when is_repeat. */
static void measure_baseline(const MetricsFreq *f, int is_repeat, MetricsResult *r)
{
    MetricsAcc *a = acc_new(5, 2, 2);
    metrics_acc_set_ce(a, !is_repeat);
    Err e;
    const int32_t first[2] = {-1, -1}; /* a sequence's first token has no previous */
    MetricsBaseline which = is_repeat ? METRICS_REPEAT : METRICS_FREQUENCY;
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 3; i++) {
            float s[5];
            const int32_t *prev = i > 0 ? val_t[l][i - 1] : first;
            assert_int_equal(metrics_baseline_scores(f, which, &l, prev, 1, s, &e), 0);
            assert_int_equal(metrics_acc_add(a, s, val_t[l][i], &l, 1, &e), 0);
        }
    result_of(a, 5, 2, 2, r);
    metrics_acc_free(a);
}

/* Ensure that the frequency table counts all K routed experts, orders them
 * by count then id, and its scores give that order. */
static void test_freq_order(void **state)
{
    (void)state;
    MetricsFreq *f = hand_freq();
    const int o0[5] = {1, 2, 3, 0, 4}, o1[5] = {4, 0, 2, 3, 1};
    assert_memory_equal(metrics_freq_order(f, 0), o0, sizeof o0);
    assert_memory_equal(metrics_freq_order(f, 1), o1, sizeof o1);
    float s[5];
    int top[5];
    Err e;
    assert_int_equal(metrics_freq_scores(f, 1, s, &e), 0);
    metrics_topk(s, 5, 5, top);
    assert_memory_equal(top, o1, sizeof o1);
    int32_t t[2] = {0, 1};
    int l = 0;
    assert_int_equal(metrics_freq_add(f, t, &l, 1, &e), ERR_USAGE);
    assert_int_equal(metrics_freq_scores(f, 2, s, &e), ERR_USAGE);
    metrics_freq_free(f);
}

/* Ensure that the frequency baseline's metrics match the hand-worked values. */
static void test_freq_baseline_metrics(void **state)
{
    (void)state;
    MetricsFreq *f = hand_freq();
    MetricsResult r;
    measure_baseline(f, 0, &r);
    const double hit[5] = {2 / 6., 5 / 6., 1, 1, 1};
    const double rec[5] = {2 / 12., 6 / 12., 10 / 12., 11 / 12., 1};
    const double cov[5] = {0, 1 / 6., 4 / 6., 5 / 6., 1};
    assert_close_d(r.hit, hit, 5, 1e-15, 0);
    assert_close_d(r.recall, rec, 5, 1e-15, 0);
    assert_close_d(r.cover, cov, 5, 1e-15, 0);
    assert_true(fabs(r.exact - 1 / 6.) < 1e-15);
    double ce = (-(log(3 / 15.) + log(3 / 15.)) - (log(3 / 15.) + log(2 / 15.)) -
                 (log(6 / 15.) + log(1 / 15.)) - (log(6 / 15.) + log(3 / 15.)) -
                 (log(3 / 15.) + log(3 / 15.)) - (log(3 / 15.) + log(3 / 15.))) /
                 2 / 6;
    assert_true(fabs(r.val_ce - ce) < 1e-6);
    metrics_result_free(&r);
    metrics_freq_free(f);
}

/* Ensure that the repeat baseline's metrics match the hand-worked values and
 * that its val_ce is NaN (a ranking has no cross-entropy). */
static void test_repeat_baseline_metrics(void **state)
{
    (void)state;
    MetricsFreq *f = hand_freq();
    MetricsResult r;
    measure_baseline(f, 1, &r);
    const double hit[5] = {2 / 6., 5 / 6., 1, 1, 1};
    const double rec[5] = {2 / 12., 7 / 12., 10 / 12., 11 / 12., 1};
    const double cov[5] = {0, 2 / 6., 4 / 6., 5 / 6., 1};
    assert_close_d(r.hit, hit, 5, 1e-15, 0);
    assert_close_d(r.recall, rec, 5, 1e-15, 0);
    assert_close_d(r.cover, cov, 5, 1e-15, 0);
    assert_true(fabs(r.exact - 2 / 6.) < 1e-15);
    assert_true(isnan(r.val_ce));
    /* the repeated experts come first in gate order, then frequency order */
    float s[5];
    int top[5];
    Err e;
    const int32_t prev[2] = {3, 0};
    const int32_t l0 = 0;
    assert_int_equal(metrics_baseline_scores(f, METRICS_REPEAT, &l0, prev, 1, s, &e), 0);
    metrics_topk(s, 5, 5, top);
    const int want[5] = {3, 0, 1, 2, 4};
    assert_memory_equal(top, want, sizeof want);
    const int32_t bad[2] = {7, 0};
    assert_int_equal(metrics_baseline_scores(f, METRICS_REPEAT, &l0, bad, 1, s, &e), ERR_INPUT);
    metrics_result_free(&r);
    metrics_freq_free(f);
}

/* Ensure that the batch score generator (the batcher's layout: prev rows of
 * -1 at a sequence's first token) gives the same results as one at a time. */
static void test_baseline_batch(void **state)
{
    (void)state;
    MetricsFreq *f = hand_freq();
    int32_t layers[6], targets[6][2], prev[6][2];
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 3; i++) {
            layers[l * 3 + i] = l;
            for (int x = 0; x < 2; x++) {
                targets[l * 3 + i][x] = val_t[l][i][x];
                prev[l * 3 + i][x] = i > 0 ? val_t[l][i - 1][x] : -1;
            }
        }
    for (int which = 0; which < 2; which++) {
        float s[6 * 5];
        Err e;
        assert_int_equal(metrics_baseline_scores(f, which ? METRICS_REPEAT : METRICS_FREQUENCY,
                                                 layers, &prev[0][0], 6, s, &e),
                         0);
        MetricsAcc *a = acc_new(5, 2, 2);
        metrics_acc_set_ce(a, !which);
        assert_int_equal(metrics_acc_add(a, s, &targets[0][0], layers, 6, &e), 0);
        MetricsResult rb, r1;
        result_of(a, 5, 2, 2, &rb);
        measure_baseline(f, which, &r1);
        assert_memory_equal(rb.mem_, r1.mem_, r1.bytes_);
        assert_true(rb.exact == r1.exact);
        assert_true(which ? isnan(rb.val_ce) : rb.val_ce == r1.val_ce);
        metrics_result_free(&rb);
        metrics_result_free(&r1);
        metrics_acc_free(a);
        /* a bad previous id names the sample */
        prev[4][0] = 9;
        assert_int_equal(metrics_baseline_scores(f, METRICS_REPEAT, layers, &prev[0][0], 6, s,
                                                 &e),
                         ERR_INPUT);
        assert_non_null(strstr(e.msg, "sample 4: expert 9"));
        prev[4][0] = val_t[1][0][0];
    }
    metrics_freq_free(f);
}

/* Ensure that counts too close for float log-probabilities still order by
 * count (the higher id with one more sample comes first). */
static void test_freq_close_counts(void **state)
{
    (void)state;
    enum { B = 1 << 20 };
    const int64_t N = 100 * (int64_t)B; /* c0 = N, c1 = N + 1 */
    double D = 2.0 * (double)N + 1 + 3;
    /* precondition: these two log-probabilities are one float */
    assert_true((float)log((double)(N + 1) / D) == (float)log((double)(N + 2) / D));
    MetricsFreq *f = NULL;
    Err e;
    assert_int_equal(metrics_freq_create(3, 1, 1, &f, &e), 0);
    int32_t *t = malloc(B * sizeof *t);
    int *l = calloc(B, sizeof *l);
    assert_true(t && l);
    for (int x = 0; x < 2; x++) {
        for (int i = 0; i < B; i++)
            t[i] = (int32_t)x;
        for (int rep = 0; rep < 100; rep++)
            assert_int_equal(metrics_freq_add(f, t, l, B, &e), 0);
    }
    assert_int_equal(metrics_freq_add(f, t, l, 1, &e), 0); /* one more for expert 1 */
    metrics_freq_finish(f);
    float s[3];
    int top[3];
    assert_int_equal(metrics_freq_scores(f, 0, s, &e), 0);
    metrics_topk(s, 3, 3, top);
    const int want[3] = {1, 0, 2};
    assert_memory_equal(top, want, sizeof want);
    free(t);
    free(l);
    metrics_freq_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topk_ties_and_nan),
        cmocka_unit_test(test_topk_clamps),
        cmocka_unit_test(test_topk_matches_oracle),
        cmocka_unit_test(test_acc_hand_example),
        cmocka_unit_test(test_acc_reset),
        cmocka_unit_test(test_acc_rejects_bad_samples),
        cmocka_unit_test(test_acc_nan_scores),
        cmocka_unit_test(test_acc_random_invariants),
        cmocka_unit_test(test_acc_chunking_independent),
        cmocka_unit_test(test_chance_brute_force),
        cmocka_unit_test(test_chance_equals_all_orderings),
        cmocka_unit_test(test_chance_large_e),
        cmocka_unit_test(test_freq_order),
        cmocka_unit_test(test_freq_baseline_metrics),
        cmocka_unit_test(test_repeat_baseline_metrics),
        cmocka_unit_test(test_baseline_batch),
        cmocka_unit_test(test_freq_close_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
