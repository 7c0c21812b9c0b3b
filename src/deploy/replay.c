/*
 * replay.c: SPEC 11's replay, one layer at a time. Per layer the events are
 * prefetch(t, l') then demand(t, l') for every Δ, so a layer's cache, clock
 * and belady next-need table are all the state there is (O(n_tok · K)).
 *
 * The resident experts are a binary heap ordered by the policy's victim
 * order (worse()), so a victim costs O(log C) and a touched expert is
 * re-placed in O(log C): the replay is O(steps · (K + M) · log C), with no
 * allocation inside the step loop. Protected experts (the step's R, the
 * prefetch's M) are set aside from the top while the victim is taken.
 * Recency: one clock per layer, ticking once per event (a prefetch or a
 * step); all of R share their step's tick, all M share their prefetch's.
 * lfu's "last use" is that same clock (so a prefetch refreshes it).
 */
#include "deploy/sim.h"

#include <stdlib.h>
#include <string.h>

#define NEVER INT64_MAX

typedef struct Layer {
    int E, C, n_res;
    uint16_t *res;    /* [C] resident ids, a heap: res[0] is the best victim */
    int *hpos;        /* [E] index in res of a resident expert */
    uint8_t *in;      /* [E] resident */
    int64_t *last;    /* [E] last use (clock) */
    int64_t *cnt;     /* [E] steps that needed it so far */
    int64_t *next;    /* [E] next need (belady), NEVER when none */
    int64_t *prot;    /* [E] clock at which it was protected */
    int64_t *pfet;    /* [E] clock of the prefetch that last fetched it */
    int64_t *nxt;     /* [n_tok][K] next need of R's j-th expert after t */
} Layer;

/* 1 when resident a is a better victim than b under policy p. */
static int worse(const Layer *y, SimPolicy p, int a, int b)
{
    if (p == SIM_BELADY && y->next[a] != y->next[b])
        return y->next[a] > y->next[b];
    if (p == SIM_LFU && y->cnt[a] != y->cnt[b])
        return y->cnt[a] < y->cnt[b];
    if (p != SIM_BELADY && y->last[a] != y->last[b])
        return y->last[a] < y->last[b];
    return a < b;
}

static void h_swap(Layer *y, int i, int j)
{
    uint16_t a = y->res[i], b = y->res[j];
    y->res[i] = b, y->res[j] = a;
    y->hpos[b] = i, y->hpos[a] = j;
}

