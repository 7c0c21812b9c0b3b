/*
 * replay.c: SPEC 11's replay, one layer at a time. Per layer the events are
 * prefetch(t, l') then demand(t, l') for every Δ, so a layer's cache, clock
 * and belady next-need table are all the state there is (O(n_tok · K)).
 *
 * Under lfu and belady the resident experts are a binary heap ordered by
 * the policy's victim order (one integer key per expert, key_of()), so a
 * victim costs O(log C) and a touched expert is re-placed in O(log C); lru
 * needs no heap (its list below: O(1)). The replay is at most
 * O(steps · (K + M) · log C), with no allocation inside the step loop. Protected experts (the step's R, the
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
    SimPolicy policy;
    int64_t horizon;  /* n_tok: belady's keys count down from it */
    uint64_t *res;    /* [C] keys of the resident experts, a heap: res[0] is the best victim */
    int *hpos;        /* [E] index in res of a resident expert */
    uint8_t *in;      /* [E] resident */
    int64_t *last;    /* [E] last use (clock) */
    int64_t *cnt;     /* [E] steps that needed it so far */
    int64_t *next;    /* [E] next need (belady), NEVER when none */
    int64_t *prot;    /* [E] clock at which it was protected */
    int64_t *pfet;    /* [E] clock of the prefetch that last fetched it */
    int64_t *nxt;     /* [n_tok][K] next need of R's j-th expert after t */
    int *prev, *succ; /* lru: [E] the resident list, best victim (head) first */
    int head, tail;   /* -1 when empty */
} Layer;

/* The victim order as one integer: a smaller key is a better victim, and
 * the low ID_BITS are the id (the last tie-break of every policy), so the
 * heap compares integers and finds the id without a second look-up.
 * lfu: (needs, last use, id); belady: (n_tok - next need, id), never
 * needed again first (lru keeps no heap). With n_tok < 2^26 the clock (two
 * ticks a token) takes 27 bits and the count 26: 10 + 27 + 26 <= 64. */
#define ID_BITS 10
#define CLOCK_BITS 27
_Static_assert(SIM_MAX_EXPERTS <= 1 << ID_BITS, "ids fit the key");
_Static_assert(SIM_MAX_TOKENS * 2 + 1 < (int64_t)1 << CLOCK_BITS, "the clock fits the key");
_Static_assert(ID_BITS + CLOCK_BITS + 26 <= 64, "lfu's count (< 2^26) fits the key");

static uint64_t key_of(const Layer *y, int id)
{
    uint64_t low = (uint64_t)id;
    if (y->policy == SIM_BELADY) {
        int64_t n = y->next[id] < y->horizon ? y->next[id] : y->horizon;
        return (uint64_t)(y->horizon - n) << ID_BITS | low;
    }
    return ((uint64_t)y->cnt[id] << CLOCK_BITS | (uint64_t)y->last[id]) << ID_BITS | low;
}

static int key_id(uint64_t k) { return (int)(k & ((1u << ID_BITS) - 1)); }

static void h_set(Layer *y, int i, uint64_t k)
{
    y->res[i] = k;
    y->hpos[key_id(k)] = i;
}

