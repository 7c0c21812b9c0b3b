/*
 * activation.h: element-wise layers: ReLU and (inverted) dropout.
 *
 * Dropout is deterministic: its keep/drop decisions are drawn from the
 * caller's Rng, one rng_uniform_f per element in index order, element kept
 * when u >= p. So the masks of a step are a function of the Rng state
 * before it, and restoring that state (checkpoint/resume) replays them.
 * Kept elements are scaled by 1/(1-p), as PyTorch's nn.Dropout.
 * Conventions as in linear.h: backward adds (+=).
 */
#ifndef MOESPEC_NN_ACTIVATION_H
#define MOESPEC_NN_ACTIVATION_H

#include <stddef.h>

#include "util/rng.h"

/* out[n] = max(in, 0), NaN staying NaN. out may equal in. */
void relu_forward(float *out, const float *in, size_t n); /* in place, or disjoint */
/* din[n] += dout where the saved output out > 0 (PyTorch's choice at 0). */
void relu_backward(float *restrict din, const float *restrict dout, const float *restrict out,
                   size_t n);

/* Training-mode dropout with drop probability p in [0, 1):
 * mask[n] = 0 or 1/(1-p); out[n] = in * mask. p = 0 draws nothing and
 * writes mask = 1. out may equal in. */
void dropout_forward(float *out, float *mask, const float *in, size_t n, float p, Rng *rng);
/* din[n] += dout * mask. */
void dropout_backward(float *din, const float *dout, const float *mask, size_t n);

#endif
