/* adamw.c: AdamW, gradient clipping and the lr schedule; see adamw.h. */
#include "nn/adamw.h"

#include <math.h>

#include "nn/pool.h"
#include "util/simd.h"


typedef struct AdamJob {
    float *params, *m, *v, *grads;
    const float *cgrads;
    float step, bc2_sqrt, decay, b1, b2, eps, scale;
    double partial[POOL_MAX_THREADS]; /* grad_norm: one sum per slice */
} AdamJob;

/* restrict locals: the four arrays never overlap, so the loop vectorises
 * without run-time overlap checks. */
NN_HOT static void adamw_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    const AdamJob *j = ctx;
    (void)slice;
    float *restrict params = j->params, *restrict m = j->m, *restrict v = j->v;
    const float *restrict grads = j->cgrads;
    const float b1 = j->b1, b2 = j->b2, decay = j->decay, step = j->step, eps = j->eps;
    const float bc2_sqrt = j->bc2_sqrt;
    for (size_t i = i0; i < i1; i++) {
        float g = grads[i];
        float mi = b1 * m[i] + (1.0f - b1) * g;
        float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = params[i] * decay - step * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

void adamw_update(float *params, float *m, float *v, const float *grads, size_t n,
                  const AdamWConfig *c, float lr, uint64_t t)
{
    double bc1 = 1.0 - pow((double)c->beta1, (double)t);
    double bc2 = 1.0 - pow((double)c->beta2, (double)t);
    AdamJob j = {.params = params, .m = m, .v = v, .cgrads = grads,
                 .step = (float)((double)lr / bc1), .bc2_sqrt = (float)sqrt(bc2),
                 .decay = 1.0f - lr * c->weight_decay, .b1 = c->beta1, .b2 = c->beta2,
                 .eps = c->eps};
    pool_for(n, POOL_ELEMENT_GRAIN, POOL_ELEMENT_ALIGN, adamw_slice, &j);
}

/* SUMSQ_LANES running sums, added in lane order at the end: a fixed order
 * (so a fixed result) that the compiler can still keep in vector registers,
 * which one running sum in double would not allow. */
#define SUMSQ_LANES 8
NN_HOT static void sumsq_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    AdamJob *j = ctx;
    const float *restrict g = j->cgrads;
    double lane[SUMSQ_LANES] = {0};
    size_t i = i0;
    for (; i + SUMSQ_LANES <= i1; i += SUMSQ_LANES)
        for (size_t l = 0; l < SUMSQ_LANES; l++)
            lane[l] += (double)g[i + l] * (double)g[i + l];
    double ss = 0.0;
    for (size_t l = 0; l < SUMSQ_LANES; l++)
        ss += lane[l];
    for (; i < i1; i++)
        ss += (double)g[i] * (double)g[i];
    j->partial[slice] = ss;
}

/* The slices' sums are added in slice order: the norm depends on the
 * thread count (the slices), never on timing. */
double grad_norm(const float *grads, size_t n)
{
    AdamJob j = {.cgrads = grads};
    pool_for(n, POOL_ELEMENT_GRAIN, POOL_ELEMENT_ALIGN, sumsq_slice, &j);
    return sqrt(pool_sum_slices(j.partial));
}

NN_HOT static void scale_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    const AdamJob *j = ctx;
    (void)slice;
    float *restrict g = j->grads;
    const float scale = j->scale;
    for (size_t i = i0; i < i1; i++)
        g[i] *= scale;
}

double clip_grad_norm(float *grads, size_t n, double max_norm)
{
    double norm = grad_norm(grads, n);
    if (!isfinite(norm) || max_norm <= 0.0)
        return norm;
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
        AdamJob j = {.grads = grads, .scale = (float)coef};
        pool_for(n, POOL_ELEMENT_GRAIN, POOL_ELEMENT_ALIGN, scale_slice, &j);
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
