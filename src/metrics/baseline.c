/*
 * baseline.c: frequency counts, their order and log-probability scores, and
 * the repeat scores built on them (see baseline.h for the definitions).
 * Not here: measuring the baselines (the trainer feeds these scores to a
 * MetricsAcc).
 */
#include "metrics/baseline.h"

#include <math.h>
#include <stdlib.h>

struct MetricsFreq {
    int E, K, L;
    int finished;
    int64_t *counts; /* [L][E] */
    int *order;      /* [L][E] after finish */
    float *logp;     /* [L][E] after finish */
};

int metrics_freq_create(int E, int K, int L, MetricsFreq **out, Err *e)
{
    *out = NULL;
    if (E < 1 || E > 65536 || K < 1 || K > E || L < 1)
        return err_set(e, ERR_USAGE, "metrics: bad shape E=%d K=%d L=%d", E, K, L);
    size_t n = (size_t)E * (size_t)L;
    MetricsFreq *f = calloc(1, sizeof *f);
    if (f) {
        f->counts = calloc(n, sizeof *f->counts);
        f->order = calloc(n, sizeof *f->order);
        f->logp = calloc(n, sizeof *f->logp);
    }
    if (!f || !f->counts || !f->order || !f->logp) {
        metrics_freq_free(f);
        return err_set(e, ERR_RUNTIME, "metrics: out of memory for a %dx%d frequency table", L,
                       E);
    }
    f->E = E;
    f->K = K;
    f->L = L;
    *out = f;
    return ERR_OK;
}

void metrics_freq_free(MetricsFreq *f)
{
    if (!f)
        return;
    free(f->counts);
    free(f->order);
    free(f->logp);
    free(f);
}

static int freq_check_ids(const MetricsFreq *f, const int32_t *t, size_t i, Err *e)
{
    for (int x = 0; x < f->K; x++) {
        if (t[x] < 0 || t[x] >= f->E)
            return err_set(e, ERR_INPUT, "metrics: sample %zu: expert %d out of range 0..%d",
                           i, (int)t[x], f->E - 1);
        for (int y = 0; y < x; y++)
            if (t[y] == t[x])
                return err_set(e, ERR_INPUT, "metrics: sample %zu: expert %d twice in targets",
                               i, (int)t[x]);
    }
    return ERR_OK;
}

int metrics_freq_add(MetricsFreq *f, const int32_t *targets, const int32_t *layers, size_t n,
                     Err *e)
{
    if (f->finished)
        return err_set(e, ERR_USAGE, "metrics: frequency table already finished");
    size_t K = (size_t)f->K;
    for (size_t i = 0; i < n; i++) {
        const int32_t *t = targets + i * K;
        if (layers[i] < 0 || layers[i] >= f->L)
            return err_set(e, ERR_INPUT, "metrics: sample %zu: layer %d out of range 0..%d",
                           i, layers[i], f->L - 1);
        int rc = freq_check_ids(f, t, i, e);
        if (rc)
            return rc;
        int64_t *c = f->counts + (size_t)layers[i] * (size_t)f->E;
        for (size_t x = 0; x < K; x++)
            c[t[x]]++;
    }
    return ERR_OK;
}

/* Sorts ids[n] by count descending, then id ascending (merge sort through
 * tmp: stable and O(n log n) without a qsort context pointer). */
static void freq_sort(int *ids, int *tmp, int n, const int64_t *c)
{
    if (n < 2)
        return;
    int h = n / 2;
    freq_sort(ids, tmp, h, c);
    freq_sort(ids + h, tmp, n - h, c);
    int i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = c[ids[j]] > c[ids[i]] ? ids[j++] : ids[i++];
    while (i < h)
        tmp[o++] = ids[i++];
    while (j < n)
        tmp[o++] = ids[j++];
    for (int x = 0; x < n; x++)
        ids[x] = tmp[x];
}

/* Log-probabilities with add-one smoothing, made to follow the order. */
static void freq_layer_scores(const int64_t *c, const int *order, int E, float *logp)
{
    int64_t total = 0;
    for (int x = 0; x < E; x++)
        total += c[x];
    double denom = (double)total + (double)E;
    for (int x = 0; x < E; x++)
        logp[x] = (float)log(((double)c[x] + 1.0) / denom);
    for (int i = 1; i < E; i++) {
        int a = order[i - 1], b = order[i];
        if (c[b] == c[a])
            logp[b] = logp[a];
        else if (!(logp[b] < logp[a]))
            logp[b] = nextafterf(logp[a], -INFINITY);
    }
}

void metrics_freq_finish(MetricsFreq *f)
{
    if (f->finished)
        return;
    /* The logp buffer doubles as merge-sort scratch before it is filled. */
    int *tmp = (int *)(void *)f->logp;
    for (int l = 0; l < f->L; l++) {
        size_t off = (size_t)l * (size_t)f->E;
        int *order = f->order + off;
        for (int x = 0; x < f->E; x++)
            order[x] = x;
        freq_sort(order, tmp + off, f->E, f->counts + off);
    }
    for (int l = 0; l < f->L; l++) {
        size_t off = (size_t)l * (size_t)f->E;
        freq_layer_scores(f->counts + off, f->order + off, f->E, f->logp + off);
    }
    f->finished = 1;
}

const int *metrics_freq_order(const MetricsFreq *f, int layer)
{
    return f->order + (size_t)layer * (size_t)f->E;
}

int metrics_freq_scores(const MetricsFreq *f, int layer, float *scores, Err *e)
{
    if (!f->finished)
        return err_set(e, ERR_USAGE, "metrics: frequency table used before finish");
    if (layer < 0 || layer >= f->L)
        return err_set(e, ERR_USAGE, "metrics: layer %d out of range 0..%d", layer, f->L - 1);
    const float *lp = f->logp + (size_t)layer * (size_t)f->E;
    for (int x = 0; x < f->E; x++)
        scores[x] = lp[x];
    return ERR_OK;
}

/* Puts prev's experts above every frequency score, in gate order. */
static int repeat_raise(const MetricsFreq *f, int layer, const int32_t *prev, size_t i,
                        float *scores, Err *e)
{
    int rc = freq_check_ids(f, prev, i, e);
    if (rc)
        return rc;
    float top = scores[metrics_freq_order(f, layer)[0]];
    for (int x = 0; x < f->K; x++)
        scores[prev[x]] = top + (float)(f->K - x);
    return ERR_OK;
}

int metrics_baseline_scores(const MetricsFreq *f, MetricsBaseline which, const int32_t *layers,
                            const int32_t *prev, size_t n, float *scores, Err *e)
{
    size_t E = (size_t)f->E, K = (size_t)f->K;
    for (size_t i = 0; i < n; i++) {
        float *s = scores + i * E;
        int rc = metrics_freq_scores(f, layers[i], s, e);
        if (!rc && which == METRICS_REPEAT && prev[i * K] >= 0)
            rc = repeat_raise(f, layers[i], prev + i * K, i, s, e);
        if (rc)
            return rc;
    }
    return ERR_OK;
}
