/*
 * batcher.c: serving samples in batches; see batcher.h.
 *
 * Units (a window of `window` tokens at one layer; one token when window
 * is 1) are packed into 64 bits as seq:32 | chunk:20 | layer:12, which
 * bounds a set to 2^32 sequences of 2^20 tokens and 4096 layers (checked at
 * open). Training keeps one group's shuffled unit list at a time (memory
 * bounded by the group, as --shards-per-group promises); evaluation walks
 * the selected sequences in storage order through a prefix sum of units, so
 * "all samples" costs no list at all.
 */
#include "data/batcher.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

#define SEQ_BITS 32
#define POS_BITS 20
#define LAYER_BITS 12

struct Batcher {
    TraceSet *ts;
    const TraceHeader *h;
    int lookahead, n_in_layers; /* input layers per token: L - lookahead */
    int window;              /* rows per unit */
    int n_aux;               /* future tokens' targets per row (0: none) */
    int units_per_batch;
    int n_groups;
    uint8_t *mask;           /* [n_seqs] selected */
    int64_t *group_units;    /* [n_groups] selected units */
    int64_t n_samples, steps_per_epoch;
    /* training: the shuffled list of one (epoch, group) */
    uint64_t *list;
    int64_t list_n, list_cap, list_epoch, list_group;
    /* evaluation */
    int64_t *sel_seq;        /* [n_sel] selected sequences, storage order */
    int64_t *sel_prefix;     /* [n_sel + 1] units before each */
    int64_t n_sel;
    uint64_t *eval_ids;      /* NULL = all units, else [n_eval_units] sorted */
    int64_t n_eval_units, n_eval;
};

static uint64_t pack(int64_t seq, int t, int l)
{
    return ((uint64_t)seq << (POS_BITS + LAYER_BITS)) | ((uint64_t)t << LAYER_BITS) | (uint64_t)l;
}

static void unpack(uint64_t id, int64_t *seq, int *t, int *l)
{
    *seq = (int64_t)(id >> (POS_BITS + LAYER_BITS));
    *t = (int)((id >> LAYER_BITS) & ((1u << POS_BITS) - 1));
    *l = (int)(id & ((1u << LAYER_BITS) - 1));
}

/* The seed of the splitmix64 stream for (epoch, group), so every order is
 * a pure function of those numbers: group -1 shuffles the epoch's group
 * order, epoch and group -2 draw the evaluation subsample. */
static uint64_t stream_seed(uint64_t seed, int64_t epoch, int64_t group)
{
    uint64_t s = seed ^ 0x6a09e667f3bcc909ull;
    uint64_t a = rng_splitmix64(&s) ^ (uint64_t)epoch;
    s = a;
    uint64_t b = rng_splitmix64(&s) ^ (uint64_t)(group + 1);
    s = b;
    return rng_splitmix64(&s);
}

int sample_batch_alloc(SampleBatch *b, int cap, int D, int K, int aux_cap, Err *e)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->D = D;
    b->K = K;
    b->window = 1;
    b->aux_cap = aux_cap;
    size_t rows = (size_t)cap, cells = rows * (size_t)K;
    b->x = malloc(rows * (size_t)(D > 0 ? D : 1) * sizeof *b->x);
    b->seq = malloc(rows * sizeof *b->seq);
    b->pos = malloc(rows * sizeof *b->pos);
    b->token = malloc(rows * sizeof *b->token);
    b->layer = malloc(rows * sizeof *b->layer);
    b->targets = malloc(cells * sizeof *b->targets);
    b->prev = malloc(cells * sizeof *b->prev);
    b->aux = malloc(cells * (size_t)(aux_cap > 0 ? aux_cap : 1) * sizeof *b->aux);
    b->valid = malloc(rows);
    if (!b->x || !b->seq || !b->pos || !b->token || !b->layer || !b->targets || !b->prev ||
        !b->aux || !b->valid) {
        sample_batch_free(b);
        return err_set(e, ERR_RUNTIME, "out of memory for a batch of %d rows", cap);
    }
    return ERR_OK;
}

