/*
 * synth_model.c: building the simulated MoE of synth.h: token law and
 * embeddings, routers correlated across layers through derangements, the
 * hidden-state mixing, and the calibration of each router on a pilot
 * sample (logit scale, then biases fitted to a target first-choice law).
 *
 * Not here: generating the data sequences (synth.c).
 */
#include "data/synth_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    PILOT_TOKENS = 16384, /* pilot sample for the calibration */
    FIT_ITERS = 20        /* bias-fitting iterations */
};

double synth_layer_bump(int l, int L)
{
    if (L <= 1)
        return 0.0;
    double u = (double)l / (L - 1);
    double b = 3.0 * fmin(u, 1.0 - u);
    return b > 1.0 ? 1.0 : b;
}

static void model_tokens(SynthModel *m, Rng *g)
{
    int V = m->cfg.vocab;
    double sum = 0.0;
    for (int v = 0; v < V; v++) {
        sum += pow(v + 1.0 + m->cfg.zipf_q, -m->cfg.zipf_s);
        m->tok_cdf[v] = sum;
    }
    for (int v = 0; v < V; v++)
        m->tok_cdf[v] /= sum;
    m->tok_cdf[V - 1] = 1.0;
    for (size_t i = 0; i < (size_t)V * (size_t)m->r; i++)
        m->tok_emb[i] = (float)synth_rng_normal(g);
}

