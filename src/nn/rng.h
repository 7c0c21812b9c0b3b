/*
 * rng.h: the seeded random stream of the layer library (xoshiro256**,
 * seeded through splitmix64).
 *
 * The whole state is four 64-bit words and nothing else (normals are drawn
 * by Box-Muller without a cached spare), so saving and restoring a stream
 * is copying those words: a checkpoint that stores them resumes the exact
 * same draws. Every consumer owns its own Rng; there is no global stream.
 *
 * Not here: shuffling policies or sampling schemes (the data module's).
 */
#ifndef MOESPEC_NN_RNG_H
#define MOESPEC_NN_RNG_H

#include <stdint.h>

#include "util/err.h"

#define RNG_STATE_WORDS 4

typedef struct Rng {
    uint64_t s[RNG_STATE_WORDS]; /* never all zero */
} Rng;

/* Expands seed into a full state with splitmix64 (any seed, 0 included). */
void rng_seed(Rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t rng_next(Rng *r);

/* Uniform in [0, 1): 53 random bits (double) or 24 random bits (float).
 * Each consumes exactly one rng_next. */
double rng_uniform(Rng *r);
float rng_uniform_f(Rng *r);

/* Uniform integer in [0, n), unbiased (rejection); n >= 1. */
uint64_t rng_below(Rng *r, uint64_t n);

/* Standard normal N(0, 1) by Box-Muller; consumes exactly two rng_next. */
double rng_normal(Rng *r);

/* Advances r by 2^128 draws: call k times on a copy for the k-th of up to
 * 2^128 non-overlapping streams (e.g. one per worker thread). */
void rng_jump(Rng *r);

/* State save/restore as RNG_STATE_WORDS words. Restoring an all-zero state
 * (which xoshiro can never leave) is ERR_INPUT. */
void rng_save(const Rng *r, uint64_t out[RNG_STATE_WORDS]);
int rng_restore(Rng *r, const uint64_t in[RNG_STATE_WORDS], Err *e);

#endif