void sample_batch_free(SampleBatch *b)
{
    free(b->x);
    free(b->seq);
    free(b->pos);
    free(b->token);
    free(b->layer);
    free(b->targets);
    free(b->prev);
    free(b->aux);
    free(b->valid);
    memset(b, 0, sizeof *b);
}

static int batcher_index(Batcher *b, Err *e)
{
    int64_t n_seqs = traceset_n_seqs(b->ts);
    b->sel_seq = malloc((size_t)(n_seqs > 0 ? n_seqs : 1) * sizeof *b->sel_seq);
    b->sel_prefix = malloc((size_t)(n_seqs + 1) * sizeof *b->sel_prefix);
    b->group_units = calloc((size_t)b->n_groups, sizeof *b->group_units);
    if (!b->sel_seq || !b->sel_prefix || !b->group_units)
        return err_set(e, ERR_RUNTIME, "out of memory indexing %lld sequences", (long long)n_seqs);
    b->sel_prefix[0] = 0;
    for (int g = 0; g < b->n_groups; g++) {
        int64_t first, count;
        traceset_group_range(b->ts, g, &first, &count);
        for (int64_t s = first; s < first + count; s++) {
            if (!b->mask[s])
                continue;
            int T = traceset_seq_len(b->ts, s);
            if (T >= (1 << POS_BITS))
                return err_set(e, ERR_INPUT, "%s: sequence %lld has %d tokens; at most %d supported",
                               traceset_path(b->ts), (long long)s, T, (1 << POS_BITS) - 1);
            int64_t units = (int64_t)((T + b->window - 1) / b->window) * b->n_in_layers;
            b->n_samples += (int64_t)T * b->n_in_layers;
            b->group_units[g] += units;
            b->sel_seq[b->n_sel] = s;
            b->sel_prefix[b->n_sel + 1] = b->sel_prefix[b->n_sel] + units;
            b->n_sel++;
        }
        b->steps_per_epoch += (b->group_units[g] + b->units_per_batch - 1) / b->units_per_batch;
    }
    b->n_eval_units = b->sel_prefix[b->n_sel];
    b->n_eval = b->n_samples;
    return ERR_OK;
}

int batcher_open(TraceSet *ts, const uint8_t *seq_mask, int lookahead, int batch, int window,
                 int n_aux, Batcher **out, Err *e)
{
    const TraceHeader *h = traceset_header(ts);
    int64_t n_seqs = traceset_n_seqs(ts);
    *out = NULL;
    if (lookahead < 0 || lookahead >= h->L)
        return err_set(e, ERR_USAGE, "--lookahead: %d must be in [0, %d) for %s (L=%d)",
                       lookahead, h->L, traceset_path(ts), h->L);
    if (batch < 1)
        return err_set(e, ERR_USAGE, "--batch: must be at least 1");
    if (window < 1 || window >= (1 << POS_BITS))
        return err_set(e, ERR_USAGE, "--window: %d out of range [1, %d)", window, 1 << POS_BITS);
    if (n_aux < 0 || n_aux > BATCH_MAX_AUX)
        return err_set(e, ERR_USAGE, "batcher: %d future tokens per row not in [0, %d]", n_aux,
                       BATCH_MAX_AUX);
    if (h->L >= (1 << LAYER_BITS) || n_seqs >= ((int64_t)1 << SEQ_BITS))
        return err_set(e, ERR_INPUT, "%s: too many layers or sequences to index",
                       traceset_path(ts));
    Batcher *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, ERR_RUNTIME, "out of memory");
    b->ts = ts;
    b->h = h;
    b->lookahead = lookahead;
    b->window = window;
    b->n_aux = n_aux;
    b->units_per_batch = batch / window > 0 ? batch / window : 1;
    b->n_in_layers = h->L - lookahead;
    b->n_groups = traceset_n_groups(ts);
    b->list_epoch = b->list_group = -1;
    b->mask = malloc((size_t)(n_seqs > 0 ? n_seqs : 1));
    int rc = b->mask ? ERR_OK : err_set(e, ERR_RUNTIME, "out of memory");
    if (!rc) {
        for (int64_t s = 0; s < n_seqs; s++)
            b->mask[s] = seq_mask ? (seq_mask[s] != 0) : 1;
        rc = batcher_index(b, e);
    }
    if (!rc && b->n_samples == 0)
        rc = err_set(e, ERR_INPUT, "%s: no samples selected (sequences too few or too short)",
                     traceset_path(ts));
    if (rc) {
        batcher_free(b);
        return rc;
    }
    *out = b;
    return ERR_OK;
}

