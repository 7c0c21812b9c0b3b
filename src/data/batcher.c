/*
 * batcher.c: serving samples in batches; see batcher.h.
 *
 * Samples are packed into 64 bits as seq:32 | t:20 | layer:12, which bounds
 * a set to 2^32 sequences of 2^20 tokens and 4096 layers (checked at open).
 * Training keeps one group's shuffled list at a time (memory bounded by the
 * group, as --shards-per-group promises); evaluation walks the selected
 * sequences in storage order through a prefix sum, so "all samples" costs
 * no list at all.
 */
#include "data/batcher.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_BITS 32
#define POS_BITS 20
#define LAYER_BITS 12

struct Batcher {
    TraceSet *ts;
    const TraceHeader *h;
    int lookahead, batch, n_in_layers; /* input layers per token: L - lookahead */
    int n_groups;
    uint8_t *mask;           /* [n_seqs] selected */
    int64_t *group_samples;  /* [n_groups] selected samples */
    int64_t n_samples, steps_per_epoch;
    /* training: the shuffled list of one (epoch, group) */
    uint64_t *list;
    int64_t list_n, list_cap, list_epoch, list_group;
    /* evaluation */
    int64_t *sel_seq;        /* [n_sel] selected sequences, storage order */
    int64_t *sel_prefix;     /* [n_sel + 1] samples before each */
    int64_t n_sel;
    uint64_t *eval_ids;      /* NULL = all samples, else [n_eval] sorted */
    int64_t n_eval;
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

/* splitmix64: the shuffles' generator, seeded per (seed, epoch, group) so
 * every order is a pure function of those numbers. */
static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t stream_seed(uint64_t seed, int64_t epoch, int64_t group)
{
    uint64_t s = seed ^ 0x6a09e667f3bcc909ull;
    uint64_t a = mix64(&s) ^ (uint64_t)epoch;
    s = a;
    uint64_t b = mix64(&s) ^ (uint64_t)(group + 1);
    s = b;
    return mix64(&s);
}

static void shuffle_u64(uint64_t *v, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(mix64(&s) % (uint64_t)(i + 1));
        uint64_t tmp = v[i];
        v[i] = v[j];
        v[j] = tmp;
    }
}

int sample_batch_alloc(SampleBatch *b, int cap, int D, int K, Err *e)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->D = D;
    b->K = K;
    size_t rows = (size_t)cap, cells = rows * (size_t)K;
    b->x = malloc(rows * (size_t)(D > 0 ? D : 1) * sizeof *b->x);
    b->layer = malloc(rows * sizeof *b->layer);
    b->targets = malloc(cells * sizeof *b->targets);
    b->prev = malloc(cells * sizeof *b->prev);
    if (!b->x || !b->layer || !b->targets || !b->prev) {
        sample_batch_free(b);
        return err_set(e, ERR_RUNTIME, "out of memory for a batch of %d rows", cap);
    }
    return ERR_OK;
}

void sample_batch_free(SampleBatch *b)
{
    free(b->x);
    free(b->layer);
    free(b->targets);
    free(b->prev);
    memset(b, 0, sizeof *b);
}

static int batcher_index(Batcher *b, Err *e)
{
    int64_t n_seqs = traceset_n_seqs(b->ts);
    b->sel_seq = malloc((size_t)(n_seqs > 0 ? n_seqs : 1) * sizeof *b->sel_seq);
    b->sel_prefix = malloc((size_t)(n_seqs + 1) * sizeof *b->sel_prefix);
    b->group_samples = calloc((size_t)b->n_groups, sizeof *b->group_samples);
    if (!b->sel_seq || !b->sel_prefix || !b->group_samples)
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
            int64_t ns = (int64_t)T * b->n_in_layers;
            b->group_samples[g] += ns;
            b->sel_seq[b->n_sel] = s;
            b->sel_prefix[b->n_sel + 1] = b->sel_prefix[b->n_sel] + ns;
            b->n_sel++;
        }
        b->steps_per_epoch += (b->group_samples[g] + b->batch - 1) / b->batch;
    }
    b->n_samples = b->sel_prefix[b->n_sel];
    b->n_eval = b->n_samples;
    return ERR_OK;
}

int batcher_open(TraceSet *ts, const uint8_t *seq_mask, int lookahead, int batch,
                 Batcher **out, Err *e)
{
    const TraceHeader *h = traceset_header(ts);
    int64_t n_seqs = traceset_n_seqs(ts);
    *out = NULL;
    if (lookahead < 0 || lookahead >= h->L)
        return err_set(e, ERR_USAGE, "--lookahead: %d must be in [0, %d) for %s (L=%d)",
                       lookahead, h->L, traceset_path(ts), h->L);
    if (batch < 1)
        return err_set(e, ERR_USAGE, "--batch: must be at least 1");
    if (h->L >= (1 << LAYER_BITS) || n_seqs >= ((int64_t)1 << SEQ_BITS))
        return err_set(e, ERR_INPUT, "%s: too many layers or sequences to index",
                       traceset_path(ts));
    Batcher *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(e, ERR_RUNTIME, "out of memory");
    b->ts = ts;
    b->h = h;
    b->lookahead = lookahead;
    b->batch = batch;
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
    free(b->group_samples);
    free(b->list);
    free(b->sel_seq);
    free(b->sel_prefix);
    free(b->eval_ids);
    free(b);
}

int64_t batcher_n_samples(const Batcher *b) { return b->n_samples; }
int64_t batcher_steps_per_epoch(const Batcher *b) { return b->steps_per_epoch; }
int64_t batcher_n_eval(const Batcher *b) { return b->n_eval; }

