/*
 * layernorm.c: LayerNorm forward/backward in plain loops (no BLAS path, so
 * no separate oracle: the finite-difference and PyTorch checks test it),
 * rows split over the compute pool; the parameter gradients, which sum over
 * rows, split by column so each sum keeps its row order.
 */
#include "nn/layernorm.h"

#include <assert.h>
#include <math.h>

#include "nn/activation.h"
#include "nn/pool.h"
#include "util/simd.h"

typedef struct LnJob {
    float *out, *mean, *rstd, *din, *dgamma, *dbeta;
    float *gmask, *dnorm;            /* the fused ReLU + dropout tail */
    const float *in, *gamma, *beta, *dout, *cmean, *crstd, *cgmask;
    uint64_t key;                    /* dropout key; p = 0: no dropout */
    float p, scale, din_beta;
    size_t B, C;
} LnJob;

/* A slice is about 2^18 elements (the loops are in double). */
#define LN_SLICE_WORK ((size_t)1 << 18)

/* Row sums run in LANES double accumulators, added in lane order at the
 * end: a fixed order (so fixed numbers) that still vectorises, which one
 * running sum in double does not (the compiler may not reorder it). */
#define LANES 8

/* Mean and 1/std of one row, in double (two passes). */
NN_HOT static void row_stats(const float *restrict x, size_t C, double *mean, double *rstd)
{
    double ls[LANES] = {0}, lv[LANES] = {0}, m = 0.0, var = 0.0;
    size_t n8 = C / LANES * LANES;
    for (size_t i = 0; i < n8; i += LANES)
        for (size_t l = 0; l < LANES; l++)
            ls[l] += (double)x[i + l];
    for (size_t l = 0; l < LANES; l++)
        m += ls[l];
    for (size_t i = n8; i < C; i++)
        m += (double)x[i];
    m /= (double)C;
    for (size_t i = 0; i < n8; i += LANES)
        for (size_t l = 0; l < LANES; l++) {
            double d = (double)x[i + l] - m;
            lv[l] += d * d;
        }
    for (size_t l = 0; l < LANES; l++)
        var += lv[l];
    for (size_t i = n8; i < C; i++) {
        double d = (double)x[i] - m;
        var += d * d;
    }
    var /= (double)C;
    *mean = m;
    *rstd = 1.0 / sqrt(var + LAYERNORM_EPS);
}

static void forward_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    (void)slice;
    for (size_t r = r0; r < r1; r++) {
        const float *x = j->in + r * C;
        float *y = j->out + r * C;
        double m, s;
        row_stats(x, C, &m, &s);
        for (size_t i = 0; i < C; i++)
            y[i] = (float)(((double)x[i] - m) * s) * j->gamma[i] + j->beta[i];
        j->mean[r] = (float)m;
        j->rstd[r] = (float)s;
    }
}

/* Row r of the fused tail: the LayerNorm value and ReLU (NaN stays NaN),
 * then dropout at the flat index r·C + i, as dropout_forward would. Three
 * branch-free loops rather than one with a branch per element: each
 * vectorises. */
NN_HOT static void act_row(const LnJob *j, size_t r, double m, double s)
{
    const size_t C = j->C;
    const float *restrict x = j->in + r * C, *restrict gamma = j->gamma,
                          *restrict beta = j->beta;
    float *restrict y = j->out + r * C, *restrict gm = j->gmask + r * C;
    for (size_t i = 0; i < C; i++) {
        float v = (float)(((double)x[i] - m) * s) * gamma[i] + beta[i];
        y[i] = v < 0.0f ? 0.0f : v;
    }
    if (j->p <= 0.0f) {
        for (size_t i = 0; i < C; i++)
            gm[i] = y[i] > 0.0f ? 1.0f : 0.0f;
        return;
    }
    const uint64_t key = j->key;
    const float p = j->p, scale = j->scale;
    const uint32_t base = (uint32_t)(r * C);
    for (size_t i = 0; i < C; i++) {
        float keep = dropout_u24(key, base + (uint32_t)i) >= p ? scale : 0.0f, v = y[i];
        gm[i] = v > 0.0f ? keep : 0.0f;
        y[i] = v * keep;
    }
}

static void forward_act_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LnJob *j = ctx;
    (void)slice;
    for (size_t r = r0; r < r1; r++) {
        double m, s;
        row_stats(j->in + r * j->C, j->C, &m, &s);
        act_row(j, r, m, s);
        j->mean[r] = (float)m;
        j->rstd[r] = (float)s;
    }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                       const float *gamma, const float *beta, size_t B, size_t C)
{
    LnJob j = {.out = out, .mean = mean, .rstd = rstd, .in = in, .gamma = gamma, .beta = beta,
               .B = B, .C = C};
    pool_for(B, pool_grain(LN_SLICE_WORK, C), 1, forward_rows, &j);
}

/* dx = beta · dx + s · (g − mean(g) − x̂ · mean(g · x̂)), g = γ · dy, for
 * one row; beta 0 writes dx without reading it. */