/* A uniformly random permutation without fixed points (E >= 2). */
static void model_derangement(Rng *g, int E, int *perm)
{
    for (;;) {
        for (int i = 0; i < E; i++)
            perm[i] = i;
        for (int i = E - 1; i > 0; i--) {
            int j = synth_rng_below(g, i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int fixed = 0;
        for (int i = 0; i < E; i++)
            fixed |= perm[i] == i;
        if (!fixed || E < 2)
            return;
    }
}

/* R_0 is Gaussian; row perm[i] of R_{l+1} is rho * row i of R_l plus fresh
 * noise, so each expert's successor at the next layer is a different id. */
static void model_routers(SynthModel *m, Rng *g, int *perm)
{
    int E = m->E, r = m->r;
    double rho = m->cfg.router_corr, fresh = sqrt(1.0 - rho * rho);
    for (int i = 0; i < E * r; i++)
        m->router[i] = (float)synth_rng_normal(g);
    for (int l = 0; l + 1 < m->L; l++) {
        const float *prev = m->router + (size_t)l * E * r;
        float *next = m->router + (size_t)(l + 1) * E * r;
        model_derangement(g, E, perm);
        for (int k = 0; k < r; k++)
            for (int i = 0; i < E; i++)
                next[(size_t)k * E + perm[i]] =
                    (float)(rho * (double)prev[(size_t)k * E + i] + fresh * synth_rng_normal(g));
    }
}

static void model_mixing(SynthModel *m, Rng *g)
{
    for (int h = 0; h < 2; h++) {
        float *v = m->house + (size_t)h * m->D;
        double n2 = 0.0;
        for (int i = 0; i < m->D; i++) {
            v[i] = (float)synth_rng_normal(g);
            n2 += (double)v[i] * (double)v[i];
        }
        double inv = n2 > 0.0 ? 1.0 / sqrt(n2) : 0.0;
        for (int i = 0; i < m->D; i++)
            v[i] = (float)((double)v[i] * inv);
    }
}

/* Target first-choice law of a layer: p_e ~ exp(sigma g_e) with sigma such
 * that max_e p_e = skew / E (bisection; the max share grows with sigma). */
static void model_target_law(const double *gauss, int E, double skew, double *p)
{
    double lo = 0.0, hi = 30.0;
    for (int it = 0; it < 100; it++) {
        double sigma = 0.5 * (lo + hi), sum = 0.0, mx = 0.0;
        for (int i = 0; i < E; i++) {
            p[i] = exp(sigma * gauss[i]);
            sum += p[i];
            mx = fmax(mx, p[i]);
        }
        if (mx / sum * E > skew)
            hi = sigma;
        else
            lo = sigma;
    }
    double sum = 0.0;
    for (int i = 0; i < E; i++)
        sum += p[i] = exp(lo * gauss[i]);
    for (int i = 0; i < E; i++)
        p[i] /= sum;
}

/* Scales router l to logit std gate_scale over the pilot, then fits its
 * bias so the pilot's first-choice shares match the target law. */
static void model_calibrate_layer(SynthModel *m, int l, const float *pilot, int N,
                                  const double *target, float *logits, int *count)
{
    int E = m->E, r = m->r, L = m->L;
    float *R = m->router + (size_t)l * E * r;
    float *b = m->bias + (size_t)l * E;
    double sum = 0.0, sum2 = 0.0;
    for (int n = 0; n < N; n++) {
        float *y = logits + (size_t)n * E;
        synth_router_logits(R, E, r, pilot + ((size_t)n * L + l) * r, y);
        for (int i = 0; i < E; i++) {
            sum += (double)y[i];
            sum2 += (double)y[i] * (double)y[i];
        }
    }
    double cnt = (double)N * E, var = sum2 / cnt - (sum / cnt) * (sum / cnt);
    double scale = var > 0.0 ? m->cfg.gate_scale / sqrt(var) : 1.0;
    for (int i = 0; i < E * r; i++)
        R[i] = (float)((double)R[i] * scale);
    for (size_t i = 0; i < (size_t)N * E; i++)
        logits[i] = (float)((double)logits[i] * scale);
    for (int i = 0; i < E; i++)
        b[i] = 0.0f;
    for (int it = 0; it < FIT_ITERS; it++) {
        memset(count, 0, sizeof *count * (size_t)E);
        for (int n = 0; n < N; n++) {
            const float *y = logits + (size_t)n * E;
            int best = 0;
            float bv = y[0] + b[0];
            for (int i = 1; i < E; i++)
                if (y[i] + b[i] > bv) {
                    bv = y[i] + b[i];
                    best = i;
                }
            count[best]++;
        }
        double mean = 0.0;
        for (int i = 0; i < E; i++) {
            /* a damped, clamped step: the share is a steep function of the
             * bias, and an unclamped log-ratio step oscillates */
            double got = (count[i] + 0.5) / (N + 0.5 * E);
            double step = fmax(-0.3, fmin(0.3, log(target[i] / got)));
            b[i] = (float)((double)b[i] + 0.5 * m->cfg.gate_scale * step);
            mean += (double)b[i];
        }
        for (int i = 0; i < E; i++)
            b[i] = (float)((double)b[i] - mean / E);
    }
}

static int model_calibrate(SynthModel *m, Rng *g, Err *e)
{
    /* pilot sequences as long as the data's, up to PILOT_TOKENS in all */
    int E = m->E, L = m->L, r = m->r;
    int T = m->cfg.seq_len < PILOT_TOKENS ? m->cfg.seq_len : PILOT_TOKENS;
    int nseq = (PILOT_TOKENS + T - 1) / T, N = nseq * T;
    float *pilot = malloc(sizeof *pilot * (size_t)N * L * r);
    int32_t *tok = malloc(sizeof *tok * (size_t)T);
    float *work = malloc(sizeof *work * synth_latent_work(m));
    float *logits = malloc(sizeof *logits * (size_t)N * E);
    int *count = malloc(sizeof *count * (size_t)E);
    double *gauss = malloc(sizeof *gauss * (size_t)E * 2);
    int rc = 0;
    if (!pilot || !tok || !work || !logits || !count || !gauss) {
        rc = err_sys(e, ERR_RUNTIME, ENOMEM, "gen: calibrating the synthetic model");
        goto out;
    }
    for (int i = 0; i < nseq; i++) {
        Rng sg;
        synth_rng_seed(&sg, m->seed, STREAM_PILOT, (uint64_t)i);
        synth_latent_seq(m, &sg, T, tok, pilot + (size_t)i * T * L * r, work);
    }
    double *target = gauss + E;
    for (int l = 0; l < L; l++) {
        double bump = synth_layer_bump(l, L);
        double skew = m->cfg.skew_edge + (m->cfg.skew_mid - m->cfg.skew_edge) * bump;
        for (int i = 0; i < E; i++)
            gauss[i] = synth_rng_normal(g);
        model_target_law(gauss, E, skew, target);
        model_calibrate_layer(m, l, pilot, N, target, logits, count);
    }
out:
    free(pilot);
    free(tok);
    free(work);
    free(logits);
    free(count);
    free(gauss);
    return rc;
}

static int model_alloc(SynthModel *m, Err *e)
{
    size_t V = (size_t)m->cfg.vocab, E = (size_t)m->E, L = (size_t)m->L, r = (size_t)m->r;
    m->tok_cdf = malloc(sizeof *m->tok_cdf * V);
    m->tok_emb = malloc(sizeof *m->tok_emb * V * r);
    m->router = malloc(sizeof *m->router * L * E * r);
    m->bias = calloc(L * E, sizeof *m->bias);
    m->w_topic = malloc(sizeof *m->w_topic * L);
    m->w_ctx = malloc(sizeof *m->w_ctx * L);
    m->house = calloc(2 * (size_t)m->D + 1, sizeof *m->house);
    if (!m->tok_cdf || !m->tok_emb || !m->router || !m->bias || !m->w_topic || !m->w_ctx ||
        !m->house)
        return err_sys(e, ERR_RUNTIME, ENOMEM, "gen: allocating the synthetic model");
    return 0;
}

int synth_model_create(const SynthConfig *cfg, uint64_t seed, SynthModel **out, Err *e)
{
    *out = NULL;
    int rc = profile_check(cfg, e);
    if (rc)
        return rc;
    SynthModel *m = calloc(1, sizeof *m);
    if (!m)
        return err_sys(e, ERR_RUNTIME, ENOMEM, "gen: allocating the synthetic model");
    m->cfg = *cfg;
    m->seed = seed;
    m->E = cfg->experts;
    m->K = cfg->top_k;
    m->L = cfg->layers;
    m->D = cfg->dim;
    m->r = cfg->dim > 0 && cfg->dim < cfg->latent ? cfg->dim : cfg->latent;
    double lam = cfg->ctx_decay;
    m->ctx_gain = (float)sqrt((1.0 + lam) / (1.0 - lam));
    rc = model_alloc(m, e);
    if (rc)
        goto fail;
    for (int l = 0; l < m->L; l++) {
        double bump = synth_layer_bump(l, m->L);
        m->w_topic[l] = (float)(cfg->topic_edge + (cfg->topic_mid - cfg->topic_edge) * bump);
        m->w_ctx[l] = (float)(cfg->ctx_edge + (cfg->ctx_mid - cfg->ctx_edge) * bump);
    }
    Rng g;
    synth_rng_seed(&g, seed, STREAM_MODEL, 0);
    int *perm = malloc(sizeof *perm * (size_t)m->E);
    if (!perm) {
        rc = err_sys(e, ERR_RUNTIME, ENOMEM, "gen: allocating the synthetic model");
        goto fail;
    }
    model_tokens(m, &g);
    model_routers(m, &g, perm);
    free(perm);
    rc = model_calibrate(m, &g, e);
    if (rc)
        goto fail;
    synth_rng_seed(&g, seed, STREAM_MIXING, 0);
    model_mixing(m, &g);
    *out = m;
    return 0;
fail:
    synth_model_free(m);
    return rc;
}

void synth_model_free(SynthModel *m)
{
    if (!m)
        return;
    free(m->tok_cdf);
    free(m->tok_emb);
    free(m->router);
    free(m->bias);
    free(m->w_topic);
    free(m->w_ctx);
    free(m->house);
    free(m);
}

TraceHeader synth_header(const SynthConfig *cfg)
{
    TraceHeader h = {0};
    h.E = cfg->experts;
    h.K = cfg->top_k;
    h.L = cfg->layers;
    h.D = cfg->dim;
    h.point = cfg->dim > 0 ? HIDDEN_ROUTER_INPUT : HIDDEN_UNKNOWN;
    h.dtype = cfg->dtype;
    h.has_weights = 1;
    h.has_tokens = 1;
    return h;
}
