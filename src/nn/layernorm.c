/*
 * layernorm.c: LayerNorm forward/backward in plain loops (no BLAS path, so
 * no separate oracle: the finite-difference and PyTorch checks test it),
 * rows split over the compute pool; the parameter gradients, which sum over
 * rows, split by column so each sum keeps its row order.
 */
#include "nn/layernorm.h"

#include <math.h>

#include "nn/pool.h"

typedef struct LnJob {
    float *out, *mean, *rstd, *din, *dgamma, *dbeta;
    const float *in, *gamma, *beta, *dout, *cmean, *crstd;
    size_t B, C;
} LnJob;

/* Rows per slice: a slice of about 2^18 elements (the loops are in double). */
static size_t ln_grain(size_t C)
{
    size_t g = ((size_t)1 << 18) / (C ? C : 1);
    return g ? g : 1;
}

static void forward_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    (void)slice;
    for (size_t r = r0; r < r1; r++) {
        const float *x = j->in + r * C;
        float *y = j->out + r * C;
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
            y[i] = (float)(((double)x[i] - m) * s) * j->gamma[i] + j->beta[i];
        j->mean[r] = (float)m;
        j->rstd[r] = (float)s;
    }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                       const float *gamma, const float *beta, size_t B, size_t C)
{
    LnJob j = {.out = out, .mean = mean, .rstd = rstd, .in = in, .gamma = gamma, .beta = beta,
               .B = B, .C = C};
    pool_for(B, ln_grain(C), 1, forward_rows, &j);
}

/* dx of rows [r0, r1): dx = s · (g − mean(g) − x̂ · mean(g · x̂)), g = γ · dy. */
static void din_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    (void)slice;
    for (size_t r = r0; r < r1; r++) {
        const float *x = j->in + r * C, *dy = j->dout + r * C;
        float *dx = j->din + r * C;
        double m = (double)j->cmean[r], s = (double)j->crstd[r];
        double gmean = 0.0, gxmean = 0.0;
        for (size_t i = 0; i < C; i++) {
            double xh = ((double)x[i] - m) * s;
            double g = (double)j->gamma[i] * (double)dy[i];
            gmean += g;
            gxmean += g * xh;
        }
        gmean /= (double)C;
        gxmean /= (double)C;
        for (size_t i = 0; i < C; i++) {
            double xh = ((double)x[i] - m) * s;
            double g = (double)j->gamma[i] * (double)dy[i];
            dx[i] += (float)(s * (g - gmean - xh * gxmean));
        }
    }
}

/* dγ, dβ of columns [c0, c1), summed over the rows in row order: the same
 * sums whatever the split. */
static void dparam_cols(void *ctx, int slice, size_t c0, size_t c1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    (void)slice;
    for (size_t r = 0; r < j->B; r++) {
        const float *x = j->in + r * C, *dy = j->dout + r * C;
        double m = (double)j->cmean[r], s = (double)j->crstd[r];
        for (size_t i = c0; i < c1; i++) {
            double xh = ((double)x[i] - m) * s;
            j->dgamma[i] += (float)(xh * (double)dy[i]);
            j->dbeta[i] += dy[i];
        }
    }
}

void layernorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd,
                        const float *gamma, size_t B, size_t C)
{
    LnJob j = {.din = din, .dgamma = dgamma, .dbeta = dbeta, .dout = dout, .in = in,
               .cmean = mean, .crstd = rstd, .gamma = gamma, .B = B, .C = C};
    pool_for(B, ln_grain(C), 1, din_rows, &j);
    pool_for(C, ln_grain(B), 16, dparam_cols, &j);
}
