/* loss.c: soft-target softmax cross-entropy and multi-hot BCE; see loss.h. */
#include "nn/loss.h"

#include <math.h>

double softmax_ce_forward(float *probs, float *losses, const float *logits,
                          const int32_t *targets, size_t B, size_t E, size_t K)
{
    double total = 0.0;
    for (size_t b = 0; b < B; b++) {
        const float *z = logits + b * E;
        float *p = probs + b * E;
        float zmax = z[0];
        for (size_t e = 1; e < E; e++)
            if (z[e] > zmax)
                zmax = z[e];
        double sum = 0.0;
        for (size_t e = 0; e < E; e++)
            sum += exp((double)z[e] - (double)zmax);
        double lse = (double)zmax + log(sum);
        for (size_t e = 0; e < E; e++)
            p[e] = (float)exp((double)z[e] - lse);
        double tz = 0.0;
        for (size_t k = 0; k < K; k++)
            tz += (double)z[targets[b * K + k]];
        double lb = lse - tz / (double)K;
        if (losses)
            losses[b] = (float)lb;
        total += lb;
    }
    return total / (double)B;
}

void softmax_ce_backward(float *dlogits, const float *probs, const int32_t *targets,
                         float dscale, size_t B, size_t E, size_t K)
{
    float s = dscale / (float)B;
    float sk = s / (float)K;
    for (size_t b = 0; b < B; b++) {
        float *d = dlogits + b * E;
        const float *p = probs + b * E;
        for (size_t e = 0; e < E; e++)
            d[e] += s * p[e];
        for (size_t k = 0; k < K; k++)
            d[targets[b * K + k]] -= sk;
    }
}

/* Whether targets[k] is the first occurrence of its id in the row. */
static int first_occurrence(const int32_t *t, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (t[j] == t[k])
            return 0;
    return 1;
}

double bce_multihot_forward(float *losses, const float *logits, const int32_t *targets,
                            size_t B, size_t E, size_t K)
{
    double total = 0.0;
    for (size_t b = 0; b < B; b++) {
        const float *z = logits + b * E;
        const int32_t *t = targets + b * K;
        double row = 0.0;
        for (size_t e = 0; e < E; e++) {
            double x = (double)z[e];
            row += fmax(x, 0.0) + log1p(exp(-fabs(x)));
        }
        for (size_t k = 0; k < K; k++)
            if (first_occurrence(t, k))
                row -= (double)z[t[k]];
        if (losses)
            losses[b] = (float)(row / (double)E);
        total += row;
    }
    return total / ((double)B * (double)E);
}

/* 1 / (1 + exp(-x)) without overflow for any x. */
static double sigmoid(double x)
{
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    double ex = exp(x);
    return ex / (1.0 + ex);
}

void bce_multihot_backward(float *dlogits, const float *logits, const int32_t *targets,
                           float dscale, size_t B, size_t E, size_t K)
{
    double s = (double)dscale / ((double)B * (double)E);
    for (size_t b = 0; b < B; b++) {
        const float *z = logits + b * E;
        const int32_t *t = targets + b * K;
        float *d = dlogits + b * E;
        for (size_t e = 0; e < E; e++)
            d[e] += (float)(s * sigmoid((double)z[e]));
        for (size_t k = 0; k < K; k++)
            if (first_occurrence(t, k))
                d[t[k]] -= (float)s;
    }
}
