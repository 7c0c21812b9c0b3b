/*
 * sim_trace.c: the replayed trace and the baselines' statistics (SPEC 11's
 * "which sequences"): the selected sequences in ascending index, cut after
 * the last whole sequence that fits in --sim-tokens, copied into one
 * [tokens][L][K] block; need counts from the training split, or from the
 * replayed trace itself (hindsight) when there is none.
 */
#include "train/sim_trace.h"

#include <stdlib.h>
#include <string.h>

void sim_replay_free(SimReplay *r)
{
    free(r->experts);
    free(r->seq_first);
    free(r->seq_start);
    free(r->replayed);
    free(r->counts);
    free(r->freq_order);
    memset(r, 0, sizeof *r);
}

/* Which sequences are replayed and where each starts in the block. */
static int64_t choose_seqs(const TraceSet *ts, const uint8_t *mask, int64_t sim_tokens,
                           SimReplay *r)
{
    int64_t n_tok = 0;
    for (int64_t s = 0; s < traceset_n_seqs(ts); s++) {
        r->seq_first[s] = -1;
        if (mask && !mask[s])
            continue;
        int T = traceset_seq_len(ts, s);
        if (sim_tokens > 0 && n_tok + T > sim_tokens)
            break; /* whole sequences only, the first ones in index order */
        r->seq_first[s] = n_tok;
        r->replayed[s] = 1;
        r->seqs++;
        n_tok += T;
    }
    return n_tok;
}

/* Calls fn for every selected sequence of ts, group by group. */
typedef void (*SeqFn)(void *ctx, int64_t seq, const TraceSeqView *v);
static int for_each_seq(TraceSet *ts, const uint8_t *mask, SeqFn fn, void *ctx, Err *e)
{
    for (int g = 0; g < traceset_n_groups(ts); g++) {
        int64_t first, count;
        traceset_group_range(ts, g, &first, &count);
        int rc = traceset_load_group(ts, g, e);
        for (int64_t s = first; !rc && s < first + count; s++) {
            TraceSeqView v;
            if (mask && !mask[s])
                continue;
            if (!(rc = traceset_seq(ts, s, &v, e)))
                fn(ctx, s, &v);
        }
        if (!rc)
            rc = traceset_check_mapped(ts, e);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

static void copy_seq(void *ctx, int64_t seq, const TraceSeqView *v)
{
    SimReplay *r = ctx;
    const size_t per_tok = (size_t)r->trace.L * (size_t)r->trace.K;
    memcpy(r->experts + (size_t)r->seq_first[seq] * per_tok, v->experts,
           (size_t)v->T * per_tok * sizeof *r->experts);
    r->seq_start[r->seq_first[seq]] = 1;
}

typedef struct CountCtx {
    uint32_t *counts;
    int E, K, L;
} CountCtx;

static void count_seq(void *ctx, int64_t seq, const TraceSeqView *v)
{
    (void)seq;
    CountCtx *c = ctx;
    for (int t = 0; t < v->T; t++)
        for (int l = 0; l < c->L; l++)
            for (int j = 0; j < c->K; j++) {
                uint16_t x = v->experts[((size_t)t * c->L + l) * c->K + j];
                if (x < c->E && c->counts[(size_t)l * c->E + x] < UINT32_MAX)
                    c->counts[(size_t)l * c->E + x]++;
            }
}

int sim_replay_build(TraceSet *ts, const uint8_t *mask, int64_t sim_tokens, TraceSet *stats,
                     const uint8_t *stats_mask, SimReplay *r, Err *e)
{
    memset(r, 0, sizeof *r);
    const TraceHeader *h = traceset_header(ts);
    const int64_t n_seqs = traceset_n_seqs(ts);
    /* The set may hold up to 65535 experts; the simulator's per-layer
     * rankings are sized for SIM_MAX_EXPERTS. Bound before the first use. */
    if (h->E > SIM_MAX_EXPERTS)
        return err_set(e, ERR_INPUT, "%s: E=%d: the simulator takes at most %d experts",
                       traceset_path(ts), h->E, SIM_MAX_EXPERTS);
    r->trace = (SimTrace){h->E, h->K, h->L, 0, NULL};
    r->seq_first = malloc((size_t)n_seqs * sizeof *r->seq_first);
    r->replayed = calloc((size_t)n_seqs, 1);
    r->counts = calloc((size_t)h->L * (size_t)h->E, sizeof *r->counts);
    r->freq_order = malloc((size_t)h->L * (size_t)h->E * sizeof *r->freq_order);
    if (!r->seq_first || !r->replayed || !r->counts || !r->freq_order)
        return err_set(e, ERR_RUNTIME, "out of memory");
    int64_t n_tok = choose_seqs(ts, mask, sim_tokens, r);
    if (n_tok == 0)
        return err_set(e, ERR_USAGE, "%s: no whole sequence fits in --sim-tokens %lld",
                       traceset_path(ts), (long long)sim_tokens);
    r->trace.n_tok = n_tok;
    r->experts = malloc((size_t)n_tok * (size_t)h->L * (size_t)h->K * sizeof *r->experts);
    r->seq_start = calloc((size_t)n_tok, 1);
    if (!r->experts || !r->seq_start)
        return err_set(e, ERR_RUNTIME, "out of memory (%lld tokens to replay)",
                       (long long)n_tok);
    r->trace.experts = r->experts;
    int rc = for_each_seq(ts, r->replayed, copy_seq, r, e);
    if (rc)
        return rc;
    r->hindsight = stats == NULL;
    if (stats) {
        CountCtx c = {r->counts, h->E, h->K, h->L};
        rc = for_each_seq(stats, stats_mask, count_seq, &c, e);
    } else {
        sim_count_needs(&r->trace, r->counts);
    }
    if (!rc)
        sim_freq_order(r->counts, h->E, h->L, r->freq_order);
    return rc;
}
