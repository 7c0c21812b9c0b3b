/* loss.c: soft-target softmax cross-entropy and multi-hot BCE; see loss.h.
 *
 * Rows split over the compute pool: a slice sums its rows' losses in row
 * order, and the slices' sums are added in slice order, so a loss depends
 * on the thread count (the slices), never on timing. */
#include "nn/loss.h"

#include <math.h>

#include "nn/pool.h"

/* A slice is a few thousand exp() calls. */
#define LOSS_SLICE_WORK 8192

typedef struct LossJob {
    float *probs, *losses, *dlogits;
    const float *logits, *cprobs;
    const int32_t *targets;
    double scale;
    size_t E, K;
    double partial[POOL_MAX_THREADS];
} LossJob;


/* One exp per logit: p = exp(z − max) / Σ, the same distribution as
 * exp(z − lse) to within a rounding, at half the calls. */
static void softmax_ce_rows(void *ctx, int slice, size_t b0, size_t b1)
{
    LossJob *j = ctx;
    const size_t E = j->E, K = j->K;
    double total = 0.0;
    for (size_t b = b0; b < b1; b++) {
        const float *z = j->logits + b * E;
        float *p = j->probs + b * E;
        float zmax = z[0];
        for (size_t e = 1; e < E; e++)
            if (z[e] > zmax)
                zmax = z[e];
        double sum = 0.0;
        for (size_t e = 0; e < E; e++) {
            double ex = exp((double)z[e] - (double)zmax);
            p[e] = (float)ex;
            sum += ex;
        }
        double lse = (double)zmax + log(sum), inv = 1.0 / sum;
        for (size_t e = 0; e < E; e++)
            p[e] = (float)((double)p[e] * inv);
        double tz = 0.0;
        for (size_t k = 0; k < K; k++)
            tz += (double)z[j->targets[b * K + k]];
        double lb = lse - tz / (double)K;
        if (j->losses)
            j->losses[b] = (float)lb;
        total += lb;
    }
    j->partial[slice] = total;
}

double softmax_ce_forward(float *probs, float *losses, const float *logits,
                          const int32_t *targets, size_t B, size_t E, size_t K)
{
    LossJob j = {.probs = probs, .losses = losses, .logits = logits, .targets = targets,
                 .E = E, .K = K};
    pool_for(B, pool_grain(LOSS_SLICE_WORK, E), 1, softmax_ce_rows, &j);
    return pool_sum_slices(j.partial) / (double)B;
}

static void softmax_ce_back_rows(void *ctx, int slice, size_t b0, size_t b1)
{
    const LossJob *j = ctx;
    const size_t E = j->E, K = j->K;
    float s = (float)j->scale, sk = s / (float)K;
    (void)slice;
    for (size_t b = b0; b < b1; b++) {
        float *d = j->dlogits + b * E;
        const float *p = j->cprobs + b * E;
        for (size_t e = 0; e < E; e++)
            d[e] += s * p[e];
        for (size_t k = 0; k < K; k++)
            d[j->targets[b * K + k]] -= sk;
    }
}

void softmax_ce_backward(float *dlogits, const float *probs, const int32_t *targets,
                         float dscale, size_t B, size_t E, size_t K)
{
    LossJob j = {.dlogits = dlogits, .cprobs = probs, .targets = targets,
                 .scale = (double)(dscale / (float)B), .E = E, .K = K};
    pool_for(B, 4 * pool_grain(LOSS_SLICE_WORK, E), 1, softmax_ce_back_rows, &j);
}

/* Whether targets[k] is the first occurrence of its id in the row. */
static int first_occurrence(const int32_t *t, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (t[j] == t[k])
            return 0;
    return 1;
}

static void bce_rows(void *ctx, int slice, size_t b0, size_t b1)
{
    LossJob *j = ctx;
    const size_t E = j->E, K = j->K;
    double total = 0.0;
    for (size_t b = b0; b < b1; b++) {
        const float *z = j->logits + b * E;
        const int32_t *t = j->targets + b * K;
        double row = 0.0;
        for (size_t e = 0; e < E; e++) {
            double x = (double)z[e];
            row += fmax(x, 0.0) + log1p(exp(-fabs(x)));
        }
        for (size_t k = 0; k < K; k++)
            if (first_occurrence(t, k))
                row -= (double)z[t[k]];
        if (j->losses)
            j->losses[b] = (float)(row / (double)E);
        total += row;
    }
    j->partial[slice] = total;
}

double bce_multihot_forward(float *losses, const float *logits, const int32_t *targets,
                            size_t B, size_t E, size_t K)
{
    LossJob j = {.losses = losses, .logits = logits, .targets = targets, .E = E, .K = K};
    pool_for(B, pool_grain(LOSS_SLICE_WORK, E), 1, bce_rows, &j);
    return pool_sum_slices(j.partial) / ((double)B * (double)E);
}

/* 1 / (1 + exp(-x)) without overflow for any x. */
static double sigmoid(double x)
{
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    double ex = exp(x);
    return ex / (1.0 + ex);
}

static void bce_back_rows(void *ctx, int slice, size_t b0, size_t b1)
{
    const LossJob *j = ctx;
    const size_t E = j->E, K = j->K;
    const double s = j->scale;
    (void)slice;
    for (size_t b = b0; b < b1; b++) {
        const float *z = j->logits + b * E;
        const int32_t *t = j->targets + b * K;
        float *d = j->dlogits + b * E;
        for (size_t e = 0; e < E; e++)
            d[e] += (float)(s * sigmoid((double)z[e]));
        for (size_t k = 0; k < K; k++)
            if (first_occurrence(t, k))
                d[t[k]] -= (float)s;
    }
}

void bce_multihot_backward(float *dlogits, const float *logits, const int32_t *targets,
                           float dscale, size_t B, size_t E, size_t K)
{
    LossJob j = {.dlogits = dlogits, .logits = logits, .targets = targets,
                 .scale = (double)dscale / ((double)B * (double)E), .E = E, .K = K};
    pool_for(B, pool_grain(LOSS_SLICE_WORK, E), 1, bce_back_rows, &j);
}
