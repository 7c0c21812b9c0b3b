/*
 * init.h: the pinned parameter initialisations of SPEC 5, as plain fills
 * of a slice of a model's parameter block from the caller's Rng.
 *
 * Draw order is part of the contract (a model's initial weights are a
 * function of its seed): each function draws its elements in index order,
 * Xavier one rng_uniform per element, normals one rng_normal (two draws)
 * per element. All three models initialise through these.
 *
 * Not here: which slice gets which fill (the models decide).
 */
#ifndef MOESPEC_NN_INIT_H
#define MOESPEC_NN_INIT_H

#include <stddef.h>

#include "util/rng.h"

/* w[fan_out][fan_in] ~ U(−b, b), b = sqrt(6 / (fan_in + fan_out))
 * (torch.nn.init.xavier_uniform_ of a (fan_out, fan_in) weight). */
void init_xavier_uniform(float *w, size_t fan_out, size_t fan_in, Rng *r);

/* x[n] ~ N(0, std²). */
void init_normal(float *x, size_t n, double std, Rng *r);

/* x[n] = v (LayerNorm γ = 1; biases and β are 0 in a fresh block). */
void init_fill(float *x, size_t n, float v);

#endif