void batcher_free(Batcher *b)
{
    if (!b)
        return;
    free(b->mask);
    free(b->group_units);
    free(b->list);
    free(b->sel_seq);
    free(b->sel_prefix);
    free(b->eval_ids);
    free(b);
}

int64_t batcher_n_samples(const Batcher *b) { return b->n_samples; }
int batcher_batch_rows(const Batcher *b) { return b->units_per_batch * b->window; }
int64_t batcher_steps_per_epoch(const Batcher *b) { return b->steps_per_epoch; }
int64_t batcher_n_eval(const Batcher *b) { return b->n_eval; }

/* The view of sequence seq, making its group resident (loading the
 * resident group again is free). */
static int seq_view(Batcher *b, int64_t seq, TraceSeqView *v, Err *e)
{
    int rc = traceset_load_group(b->ts, traceset_group_of(b->ts, seq), e);
    return rc ? rc : traceset_seq(b->ts, seq, v, e);
}

/* Target set of token t at target layer lt into out[K], -1s outside the
 * sequence (t = -1 before the first token, t >= T past the end: no pointer
 * is formed there, as that would point outside the array). */
static void copy_targets(const TraceSeqView *v, int t, int lt, int L, int K, int32_t *out)
{
    if (t < 0 || t >= v->T) {
        for (int k = 0; k < K; k++)
            out[k] = -1;
        return;
    }
    const uint16_t *tg = v->experts + ((size_t)t * (size_t)L + (size_t)lt) * (size_t)K;
    for (int k = 0; k < K; k++)
        out[k] = tg[k];
}

/* Copies the unit `id` into rows r0 .. r0 + window - 1 of out. */
static int fill_unit(Batcher *b, uint64_t id, SampleBatch *out, int r0, Err *e)
{
    int64_t seq;
    int chunk, l;
    unpack(id, &seq, &chunk, &l);
    TraceSeqView v;
    int rc = seq_view(b, seq, &v, e);
    if (rc)
        return rc;
    const int L = b->h->L, K = b->h->K, lt = l + b->lookahead, W = b->window, A = b->n_aux;
    for (int p = 0; p < W; p++) {
        int r = r0 + p, t = chunk * W + p, real = t < v.T;
        size_t at = (size_t)r * (size_t)K;
        float *x = out->x + (size_t)r * (size_t)out->D;
        out->seq[r] = seq;
        out->pos[r] = t;
        out->token[r] = real && v.tokens ? v.tokens[t] : -1;
        out->layer[r] = l;
        out->valid[r] = (uint8_t)real;
        if (real) {
            traceset_seq_hidden(b->h, &v, t, l, x);
            out->n_valid++;
        } else {
            memset(x, 0, (size_t)out->D * sizeof *x);
        }
        copy_targets(&v, real ? t : -1, lt, L, K, out->targets + at);
        copy_targets(&v, real ? t - 1 : -1, lt, L, K, out->prev + at);
        for (int f = 1; f <= A; f++) /* [r][f-1][K] */
            copy_targets(&v, real ? t + f : -1, lt, L, K,
                         out->aux + ((size_t)r * (size_t)A + (size_t)(f - 1)) * (size_t)K);
    }
    return ERR_OK;
}

/* Checks that out can take this batcher's rows: its future tokens. */
static int batch_fits(const Batcher *b, SampleBatch *out, Err *e)
{
    out->n = out->n_valid = 0;
    out->window = b->window;
    out->n_aux = b->n_aux;
    if (b->n_aux > out->aux_cap)
        return err_set(e, ERR_USAGE, "a batch with room for %d future tokens per row needs %d",
                       out->aux_cap, b->n_aux);
    return ERR_OK;
}

