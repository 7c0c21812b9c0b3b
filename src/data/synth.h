/*
 * synth.h: the synthetic mixture-of-experts (SPEC 4.3), the embedded source
 * of trace sets for users who have no real traces.
 *
 * The simulated model, per token t of a sequence and layer l:
 *   - tokens x_t are drawn i.i.d. from a Zipf-Mandelbrot law over `vocab`
 *     ids, each with a fixed embedding e[x] (r dims);
 *   - a per-sequence topic z_t drifts slowly (AR(1), coefficient topic_phi)
 *     and a local context c_t averages the previous tokens' embeddings
 *     (EMA, decay ctx_decay): the two slow signals that make neighbouring
 *     tokens route alike;
 *   - the residual stream s_l = e[x_t] + wt_l z_t + wc_l c_t + noise is built
 *     by increments, s_{l+1} = s_l + (wt_{l+1} - wt_l) z_t
 *     + (wc_{l+1} - wc_l) c_t + step_noise * fresh noise, where the weights
 *     rise from *_edge at the first and last layer to *_mid over the middle
 *     third: layer 0 follows the token, the middle layers the context;
 *   - router l reads s_l: logits = R_l s_l + b_l, top-K by logit (ties to the
 *     lower id), gate weights = softmax over the chosen K. R_{l+1} is
 *     router_corr * (R_l with its rows permuted by a derangement) plus fresh
 *     noise, so expert i at layer l leads to a few experts at l+1 that are
 *     not expert i (affinity without same_id);
 *   - b_l is fitted on a pilot sample so the first-choice distribution has
 *     the target skew (skew_edge .. skew_mid, same shape as the weights), and
 *     R_l is scaled so the logits have standard deviation gate_scale;
 *   - the stored hidden state (D dims) is [s_l ; nuisance_l] mixed by two
 *     fixed Householder reflections: the routers read an r-dim subspace of
 *     it exactly, so the set is `router-input` and the routing at Δ = 0 is a
 *     function of the stored state; the nuisance is a residual random walk
 *     too. r = min(latent, D), so for D >= latent the routing does not
 *     depend on D (a small-D set has the routing of its large-D profile).
 *
 * Everything is drawn from xoshiro256** streams keyed by (seed, purpose,
 * sequence index): the output is bit-identical for a seed, and each sequence
 * can be generated on its own.
 *
 * Not here: the profiles (profile.h), statistics (routestats.h), the file
 * format (traceset.h), progress drawing (the caller's callback).
 */
#ifndef MOESPEC_DATA_SYNTH_H
#define MOESPEC_DATA_SYNTH_H

#include <stdint.h>

#include "data/profile.h"
#include "data/traceset.h"
#include "util/err.h"

typedef struct SynthModel SynthModel;

/* Builds and calibrates the simulated model (a fraction of a second at the
 * built-in sizes). ERR_USAGE when cfg fails profile_check. */
int synth_model_create(const SynthConfig *cfg, uint64_t seed, SynthModel **out, Err *e);
void synth_model_free(SynthModel *m);
/* The header of the sets cfg describes (router-input hidden states, gate
 * weights and token ids; hidden point unknown when D = 0). */
TraceHeader synth_header(const SynthConfig *cfg);

/* Buffers for one generated sequence of cfg->seq_len tokens. */
typedef struct SynthSeq {
    int T;
    int32_t *tokens;   /* [T] */
    uint16_t *experts; /* [T][L][K] in gate order */
    float *weights;    /* [T][L][K] */
    float *hidden;     /* [T][L][D]; NULL when D = 0 or with_hidden was 0 */
    float *work;       /* scratch */
} SynthSeq;

/* with_hidden = 0 skips the hidden states (routing only; faster, and the
 * routing is the same). */
int synth_seq_alloc(const SynthModel *m, int with_hidden, SynthSeq *s, Err *e);
void synth_seq_free(SynthSeq *s);
/* Generates sequence `index` (0-based) of the set into s. */
void synth_generate_seq(const SynthModel *m, int64_t index, SynthSeq *s);

/* The simulated routers as D-space matrices (router.h), exact for the stored
 * hidden states: h = H2 H1 [s ; nuisance] with H1, H2 the two Householder
 * reflections (orthogonal and symmetric, so (H2 H1)^-1 = H1 H2), and the
 * logits are R s + b = [R 0] [s ; nuisance] + b = [R 0] H1 H2 h + b. So
 * W = [R 0] H1 H2, whose row i is (H1 H2)^T [r_i ; 0] = H2 H1 [r_i ; 0]:
 * expert i's latent router row padded with zeros and mixed exactly as the
 * hidden states are. W h + b equals the latent logits up to float rounding
 * (and the f16 rounding of stored states). Needs D > 0. */
int synth_router(const SynthModel *m, Router *out, Err *e);

/* Called after each sequence is written; done <= total. */
typedef void (*SynthProgressFn)(void *ctx, int64_t done, int64_t total);

/* Generates cfg->seqs sequences into the trace set DIR (atomically, through
 * the trace writer). progress may be NULL. */
int synth_write(const SynthConfig *cfg, uint64_t seed, const char *dir,
                SynthProgressFn progress, void *ctx, Err *e);

#endif
