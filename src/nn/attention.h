/*
 * attention.h: causal multi-head self-attention over windows, and the
 * position signals the windowed models add before it.
 *
 * Shapes: a batch is nwin windows of T consecutive rows (row r is position
 * r % T of window r / T); C channels split into H heads of C/H (C % H == 0).
 * The input is the packed projection qkv[nwin·T][3C] = [Q | K | V] (the
 * layout of PyTorch's nn.MultiheadAttention in_proj), heads taking
 * consecutive C/H slices of each part. Row t of a window attends to rows
 * 0..t of the same window only (causal mask), with scores Q·Kᵀ/sqrt(C/H)
 * and a softmax with the row maximum subtracted, so any finite input gives
 * finite weights. The weights are saved in att[nwin][H][T][T] (zero above
 * the diagonal) for backward.
 *
 * The BLAS pair (cblas_sgemm per window and head) is what models call; the
 * _naive pair is the plain-loop oracle the tests hold it against.
 * Conventions as in linear.h: backward adds (+=) into every gradient.
 *
 * Not here: the projections around attention (linear.h) and the layer
 * that wires them (transformer.h).
 */
#ifndef MOESPEC_NN_ATTENTION_H
#define MOESPEC_NN_ATTENTION_H

#include <stddef.h>

#include "nn/pool.h"

/* out[nwin·T][C] = per window and head softmax(mask(Q·Kᵀ/sqrt(C/H)))·V;
 * att[nwin][H][T][T] = the weights. */
void attention_forward(float *out, float *att, const float *qkv, size_t nwin, size_t T,
                       size_t C, size_t H);

/* dqkv[nwin·T][3C] += ∂/∂qkv given dout[nwin·T][C], windows split over
 * the compute pool. scratch[ATTENTION_SCRATCH_SLICES][T·T] is workspace
 * (overwritten): one T×T per slice of the pool. */
#define ATTENTION_SCRATCH_SLICES POOL_MAX_THREADS
void attention_backward(float *dqkv, float *scratch, const float *dout, const float *qkv,
                        const float *att, size_t nwin, size_t T, size_t C, size_t H);

/* The same maths in plain loops with double accumulators (test oracle). */
void attention_forward_naive(float *out, float *att, const float *qkv, size_t nwin, size_t T,
                             size_t C, size_t H);
void attention_backward_naive(float *dqkv, const float *dout, const float *qkv,
                              const float *att, size_t nwin, size_t T, size_t C, size_t H);

/* Position signals, indexed by the row's position in its window. */

/* out[nwin·T][C] += table[T][C] (learned positions, or the sinusoids). */
void posemb_add_forward(float *out, const float *table, size_t nwin, size_t T, size_t C);
/* dtable[T][C] += Σ over windows of dout[w·T + t][C]. */
void posemb_backward(float *dtable, const float *dout, size_t nwin, size_t T, size_t C);

/* table[T][C] = the fixed sinusoids of "Attention is all you need":
 * table[t][2i] = sin(t / 10000^(2i/C)), table[t][2i+1] = cos(same angle);
 * with C odd the last column is a sine. Computed in double. */
void sinusoid_table(float *table, size_t T, size_t C);

#endif
