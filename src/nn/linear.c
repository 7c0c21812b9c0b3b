/*
 * linear.c: nn.Linear forward/backward through cblas (row-major), plus the
 * plain-loop oracle; see linear.h.
 *
 * Threading: OpenBLAS runs single-threaded; the batch rows (forward, din)
 * and the output rows (dw, db) are split over the compute pool (pool.h).
 * Not here: any shape checking (callers own their shapes).
 */
#include "nn/linear.h"

#include <cblas.h>
#include <string.h>

#include "nn/gemm_log.h"
#include "nn/pool.h"
#include "util/simd.h"

/* A slice of a GEMM is about 2^21 multiply-adds. */
#define GEMM_SLICE_WORK ((size_t)1 << 21)

typedef struct LinearJob {
    float *out, *din, *dw, *db;
    const float *in, *w, *b, *dout;
    float din_beta;
    size_t B, IC, OC;
} LinearJob;

/* out rows [r0, r1): prefilled with the bias so one sgemm with beta = 1
 * finishes them. */
static void forward_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LinearJob *j = ctx;
    (void)slice;
    float beta = 0.0f;
    if (j->b) {
        for (size_t r = r0; r < r1; r++)
            memcpy(j->out + r * j->OC, j->b, j->OC * sizeof *j->out);
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), (int)j->OC, (int)j->IC,
                1.0f, j->in + r0 * j->IC, (int)j->IC, j->w, (int)j->IC, beta,
                j->out + r0 * j->OC, (int)j->OC);
}

void linear_forward(float *out, const float *in, const float *w, const float *b, size_t B,
                    size_t IC, size_t OC)
{
    gemm_log(0, 1, B, OC, IC, 1); /* out = in·wᵀ */
    LinearJob j = {.out = out, .in = in, .w = w, .b = b, .B = B, .IC = IC, .OC = OC};
    pool_for(B, pool_grain(GEMM_SLICE_WORK, IC * OC), 1, forward_rows, &j);
}

/* din rows [r0, r1) = din_beta · din + dout rows · w */
static void din_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const LinearJob *j = ctx;
    (void)slice;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(r1 - r0), (int)j->IC,
                (int)j->OC, 1.0f, j->dout + r0 * j->OC, (int)j->OC, j->w, (int)j->IC,
                j->din_beta, j->din + r0 * j->IC, (int)j->IC);
}

/* db[o0:o1] += column sums of dout, row by row (restrict: db never
 * overlaps dout, so the loop over columns vectorises). */
NN_HOT static void db_cols(float *restrict db, const float *restrict dout, size_t B, size_t OC,
                           size_t o0, size_t o1)
{
    for (size_t r = 0; r < B; r++) {
        const float *restrict row = dout + r * OC;
        for (size_t o = o0; o < o1; o++)
            db[o] += row[o];
    }
}

/* dw rows [o0, o1) += dout[:, o0:o1]ᵀ · in, and db[o0:o1]: an output's
 * gradient sums over the batch in row order whatever the split. */
static void dw_rows(void *ctx, int slice, size_t o0, size_t o1)
{
    const LinearJob *j = ctx;
    (void)slice;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(o1 - o0), (int)j->IC, (int)j->B,
                1.0f, j->dout + o0, (int)j->OC, j->in, (int)j->IC, 1.0f, j->dw + o0 * j->IC,
                (int)j->IC);
    if (j->db)
        db_cols(j->db, j->dout, j->B, j->OC, o0, o1);
}

void linear_backward(float *din, float din_beta, float *dw, float *db, const float *dout,
                     const float *in, const float *w, size_t B, size_t IC, size_t OC)
{
    gemm_log(0, 0, B, IC, OC, din != NULL); /* din = β·din + dout·w */
    gemm_log(1, 0, OC, IC, B, 1);           /* dw += doutᵀ·in */
    LinearJob j = {.din = din, .dw = dw, .db = db, .dout = dout, .in = in, .w = w,
                   .din_beta = din_beta, .B = B, .IC = IC, .OC = OC};
    if (din)
        pool_for(B, pool_grain(GEMM_SLICE_WORK, IC * OC), 1, din_rows, &j);
    pool_for(OC, pool_grain(GEMM_SLICE_WORK, B * IC), 1, dw_rows, &j);
}

void linear_forward_naive(float *out, const float *in, const float *w, const float *b, size_t B,
                          size_t IC, size_t OC)
{
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < OC; o++) {
            double acc = b ? (double)b[o] : 0.0;
            for (size_t i = 0; i < IC; i++)
                acc += (double)in[r * IC + i] * (double)w[o * IC + i];
            out[r * OC + o] = (float)acc;
        }
}

void linear_backward_naive(float *din, float *dw, float *db, const float *dout,
                           const float *in, const float *w, size_t B, size_t IC, size_t OC)
{
    if (din)
        for (size_t r = 0; r < B; r++)
            for (size_t i = 0; i < IC; i++) {
                double acc = (double)din[r * IC + i];
                for (size_t o = 0; o < OC; o++)
                    acc += (double)dout[r * OC + o] * (double)w[o * IC + i];
                din[r * IC + i] = (float)acc;
            }
    for (size_t o = 0; o < OC; o++)
        for (size_t i = 0; i < IC; i++) {
            double acc = (double)dw[o * IC + i];
            for (size_t r = 0; r < B; r++)
                acc += (double)dout[r * OC + o] * (double)in[r * IC + i];
            dw[o * IC + i] = (float)acc;
        }
    if (db)
        for (size_t o = 0; o < OC; o++) {
            double acc = (double)db[o];
            for (size_t r = 0; r < B; r++)
                acc += (double)dout[r * OC + o];
            db[o] = (float)acc;
        }
}
