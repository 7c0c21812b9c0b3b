/*
 * layernorm.c: LayerNorm forward/backward in plain loops (no BLAS path, so
 * no separate oracle: the finite-difference and PyTorch checks test it).
 */
#include "nn/layernorm.h"

#include <math.h>

void layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                       const float *gamma, const float *beta, size_t B, size_t C)
{
    for (size_t r = 0; r < B; r++) {
        const float *x = in + r * C;
        float *y = out + r * C;
        double m = 0.0, var = 0.0;
        for (size_t i = 0; i < C; i++)
            m += (double)x[i];
        m /= (double)C;
        for (size_t i = 0; i < C; i++) {
            double d = (double)x[i] - m;
            var += d * d;
        }
        var /= (double)C;
        double s = 1.0 / sqrt(var + LAYERNORM_EPS);
        for (size_t i = 0; i < C; i++)
            y[i] = (float)(((double)x[i] - m) * s) * gamma[i] + beta[i];
        mean[r] = (float)m;
        rstd[r] = (float)s;
    }
}

void layernorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd,
                        const float *gamma, size_t B, size_t C)
{
    for (size_t r = 0; r < B; r++) {
        const float *x = in + r * C, *dy = dout + r * C;
        float *dx = din + r * C;
        double m = (double)mean[r], s = (double)rstd[r];
        /* dx = s · (g − mean(g) − x̂ · mean(g · x̂)) with g = γ · dy. */
        double gmean = 0.0, gxmean = 0.0;
        for (size_t i = 0; i < C; i++) {
            double xh = ((double)x[i] - m) * s;
            double g = (double)gamma[i] * (double)dy[i];
            gmean += g;
            gxmean += g * xh;
        }
        gmean /= (double)C;
        gxmean /= (double)C;
        for (size_t i = 0; i < C; i++) {
            double xh = ((double)x[i] - m) * s;
            double g = (double)gamma[i] * (double)dy[i];
            dx[i] += (float)(s * (g - gmean - xh * gxmean));
            dgamma[i] += (float)(xh * (double)dy[i]);
            dbeta[i] += dy[i];
        }
    }
}
