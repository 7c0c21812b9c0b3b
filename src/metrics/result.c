/*
 * result.c: MetricsResult storage (one allocation with pointers into it, so
 * freeing or comparing is one call) and the read-off helpers (rates at k,
 * the summary row).
 * Not here: how the numbers are computed (acc.c).
 */
#include "metrics/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Element counts of the result arrays; 0 on overflow. */
static int result_sizes(int E, int L, size_t *n_double, size_t *n_int64)
{
    size_t e = (size_t)E, l1 = (size_t)L + 1;
    if (e > SIZE_MAX / 16 / e / l1)
        return 0;
    *n_double = 3 * e + 2 * (size_t)L + l1 * e;
    *n_int64 = (size_t)L + l1 * e * e + 3 * l1 * e;
    return 1;
}

int metrics_result_create(int E, int K, int L, MetricsResult *r, Err *e)
{
    memset(r, 0, sizeof *r);
    if (E < 1 || E > 65536 || K < 1 || K > E || L < 1)
        return err_set(e, ERR_USAGE, "metrics: bad shape E=%d K=%d L=%d", E, K, L);
    size_t nd, ni;
    if (!result_sizes(E, L, &nd, &ni))
        return err_set(e, ERR_RUNTIME, "metrics: tables for E=%d L=%d are too large", E, L);
    size_t bytes = nd * sizeof(double) + ni * sizeof(int64_t);
    char *mem = calloc(1, bytes);
    if (!mem)
        return err_set(e, ERR_RUNTIME, "metrics: out of memory for %zu bytes of results", bytes);
    size_t ue = (size_t)E, ul = (size_t)L, l1 = ul + 1;
    double *d = (double *)(void *)mem;
    r->hit = d;
    r->recall = d + ue;
    r->cover = d + 2 * ue;
    r->layer_recall_K = d + 3 * ue;
    r->layer_cover_2K = d + 3 * ue + ul;
    r->expert_recall_K = d + 3 * ue + 2 * ul;
    int64_t *q = (int64_t *)(void *)(d + nd);
    r->layer_n = q;
    r->confusion = q + ul;
    r->needed = r->confusion + l1 * ue * ue;
    r->predicted = r->needed + l1 * ue;
    r->hits = r->predicted + l1 * ue;
    r->E = E;
    r->K = K;
    r->L = L;
    r->exact = r->val_ce = (double)NAN;
    r->mem_ = mem;
    r->bytes_ = bytes;
    return ERR_OK;
}

void metrics_result_free(MetricsResult *r)
{
    if (!r)
        return;
    free(r->mem_);
    memset(r, 0, sizeof *r);
}

/* k as an index into the [E] arrays, or -1 for k < 1. */
static int result_k_index(const MetricsResult *r, int k)
{
    if (k < 1)
        return -1;
    return (k > r->E ? r->E : k) - 1;
}

double metrics_hit_at(const MetricsResult *r, int k)
{
    int i = result_k_index(r, k);
    return i < 0 ? 0.0 : r->hit[i];
}

double metrics_recall_at(const MetricsResult *r, int k)
{
    int i = result_k_index(r, k);
    return i < 0 ? 0.0 : r->recall[i];
}

double metrics_cover_at(const MetricsResult *r, int k)
{
    int i = result_k_index(r, k);
    return i < 0 ? 0.0 : r->cover[i];
}

void metrics_summary(const MetricsResult *r, MetricsSummary *s)
{
    s->n = r->n;
    s->hit1 = metrics_hit_at(r, 1);
    s->hit5 = metrics_hit_at(r, 5);
    s->hit10 = metrics_hit_at(r, 10);
    s->hit15 = metrics_hit_at(r, 15);
    s->hit20 = metrics_hit_at(r, 20);
    s->recall_K = metrics_recall_at(r, r->K);
    s->cover_K = metrics_cover_at(r, r->K);
    s->cover_2K = metrics_cover_at(r, 2 * r->K);
    s->exact = r->exact;
    s->val_ce = r->val_ce;
}