/* Fills out with n units (whole windows); ERR_USAGE if they do not fit. */
static int fill_units(Batcher *b, const uint64_t *ids, int n, SampleBatch *out, Err *e)
{
    int rc = batch_fits(b, out, e);
    if (rc)
        return rc;
    if ((int64_t)n * b->window > out->cap)
        return err_set(e, ERR_USAGE, "a batch of %d rows needs %d", out->cap, n * b->window);
    for (int u = 0; u < n; u++)
        if ((rc = fill_unit(b, ids[u], out, u * b->window, e)))
            return rc;
    if ((rc = traceset_check_mapped(b->ts, e))) /* a shard truncated under the reads */
        return rc;
    out->n = n * b->window;
    return ERR_OK;
}

/* Group number at position pos of epoch's shuffled group order. */
static int epoch_group(const Batcher *b, uint64_t seed, int64_t epoch, int64_t pos)
{
    /* n_groups is small (shards / group size): rebuilding the order per call
     * keeps the cursor free of derived state. */
    int n = b->n_groups;
    uint64_t order_buf[64];
    uint64_t *order = n <= 64 ? order_buf : malloc((size_t)n * sizeof *order);
    if (!order)
        return -1;
    for (int g = 0; g < n; g++)
        order[g] = (uint64_t)g;
    rng_shuffle_u64(order, n, stream_seed(seed, epoch, -1));
    int g = (int)order[pos];
    if (order != order_buf)
        free(order);
    return g;
}

static int build_group_list(Batcher *b, uint64_t seed, int64_t epoch, int g, Err *e)
{
    if (b->list_epoch == epoch && b->list_group == g)
        return ERR_OK;
    int64_t need = b->group_units[g];
    if (need > b->list_cap) {
        uint64_t *p = realloc(b->list, (size_t)need * sizeof *p);
        if (!p)
            return err_set(e, ERR_RUNTIME, "out of memory for %lld samples", (long long)need);
        b->list = p;
        b->list_cap = need;
    }
    int64_t first, count, n = 0;
    traceset_group_range(b->ts, g, &first, &count);
    for (int64_t s = first; s < first + count; s++) {
        if (!b->mask[s])
            continue;
        int chunks = (traceset_seq_len(b->ts, s) + b->window - 1) / b->window;
        for (int c = 0; c < chunks; c++)
            for (int l = 0; l < b->n_in_layers; l++)
                b->list[n++] = pack(s, c, l);
    }
    rng_shuffle_u64(b->list, n, stream_seed(seed, epoch, g));
    b->list_n = n;
    b->list_epoch = epoch;
    b->list_group = g;
    return traceset_load_group(b->ts, g, e);
}

int batcher_cursor_valid(const Batcher *b, uint64_t seed, const BatchCursor *c)
{
    if (c->epoch < 0 || c->group_pos < 0 || c->group_pos >= b->n_groups || c->offset < 0)
        return 0;
    int g = epoch_group(b, seed, c->epoch, c->group_pos);
    return g >= 0 && c->offset <= b->group_units[g];
}

int batcher_next_train(Batcher *b, uint64_t seed, BatchCursor *c, SampleBatch *out,
                       int *epoch_done, Err *e)
{
    *epoch_done = 0;
    out->n = 0;
    int g;
    for (;;) { /* skip groups with nothing selected */
        g = epoch_group(b, seed, c->epoch, c->group_pos);
        if (g < 0)
            return err_set(e, ERR_RUNTIME, "out of memory");
        if (c->offset < b->group_units[g])
            break;
        c->group_pos++;
        c->offset = 0;
        if (c->group_pos == b->n_groups) {
            c->group_pos = 0;
            c->epoch++;
        }
    }
    int rc = build_group_list(b, seed, c->epoch, g, e);
    if (rc)
        return rc;
    int64_t left = b->list_n - c->offset;
    int n = (int)(left < b->units_per_batch ? left : b->units_per_batch);
    if ((rc = fill_units(b, b->list + c->offset, n, out, e)))
        return rc;
    c->offset += n;
    /* Is this the epoch's last batch? Only empty groups may follow. */
    if (c->offset == b->list_n) {
        int64_t pos = c->group_pos + 1;
        int more = 0;
        for (; pos < b->n_groups && !more; pos++) {
            int next = epoch_group(b, seed, c->epoch, pos);
            more = next < 0 || b->group_units[next] > 0;
        }
        if (!more) {
            *epoch_done = 1;
            c->epoch++;
            c->group_pos = 0;
            c->offset = 0;
        }
    }
    return ERR_OK;
}

