/*
 * acc.c: accumulating SPEC 3's metrics over samples, and averaging them.
 *
 * Per sample the only expensive work is the rank of each target expert in
 * the score order (O(E) each) and the top-K list (O(E log K)). From the ranks:
 * hit@k = 1 iff min rank < k, cover@k = 1 iff max rank < k, and recall@k
 * counts the ranks < k; so one sample adds 1 at a single k to each of three
 * "starts at k" arrays, and the prefix sums at finish give every k = 1..E.
 * Everything but val_ce is an int64 count: exact and order-independent.
 * Not here: storage of results (result.c), the ordering itself (topk.c).
 */
#include "metrics/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/topk.h"

struct MetricsAcc {
    int E, K, L;
    int ce_on;
    int64_t n;
    int64_t *hit_from;       /* [E+1] samples whose hit@k starts at k (min rank + 1) */
    int64_t *recall_from;    /* [E+1] targets entering P_k at k (rank + 1) */
    int64_t *cover_from;     /* [E+1] samples whose cover@k starts at k (max rank + 1) */
    int64_t exact;
    double ce_sum, ce_comp;  /* Neumaier-compensated sum of per-sample CE */
    int64_t *layer_n;        /* [L] */
    int64_t *layer_in_K;     /* [L] targets with rank < K */
    int64_t *layer_cover_2K; /* [L] samples with max rank < min(2K, E) */
    int64_t *confusion;      /* [L][E][E] */
    int64_t *needed;         /* [L][E] */
    int64_t *predicted;      /* [L][E] */
    int64_t *hits;           /* [L][E] */
    size_t n_counts;         /* int64 entries from hit_from on, for reset/merge */
    int topk[];              /* [K] scratch for the top-K list */
};

int metrics_acc_create(int E, int K, int L, MetricsAcc **out, Err *e)
{
    *out = NULL;
    if (E < 1 || E > 65536 || K < 1 || K > E || L < 1)
        return err_set(e, ERR_USAGE, "metrics: bad shape E=%d K=%d L=%d", E, K, L);
    size_t ue = (size_t)E, ul = (size_t)L;
    if (ue > SIZE_MAX / 16 / ue / ul)
        return err_set(e, ERR_RUNTIME, "metrics: tables for E=%d L=%d are too large", E, L);
    size_t counts = 3 * (ue + 1) + 3 * ul + ul * ue * ue + 3 * ul * ue;
    MetricsAcc *a = calloc(1, sizeof *a + (size_t)K * sizeof(int));
    int64_t *c = calloc(counts, sizeof *c);
    if (!a || !c) {
        free(a);
        free(c);
        return err_set(e, ERR_RUNTIME, "metrics: out of memory for %zu counts", counts);
    }
    a->E = E;
    a->K = K;
    a->L = L;
    a->ce_on = 1;
    a->hit_from = c;
    a->recall_from = c + (ue + 1);
    a->cover_from = c + 2 * (ue + 1);
    a->layer_n = c + 3 * (ue + 1);
    a->layer_in_K = a->layer_n + ul;
    a->layer_cover_2K = a->layer_in_K + ul;
    a->confusion = a->layer_cover_2K + ul;
    a->needed = a->confusion + ul * ue * ue;
    a->predicted = a->needed + ul * ue;
    a->hits = a->predicted + ul * ue;
    a->n_counts = counts;
    *out = a;
    return ERR_OK;
}

void metrics_acc_free(MetricsAcc *a)
{
    if (!a)
        return;
    free(a->hit_from);
    free(a);
}

void metrics_acc_reset(MetricsAcc *a)
{
    memset(a->hit_from, 0, a->n_counts * sizeof(int64_t));
    a->n = a->exact = 0;
    a->ce_sum = a->ce_comp = 0.0;
}

void metrics_acc_set_ce(MetricsAcc *a, int on)
{
    a->ce_on = on != 0;
}

int64_t metrics_acc_count(const MetricsAcc *a)
{
    return a->n;
}

static void acc_add_ce(MetricsAcc *a, double x)
{
    double t = a->ce_sum + x;
    if (fabs(a->ce_sum) >= fabs(x))
        a->ce_comp += (a->ce_sum - t) + x;
    else
        a->ce_comp += (x - t) + a->ce_sum;
    a->ce_sum = t;
}

/* Soft-target CE with 1/K on each target: logsumexp(s) - mean(s[T]). */
static double acc_sample_ce(const float *s, int E, const int32_t *t, int K)
{
    double m = (double)s[0];
    for (int j = 1; j < E; j++)
        if ((double)s[j] > m || s[j] != s[j])
            m = (double)s[j];
    double z = 0.0;
    for (int j = 0; j < E; j++)
        z += exp((double)s[j] - m);
    double mean_t = 0.0;
    for (int i = 0; i < K; i++)
        mean_t += (double)s[t[i]];
    return m + log(z) - mean_t / K;
}

static int acc_check_sample(const MetricsAcc *a, const int32_t *t, int32_t layer, size_t i,
                            Err *e)
{
    if (layer < 0 || layer >= a->L)
        return err_set(e, ERR_INPUT, "metrics: sample %zu: layer %d out of range 0..%d", i,
                       layer, a->L - 1);
    for (int x = 0; x < a->K; x++) {
        if (t[x] < 0 || t[x] >= a->E)
            return err_set(e, ERR_INPUT, "metrics: sample %zu: expert %d out of range 0..%d",
                           i, (int)t[x], a->E - 1);
        for (int y = 0; y < x; y++)
            if (t[y] == t[x])
                return err_set(e, ERR_INPUT, "metrics: sample %zu: expert %d twice in targets",
                               i, (int)t[x]);
    }
    return ERR_OK;
}

