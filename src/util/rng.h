/*
 * rng.h: moespec's one seeded random source, shared by the layer library
 * (init, dropout), the models, the data module (the synthetic generator,
 * the split, the batcher's shuffles and subsampling) and util itself.
 *
 * Two generators, each written once here:
 *  - splitmix64 (Steele, Lea and Flood, 2014): a 64-bit counter passed
 *    through a bijective mixer. rng_mix64 is the mixer alone (hashing a
 *    key into a seed); rng_splitmix64 steps a caller-held counter; a
 *    Fisher-Yates shuffle driven by it serves the split and the batcher.
 *  - xoshiro256** (Blackman and Vigna, 2018), seeded through splitmix64:
 *    the Rng stream with uniform, integer and normal draws and a jump.
 *
 * The Rng state is four 64-bit words and nothing else (normals are drawn
 * by Box-Muller without a cached spare), so saving and restoring a stream
 * is copying those words: a checkpoint that stores them resumes the exact
 * same draws. Every consumer owns its own state; there is no global stream.
 * Every output here is pinned (tests/test_rng.c): seeds that users and
 * fixtures rely on must keep their numbers.
 *
 * Not here: how a consumer keys its streams (seed, epoch, group, purpose:
 * each caller's) or draws of its own making (the generator's cheap normals).
 */
#ifndef MOESPEC_UTIL_RNG_H
#define MOESPEC_UTIL_RNG_H

#include <stdint.h>

#include "util/err.h"

/* ---- splitmix64 ---- */

/* splitmix64's output function of z: a bijection of 64-bit words. */
uint64_t rng_mix64(uint64_t z);

/* The next output of the splitmix64 stream whose counter is *state
 * (advances it); any start value, 0 included. */
uint64_t rng_splitmix64(uint64_t *state);

/* Fisher-Yates shuffle of v[n] by the splitmix64 stream started at seed:
 * for i = n-1 .. 1, swap v[i] and v[next % (i + 1)]. The modulo's bias
 * (below (i+1) / 2^64) stays: orders of pinned seeds depend on it. */
void rng_shuffle_u64(uint64_t *v, int64_t n, uint64_t seed);

/* ---- xoshiro256** ---- */

#define RNG_STATE_WORDS 4

typedef struct Rng {
    uint64_t s[RNG_STATE_WORDS]; /* never all zero */
} Rng;

/* Expands seed into a full state with splitmix64 (any seed, 0 included). */
void rng_seed(Rng *r, uint64_t seed);

/* The next 64 random bits. Inline with the two uniforms below: the
 * synthetic generator draws in its inner loops (dropout draws one key per
 * call; see nn/activation.h). */
static inline uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, t = s[1] << 17;
    uint64_t result = ((x << 7) | (x >> 57)) * 9; /* rotl(s[1] * 5, 7) * 9 */
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19); /* rotl(s[3], 45) */
    return result;
}

/* Uniform in [0, 1): 53 random bits (double) or 24 random bits (float).
 * Each consumes exactly one rng_next. */
static inline double rng_uniform(Rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static inline float rng_uniform_f(Rng *r)
{
    return (float)(rng_next(r) >> 40) * 0x1.0p-24f;
}

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
