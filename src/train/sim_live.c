/* sim_live.c: the trainer's live deployment simulation; see sim_live.h. */
#include "train/sim_live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/sim_predict.h"
#include "train/sim_trace.h"

#define LIVE_MAX_BASE 4 /* frequency, repeat, gate, oracle */

struct SimLive {
    const TrainConfig *cfg;   /* the trainer's */
    TraceSet *vts;            /* the replayed set */
    SimReplay rp;
    SimSettings set;          /* resolved */
    char why_off[256];        /* "" = on */
    int own_pass;             /* runs are scored by a pass of their own */
    /* fixed rows, per cache: the policies without prefetch, then the
     * baselines; fixed_at[i] .. fixed_at[i + 1] */
    SimPredictor base[LIVE_MAX_BASE];
    int n_base;
    SimRow *fixed;
    int fixed_at[SIM_MAX_LIST + 1];
    int prepared;
    double prepare_s;
    SimTopSink sink;          /* a run's ranks, filled by its evaluation */
    double sink_s;            /* seconds the sink took in this evaluation */
    uint16_t *top;            /* [tokens][L][M] */
};

int sim_live_caches(int E, int K, int *out)
{
    /* dense where caches are small (where the decision is), then doubling */
    static const int mult[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128};
    int n = 0;
    if (E / 2 >= K) /* E/2 and E first: the list's cap never drops them */
        n = sim_caches_add(out, n, E / 2);
    n = sim_caches_add(out, n, E);
    for (size_t i = 0; i < sizeof mult / sizeof mult[0] && (long)mult[i] * K <= E; i++)
        n = sim_caches_add(out, n, mult[i] * K);
    return n;
}

/* The replay: the validation split (all of --val-data), statistics from
 * the training split (all of --data with --val-data). */
static int build_replay(TrainData *d, SimLive *l, Err *e)
{
    int split = d->vts == d->ts;
    int64_t n = traceset_n_seqs(d->ts);
    uint8_t *train_mask = split ? malloc((size_t)(n > 0 ? n : 1)) : NULL;
    if (split && !train_mask)
        return err_set(e, ERR_RUNTIME, "out of memory");
    for (int64_t s = 0; split && s < n; s++)
        train_mask[s] = !d->val_mask[s];
    int rc = sim_replay_build(d->vts, split ? d->val_mask : NULL, l->cfg->sim_tokens, d->ts,
                              train_mask, &l->rp, e);
    free(train_mask);
    return rc;
}

int sim_live_open(TrainData *d, const TrainConfig *c, SimLive **out, Err *e)
{
    *out = NULL;
    if (c->sim_tokens <= 0)
        return ERR_OK;
    SimLive *l = calloc(1, sizeof *l);
    if (!l)
        return err_set(e, ERR_RUNTIME, "out of memory");
    l->cfg = c;
    l->vts = d->vts;
    l->own_pass = c->val_samples > 0;
    Err why;
    err_clear(&why);
    int rc = build_replay(d, l, &why);
    SimSettings in = {.lookahead = c->lookahead, .cost = c->sim_cost,
                      .sim_tokens = c->sim_tokens, .threads = c->threads};
    in.n_caches = sim_live_caches(d->h.E, d->h.K, in.caches);
    if (!rc)
        rc = sim_settings_resolve(&l->rp, d->vts, &in, c->lookahead, &l->set, &why);
    if (rc == ERR_USAGE || rc == ERR_INPUT) { /* not the run's fault: the view says why */
        snprintf(l->why_off, sizeof l->why_off, "%.250s", why.msg);
        sim_replay_free(&l->rp);
        *out = l;
        return ERR_OK;
    }
    const SimTrace *t = &l->rp.trace;
    int M = sim_settings_depth(&l->set);
    if (!rc && !(l->top = calloc((size_t)t->n_tok * (size_t)t->L * (size_t)M, sizeof *l->top)))
        rc = err_set(&why, ERR_RUNTIME, "out of memory for the live simulation");
    if (rc) {
        *e = why;
        sim_live_free(l);
        return rc;
    }
    l->sink = (SimTopSink){&l->rp, c->lookahead, M, l->top, 0};
    *out = l;
    return ERR_OK;
}

void sim_live_free(SimLive *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n_base; i++)
        sim_predictor_free(&l->base[i]);
    free(l->fixed);
    free(l->top);
    sim_replay_free(&l->rp);
    free(l);
}

