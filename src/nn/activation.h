/*
 * activation.h: element-wise layers: ReLU and (inverted) dropout.
 *
 * Dropout is deterministic and counter-based: one call draws a single
 * 64-bit key from the caller's Rng, and element i is kept when
 * dropout_u24(key, i) >= p. So the masks of a step are a function of the
 * Rng state before it (restoring that state on resume replays them), and
 * any element's decision can be computed alone: the pool splits the loop
 * into slices, and the loop vectorises, which one sequential stream of
 * draws (the previous design: one rng_uniform_f per element) allowed
 * neither. Kept elements are scaled by 1/(1-p), as PyTorch's nn.Dropout.
 * Conventions as in linear.h: backward adds (+=).
 */
#ifndef MOESPEC_NN_ACTIVATION_H
#define MOESPEC_NN_ACTIVATION_H

#include <stddef.h>

#include <stdint.h>

#include "util/rng.h"

/* Element i's uniform in [0, 1) on the 2^-24 grid, for the call's key: two
 * rounds of MurmurHash3's 32-bit finaliser around the key's halves. For a
 * fixed key, i → value is a bijection of 32-bit words (each step is), so
 * the n < 2^32 elements of a call never share a draw. */
static inline uint32_t dropout_fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline float dropout_u24(uint64_t key, uint32_t i)
{
    uint32_t h = dropout_fmix32((i * 0x9e3779b9u) ^ (uint32_t)key);
    h = dropout_fmix32(h ^ (uint32_t)(key >> 32));
    return (float)(int32_t)(h >> 8) * 0x1.0p-24f; /* < 2^24: a signed convert vectorises */
}

/* The most elements one dropout call takes (its indices are 32-bit). */
#define DROPOUT_MAX_N ((size_t)UINT32_MAX)

/* out[n] = max(in, 0), NaN staying NaN. out may equal in. */
void relu_forward(float *out, const float *in, size_t n); /* in place, or disjoint */
/* din[n] += dout where the saved output out > 0 (PyTorch's choice at 0). */
void relu_backward(float *restrict din, const float *restrict dout, const float *restrict out,
                   size_t n);

/* Training-mode dropout with drop probability p in [0, 1):
 * mask[n] = 0 or 1/(1-p); out[n] = in * mask (a NaN stays NaN, dropped or
 * not). p = 0 draws nothing and writes mask = 1. out may equal in;
 * n <= DROPOUT_MAX_N. */
void dropout_forward(float *out, float *mask, const float *in, size_t n, float p, Rng *rng);
/* din[n] += dout * mask. */
void dropout_backward(float *restrict din, const float *restrict dout,
                      const float *restrict mask, size_t n);

#endif
