/* adamw.c: AdamW, gradient clipping and the lr schedule; see adamw.h. */
#include "nn/adamw.h"

#include <math.h>

#include "nn/pool.h"

/* Elements per slice of the element-wise loops: a few hundred microseconds
 * of work, aligned to a cache line's worth of floats. */
#define ELEMENT_GRAIN 32768
#define ELEMENT_ALIGN 16

typedef struct AdamJob {
    float *params, *m, *v, *grads;
    const float *cgrads;
    float step, bc2_sqrt, decay, b1, b2, eps, scale;
    double partial[POOL_MAX_THREADS]; /* grad_norm: one sum per slice */
} AdamJob;

static void adamw_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    const AdamJob *j = ctx;
    (void)slice;
    float *params = j->params, *m = j->m, *v = j->v;
    const float *grads = j->cgrads;
    for (size_t i = i0; i < i1; i++) {
        float g = grads[i];
        float mi = j->b1 * m[i] + (1.0f - j->b1) * g;
        float vi = j->b2 * v[i] + (1.0f - j->b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = params[i] * j->decay - j->step * mi / (sqrtf(vi) / j->bc2_sqrt + j->eps);
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
    pool_for(n, ELEMENT_GRAIN, ELEMENT_ALIGN, adamw_slice, &j);
}

static void sumsq_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    AdamJob *j = ctx;
    double ss = 0.0;
    for (size_t i = i0; i < i1; i++)
        ss += (double)j->cgrads[i] * (double)j->cgrads[i];
    j->partial[slice] = ss;
}

/* The slices' sums are added in slice order: the norm depends on the
 * thread count (the slices), never on timing. */
double grad_norm(const float *grads, size_t n)
{
    AdamJob j = {.cgrads = grads};
    pool_for(n, ELEMENT_GRAIN, ELEMENT_ALIGN, sumsq_slice, &j);
    double ss = 0.0;
    for (int s = 0; s < POOL_MAX_THREADS; s++)
        ss += j.partial[s];
    return sqrt(ss);
}

static void scale_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    const AdamJob *j = ctx;
    (void)slice;
    for (size_t i = i0; i < i1; i++)
        j->grads[i] *= j->scale;
}

double clip_grad_norm(float *grads, size_t n, double max_norm)
{
    double norm = grad_norm(grads, n);
    if (!isfinite(norm) || max_norm <= 0.0)
        return norm;
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
        AdamJob j = {.grads = grads, .scale = (float)coef};
        pool_for(n, ELEMENT_GRAIN, ELEMENT_ALIGN, scale_slice, &j);
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