/* The id of the i-th selected unit in storage order (seq, chunk, l). */
static uint64_t eval_unit_id(const Batcher *b, int64_t i)
{
    if (b->eval_ids)
        return b->eval_ids[i];
    int64_t lo = 0, hi = b->n_sel - 1; /* last selected seq with prefix <= i */
    while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        if (b->sel_prefix[mid] <= i) lo = mid; else hi = mid - 1;
    }
    int64_t within = i - b->sel_prefix[lo];
    return pack(b->sel_seq[lo], (int)(within / b->n_in_layers), (int)(within % b->n_in_layers));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Floyd's algorithm: m distinct indices of [0, N) in memory proportional
 * to m, not N: for j in [N-m, N) draw t in [0, j] and take t, or j when t
 * is taken (an open-addressing set says). */
static int floyd_sample(int64_t N, int64_t m, uint64_t seed, uint64_t *out, Err *e)
{
    int64_t cap = 1;
    while (cap < 2 * m)
        cap <<= 1;
    int64_t *set = malloc((size_t)cap * sizeof *set);
    if (!set)
        return err_set(e, ERR_RUNTIME, "out of memory for %lld samples", (long long)m);
    for (int64_t i = 0; i < cap; i++)
        set[i] = -1;
    uint64_t s = seed;
    int64_t n = 0;
    for (int64_t j = N - m; j < N; j++) {
        int64_t t = (int64_t)(rng_splitmix64(&s) % (uint64_t)(j + 1));
        for (int pass = 0; pass < 2; pass++) {
            int64_t slot = (int64_t)(((uint64_t)t * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
            while (set[slot] >= 0 && set[slot] != t)
                slot = (slot + 1) & (cap - 1);
            if (set[slot] < 0) {
                set[slot] = t;
                break;
            }
            t = j; /* taken: Floyd takes j instead, which is never taken yet */
        }
        out[n++] = (uint64_t)t;
    }
    free(set);
    qsort(out, (size_t)n, sizeof *out, cmp_u64);
    return ERR_OK;
}

/* Valid rows of a unit: the tokens of its window that exist. */
static int64_t unit_rows(const Batcher *b, uint64_t id)
{
    int64_t seq;
    int chunk, l;
    unpack(id, &seq, &chunk, &l);
    int left = traceset_seq_len(b->ts, seq) - chunk * b->window;
    return left < b->window ? left : b->window;
}

int batcher_limit_eval(Batcher *b, int64_t max_samples, uint64_t seed, Err *e)
{
    free(b->eval_ids);
    b->eval_ids = NULL;
    b->n_eval = b->n_samples;
    b->n_eval_units = b->sel_prefix[b->n_sel];
    int64_t m = (max_samples + b->window - 1) / b->window;
    if (max_samples <= 0 || m >= b->n_eval_units)
        return ERR_OK;
    uint64_t *ids = malloc((size_t)m * sizeof *ids);
    if (!ids)
        return err_set(e, ERR_RUNTIME, "out of memory for %lld samples", (long long)m);
    int rc = floyd_sample(b->n_eval_units, m, stream_seed(seed, -2, -2), ids, e);
    if (rc) {
        free(ids);
        return rc;
    }
    b->n_eval = 0;
    for (int64_t i = 0; i < m; i++) {
        ids[i] = eval_unit_id(b, (int64_t)ids[i]);
        b->n_eval += unit_rows(b, ids[i]);
    }
    b->eval_ids = ids;
    b->n_eval_units = m;
    return ERR_OK;
}

int batcher_next_eval(Batcher *b, int64_t *pos, SampleBatch *out, Err *e)
{
    int64_t left = b->n_eval_units - *pos, fit = out->cap / b->window;
    int n = (int)(left < fit ? left : fit);
    int rc = batch_fits(b, out, e);
    for (int u = 0; !rc && u < n; u++)
        rc = fill_unit(b, eval_unit_id(b, *pos + u), out, u * b->window, e);
    if (rc)
        return rc;
    out->n = n * b->window;
    *pos += n;
    return ERR_OK;
}
