/*
 * adamw.h: the optimizer side of the layer library: AdamW with decoupled
 * weight decay, global gradient-norm clipping and the warm-up + cosine
 * learning-rate schedule of SPEC 5. All three work on one flat buffer, so a
 * model with all its parameters in one allocation updates in one call.
 *
 * Matches PyTorch 1.13 exactly in form:
 * - adamw_update is torch.optim.AdamW (amsgrad off): p ← p·(1 − lr·wd);
 *   m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 *   p ← p − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + ε).
 *   Weight decay applies to every element (PyTorch's default of one param
 *   group: biases, LayerNorm and embeddings are decayed too).
 * - clip_grad_norm is torch.nn.utils.clip_grad_norm_ (L2): the gradient is
 *   scaled by min(1, max_norm / (norm + 1e-6)).
 */
#ifndef MOESPEC_NN_ADAMW_H
#define MOESPEC_NN_ADAMW_H

#include <stddef.h>
#include <stdint.h>

typedef struct AdamWConfig {
    float beta1;        /* 0.9 */
    float beta2;        /* 0.999 */
    float eps;          /* 1e-8 */
    float weight_decay; /* 0.01, decoupled */
} AdamWConfig;

#define ADAMW_DEFAULTS ((AdamWConfig){0.9f, 0.999f, 1e-8f, 0.01f})
#define SCHEDULE_WARMUP 100 /* SPEC 5: warm-up steps of every run */

/* One AdamW step over n elements; t is the 1-based number of this update
 * (bias corrections use β^t). Updates params[n], m[n], v[n] in place. */
void adamw_update(float *params, float *m, float *v, const float *grads, size_t n,
                  const AdamWConfig *c, float lr, uint64_t t);

/* L2 norm of grads[n], summed in double. */
double grad_norm(const float *grads, size_t n);

/* Returns the norm before clipping and, when it is finite and above
 * max_norm, scales grads[n] as PyTorch does. A non-finite norm leaves the
 * gradient untouched (the caller halts on it). max_norm <= 0: no clipping. */
double clip_grad_norm(float *grads, size_t n, double max_norm);

/* Learning rate at 0-based step s of a run planned for S steps:
 * s < warmup:  base·(s+1)/warmup (linear warm-up);
 * s >= warmup: base·½(1 + cos(π·min(1, (s−warmup)/(S−warmup)))).
 * When S <= warmup every planned step is in the warm-up; steps at or past
 * the plan's end get 0 (the cosine's end point). */
double schedule_lr(double base, uint64_t s, uint64_t S, uint64_t warmup);

#endif
