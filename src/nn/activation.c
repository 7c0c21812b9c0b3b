/* activation.c: ReLU and seeded dropout; see activation.h. */
#include "nn/activation.h"

void relu_forward(float *out, const float *in, size_t n)
{
    /* Written so that NaN passes through (as in PyTorch): a NaN must reach
     * the loss and halt the run, not vanish into a zero. */
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] < 0.0f ? 0.0f : in[i];
}

void relu_backward(float *din, const float *dout, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0.0f)
            din[i] += dout[i];
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
