/*
 * synth_impl.h: what synth_model.c (building and calibrating the simulated
 * MoE) and synth.c (generating sequences from it) share: the model struct
 * and the generator's random streams: util/rng.h's xoshiro256**, keyed by
 * (seed, purpose, index), with draws of the generator's own (a one-draw
 * normal, scaled integers) that use no libm, so that output is
 * bit-identical across runs and machines. Not for use outside the generator.
 */
#ifndef MOESPEC_DATA_SYNTH_IMPL_H
#define MOESPEC_DATA_SYNTH_IMPL_H

#include <math.h>
#include <stdint.h>

#include "data/synth.h"
#include "util/rng.h"

/* Purposes of the random streams (keyed with the seed and an index). */
enum {
    STREAM_MODEL = 1,    /* tokens, routers, target laws: never depends on D */
    STREAM_SEQ = 2,      /* a data sequence's tokens and latent stream */
    STREAM_NUISANCE = 3, /* a data sequence's nuisance dimensions */
    STREAM_PILOT = 4,    /* the calibration sample */
    STREAM_MIXING = 5    /* the hidden-state mixing (D-dimensional) */
};

/* The stream for (seed, purpose, index): independent for distinct keys.
 * The key is hashed into one xoshiro256** seed by three splitmix64 mixes. */
static inline void synth_rng_seed(Rng *g, uint64_t seed, uint64_t purpose, uint64_t index)
{
    uint64_t x = rng_mix64(seed + 0x9e3779b97f4a7c15ULL);
    x = rng_mix64(x ^ (purpose * 0xd1b54a32d192ed03ULL));
    x = rng_mix64(x ^ (index + 0x632be59bd9b4e019ULL));
    rng_seed(g, x);
}

/* Uniform in [-sqrt 3, sqrt 3): mean 0, variance 1 (cheap noise). */
static inline float synth_rng_unit_uniform(Rng *g)
{
    return (float)((rng_uniform(g) * 2.0 - 1.0) * 1.7320508075688772);
}

/* Approximately standard normal: the sum of four 16-bit uniforms from one
 * draw (Irwin-Hall), centred and scaled to variance 1. Bounded at +-3.46:
 * plenty for noise, and no libm, so cheap and identical everywhere. */
static inline double synth_rng_normal(Rng *g)
{
    uint64_t x = rng_next(g);
    double sum = (double)(x & 0xffff) + (double)((x >> 16) & 0xffff) +
                 (double)((x >> 32) & 0xffff) + (double)(x >> 48);
    /* each term: mean 32767.5, variance (65536^2 - 1) / 12 */
    return (sum - 131070.0) * (1.0 / 37837.2);
}

/* Uniform integer in [0, n) by scaling one uniform (not rng_below's
 * rejection: the generator's streams are pinned to this). */
static inline int synth_rng_below(Rng *g, int n)
{
    return (int)(rng_uniform(g) * n);
}

struct SynthModel {
    SynthConfig cfg;
    uint64_t seed;
    int E, K, L, D;
    int r;           /* latent size the routers read */
    double *tok_cdf; /* [vocab] cumulative token probabilities */
    float *tok_emb;  /* [vocab][r] */
    float *router;   /* [L][r][E] (transposed: the logit loop runs over E and
                      * vectorises), scaled to logit std gate_scale */
    float *bias;     /* [L][E] */
    float *w_topic;  /* [L] topic weight in the stream at layer l */
    float *w_ctx;    /* [L] local-context weight */
    float *house;    /* [2][D] unit vectors of the hidden-state mixing */
    float ctx_gain;  /* rescales the EMA context to unit variance per dim */
};

/* synth.c: the latent stream of one sequence (shared with the pilot).
 * Draws the tokens and fills s[t][l][r] for t < T. */
void synth_latent_seq(const SynthModel *m, Rng *g, int T, int32_t *tokens, float *s,
                      float *work);
/* Size in floats of the work buffer synth_latent_seq needs. */
size_t synth_latent_work(const SynthModel *m);

/* y[E] = R s for a router stored [r][E] (no bias). Blocks of 8 independent
 * updates so that -O2 (no loop vectoriser in GCC 12) still emits SIMD. */
static inline void synth_router_logits(const float *restrict R, int E, int r,
                                       const float *restrict s, float *restrict y)
{
    int E8 = E & ~7;
    for (int i = 0; i < E; i++)
        y[i] = 0.0f;
    for (int k = 0; k < r; k++) {
        const float *row = R + (size_t)k * E;
        float sk = s[k];
        for (int i = 0; i < E8; i += 8) {
            y[i + 0] += row[i + 0] * sk;
            y[i + 1] += row[i + 1] * sk;
            y[i + 2] += row[i + 2] * sk;
            y[i + 3] += row[i + 3] * sk;
            y[i + 4] += row[i + 4] * sk;
            y[i + 5] += row[i + 5] * sk;
            y[i + 6] += row[i + 6] * sk;
            y[i + 7] += row[i + 7] * sk;
        }
        for (int i = E8; i < E; i++)
            y[i] += row[i] * sk;
    }
}

/* The per-layer profile shape: 0 at the first and last layer, 1 over the
 * middle third, linear in between. */
double synth_layer_bump(int l, int L);

#endif