/* One cache size's rows, written from row at[i] on: the fixed rows (p
 * NULL: the policies alone, then the baselines) or predictor p's, with
 * their speedups. Pure replays into disjoint rows, so the cache sizes go
 * to threads. */
typedef struct CacheWork {
    const SimLive *l;
    const SimPredictor *p;
    SimRow *rows;
    const int *at;
    int first, stride;  /* this thread's cache indices */
    int rc;
    Err e;
} CacheWork;

static void *cache_rows(void *arg)
{
    CacheWork *w = arg;
    const SimLive *l = w->l;
    const SimSettings *s = &l->set;
    for (int i = w->first; !w->rc && i < s->n_caches; i += w->stride) {
        int n = w->at[i], C = s->caches[i];
        if (w->p) {
            w->rc = sim_rows_prefetch(&l->rp, s, w->p, C, w->rows, &n, &w->e);
        } else {
            w->rc = sim_rows_plain(&l->rp, s, C, w->rows, &n, &w->e);
            for (int j = 0; !w->rc && j < l->n_base; j++)
                w->rc = sim_rows_prefetch(&l->rp, s, &l->base[j], C, w->rows, &n, &w->e);
        }
        const SimResult *lru = w->p ? &l->fixed[l->fixed_at[i]].r : &w->rows[w->at[i]].r;
        if (!w->rc)
            sim_rows_speedup(w->rows + w->at[i], n - w->at[i], lru);
    }
    return NULL;
}

/* Every cache size's rows on up to --threads threads (the compute threads
 * are idle between evaluation and the next step). */
static int all_cache_rows(const SimLive *l, const SimPredictor *p, SimRow *rows, const int *at,
                          Err *e)
{
    enum { MAX_THREADS = SIM_MAX_LIST };
    int T = l->cfg->threads < l->set.n_caches ? l->cfg->threads : l->set.n_caches;
    T = T < 1 ? 1 : T > MAX_THREADS ? MAX_THREADS : T;
    CacheWork w[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < T; t++) {
        w[t] = (CacheWork){l, p, rows, at, t, T, ERR_OK, {0}};
        err_clear(&w[t].e);
        started[t] = t > 0 && pthread_create(&th[t], NULL, cache_rows, &w[t]) == 0;
    }
    cache_rows(&w[0]);
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            cache_rows(&w[t]); /* no thread to be had: do its share here */
    }
    for (int t = 0; t < T; t++)
        if (w[t].rc) {
            *e = w[t].e;
            return w[t].rc;
        }
    return ERR_OK;
}

int sim_live_prepare(SimLive *l, Err *e)
{
    if (!l || l->why_off[0] || l->prepared)
        return ERR_OK;
    double t0 = run_now();
    const SimSettings *s = &l->set;
    int rc = sim_baselines_make(l->vts, s, &l->rp, sim_settings_depth(s), l->base, &l->n_base, e);
    l->fixed_at[0] = 0;
    for (int i = 0; i < s->n_caches; i++)
        l->fixed_at[i + 1] = l->fixed_at[i] + sim_rows_plain_count(s) +
                             l->n_base * sim_rows_prefetch_count(s, s->caches[i]);
    if (!rc && !(l->fixed = calloc((size_t)l->fixed_at[s->n_caches] + 1, sizeof *l->fixed)))
        rc = err_set(e, ERR_RUNTIME, "out of memory for the live simulation");
    if (!rc)
        rc = all_cache_rows(l, NULL, l->fixed, l->fixed_at, e);
    l->prepared = !rc;
    l->prepare_s = run_now() - t0;
    return rc;
}

/* The top sink, timed: its ranking is part of the simulation's cost. */
static int timed_sink(void *ctx, const Scored *s, Err *e)
{
    SimLive *l = ctx;
    double t0 = run_now();
    int rc = sim_sink_top(&l->sink, s, e);
    l->sink_s += run_now() - t0;
    return rc;
}

ScoreSink sim_live_sink(SimLive *l)
{
    if (!l || l->why_off[0] || l->own_pass)
        return (ScoreSink){timed_sink, NULL};
    l->sink.filled = 0;
    l->sink_s = 0.0;
    return (ScoreSink){timed_sink, l};
}

