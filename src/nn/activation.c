/* activation.c: ReLU and seeded dropout; see activation.h. */
#include "nn/activation.h"

#include <assert.h>

#include "nn/pool.h"
#include "util/simd.h"

/* Written so that NaN passes through (as in PyTorch): a NaN must reach the
 * loss and halt the run, not vanish into a zero. Two loops, in place and
 * between distinct buffers, so each is free of aliasing and vectorises. */
NN_HOT static void relu_in_place(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < 0.0f ? 0.0f : x[i];
}

NN_HOT static void relu_copy(float *restrict out, const float *restrict in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] < 0.0f ? 0.0f : in[i];
}

void relu_forward(float *out, const float *in, size_t n)
{
    if (out == in)
        relu_in_place(out, n);
    else
        relu_copy(out, in, n);
}

NN_HOT void relu_backward(float *restrict din, const float *restrict dout, const float *restrict out,
                   size_t n)
{
    /* Both loads unconditional, then a select: the compiler vectorises it
     * (restrict: no aliasing). A NaN in dout where out <= 0 stays out, as in
     * PyTorch's masked gradient. */
    for (size_t i = 0; i < n; i++) {
        float g = dout[i], o = out[i];
        din[i] += o > 0.0f ? g : 0.0f;
    }
}

typedef struct DropJob {
    float *out, *mask;
    const float *in;
    uint64_t key;
    float p, scale;
} DropJob;

NN_HOT static void dropout_slice(void *ctx, int slice, size_t i0, size_t i1)
{
    const DropJob *j = ctx;
    (void)slice;
    float *out = j->out, *restrict mask = j->mask;
    const float *in = j->in;
    const uint64_t key = j->key;
    const float p = j->p, scale = j->scale;
    for (size_t i = i0; i < i1; i++) {
        float keep = dropout_u24(key, (uint32_t)i) >= p ? scale : 0.0f;
        mask[i] = keep;
        out[i] = in[i] * keep;
    }
}

void dropout_forward(float *out, float *mask, const float *in, size_t n, float p, Rng *rng)
{
    assert(n <= DROPOUT_MAX_N);
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = 1.0f;
            out[i] = in[i];
        }
        return;
    }
    DropJob j = {.out = out, .mask = mask, .in = in, .key = rng_next(rng), .p = p,
                 .scale = (float)(1.0 / (1.0 - (double)p))};
    pool_for(n, POOL_ELEMENT_GRAIN, POOL_ELEMENT_ALIGN, dropout_slice, &j);
}

NN_HOT void dropout_backward(float *restrict din, const float *restrict dout,
                             const float *restrict mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] += dout[i] * mask[i];
}
