/*
 * synth.c: generating sequences from the simulated MoE (see synth.h for the
 * model): the latent residual stream, routing (top-K, softmax gates), the
 * stored hidden state, and writing a whole set through the trace writer.
 *
 * Single-threaded on purpose: each sequence draws from its own streams, so
 * the output is the same for a seed whatever the caller does around it.
 * Not here: building and calibrating the model (synth_model.c).
 */
#include "data/synth_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t synth_latent_work(const SynthModel *m)
{
    return 3 * (size_t)m->r;
}

static int32_t seq_draw_token(const SynthModel *m, Rng *g)
{
    double u = rng_uniform(g);
    int lo = 0, hi = m->cfg.vocab - 1; /* first v with cdf[v] > u */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (m->tok_cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void synth_latent_seq(const SynthModel *m, Rng *g, int T, int32_t *tokens, float *s,
                      float *work)
{
    int r = m->r, L = m->L;
    const SynthConfig *c = &m->cfg;
    float *z = work, *ctx = work + r; /* topic; raw EMA of previous embeddings */
    float phi = (float)c->topic_phi, drift = (float)sqrt(1.0 - c->topic_phi * c->topic_phi);
    float lam = (float)c->ctx_decay, noise0 = (float)c->noise0, step = (float)c->step_noise;
    float ctx_sd = (float)sqrt((1.0 - c->ctx_decay) / (1.0 + c->ctx_decay));
    for (int k = 0; k < r; k++)
        z[k] = (float)synth_rng_normal(g);
    for (int k = 0; k < r; k++)
        ctx[k] = ctx_sd * (float)synth_rng_normal(g);
    for (int t = 0; t < T; t++) {
        int32_t x = seq_draw_token(m, g);
        tokens[t] = x;
        if (t > 0) {
            const float *prev = m->tok_emb + (size_t)tokens[t - 1] * r;
            for (int k = 0; k < r; k++) {
                z[k] = phi * z[k] + drift * (float)synth_rng_normal(g);
                ctx[k] = lam * ctx[k] + (1.0f - lam) * prev[k];
            }
        }
        const float *emb = m->tok_emb + (size_t)x * r;
        float *s0 = s + (size_t)t * L * r;
        float wt = m->w_topic[0], wc = m->w_ctx[0] * m->ctx_gain;
        for (int k = 0; k < r; k++)
            s0[k] = emb[k] + wt * z[k] + wc * ctx[k] + noise0 * (float)synth_rng_normal(g);
        for (int l = 1; l < L; l++) {
            const float *sp = s0 + (size_t)(l - 1) * r;
            float *sl = s0 + (size_t)l * r;
            float dt = m->w_topic[l] - m->w_topic[l - 1];
            float dc = (m->w_ctx[l] - m->w_ctx[l - 1]) * m->ctx_gain;
            for (int k = 0; k < r; k++)
                sl[k] = sp[k] + dt * z[k] + dc * ctx[k] + step * (float)synth_rng_normal(g);
        }
    }
}

/* Top-K of router l on latent s, in gate order (ties to the lower id: an
 * expert displaces a kept one only with a strictly larger logit), and their
 * softmax gate weights. logits[E] is scratch. */
static void seq_route(const SynthModel *m, int l, const float *s, float *logits, uint16_t *ids,
                      float *w)
{
    int E = m->E, K = m->K, r = m->r, n = 0;
    const float *b = m->bias + (size_t)l * E;
    synth_router_logits(m->router + (size_t)l * E * r, E, r, s, logits);
    for (int i = 0; i < E; i++) {
        float v = logits[i] += b[i];
        if (n == K && !(v > logits[ids[K - 1]]))
            continue;
        int j = n < K ? n++ : K - 1; /* insertion into the sorted kept list */
        while (j > 0 && v > logits[ids[j - 1]]) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = (uint16_t)i;
    }
    double sum = 0.0, top = (double)logits[ids[0]];
    for (int j = 0; j < K; j++)
        sum += exp((double)logits[ids[j]] - top);
    for (int j = 0; j < K; j++)
        w[j] = (float)(exp((double)logits[ids[j]] - top) / sum);
}

static void seq_reflect(const float *v, int D, float *h)
{
    float dot = 0.0f;
    for (int i = 0; i < D; i++)
        dot += v[i] * h[i];
    for (int i = 0; i < D; i++)
        h[i] -= 2.0f * dot * v[i];
}

/* The stored hidden states of one token: [s_l ; nuisance_l] mixed by the
 * two reflections; the nuisance is a random walk over the layers. */
static void seq_hidden(const SynthModel *m, Rng *g, const float *s, float *nuis,
                       float *h)
{
    int D = m->D, r = m->r, L = m->L, n = D - r;
    float amp = (float)m->cfg.nuisance, step = 0.3f * amp;
    for (int i = 0; i < n; i++)
        nuis[i] = amp * synth_rng_unit_uniform(g);
    for (int l = 0; l < L; l++) {
        float *hl = h + (size_t)l * D;
        if (l > 0)
            for (int i = 0; i < n; i++)
                nuis[i] += step * synth_rng_unit_uniform(g);
        memcpy(hl, s + (size_t)l * r, sizeof *hl * (size_t)r);
        memcpy(hl + r, nuis, sizeof *hl * (size_t)n);
        seq_reflect(m->house, D, hl);
        seq_reflect(m->house + D, D, hl);
    }
}

/* work layout: latent [T][L][r] | latent work | logits [E] | nuisance [D] */
int synth_seq_alloc(const SynthModel *m, int with_hidden, SynthSeq *s, Err *e)
{
    memset(s, 0, sizeof *s);
    size_t T = (size_t)m->cfg.seq_len, L = (size_t)m->L, K = (size_t)m->K;
    size_t D = (size_t)m->D, E = (size_t)m->E;
    size_t work = T * L * (size_t)m->r + synth_latent_work(m) + E + D;
    s->T = (int)T;
    s->tokens = malloc(sizeof *s->tokens * T);
    s->experts = malloc(sizeof *s->experts * T * L * K);
    s->weights = malloc(sizeof *s->weights * T * L * K);
    s->work = malloc(sizeof *s->work * work);
    if (with_hidden && D > 0)
        s->hidden = malloc(sizeof *s->hidden * T * L * D);
    if (!s->tokens || !s->experts || !s->weights || !s->work ||
        (with_hidden && D > 0 && !s->hidden)) {
        synth_seq_free(s);
        return err_sys(e, ERR_RUNTIME, ENOMEM, "gen: allocating a sequence of %zu tokens", T);
    }
    return 0;
}

void synth_seq_free(SynthSeq *s)
{
    free(s->tokens);
    free(s->experts);
    free(s->weights);
    free(s->hidden);
    free(s->work);
    memset(s, 0, sizeof *s);
}

void synth_generate_seq(const SynthModel *m, int64_t index, SynthSeq *s)
{
    int T = s->T, L = m->L, K = m->K, r = m->r, D = m->D;
    float *latent = s->work;
    float *lwork = latent + (size_t)T * L * r;
    float *logits = lwork + synth_latent_work(m);
    float *nuis = logits + m->E;
    Rng g;
    synth_rng_seed(&g, m->seed, STREAM_SEQ, (uint64_t)index);
    synth_latent_seq(m, &g, T, s->tokens, latent, lwork);
    for (int t = 0; t < T; t++)
        for (int l = 0; l < L; l++) {
            size_t at = ((size_t)t * L + l) * K;
            seq_route(m, l, latent + ((size_t)t * L + l) * r, logits, s->experts + at,
                      s->weights + at);
        }
    if (!s->hidden)
        return;
    synth_rng_seed(&g, m->seed, STREAM_NUISANCE, (uint64_t)index);
    for (int t = 0; t < T; t++)
        seq_hidden(m, &g, latent + (size_t)t * L * r, nuis, s->hidden + (size_t)t * L * D);
}

int synth_router(const SynthModel *m, Router *out, Err *e)
{
    int E = m->E, D = m->D, r = m->r;
    int rc = router_alloc(out, m->L, E, D, e);
    if (rc)
        return rc;
    for (int l = 0; l < m->L; l++) {
        const float *R = m->router + (size_t)l * r * E; /* [r][E] */
        for (int i = 0; i < E; i++) {
            float *w = out->weight + ((size_t)l * E + i) * D;
            for (int k = 0; k < r; k++)
                w[k] = R[(size_t)k * E + i];
            /* w[r..D) stay 0: the routers do not read the nuisance */
            seq_reflect(m->house, D, w);
            seq_reflect(m->house + D, D, w);
        }
        memcpy(out->bias + (size_t)l * E, m->bias + (size_t)l * E, sizeof *out->bias * E);
    }
    out->n_bias = m->L;
    snprintf(out->source, sizeof out->source, "moespec gen --profile %s --seed %llu "
             "(simulated routers)", m->cfg.name, (unsigned long long)m->seed);
    return 0;
}

/* router.safetensors of the simulated routers into the set being written. */
static int write_router(const SynthModel *m, TraceWriter *w, Err *e)
{
    Router r;
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = synth_router(m, &r, e);
    if (!rc)
        rc = router_encode(&r, &buf, &len, e);
    if (!rc)
        rc = tracewriter_set_router(w, buf, len, "gen: " ROUTER_FILE_NAME, e);
    free(buf);
    router_free(&r);
    return rc;
}

int synth_write(const SynthConfig *cfg, uint64_t seed, const char *dir,
                SynthProgressFn progress, void *ctx, Err *e)
{
    SynthModel *m = NULL;
    TraceWriter *w = NULL;
    SynthSeq seq = {0};
    int rc = profile_check(cfg, e);
    if (rc)
        return rc;
    /* the writer first, so an unusable DIR fails before any work */
    TraceHeader h = synth_header(cfg);
    rc = tracewriter_open(dir, &h, (size_t)cfg->shard_mb << 20, &w, e);
    if (rc)
        return rc;
    rc = synth_model_create(cfg, seed, &m, e);
    if (!rc && m->D > 0)
        rc = write_router(m, w, e);
    tracewriter_set_expert_bytes(w, (uint64_t)llround(cfg->expert_mb * 1e6));
    if (!rc)
        rc = synth_seq_alloc(m, 1, &seq, e);
    for (int64_t i = 0; i < cfg->seqs && !rc; i++) {
        synth_generate_seq(m, i, &seq);
        TraceSeq ts = {seq.T, seq.tokens, seq.experts, seq.weights, seq.hidden};
        rc = tracewriter_add_seq(w, &ts, e);
        if (!rc && progress)
            progress(ctx, i + 1, cfg->seqs);
    }
    if (rc)
        tracewriter_abort(w);
    else
        rc = tracewriter_commit(w, e);
    synth_seq_free(&seq);
    synth_model_free(m);
    return rc;
}
