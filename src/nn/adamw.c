/* adamw.c: AdamW, gradient clipping and the lr schedule; see adamw.h. */
#include "nn/adamw.h"

#include <math.h>

void adamw_update(float *params, float *m, float *v, const float *grads, size_t n,
                  const AdamWConfig *c, float lr, uint64_t t)
{
    double bc1 = 1.0 - pow((double)c->beta1, (double)t);
    double bc2 = 1.0 - pow((double)c->beta2, (double)t);
    float step = (float)((double)lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float decay = 1.0f - lr * c->weight_decay;
    float b1 = c->beta1, b2 = c->beta2;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i];
        float mi = b1 * m[i] + (1.0f - b1) * g;
        float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = params[i] * decay - step * mi / (sqrtf(vi) / bc2_sqrt + c->eps);
    }
}

double grad_norm(const float *grads, size_t n)
{
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (double)grads[i] * (double)grads[i];
    return sqrt(ss);
}

double clip_grad_norm(float *grads, size_t n, double max_norm)
{
    double norm = grad_norm(grads, n);
    if (!isfinite(norm) || max_norm <= 0.0)
        return norm;
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
        float cf = (float)coef;
        for (size_t i = 0; i < n; i++)
            grads[i] *= cf;
    }
    return norm;
}

double schedule_lr(double base, uint64_t s, uint64_t S, uint64_t warmup)
{
    if (s >= S)
        return 0.0;
    if (s < warmup)
        return base * (double)(s + 1) / (double)warmup;
    double progress = (double)(s - warmup) / (double)(S - warmup);
    return base * 0.5 * (1.0 + cos(M_PI * progress));
}
