/* bce.c: masked binary cross-entropy with logits; see bce.h. */
#include "nn/bce.h"

#include <math.h>

static size_t selected(const uint8_t *mask, size_t B)
{
    if (!mask)
        return B;
    size_t n = 0;
    for (size_t b = 0; b < B; b++)
        n += mask[b] != 0;
    return n;
}

double bce_logit_forward(const float *logits, const float *y, const uint8_t *mask, size_t B)
{
    size_t n = selected(mask, B);
    if (n == 0)
        return 0.0;
    double total = 0.0;
    for (size_t b = 0; b < B; b++) {
        if (mask && !mask[b])
            continue;
        double z = (double)logits[b];
        total += fmax(z, 0.0) - (double)y[b] * z + log1p(exp(-fabs(z)));
    }
    return total / (double)n;
}

/* 1 / (1 + exp(-x)) without overflow for any x. */
static double sigmoid(double x)
{
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    double ex = exp(x);
    return ex / (1.0 + ex);
}

void bce_logit_backward(float *dlogits, const float *logits, const float *y,
                        const uint8_t *mask, float dscale, size_t B)
{
    size_t n = selected(mask, B);
    if (n == 0)
        return;
    double s = (double)dscale / (double)n;
    for (size_t b = 0; b < B; b++)
        if (!mask || mask[b])
            dlogits[b] += (float)(s * (sigmoid((double)logits[b]) - (double)y[b]));
}
