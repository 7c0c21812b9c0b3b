/* sim_run.c: `moespec simulate` below the command line; see sim_run.h. */
#include "train/sim_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blas.h"
#include "train/sim_predict.h"
#include "train/sim_trace.h"

#define SIM_DEFAULT_EXPERT_MB 17.3 /* SPEC 11: Qwen1.5-MoE-A2.7B's expert in fp16 */

typedef struct Predictor {
    char name[32];
    SimPred pred;
    uint16_t *top;
} Predictor;

static int has_int(const int *v, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
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
    if (!s->n_caches) {
        int want[4] = {2 * t->K, 4 * t->K, 8 * t->K, t->E / 2};
        for (int i = 0; i < 4; i++) {
            int c = want[i] > t->E ? t->E : want[i];
            if (c >= t->K && !has_int(s->caches, s->n_caches, c))
                s->caches[s->n_caches++] = c;
        }
    }
    qsort(s->caches, (size_t)s->n_caches, sizeof s->caches[0], cmp_int);
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
static int check_names(const SimSettings *s, const Predictor *p, int n, Err *e)
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

static int add_predictor(Predictor *p, int *n, const char *name, int M, int lookahead,
                         const SimTrace *t, Err *e)
{
    Predictor *q = &p[*n];
    snprintf(q->name, sizeof q->name, "%s", name);
    q->top = calloc((size_t)t->n_tok * (size_t)t->L * (size_t)M, sizeof *q->top);
    if (!q->top)
        return err_set(e, ERR_RUNTIME, "out of memory (predictions of %s)", name);
    q->pred = (SimPred){M, lookahead, q->top};
    (*n)++;
    return ERR_OK;
}

/* The runs, then frequency, repeat, gate (when it applies) and oracle. */
static int make_predictors(const SimSource *src, const SimSettings *s, const SimReplay *rp,
                           int M, Predictor *p, int *n, Err *e)
{
    const SimTrace *t = &rp->trace;
    const TraceHeader *h = traceset_header(src->replay);
    int rc = ERR_OK, base_la = s->lookahead;
    for (int i = 0; !rc && i < src->n_runs; i++) {
        const char *name = src->runs[i]->name;
        if (wanted(s, name) && !(rc = add_predictor(p, n, name, M, src->run_cfg->lookahead, t, e)))
            rc = sim_predict_run(src->replay, rp, src->run_cfg, src->runs[i], M, p[*n - 1].top, e);
    }
    if (!rc && wanted(s, "frequency") && !(rc = add_predictor(p, n, "frequency", M, base_la, t, e)))
        sim_pred_frequency(t, rp->freq_order, M, p[*n - 1].top);
    if (!rc && wanted(s, "repeat") && !(rc = add_predictor(p, n, "repeat", M, base_la, t, e)))
        sim_pred_repeat(t, rp->seq_start, rp->freq_order, M, p[*n - 1].top);
    if (!rc && h->D > 0 && traceset_has_router(src->replay) && wanted(s, "gate") &&
        !(rc = add_predictor(p, n, "gate", M, base_la, t, e)))
        rc = sim_predict_gate(src->replay, rp, base_la, M, p[*n - 1].top, e);
    if (!rc && wanted(s, "oracle") && !(rc = add_predictor(p, n, "oracle", M, base_la, t, e)))
        sim_pred_oracle(t, rp->freq_order, M, p[*n - 1].top);
    return rc ? rc : check_names(s, p, *n, e);
}

static int add_row(SimTable *out, const SimReplay *rp, const SimCost *cost, const SimCase *c,
                   const char *pred_name, int lookahead, Err *e)
{
    SimRow *row = &out->rows[out->n_rows];
    memset(row, 0, sizeof *row);
    snprintf(row->predictor, sizeof row->predictor, "%s", pred_name);
    row->policy = c->policy;
    row->cache = c->cache;
    row->prefetch = c->prefetch;
    row->lookahead = lookahead;
    int rc = sim_replay(&rp->trace, c, cost, &row->r, NULL, e);
    if (!rc)
        out->n_rows++;
    return rc;
}

/* Rows of one cache size: the policies, then every predictor at every
 * depth M <= C under lru and lfu; speedup against this C's plain lru. */
static int cache_rows(SimTable *out, const SimReplay *rp, const SimSettings *s,
                      const Predictor *p, int n_pred, int C, Err *e)
{
    const int first = out->n_rows;
    SimCase c = {SIM_LRU, C, 0, NULL, rp->hindsight ? NULL : rp->counts};
    int rc = add_row(out, rp, &s->cost, &c, "", -1, e);
    for (int i = 0; !rc && i < s->n_policies; i++) {
        c.policy = s->policies[i];
        if (c.policy != SIM_LRU)
            rc = add_row(out, rp, &s->cost, &c, "", -1, e);
    }
    for (int j = 0; !rc && j < n_pred; j++)
        for (int m = 0; !rc && m < s->n_prefetch; m++)
            for (int i = 0; !rc && i < s->n_policies; i++) {
                SimCase pc = {s->policies[i], C, s->prefetch[m], &p[j].pred, NULL};
                if (sim_policy_prefetches(pc.policy) && pc.prefetch <= C)
                    rc = add_row(out, rp, &s->cost, &pc, p[j].name, p[j].pred.lookahead, e);
            }
    for (int r = first; r < out->n_rows; r++)
        out->rows[r].speedup = sim_speedup(&out->rows[first].r, &out->rows[r].r);
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

static int replay_all(const SimSource *src, SimSettings *s, const SimReplay *rp, SimTable *out,
                      Err *e)
{
    int M = 0;
    for (int m = 0; m < s->n_prefetch; m++)
        M = s->prefetch[m] > M ? s->prefetch[m] : M;
    Predictor p[SIM_MAX_PREDICTORS];
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
        free(p[j].top);
    }
    out->n_predictors = n_pred;
    return rc;
}

int sim_run(const SimSource *src, const SimSettings *in, SimTable *out, Err *e)
{
    memset(out, 0, sizeof *out);
    SimReplay rp;
    int rc = sim_replay_build(src->replay, src->replay_mask, in->sim_tokens, src->stats,
                              src->stats_mask, &rp, e);
    SimSettings s;
    if (!rc) {
        fill_defaults(&rp.trace, in, &s, src->replay);
        if (s.lookahead < 0)
            s.lookahead = src->n_runs ? src->run_cfg->lookahead : 1;
        rc = check_settings(&rp.trace, &s, e);
    }
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