/* Copies sample id into row r of out, making its group resident. */
static int fill_row(Batcher *b, uint64_t id, SampleBatch *out, int r, Err *e)
{
    int64_t seq;
    int t, l;
    unpack(id, &seq, &t, &l);
    TraceSeqView v;
    int rc = traceset_seq(b->ts, seq, &v, e);
    if (rc == ERR_USAGE) { /* not resident: find its group */
        int lo = 0, hi = b->n_groups - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            int64_t first, count;
            traceset_group_range(b->ts, mid, &first, &count);
            if (first <= seq) lo = mid; else hi = mid - 1;
        }
        rc = traceset_load_group(b->ts, lo, e);
        if (!rc)
            rc = traceset_seq(b->ts, seq, &v, e);
    }
    if (rc)
        return rc;
    const int L = b->h->L, K = b->h->K, lt = l + b->lookahead;
    traceset_seq_hidden(b->h, &v, t, l, out->x + (size_t)r * (size_t)out->D);
    out->layer[r] = l;
    const uint16_t *tg = v.experts + ((size_t)t * (size_t)L + (size_t)lt) * (size_t)K;
    size_t at = (size_t)r * (size_t)K;
    for (int k = 0; k < K; k++) {
        out->targets[at + k] = tg[k];
        out->prev[at + k] = t > 0 ? tg[k - (ptrdiff_t)L * K] : -1;
    }
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
    shuffle_u64(order, n, stream_seed(seed, epoch, -1));
    int g = (int)order[pos];
    if (order != order_buf)
        free(order);
    return g;
}

static int build_group_list(Batcher *b, uint64_t seed, int64_t epoch, int g, Err *e)
{
    if (b->list_epoch == epoch && b->list_group == g)
        return ERR_OK;
    int64_t need = b->group_samples[g];
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
        int T = traceset_seq_len(b->ts, s);
        for (int t = 0; t < T; t++)
            for (int l = 0; l < b->n_in_layers; l++)
                b->list[n++] = pack(s, t, l);
    }
    shuffle_u64(b->list, n, stream_seed(seed, epoch, g));
    b->list_n = n;
    b->list_epoch = epoch;
    b->list_group = g;
    return traceset_load_group(b->ts, g, e);
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
        if (c->offset < b->group_samples[g])
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
    int n = (int)(left < b->batch ? left : b->batch);
    if (n > out->cap)
        n = out->cap;
    for (int r = 0; r < n; r++)
        if ((rc = fill_row(b, b->list[c->offset + r], out, r, e)))
            return rc;
    out->n = n;
    c->offset += n;
    /* Is this the epoch's last batch? Only empty groups may follow. */
    if (c->offset == b->list_n) {
        int64_t pos = c->group_pos + 1;
        int more = 0;
        for (; pos < b->n_groups && !more; pos++) {
            int next = epoch_group(b, seed, c->epoch, pos);
            more = next < 0 || b->group_samples[next] > 0;
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

/* The id of the i-th selected sample in storage order (seq, t, l). */
static uint64_t eval_sample_id(const Batcher *b, int64_t i)
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

int batcher_limit_eval(Batcher *b, int64_t max_samples, uint64_t seed, Err *e)
{
    free(b->eval_ids);
    b->eval_ids = NULL;
    b->n_eval = b->n_samples;
    if (max_samples <= 0 || max_samples >= b->n_samples)
        return ERR_OK;
    /* Floyd's algorithm picks max_samples distinct indices with memory
     * proportional to max_samples, not to the set: for j in [N-m, N) draw
     * t in [0, j] and take t, or j when t is taken (a hash set says). */
    uint64_t *ids = malloc((size_t)max_samples * sizeof *ids);
    if (!ids)
        return err_set(e, ERR_RUNTIME, "out of memory for %lld samples", (long long)max_samples);
    uint64_t s = stream_seed(seed, -2, -2);
    int64_t n = 0;
    int64_t cap = 1;
    while (cap < 2 * max_samples)
        cap <<= 1;
    int64_t *set = malloc((size_t)cap * sizeof *set);
    if (!set) {
        free(ids);
        return err_set(e, ERR_RUNTIME, "out of memory for %lld samples", (long long)max_samples);
    }
    for (int64_t i = 0; i < cap; i++)
        set[i] = -1;
    for (int64_t j = b->n_samples - max_samples; j < b->n_samples; j++) {
        int64_t t = (int64_t)(mix64(&s) % (uint64_t)(j + 1));
        for (int pass = 0; pass < 2; pass++) {
            uint64_t hsh = (uint64_t)t * 0x9e3779b97f4a7c15ull;
            int64_t slot = (int64_t)(hsh >> 20) & (cap - 1);
            while (set[slot] >= 0 && set[slot] != t)
                slot = (slot + 1) & (cap - 1);
            if (set[slot] < 0) {
                set[slot] = t;
                break;
            }
            t = j; /* taken: Floyd takes j instead, which is never taken yet */
        }
        ids[n++] = (uint64_t)t;
    }
    free(set);
    qsort(ids, (size_t)n, sizeof *ids, cmp_u64);
    for (int64_t i = 0; i < n; i++)
        ids[i] = eval_sample_id(b, (int64_t)ids[i]);
    b->eval_ids = ids;
    b->n_eval = n;
    return ERR_OK;
}

int batcher_next_eval(Batcher *b, int64_t *pos, SampleBatch *out, Err *e)
{
    out->n = 0;
    int64_t left = b->n_eval - *pos;
    int n = (int)(left < out->cap ? left : out->cap);
    for (int r = 0; r < n; r++) {
        int rc = fill_row(b, eval_sample_id(b, *pos + r), out, r, e);
        if (rc)
            return rc;
    }
    out->n = n;
    *pos += n;
    return ERR_OK;
}