static void acc_add_one(MetricsAcc *a, const float *s, const int32_t *t, int layer)
{
    int E = a->E, K = a->K, c2K = 2 * K < E ? 2 * K : E;
    int rmin = E, rmax = -1;
    int64_t *needed = a->needed + (size_t)layer * (size_t)E;
    int64_t *hits = a->hits + (size_t)layer * (size_t)E;
    for (int i = 0; i < K; i++) {
        int r = metrics_rank(s, E, t[i]);
        rmin = r < rmin ? r : rmin;
        rmax = r > rmax ? r : rmax;
        a->recall_from[r + 1]++;
        needed[t[i]]++;
        if (r < K) {
            hits[t[i]]++;
            a->layer_in_K[layer]++;
        }
    }
    a->hit_from[rmin + 1]++;
    a->cover_from[rmax + 1]++;
    a->exact += rmax < K;
    a->layer_cover_2K[layer] += rmax < c2K;
    a->layer_n[layer]++;
    metrics_topk(s, E, K, a->topk);
    int64_t *predicted = a->predicted + (size_t)layer * (size_t)E;
    for (int i = 0; i < K; i++)
        predicted[a->topk[i]]++;
    a->confusion[((size_t)layer * (size_t)E + (size_t)t[0]) * (size_t)E + (size_t)a->topk[0]]++;
    if (a->ce_on)
        acc_add_ce(a, acc_sample_ce(s, E, t, K));
    a->n++;
}

int metrics_acc_add(MetricsAcc *a, const float *scores, const int32_t *targets,
                    const int32_t *layers, size_t n, Err *e)
{
    size_t E = (size_t)a->E, K = (size_t)a->K;
    for (size_t i = 0; i < n; i++) {
        const int32_t *t = targets + i * K;
        int rc = acc_check_sample(a, t, layers[i], i, e);
        if (rc)
            return rc;
        acc_add_one(a, scores + i * E, t, layers[i]);
    }
    return ERR_OK;
}

int metrics_acc_merge(MetricsAcc *dst, const MetricsAcc *src, Err *e)
{
    if (dst->E != src->E || dst->K != src->K || dst->L != src->L || dst->ce_on != src->ce_on)
        return err_set(e, ERR_USAGE, "metrics: merging accumulators of different shapes");
    for (size_t i = 0; i < dst->n_counts; i++)
        dst->hit_from[i] += src->hit_from[i];
    dst->n += src->n;
    dst->exact += src->exact;
    acc_add_ce(dst, src->ce_sum);
    acc_add_ce(dst, src->ce_comp);
    return ERR_OK;
}

static double acc_ratio(int64_t num, int64_t den)
{
    return den > 0 ? (double)num / (double)den : (double)NAN;
}

/* Prefix sums of the "starts at k" arrays: rates at every k = 1..E. */
static void acc_finish_curves(const MetricsAcc *a, MetricsResult *r)
{
    int64_t hit = 0, rec = 0, cov = 0;
    for (int k = 1; k <= a->E; k++) {
        hit += a->hit_from[k];
        rec += a->recall_from[k];
        cov += a->cover_from[k];
        r->hit[k - 1] = acc_ratio(hit, a->n);
        r->recall[k - 1] = acc_ratio(rec, a->n * a->K);
        r->cover[k - 1] = acc_ratio(cov, a->n);
    }
}

/* Per-layer tables, and row L of each [L+1] table as the sum over layers. */
static void acc_finish_tables(const MetricsAcc *a, MetricsResult *r)
{
    size_t E = (size_t)a->E, L = (size_t)a->L, EE = E * E;
    memcpy(r->confusion, a->confusion, L * EE * sizeof(int64_t));
    memcpy(r->needed, a->needed, L * E * sizeof(int64_t));
    memcpy(r->predicted, a->predicted, L * E * sizeof(int64_t));
    memcpy(r->hits, a->hits, L * E * sizeof(int64_t));
    memset(r->confusion + L * EE, 0, EE * sizeof(int64_t));
    memset(r->needed + L * E, 0, E * sizeof(int64_t));
    memset(r->predicted + L * E, 0, E * sizeof(int64_t));
    memset(r->hits + L * E, 0, E * sizeof(int64_t));
    for (size_t l = 0; l < L; l++) {
        for (size_t i = 0; i < EE; i++)
            r->confusion[L * EE + i] += a->confusion[l * EE + i];
        for (size_t x = 0; x < E; x++) {
            r->needed[L * E + x] += a->needed[l * E + x];
            r->predicted[L * E + x] += a->predicted[l * E + x];
            r->hits[L * E + x] += a->hits[l * E + x];
        }
        r->layer_n[l] = a->layer_n[l];
        r->layer_recall_K[l] = acc_ratio(a->layer_in_K[l], a->layer_n[l] * a->K);
        r->layer_cover_2K[l] = acc_ratio(a->layer_cover_2K[l], a->layer_n[l]);
    }
    for (size_t i = 0; i < (L + 1) * E; i++)
        r->expert_recall_K[i] = acc_ratio(r->hits[i], r->needed[i]);
}

int metrics_finish(const MetricsAcc *a, MetricsResult *r, Err *e)
{
    if (r->E != a->E || r->K != a->K || r->L != a->L || !r->mem_)
        return err_set(e, ERR_USAGE, "metrics: result shape differs from the accumulator's");
    r->n = a->n;
    acc_finish_curves(a, r);
    acc_finish_tables(a, r);
    r->exact = acc_ratio(a->exact, a->n);
    r->val_ce = a->ce_on && a->n > 0 ? (a->ce_sum + a->ce_comp) / (double)a->n : (double)NAN;
    return ERR_OK;
}