/* Sifts the key k placed at i into its place. */
static void h_sift(Layer *y, int i, uint64_t k)
{
    while (i > 0 && k < y->res[(i - 1) / 2]) {
        h_set(y, i, y->res[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        uint64_t mk = k;
        if (l < y->n_res && y->res[l] < mk)
            m = l, mk = y->res[l];
        if (r < y->n_res && y->res[r] < mk)
            m = r, mk = y->res[r];
        if (m == i)
            break;
        h_set(y, i, mk);
        i = m;
    }
    h_set(y, i, k);
}

static void h_push(Layer *y, int id)
{
    y->n_res++;
    h_sift(y, y->n_res - 1, key_of(y, id));
}

static int h_pop(Layer *y)
{
    int top = key_id(y->res[0]);
    uint64_t last = y->res[--y->n_res];
    if (y->n_res > 0)
        h_sift(y, 0, last);
    return top;
}

/* A resident expert's keys changed: put it back in its place. */
static void h_fix(Layer *y, int id)
{
    if (y->in[id])
        h_sift(y, y->hpos[id], key_of(y, id));
}

/* ---- lru without a heap ----
 * Under lru the victim order is (tick of last use, id), and every expert a
 * step or a prefetch uses gets the same, newest tick: so the residents can
 * be a list from the best victim (head) to the newest, each group used at
 * one tick appended in id order. A victim is the head, a use a move to the
 * tail: O(1) per expert plus sorting the group, with the heap's results. */
static void l_unlink(Layer *y, int id)
{
    int p = y->prev[id], s = y->succ[id];
    if (p >= 0) y->succ[p] = s; else y->head = s;
    if (s >= 0) y->prev[s] = p; else y->tail = p;
}

static void l_append(Layer *y, int id)
{
    y->prev[id] = y->tail;
    y->succ[id] = -1;
    if (y->tail >= 0) y->succ[y->tail] = id; else y->head = id;
    y->tail = id;
}

/* Group g [n] (distinct) used at tick clk: its missing experts fetched
 * (pfet marks a prefetch's), evicting from the head, never one of g (they
 * leave the list first; C >= n, so a victim exists); then all of g at the
 * tail in id order. Returns the experts fetched. */
static int lru_group(Layer *y, const uint16_t *g, int n, int64_t clk, int is_prefetch)
{
    uint16_t sorted[SIM_MAX_EXPERTS];
    int fetched = 0;
    for (int j = 0; j < n; j++) {
        y->last[g[j]] = clk;
        if (y->in[g[j]])
            l_unlink(y, g[j]);
    }
    for (int j = 0; j < n; j++) {
        int id = g[j];
        if (y->in[id])
            continue;
        if (y->n_res == y->C) {
            int v = y->head;
            l_unlink(y, v);
            y->in[v] = 0;
            y->n_res--;
        }
        y->in[id] = 1;
        y->n_res++;
        fetched++;
        if (is_prefetch)
            y->pfet[id] = clk;
    }
    for (int j = 0; j < n; j++) { /* insertion sort: groups are K or M long */
        int k = j;
        for (; k > 0 && sorted[k - 1] > g[j]; k--)
            sorted[k] = sorted[k - 1];
        sorted[k] = g[j];
    }
    for (int j = 0; j < n; j++)
        l_append(y, sorted[j]);
    return fetched;
}

/* Inserts id, evicting the best unprotected victim when full. Fewer than
 * K + M residents are protected and C >= both, so a victim exists. */
static void insert(Layer *y, int id, int64_t clk)
{
    if (y->n_res == y->C) {
        uint16_t aside[SIM_MAX_EXPERTS];
        int n = 0;
        while (y->prot[key_id(y->res[0])] == clk)
            aside[n++] = (uint16_t)h_pop(y);
        y->in[h_pop(y)] = 0;
        for (int i = 0; i < n; i++)
            h_push(y, aside[i]);
    }
    h_push(y, id);
    y->in[id] = 1;
}

/* The prefetch for (t, l): returns p, the experts it fetched. */
static int prefetch(Layer *y, const uint16_t *top, int M, int64_t clk)
{
    if (y->policy == SIM_LRU)
        return lru_group(y, top, M, clk, 1);
    int fetched = 0;
    for (int j = 0; j < M; j++)
        y->prot[top[j]] = clk;
    for (int j = 0; j < M; j++) {
        y->last[top[j]] = clk;
        h_fix(y, top[j]);
        if (!y->in[top[j]]) {
            insert(y, top[j], clk);
            y->pfet[top[j]] = clk;
            fetched++;
        }
    }
    return fetched;
}

/* Demand step; returns the hits. */
static int demand(Layer *y, const uint16_t *R, int K, const int64_t *nxt, int64_t clk)
{
    int hits = 0;
    if (y->policy == SIM_LRU) {
        for (int j = 0; j < K; j++)
            hits += y->in[R[j]];
        lru_group(y, R, K, clk, 0);
        return hits;
    }
    for (int j = 0; j < K; j++) {
        y->prot[R[j]] = clk;
        y->last[R[j]] = clk;
        y->cnt[R[j]]++;
        if (nxt)
            y->next[R[j]] = nxt[j];
        h_fix(y, R[j]);
        hits += y->in[R[j]];
    }
    for (int j = 0; j < K; j++)
        if (!y->in[R[j]])
            insert(y, R[j], clk);
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
    y->head = y->tail = -1;
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
            p = prefetch(y, top, M, ++clk);
            for (int j = 0; j < K; j++) /* fetched by this prefetch and needed */
                r->prefetch_useful += y->pfet[R[j]] == clk;
        }
        if (c->policy == SIM_STATIC) {
            for (int j = 0; j < K; j++)
                hs += y->in[R[j]];
        } else {
            hs = demand(y, R, K, c->policy == SIM_BELADY ? y->nxt + s * K : NULL, ++clk);
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
    free(y->prev), free(y->succ);
}

static int layer_alloc(const SimTrace *t, const SimCase *c, Layer *y, Err *e)
{
    size_t E = (size_t)t->E;
    memset(y, 0, sizeof *y);
    y->E = t->E, y->C = c->cache;
    y->policy = c->policy;
    y->horizon = t->n_tok;
    y->res = malloc((size_t)c->cache * sizeof *y->res);
    y->hpos = malloc(E * sizeof *y->hpos);
    y->in = malloc(E);
    y->last = malloc(E * sizeof(int64_t)), y->cnt = malloc(E * sizeof(int64_t));
    y->next = malloc(E * sizeof(int64_t)), y->prot = malloc(E * sizeof(int64_t));
    y->pfet = malloc(E * sizeof(int64_t));
    y->prev = malloc(E * sizeof *y->prev), y->succ = malloc(E * sizeof *y->succ);
    if (c->policy == SIM_BELADY)
        y->nxt = malloc(((size_t)t->n_tok * t->K + 1) * sizeof(int64_t));
    if (!y->res || !y->hpos || !y->in || !y->last || !y->cnt || !y->next || !y->prot || !y->pfet ||
        !y->prev || !y->succ ||
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