static void h_up(Layer *y, SimPolicy p, int i)
{
    while (i > 0 && worse(y, p, y->res[i], y->res[(i - 1) / 2])) {
        h_swap(y, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void h_down(Layer *y, SimPolicy p, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < y->n_res && worse(y, p, y->res[l], y->res[m]))
            m = l;
        if (r < y->n_res && worse(y, p, y->res[r], y->res[m]))
            m = r;
        if (m == i)
            return;
        h_swap(y, i, m);
        i = m;
    }
}

static void h_push(Layer *y, SimPolicy p, int id)
{
    y->res[y->n_res] = (uint16_t)id;
    y->hpos[id] = y->n_res++;
    h_up(y, p, y->n_res - 1);
}

static int h_pop(Layer *y, SimPolicy p)
{
    int top = y->res[0];
    h_swap(y, 0, --y->n_res);
    h_down(y, p, 0);
    return top;
}

/* A resident expert's keys changed: put it back in its place. */
static void h_fix(Layer *y, SimPolicy p, int id)
{
    if (y->in[id]) {
        h_up(y, p, y->hpos[id]);
        h_down(y, p, y->hpos[id]);
    }
}

/* Inserts id, evicting the best unprotected victim when full. Fewer than
 * K + M residents are protected and C >= both, so a victim exists. */
static void insert(Layer *y, SimPolicy p, int id, int64_t clk)
{
    if (y->n_res == y->C) {
        uint16_t aside[SIM_MAX_EXPERTS];
        int n = 0;
        while (y->prot[y->res[0]] == clk)
            aside[n++] = (uint16_t)h_pop(y, p);
        y->in[h_pop(y, p)] = 0;
        for (int i = 0; i < n; i++)
            h_push(y, p, aside[i]);
    }
    h_push(y, p, id);
    y->in[id] = 1;
}

/* The prefetch for (t, l): returns p, the experts it fetched. */
static int prefetch(Layer *y, SimPolicy p, const uint16_t *top, int M, int64_t clk)
{
    int fetched = 0;
    for (int j = 0; j < M; j++)
        y->prot[top[j]] = clk;
    for (int j = 0; j < M; j++) {
        y->last[top[j]] = clk;
        h_fix(y, p, top[j]);
        if (!y->in[top[j]]) {
            insert(y, p, top[j], clk);
            y->pfet[top[j]] = clk;
            fetched++;
        }
    }
    return fetched;
}

/* Demand step; returns the hits. */
static int demand(Layer *y, SimPolicy p, const uint16_t *R, int K, const int64_t *nxt,
                  int64_t clk)
{
    int hits = 0;
    for (int j = 0; j < K; j++) {
        y->prot[R[j]] = clk;
        y->last[R[j]] = clk;
        y->cnt[R[j]]++;
        if (nxt)
            y->next[R[j]] = nxt[j];
        h_fix(y, p, R[j]);
        hits += y->in[R[j]];
    }
    for (int j = 0; j < K; j++)
        if (!y->in[R[j]])
            insert(y, p, R[j], clk);
    return hits;
}

/* nxt[t][j]: the next t' > t whose R at layer l holds R_t[j]. */
static void next_needs(const SimTrace *t, int l, Layer *y)
{
    for (int e = 0; e < t->E; e++)
        y->next[e] = NEVER;
    for (int64_t s = t->n_tok - 1; s >= 0; s--) {
        const uint16_t *R = t->experts + (s * t->L + l) * t->K;
        for (int j = 0; j < t->K; j++) {
            y->nxt[s * t->K + j] = y->next[R[j]];
            y->next[R[j]] = s;
        }
    }
}

static void layer_reset(Layer *y)
{
    y->n_res = 0;
    memset(y->in, 0, (size_t)y->E);
    for (int e = 0; e < y->E; e++)
        y->last[e] = y->cnt[e] = 0, y->prot[e] = y->pfet[e] = -1, y->next[e] = NEVER;
}

/* static: the C most needed at l (ties lower id) become resident. */
static void static_set(const SimTrace *t, const SimCase *c, int l, Layer *y)
{
    for (int e = 0; e < t->E; e++)
        y->cnt[e] = 0;
    if (c->static_counts)
        for (int e = 0; e < t->E; e++)
            y->cnt[e] = c->static_counts[(size_t)l * t->E + e];
    else
        for (int64_t s = 0; s < t->n_tok; s++)
            for (int j = 0; j < t->K; j++)
                y->cnt[t->experts[(s * t->L + l) * t->K + j]]++;
    for (int k = 0; k < c->cache; k++) {
        int b = -1;
        for (int e = 0; e < t->E; e++)
            if (!y->in[e] && (b < 0 || y->cnt[e] > y->cnt[b]))
                b = e;
        y->in[b] = 1;
    }
}

static void replay_layer(const SimTrace *t, const SimCase *c, const SimCost *cost, int l,
                         Layer *y, SimResult *r, int64_t *hits_l)
{
    layer_reset(y);
    int K = t->K, M = c->prefetch;
    int d = M ? c->pred->lookahead : 0;
    int pf = M > 0 && l >= d;
    if (c->policy == SIM_STATIC)
        static_set(t, c, l, y);
    if (c->policy == SIM_BELADY)
        next_needs(t, l, y);
    int64_t clk = 0, h = 0;
    for (int64_t s = 0; s < t->n_tok; s++) {
        const uint16_t *R = t->experts + (s * t->L + l) * K;
        int p = 0, hs = 0;
        if (pf) {
            const uint16_t *top = c->pred->top + (s * t->L + l) * c->pred->M;
            p = prefetch(y, c->policy, top, M, ++clk);
            for (int j = 0; j < K; j++) /* fetched by this prefetch and needed */
                r->prefetch_useful += y->pfet[R[j]] == clk;
        }
        if (c->policy == SIM_STATIC) {
            for (int j = 0; j < K; j++)
                hs += y->in[R[j]];
        } else {
            hs = demand(y, c->policy, R, K, c->policy == SIM_BELADY ? y->nxt + s * K : NULL,
                        ++clk);
        }
        h += hs;
        r->demand_fetches += K - hs;
        r->prefetch_fetches += p;
        if (pf)
            r->late_s += sim_late_s(p, d, cost);
    }
    r->hits += h;
    if (hits_l)
        hits_l[l] = h;
}

static void layer_free(Layer *y)
{
    free(y->res), free(y->hpos), free(y->in), free(y->last), free(y->cnt), free(y->next);
    free(y->prot);
    free(y->pfet), free(y->nxt);
}

static int layer_alloc(const SimTrace *t, const SimCase *c, Layer *y, Err *e)
{
    size_t E = (size_t)t->E;
    memset(y, 0, sizeof *y);
    y->E = t->E, y->C = c->cache;
    y->res = malloc((size_t)c->cache * sizeof *y->res);
    y->hpos = malloc(E * sizeof *y->hpos);
    y->in = malloc(E);
    y->last = malloc(E * sizeof(int64_t)), y->cnt = malloc(E * sizeof(int64_t));
    y->next = malloc(E * sizeof(int64_t)), y->prot = malloc(E * sizeof(int64_t));
    y->pfet = malloc(E * sizeof(int64_t));
    if (c->policy == SIM_BELADY)
        y->nxt = malloc(((size_t)t->n_tok * t->K + 1) * sizeof(int64_t));
    if (!y->res || !y->hpos || !y->in || !y->last || !y->cnt || !y->next || !y->prot || !y->pfet ||
        (c->policy == SIM_BELADY && !y->nxt)) {
        layer_free(y);
        return err_set(e, ERR_RUNTIME, "sim_replay: out of memory for %lld tokens",
                       (long long)t->n_tok);
    }
    return 0;
}

int sim_replay(const SimTrace *t, const SimCase *c, const SimCost *cost, SimResult *out,
               int64_t *layer_hits, Err *e)
{
    int rc = sim_case_check(t, c, e);
    if (rc)
        return rc;
    Layer y;
    if ((rc = layer_alloc(t, c, &y, e)))
        return rc;
    memset(out, 0, sizeof *out);
    out->tokens = t->n_tok;
    out->steps = t->n_tok * t->L;
    for (int l = 0; l < t->L; l++)
        replay_layer(t, c, cost, l, &y, out, layer_hits);
    layer_free(&y);
    sim_finish(t, cost, out);
    return 0;
}