int sim_live_finish(SimLive *l, Run *r, Err *e)
{
    if (!l || l->why_off[0])
        return ERR_OK;
    int rc = sim_live_prepare(l, e);
    if (rc)
        return rc;
    double t0 = run_now();
    const SimSettings *s = &l->set;
    const SimTrace *t = &l->rp.trace;
    int64_t want = t->n_tok * (int64_t)(t->L - l->cfg->lookahead);
    if (l->own_pass)
        rc = sim_predict_run(l->vts, &l->rp, l->cfg, r, l->sink.M, l->top, e);
    else if (l->sink.filled != want) /* a bug, not a choice: say so */
        rc = err_set(e, ERR_RUNTIME, "live simulation: the evaluation scored %lld of the %lld "
                     "replayed steps", (long long)l->sink.filled, (long long)want);
    int at[SIM_MAX_LIST + 1] = {0};
    for (int i = 0; i < s->n_caches; i++)
        at[i + 1] = at[i] + sim_rows_prefetch_count(s, s->caches[i]);
    if (!rc && !r->deploy && !(r->deploy = calloc((size_t)at[s->n_caches] + 1, sizeof *r->deploy)))
        rc = err_set(e, ERR_RUNTIME, "out of memory for the live simulation");
    SimPredictor p = {{0}, {l->sink.M, l->cfg->lookahead, l->top}, l->top};
    snprintf(p.name, sizeof p.name, "%s", r->name);
    if (!rc)
        rc = all_cache_rows(l, &p, r->deploy, at, e);
    r->n_deploy = rc ? 0 : at[s->n_caches];
    r->deploy_step = r->step;
    r->sim_s += run_now() - t0 + (l->own_pass ? 0.0 : l->sink_s);
    return rc;
}

const char *sim_live_why_off(const SimLive *l) { return l->why_off[0] ? l->why_off : NULL; }
int sim_live_prepared(const SimLive *l) { return l->prepared; }
double sim_live_prepare_s(const SimLive *l) { return l->prepare_s; }
const SimSettings *sim_live_settings(const SimLive *l) { return &l->set; }
const SimReplay *sim_live_replay(const SimLive *l) { return &l->rp; }

const SimRow *sim_live_fixed(const SimLive *l, int i, int *n)
{
    *n = l->prepared ? l->fixed_at[i + 1] - l->fixed_at[i] : 0;
    return l->prepared ? l->fixed + l->fixed_at[i] : NULL;
}

int sim_live_table(const SimLive *l, const Run *const *runs, int n, SimTable *out, Err *e)
{
    memset(out, 0, sizeof *out);
    const SimSettings *s = &l->set;
    const SimTrace *t = &l->rp.trace;
    int per_c = sim_rows_prefetch_count(s, t->E), n_plain = sim_rows_plain_count(s);
    size_t max_rows = (size_t)l->fixed_at[s->n_caches] + (size_t)n * (size_t)s->n_caches * per_c;
    if (!(out->rows = calloc(max_rows ? max_rows : 1, sizeof *out->rows)))
        return err_set(e, ERR_RUNTIME, "out of memory");
    *out = (SimTable){t->E, t->K, t->L, t->n_tok, l->rp.seqs, l->rp.hindsight, s->cost,
                      {{0}}, 0, out->rows, 0};
    for (int j = 0; j < n; j++)
        if (runs[j]->n_deploy)
            snprintf(out->predictors[out->n_predictors++], 32, "%s", runs[j]->name);
    for (int j = 0; j < l->n_base; j++)
        snprintf(out->predictors[out->n_predictors++], 32, "%s", l->base[j].name);
    for (int i = 0; i < s->n_caches; i++) {
        const SimRow *f = l->fixed + l->fixed_at[i];
        int n_fixed = l->fixed_at[i + 1] - l->fixed_at[i];
        memcpy(out->rows + out->n_rows, f, (size_t)n_plain * sizeof *f);
        out->n_rows += n_plain;
        for (int j = 0; j < n; j++) {
            const Run *r = runs[j];
            int here = 0; /* r's rows at this cache (fewer where M > C) */
            for (int k = 0; k < r->n_deploy; k++)
                if (r->deploy[k].cache == s->caches[i])
                    out->rows[out->n_rows + here++] = r->deploy[k];
            out->n_rows += here;
        }
        memcpy(out->rows + out->n_rows, f + n_plain, (size_t)(n_fixed - n_plain) * sizeof *f);
        out->n_rows += n_fixed - n_plain;
    }
    return ERR_OK;
}
