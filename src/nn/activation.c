/* activation.c: ReLU and seeded dropout; see activation.h. */
#include "nn/activation.h"

/* Written so that NaN passes through (as in PyTorch): a NaN must reach the
 * loss and halt the run, not vanish into a zero. Two loops, in place and
 * between distinct buffers, so each is free of aliasing and vectorises. */
static void relu_in_place(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < 0.0f ? 0.0f : x[i];
}

static void relu_copy(float *restrict out, const float *restrict in, size_t n)
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

void relu_backward(float *restrict din, const float *restrict dout, const float *restrict out,
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

void dropout_forward(float *out, float *mask, const float *in, size_t n, float p, Rng *rng)
{
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) {
            mask[i] = 1.0f;
            out[i] = in[i];
        }
        return;
    }
    float scale = (float)(1.0 / (1.0 - (double)p));
    for (size_t i = 0; i < n; i++) {
        mask[i] = rng_uniform_f(rng) >= p ? scale : 0.0f;
        out[i] = in[i] * mask[i];
    }
}

void dropout_backward(float *din, const float *dout, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        din[i] += dout[i] * mask[i];
}
