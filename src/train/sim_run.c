/* sim_run.c: `moespec simulate` below the command line; see sim_run.h. */
#include "train/sim_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blas.h"
#include "train/sim_predict.h"
#include "train/sim_trace.h"

#define SIM_DEFAULT_EXPERT_MB 17.3 /* SPEC 11: Qwen1.5-MoE-A2.7B's expert in fp16 */

int sim_caches_add(int *v, int n, int c)
{
    int i = n;
    while (i > 0 && v[i - 1] > c)
        i--;
    if (n >= SIM_MAX_LIST || (i > 0 && v[i - 1] == c))
        return n;
    memmove(v + i + 1, v + i, (size_t)(n - i) * sizeof *v);
    v[i] = c;
    return n + 1;
}

/* SPEC 11's defaults where a list was not given; lru always (speedup's
 * reference). Sizes are checked against the trace by sim_case_check. */
static void fill_defaults(const SimTrace *t, const SimSettings *in, SimSettings *s,
                          const TraceSet *replay)
{
    *s = *in;
    if (!s->n_policies)
        for (int p = 0; p < SIM_N_POLICIES; p++)
            s->policies[s->n_policies++] = (SimPolicy)p;
    int given[SIM_MAX_LIST], n_given = s->n_caches;
    memcpy(given, s->caches, sizeof given);
    s->n_caches = 0;
    for (int i = 0; i < n_given; i++)
        s->n_caches = sim_caches_add(s->caches, s->n_caches, given[i]);
    if (!n_given) {
        int want[4] = {2 * t->K, 4 * t->K, 8 * t->K, t->E / 2};
        for (int i = 0; i < 4; i++) {
            int c = want[i] > t->E ? t->E : want[i];
            if (c >= t->K)
                s->n_caches = sim_caches_add(s->caches, s->n_caches, c);
        }
    }
    if (!s->n_prefetch)
        s->prefetch[s->n_prefetch++] = t->K;
    if (s->cost.expert_mb <= 0) {
        uint64_t b = traceset_expert_bytes(replay);
        s->cost.expert_mb = b ? (double)b / 1e6 : SIM_DEFAULT_EXPERT_MB;
    }
}

static int wanted(const SimSettings *s, const char *name)
{
    if (!s->n_predictors)
        return 1;
    for (int i = 0; i < s->n_predictors; i++)
        if (!strcmp(s->predictors[i], name))
            return 1;
    return 0;
}

/* Every --predictor name must be something this simulation has. */
static int check_names(const SimSettings *s, const SimPredictor *p, int n, Err *e)
{
    for (int i = 0; i < s->n_predictors; i++) {
        int found = 0;
        for (int j = 0; j < n; j++)
            found |= !strcmp(p[j].name, s->predictors[i]);
        if (!found)
            return err_set(e, ERR_USAGE, "--predictor %s: not a checkpoint's run or a baseline "
                           "this data allows (gate needs router matrices and hidden states)",
                           s->predictors[i]);
    }
    return ERR_OK;
}

int sim_predictor_add(SimPredictor *p, int *n, const char *name, int M, int lookahead,
                      const SimTrace *t, Err *e)
{
    SimPredictor *q = &p[*n];
    snprintf(q->name, sizeof q->name, "%s", name);
    q->top = calloc((size_t)t->n_tok * (size_t)t->L * (size_t)M, sizeof *q->top);
    if (!q->top)
        return err_set(e, ERR_RUNTIME, "out of memory (predictions of %s)", name);
    q->pred = (SimPred){M, lookahead, q->top};
    (*n)++;
    return ERR_OK;
}

void sim_predictor_free(SimPredictor *p)
{
    free(p->top);
    p->top = NULL;
}