NN_HOT static void row_din(float *restrict dx, const float *restrict x,
                           const float *restrict dy, const float *restrict gamma, double m,
                           double s, size_t C, float beta)
{
    double lg[LANES] = {0}, lgx[LANES] = {0}, gmean = 0.0, gxmean = 0.0;
    size_t n8 = C / LANES * LANES;
    for (size_t i = 0; i < n8; i += LANES)
        for (size_t l = 0; l < LANES; l++) {
            double xh = ((double)x[i + l] - m) * s;
            double g = (double)gamma[i + l] * (double)dy[i + l];
            lg[l] += g;
            lgx[l] += g * xh;
        }
    for (size_t l = 0; l < LANES; l++)
        gmean += lg[l], gxmean += lgx[l];
    for (size_t i = n8; i < C; i++) {
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
        float d = (float)(s * (g - gmean - xh * gxmean));
        dx[i] = beta == 0.0f ? d : dx[i] + d;
    }
}

static void din_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    (void)slice;
    for (size_t r = r0; r < r1; r++)
        row_din(j->din + r * C, j->in + r * C, j->dout + r * C, j->gamma,
                (double)j->cmean[r], (double)j->crstd[r], C, 1.0f);
}

/* The fused tail's rows: dnorm = dout · gmask (ReLU and dropout in one
 * factor), then the LayerNorm row while dnorm is in cache. */
NN_HOT static void mask_row(float *restrict dn, const float *restrict dy,
                            const float *restrict gm, size_t C)
{
    for (size_t i = 0; i < C; i++) {
        float g = dy[i], k = gm[i];
        dn[i] = k != 0.0f ? g * k : 0.0f; /* +0 where cut, as the ReLU gives */
    }
}

static void din_act_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    (void)slice;
    for (size_t r = r0; r < r1; r++) {
        float *dn = j->dnorm + r * C;
        mask_row(dn, j->dout + r * C, j->cgmask + r * C, C);
        row_din(j->din + r * C, j->in + r * C, dn, j->gamma, (double)j->cmean[r],
                (double)j->crstd[r], C, j->din_beta);
    }
}

/* dγ, dβ of columns [c0, c1), summed over the rows in row order: the same
 * sums whatever the split. */
NN_HOT static void dparam_cols(void *ctx, int slice, size_t c0, size_t c1)
{
    const LnJob *j = ctx;
    const size_t C = j->C;
    float *restrict dgamma = j->dgamma, *restrict dbeta = j->dbeta;
    (void)slice;
    for (size_t r = 0; r < j->B; r++) {
        const float *restrict x = j->in + r * C, *restrict dy = j->dout + r * C;
        double m = (double)j->cmean[r], s = (double)j->crstd[r];
        for (size_t i = c0; i < c1; i++) {
            double xh = ((double)x[i] - m) * s;
            dgamma[i] += (float)(xh * (double)dy[i]);
            dbeta[i] += dy[i];
        }
    }
}

void layernorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd,
                        const float *gamma, size_t B, size_t C)
{
    LnJob j = {.din = din, .dgamma = dgamma, .dbeta = dbeta, .dout = dout, .in = in,
               .cmean = mean, .crstd = rstd, .gamma = gamma, .B = B, .C = C};
    pool_for(B, pool_grain(LN_SLICE_WORK, C), 1, din_rows, &j);
    pool_for(C, pool_grain(LN_SLICE_WORK, B), 16, dparam_cols, &j);
}

void layernorm_relu_dropout_forward(float *out, float *gmask, float *mean, float *rstd,
                                    const float *in, const float *gamma, const float *beta,
                                    size_t B, size_t C, float p, Rng *rng)
{
    assert(B * C <= DROPOUT_MAX_N);
    LnJob j = {.out = out, .gmask = gmask, .mean = mean, .rstd = rstd, .in = in,
               .gamma = gamma, .beta = beta, .B = B, .C = C, .p = p > 0.0f ? p : 0.0f,
               .scale = 1.0f};
    if (j.p > 0.0f) {
        j.key = rng_next(rng);
        j.scale = (float)(1.0 / (1.0 - (double)p));
    }
    pool_for(B, pool_grain(LN_SLICE_WORK, C), 1, forward_act_rows, &j);
}

void layernorm_relu_dropout_backward(float *din, float din_beta, float *dgamma, float *dbeta,
                                     float *dnorm, const float *dout, const float *gmask,
                                     const float *in, const float *mean, const float *rstd,
                                     const float *gamma, size_t B, size_t C)
{
    LnJob j = {.din = din, .din_beta = din_beta, .dgamma = dgamma, .dbeta = dbeta, .dnorm = dnorm, .dout = dout,
               .cgmask = gmask, .in = in, .cmean = mean, .crstd = rstd, .gamma = gamma,
               .B = B, .C = C};
    pool_for(B, pool_grain(LN_SLICE_WORK, C), 1, din_act_rows, &j);
    j.dout = dnorm; /* the column sums of dγ, dβ take the LayerNorm output's gradient */
    pool_for(C, pool_grain(LN_SLICE_WORK, B), 16, dparam_cols, &j);
}
