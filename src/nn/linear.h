/*
 * linear.h: the fully connected layer, out = in · Wᵀ + b.
 *
 * Weights are stored (OUT, IN), row-major, as in PyTorch's nn.Linear, so a
 * parameter block written by a PyTorch script loads as is. The BLAS pair is
 * what models call; the _naive pair is the plain-loop oracle the tests hold
 * it against (and is exact enough to be one: it sums in double).
 *
 * Conventions of the whole layer library (src/nn): arguments come as
 * outputs, inputs, weights, dims; backward as input grads, output grad,
 * saved forward values, weights, dims. Backward ADDS into every gradient it
 * writes (+=); zeroing is the caller's step. The one exception, an input
 * gradient with a din_beta argument, follows BLAS's beta: 1 adds, 0
 * overwrites without reading (so a buffer with one writer needs no memset,
 * and stale NaNs in it do not leak). No function allocates.
 */
#ifndef MOESPEC_NN_LINEAR_H
#define MOESPEC_NN_LINEAR_H

#include <stddef.h>

/* out[B][OC] = in[B][IC] · w[OC][IC]ᵀ + b[OC]; b may be NULL (no bias). */
void linear_forward(float *out, const float *in, const float *w, const float *b, size_t B,
                    size_t IC, size_t OC);

/* din[B][IC] = din_beta · din + dout[B][OC] · w[OC][IC];
 *                                         (skipped when din is NULL)
 * dw[OC][IC]  += dout[B][OC]ᵀ · in[B][IC];
 * db[OC]      += column sums of dout.      (skipped when db is NULL) */
void linear_backward(float *din, float din_beta, float *dw, float *db, const float *dout,
                     const float *in, const float *w, size_t B, size_t IC, size_t OC);

/* The same maths in plain loops with double accumulators (test oracle). */
void linear_forward_naive(float *out, const float *in, const float *w, const float *b, size_t B,
                          size_t IC, size_t OC);
void linear_backward_naive(float *din, float *dw, float *db, const float *dout,
                           const float *in, const float *w, size_t B, size_t IC, size_t OC);

#endif