int sim_baselines_make(TraceSet *replay, const SimSettings *s, const SimReplay *rp, int M,
                       SimPredictor *p, int *n, Err *e)
{
    const SimTrace *t = &rp->trace;
    const TraceHeader *h = traceset_header(replay);
    int rc = ERR_OK, la = s->lookahead;
    if (wanted(s, "frequency") && !(rc = sim_predictor_add(p, n, "frequency", M, la, t, e)))
        sim_pred_frequency(t, rp->freq_order, M, p[*n - 1].top);
    if (!rc && wanted(s, "repeat") && !(rc = sim_predictor_add(p, n, "repeat", M, la, t, e)))
        sim_pred_repeat(t, rp->seq_start, rp->freq_order, M, p[*n - 1].top);
    if (!rc && h->D > 0 && traceset_has_router(replay) && wanted(s, "gate") &&
        !(rc = sim_predictor_add(p, n, "gate", M, la, t, e)))
        rc = sim_predict_gate(replay, rp, la, M, p[*n - 1].top, e);
    if (!rc && wanted(s, "oracle") && !(rc = sim_predictor_add(p, n, "oracle", M, la, t, e)))
        sim_pred_oracle(t, rp->freq_order, M, p[*n - 1].top);
    return rc;
}

/* The runs, then the baselines. */
static int make_predictors(const SimSource *src, const SimSettings *s, const SimReplay *rp,
                           int M, SimPredictor *p, int *n, Err *e)
{
    const SimTrace *t = &rp->trace;
    int rc = ERR_OK;
    for (int i = 0; !rc && i < src->n_runs; i++) {
        const char *name = src->runs[i]->name;
        if (wanted(s, name) &&
            !(rc = sim_predictor_add(p, n, name, M, src->run_cfg->lookahead, t, e)))
            rc = sim_predict_run(src->replay, rp, src->run_cfg, src->runs[i], M, p[*n - 1].top, e);
    }
    if (!rc)
        rc = sim_baselines_make(src->replay, s, rp, M, p, n, e);
    return rc ? rc : check_names(s, p, *n, e);
}

static int add_row(const SimReplay *rp, const SimCost *cost, const SimCase *c,
                   const char *pred_name, int lookahead, SimRow *rows, int *n, Err *e)
{
    SimRow *row = &rows[*n];
    memset(row, 0, sizeof *row);
    snprintf(row->predictor, sizeof row->predictor, "%s", pred_name);
    row->policy = c->policy;
    row->cache = c->cache;
    row->prefetch = c->prefetch;
    row->lookahead = lookahead;
    int rc = sim_replay(&rp->trace, c, cost, &row->r, NULL, e);
    if (!rc)
        (*n)++;
    return rc;
}

int sim_rows_plain_count(const SimSettings *s)
{
    int n = 1;
    for (int i = 0; i < s->n_policies; i++)
        n += s->policies[i] != SIM_LRU;
    return n;
}

int sim_rows_plain(const SimReplay *rp, const SimSettings *s, int C, SimRow *rows, int *n,
                   Err *e)
{
    SimCase c = {SIM_LRU, C, 0, NULL, rp->hindsight ? NULL : rp->counts};
    int rc = add_row(rp, &s->cost, &c, "", -1, rows, n, e);
    for (int i = 0; !rc && i < s->n_policies; i++) {
        c.policy = s->policies[i];
        if (c.policy != SIM_LRU)
            rc = add_row(rp, &s->cost, &c, "", -1, rows, n, e);
    }
    return rc;
}

int sim_rows_prefetch_count(const SimSettings *s, int C)
{
    int n = 0;
    for (int m = 0; m < s->n_prefetch; m++)
        for (int i = 0; i < s->n_policies; i++)
            n += sim_policy_prefetches(s->policies[i]) && s->prefetch[m] <= C;
    return n;
}

int sim_rows_prefetch(const SimReplay *rp, const SimSettings *s, const SimPredictor *p, int C,
                      SimRow *rows, int *n, Err *e)
{
    int rc = ERR_OK;
    for (int m = 0; !rc && m < s->n_prefetch; m++)
        for (int i = 0; !rc && i < s->n_policies; i++) {
            SimCase pc = {s->policies[i], C, s->prefetch[m], &p->pred, NULL};
            if (sim_policy_prefetches(pc.policy) && pc.prefetch <= C)
                rc = add_row(rp, &s->cost, &pc, p->name, p->pred.lookahead, rows, n, e);
        }
    return rc;
}

void sim_rows_speedup(SimRow *rows, int n, const SimResult *lru_plain)
{
    for (int r = 0; r < n; r++)
        rows[r].speedup = sim_speedup(lru_plain, &rows[r].r);
}

