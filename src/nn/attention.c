/*
 * attention.c: causal multi-head self-attention (cblas per window and head,
 * plus the plain-loop oracle) and the position signals; see attention.h.
 *
 * Threading: the forward pass splits windows over the compute pool (each
 * window writes its own rows); the backward runs on the caller (one
 * scratch block). Not here: shape checks (callers own their shapes).
 */
#include "nn/attention.h"

#include <cblas.h>
#include <math.h>

#include "nn/gemm_log.h"
#include "nn/pool.h"

/* Row t of a T×T score block: softmax over columns 0..t (max subtracted,
 * summed in double), zeros after t. */
static void causal_softmax_row(float *row, size_t t, size_t T)
{
    float mx = row[0];
    for (size_t j = 1; j <= t; j++)
        if (row[j] > mx)
            mx = row[j];
    double sum = 0.0;
    for (size_t j = 0; j <= t; j++)
        sum += exp((double)row[j] - (double)mx);
    for (size_t j = 0; j <= t; j++)
        row[j] = (float)(exp((double)row[j] - (double)mx) / sum);
    for (size_t j = t + 1; j < T; j++)
        row[j] = 0.0f;
}

typedef struct AttnJob {
    float *out, *att;
    const float *qkv;
    size_t T, C, H;
} AttnJob;

/* Windows [w0, w1), every head: each writes only its own rows of out. */
static void forward_windows(void *ctx, int slice, size_t w0, size_t w1)
{
    const AttnJob *j = ctx;
    const size_t T = j->T, C = j->C, H = j->H, hd = C / H, C3 = 3 * C;
    float scale = (float)(1.0 / sqrt((double)hd));
    (void)slice;
    for (size_t w = w0; w < w1; w++)
        for (size_t h = 0; h < H; h++) {
            const float *q = j->qkv + w * T * C3 + h * hd, *k = q + C, *v = q + 2 * C;
            float *a = j->att + (w * H + h) * T * T;
            /* All T×T scores (the masked half is overwritten by the softmax). */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)T, (int)hd, scale,
                        q, (int)C3, k, (int)C3, 0.0f, a, (int)T);
            for (size_t t = 0; t < T; t++)
                causal_softmax_row(a + t * T, t, T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)hd, (int)T, 1.0f,
                        a, (int)T, v, (int)C3, 0.0f, j->out + w * T * C + h * hd, (int)C);
        }
}

void attention_forward(float *out, float *att, const float *qkv, size_t nwin, size_t T,
                       size_t C, size_t H)
{
    gemm_log(0, 1, T, T, C / H, nwin * H); /* S = Q·Kᵀ per window and head */
    gemm_log(0, 0, T, C / H, T, nwin * H); /* Y = P·V */
    AttnJob j = {out, att, qkv, T, C, H};
    size_t per_window = 2 * T * T * C; /* multiply-adds of a window's two products */
    pool_for(nwin, pool_grain((size_t)1 << 20, per_window), 1, forward_windows, &j);
}

/* dS = P ⊙ (dP − rowsum(P ⊙ dP)), in place over dP (the softmax backward;
 * masked entries have P = 0 and stay 0). */
static void softmax_backward_block(float *dp, const float *p, size_t T)
{
    for (size_t t = 0; t < T; t++) {
        float *d = dp + t * T;
        const float *pr = p + t * T;
        double dot = 0.0;
        for (size_t j = 0; j <= t; j++)
            dot += (double)pr[j] * (double)d[j];
        for (size_t j = 0; j < T; j++)
            d[j] = (float)((double)pr[j] * ((double)d[j] - dot));
    }
}

typedef struct AttnBackJob {
    float *dqkv, *scratch;
    const float *dout, *qkv, *att;
    size_t T, C, H;
} AttnBackJob;

/* Windows [w0, w1), every head: a window writes only its own rows of dqkv,
 * and slice s works in its own T×T of scratch, so slices never share a
 * byte. */
static void backward_windows(void *ctx, int slice, size_t w0, size_t w1)
{
    const AttnBackJob *j = ctx;
    const size_t T = j->T, C = j->C, H = j->H, hd = C / H, C3 = 3 * C;
    float scale = (float)(1.0 / sqrt((double)hd));
    float *dp = j->scratch + (size_t)slice * T * T;
    for (size_t w = w0; w < w1; w++)
        for (size_t h = 0; h < H; h++) {
            const float *q = j->qkv + w * T * C3 + h * hd, *k = q + C, *v = q + 2 * C;
            float *dq = j->dqkv + w * T * C3 + h * hd, *dk = dq + C, *dv = dq + 2 * C;
            const float *p = j->att + (w * H + h) * T * T;
            const float *dy = j->dout + w * T * C + h * hd;
            /* dP = dY·Vᵀ; dV += Pᵀ·dY */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)T, (int)hd, 1.0f,
                        dy, (int)C, v, (int)C3, 0.0f, dp, (int)T);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)T, (int)hd, (int)T, 1.0f,
                        p, (int)T, dy, (int)C, 1.0f, dv, (int)C3);
            softmax_backward_block(dp, p, T);
            /* dQ += scale·dS·K; dK += scale·dSᵀ·Q */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)hd, (int)T, scale,
                        dp, (int)T, k, (int)C3, 1.0f, dq, (int)C3);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)T, (int)hd, (int)T, scale,
                        dp, (int)T, q, (int)C3, 1.0f, dk, (int)C3);
        }
}

void attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                        const float *att, size_t nwin, size_t T, size_t C, size_t H)
{
    gemm_log(0, 1, T, T, C / H, nwin * H); /* dP = dY·Vᵀ per window and head */
    gemm_log(1, 0, T, C / H, T, nwin * H); /* dV += Pᵀ·dY */
    gemm_log(0, 0, T, C / H, T, nwin * H); /* dQ += dS·K */
    gemm_log(1, 0, T, C / H, T, nwin * H); /* dK += dSᵀ·Q */
    AttnBackJob j = {dqkv, scratch, dout, qkv, att, T, C, H};
    size_t per_window = 4 * T * T * C; /* multiply-adds of a window's four products */
    pool_for(nwin, pool_grain((size_t)1 << 20, per_window), 1, backward_windows, &j);
}

/* Scaled score of query row t against key row j (window w, head h), in
 * double. */
static double naive_score(const float *qkv, size_t w, size_t t, size_t j, size_t h, size_t T,
                          size_t C, size_t hd)
{
    const float *q = qkv + (w * T + t) * 3 * C + h * hd;
    const float *k = qkv + (w * T + j) * 3 * C + C + h * hd;
    double dot = 0.0;
    for (size_t i = 0; i < hd; i++)
        dot += (double)q[i] * (double)k[i];
    return dot / sqrt((double)hd);
}

void attention_forward_naive(float *out, float *att, const float *qkv, size_t nwin, size_t T,
                             size_t C, size_t H)
{
    size_t hd = C / H, C3 = 3 * C;
    for (size_t w = 0; w < nwin; w++)
        for (size_t h = 0; h < H; h++)
            for (size_t t = 0; t < T; t++) {
                float *a = att + ((w * H + h) * T + t) * T;
                double mx = -(double)INFINITY, sum = 0.0;
                for (size_t j = 0; j <= t; j++)
                    mx = fmax(mx, naive_score(qkv, w, t, j, h, T, C, hd));
                for (size_t j = 0; j <= t; j++)
                    sum += exp(naive_score(qkv, w, t, j, h, T, C, hd) - mx);
                for (size_t j = 0; j < T; j++)
                    a[j] = j <= t ? (float)(exp(naive_score(qkv, w, t, j, h, T, C, hd) - mx) / sum)
                                  : 0.0f;
                for (size_t i = 0; i < hd; i++) {
                    double acc = 0.0;
                    for (size_t j = 0; j <= t; j++)
                        acc += (double)a[j] * (double)qkv[(w * T + j) * C3 + 2 * C + h * hd + i];
                    out[(w * T + t) * C + h * hd + i] = (float)acc;
                }
            }
}

void attention_backward_naive(float *dqkv, const float *dout, const float *qkv,
                              const float *att, size_t nwin, size_t T, size_t C, size_t H)
{
    size_t hd = C / H, C3 = 3 * C;
    double scale = 1.0 / sqrt((double)hd);
    for (size_t w = 0; w < nwin; w++)
        for (size_t h = 0; h < H; h++)
            for (size_t t = 0; t < T; t++) {
                const float *p = att + ((w * H + h) * T + t) * T;
                const float *dy = dout + (w * T + t) * C + h * hd;
                const float *q = qkv + (w * T + t) * C3 + h * hd;
                float *dq = dqkv + (w * T + t) * C3 + h * hd;
                /* dP[j] = dy·v_j, then dS[j] = P[j]·(dP[j] − Σ P·dP) */
                double dot = 0.0;
                for (size_t j = 0; j <= t; j++) {
                    const float *v = qkv + (w * T + j) * C3 + 2 * C + h * hd;
                    double d = 0.0;
                    for (size_t i = 0; i < hd; i++)
                        d += (double)dy[i] * (double)v[i];
                    dot += (double)p[j] * d;
                }
                for (size_t j = 0; j <= t; j++) {
                    const float *k = qkv + (w * T + j) * C3 + C + h * hd;
                    const float *v = k + C;
                    float *dk = dqkv + (w * T + j) * C3 + C + h * hd, *dv = dk + C;
                    double d = 0.0;
                    for (size_t i = 0; i < hd; i++)
                        d += (double)dy[i] * (double)v[i];
                    double ds = (double)p[j] * (d - dot) * scale;
                    for (size_t i = 0; i < hd; i++) {
                        dq[i] = (float)((double)dq[i] + ds * (double)k[i]);
                        dk[i] = (float)((double)dk[i] + ds * (double)q[i]);
                        dv[i] = (float)((double)dv[i] + (double)p[j] * (double)dy[i]);
                    }
                }
            }
}

void posemb_add_forward(float *out, const float *table, size_t nwin, size_t T, size_t C)
{
    for (size_t w = 0; w < nwin; w++)
        for (size_t t = 0; t < T; t++) {
            float *o = out + (w * T + t) * C;
            const float *row = table + t * C;
            for (size_t c = 0; c < C; c++)
                o[c] += row[c];
        }
}

void posemb_backward(float *dtable, const float *dout, size_t nwin, size_t T, size_t C)
{
    for (size_t w = 0; w < nwin; w++)
        for (size_t t = 0; t < T; t++) {
            const float *d = dout + (w * T + t) * C;
            float *row = dtable + t * C;
            for (size_t c = 0; c < C; c++)
                row[c] += d[c];
        }
}

void sinusoid_table(float *table, size_t T, size_t C)
{
    for (size_t t = 0; t < T; t++)
        for (size_t c = 0; c < C; c++) {
            size_t i2 = c - c % 2; /* 2i */
            double angle = (double)t / pow(10000.0, (double)i2 / (double)C);
            table[t * C + c] = (float)(c % 2 ? cos(angle) : sin(angle));
        }
}
