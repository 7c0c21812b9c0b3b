/*
 * linear.c: nn.Linear forward/backward through cblas (row-major), plus the
 * plain-loop oracle; see linear.h.
 *
 * Not here: threading (cblas runs on OpenBLAS's own pool, sized by the
 * trainer) and any shape checking (callers own their shapes).
 */
#include "nn/linear.h"

#include <cblas.h>
#include <string.h>

void linear_forward(float *out, const float *in, const float *w, const float *b, size_t B,
                    size_t IC, size_t OC)
{
    /* Prefill each row with the bias so one sgemm with beta = 1 finishes it. */
    float beta = 0.0f;
    if (b) {
        for (size_t r = 0; r < B; r++)
            memcpy(out + r * OC, b, OC * sizeof *out);
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)OC, (int)IC, 1.0f, in,
                (int)IC, w, (int)IC, beta, out, (int)OC);
}

void linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, size_t B, size_t IC, size_t OC)
{
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)IC, (int)OC, 1.0f,
                    dout, (int)OC, w, (int)IC, 1.0f, din, (int)IC);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)OC, (int)IC, (int)B, 1.0f, dout,
                (int)OC, in, (int)IC, 1.0f, dw, (int)IC);
    if (db)
        for (size_t r = 0; r < B; r++) {
            const float *row = dout + r * OC;
            for (size_t o = 0; o < OC; o++)
                db[o] += row[o];
        }
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