/* Rows of one cache size: the policies, then every predictor at every
 * depth M <= C under lru and lfu; speedup against this C's plain lru. */
static int cache_rows(SimTable *out, const SimReplay *rp, const SimSettings *s,
                      const SimPredictor *p, int n_pred, int C, Err *e)
{
    const int first = out->n_rows;
    int rc = sim_rows_plain(rp, s, C, out->rows, &out->n_rows, e);
    for (int j = 0; !rc && j < n_pred; j++)
        rc = sim_rows_prefetch(rp, s, &p[j], C, out->rows, &out->n_rows, e);
    if (!rc)
        sim_rows_speedup(out->rows + first, out->n_rows - first, &out->rows[first].r);
    return rc;
}

static int check_settings(const SimTrace *t, const SimSettings *s, Err *e)
{
    for (int i = 0; i < s->n_caches; i++) {
        SimCase c = {SIM_LRU, s->caches[i], 0, NULL, NULL};
        int rc = sim_case_check(t, &c, e);
        if (rc)
            return rc;
    }
    for (int m = 0; m < s->n_prefetch; m++)
        if (s->prefetch[m] < 1 || s->prefetch[m] > t->E)
            return err_set(e, ERR_USAGE, "--prefetch %d is outside 1..E = %d", s->prefetch[m],
                           t->E);
    if (s->lookahead >= t->L)
        return err_set(e, ERR_USAGE, "--lookahead %d leaves no layer to predict (L = %d)",
                       s->lookahead, t->L);
    return ERR_OK;
}

int sim_settings_depth(const SimSettings *s)
{
    int M = 0;
    for (int m = 0; m < s->n_prefetch; m++)
        M = s->prefetch[m] > M ? s->prefetch[m] : M;
    return M;
}

static int replay_all(const SimSource *src, SimSettings *s, const SimReplay *rp, SimTable *out,
                      Err *e)
{
    int M = sim_settings_depth(s);
    SimPredictor p[SIM_MAX_PREDICTORS];
    int n_pred = 0;
    int rc = make_predictors(src, s, rp, M, p, &n_pred, e);
    size_t max_rows = (size_t)s->n_caches * (size_t)(1 + s->n_policies +
                                                     n_pred * s->n_prefetch * 2);
    if (!rc && !(out->rows = calloc(max_rows, sizeof *out->rows)))
        rc = err_set(e, ERR_RUNTIME, "out of memory");
    for (int i = 0; !rc && i < s->n_caches; i++)
        rc = cache_rows(out, rp, s, p, n_pred, s->caches[i], e);
    for (int j = 0; j < n_pred; j++) {
        memcpy(out->predictors[j], p[j].name, sizeof out->predictors[j]);
        sim_predictor_free(&p[j]);
    }
    out->n_predictors = n_pred;
    return rc;
}

int sim_settings_resolve(const SimReplay *rp, const TraceSet *replay, const SimSettings *in,
                         int run_lookahead, SimSettings *out, Err *e)
{
    fill_defaults(&rp->trace, in, out, replay);
    if (out->lookahead < 0)
        out->lookahead = run_lookahead >= 0 ? run_lookahead : 1;
    return check_settings(&rp->trace, out, e);
}

int sim_run(const SimSource *src, const SimSettings *in, SimTable *out, Err *e)
{
    memset(out, 0, sizeof *out);
    SimReplay rp;
    int rc = sim_replay_build(src->replay, src->replay_mask, in->sim_tokens, src->stats,
                              src->stats_mask, &rp, e);
    SimSettings s;
    if (!rc)
        rc = sim_settings_resolve(&rp, src->replay, in,
                                  src->n_runs ? src->run_cfg->lookahead : -1, &s, e);
    if (!rc) {
        if (s.threads > 0)
            blas_set_threads(s.threads);
        out->E = rp.trace.E;
        out->K = rp.trace.K;
        out->L = rp.trace.L;
        out->tokens = rp.trace.n_tok;
        out->seqs = rp.seqs;
        out->hindsight = rp.hindsight;
        out->cost = s.cost;
        rc = replay_all(src, &s, &rp, out, e);
    }
    sim_replay_free(&rp);
    return rc;
}

void sim_table_free(SimTable *t)
{
    free(t->rows);
    memset(t, 0, sizeof *t);
}
