/* dataset.c: opening the data of a training invocation; see dataset.h. */
#include "train/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "data/split.h"

static int same_shape(const TraceHeader *a, const TraceHeader *b)
{
    return a->E == b->E && a->K == b->K && a->L == b->L && a->D == b->D;
}

static int open_sets(const TrainConfig *c, TrainData *d, Err *e)
{
    int rc = traceset_open(c->data, c->shards_per_group, &d->ts, e);
    if (rc)
        return rc;
    d->h = *traceset_header(d->ts);
    if (d->h.D <= 0)
        return err_set(e, ERR_INPUT,
                       "%s: routing-only trace set (D = 0): training needs hidden states",
                       c->data);
    if (d->h.K > TRAIN_MAX_K)
        return err_set(e, ERR_INPUT, "%s: K=%d experts per token; at most %d supported",
                       c->data, d->h.K, TRAIN_MAX_K);
    d->vts = d->ts;
    if (c->val_data[0]) {
        if ((rc = traceset_open(c->val_data, c->shards_per_group, &d->vts, e)))
            return rc;
        const TraceHeader *vh = traceset_header(d->vts);
        if (!same_shape(&d->h, vh))
            return err_set(e, ERR_INPUT,
                           "%s: shape E=%d K=%d L=%d D=%d differs from --data %s "
                           "(E=%d K=%d L=%d D=%d)", c->val_data, vh->E, vh->K, vh->L, vh->D,
                           c->data, d->h.E, d->h.K, d->h.L, d->h.D);
    }
    return ERR_OK;
}

int train_arch_view(Arch a)
{
    return a == ARCH_SIMPLE ? VIEW_TOKEN : VIEW_WINDOW;
}

static int open_view(const TrainConfig *c, TrainData *d, const uint8_t *train_mask, int view,
                     Err *e)
{
    int window = view == VIEW_WINDOW ? c->window : 1;
    int rc = batcher_open(d->ts, train_mask, c->lookahead, c->batch, window, &d->train[view], e);
    if (!rc)
        rc = batcher_open(d->vts, d->vts == d->ts ? d->val_mask : NULL, c->lookahead, c->batch,
                          window, &d->val[view], e);
    if (!rc)
        rc = batcher_limit_eval(d->val[view], c->val_samples, c->seed, e);
    return rc;
}

static int open_batchers(const TrainConfig *c, TrainData *d, Err *e)
{
    int64_t n = traceset_n_seqs(d->ts);
    d->val_mask = calloc((size_t)(n > 0 ? n : 1), 1);
    uint8_t *train_mask = malloc((size_t)(n > 0 ? n : 1));
    int rc = (d->val_mask && train_mask) ? ERR_OK : err_set(e, ERR_RUNTIME, "out of memory");
    if (!rc && d->vts == d->ts)
        rc = split_by_sequence(n, c->val_frac, c->seed, d->val_mask, c->data, e);
    if (!rc && d->vts == d->ts && c->val_frac <= 0.0)
        rc = err_set(e, ERR_USAGE, "--val-frac: must be above 0 without --val-data");
    if (!rc) {
        for (int64_t s = 0; s < n; s++)
            train_mask[s] = !d->val_mask[s];
        rc = open_view(c, d, train_mask, VIEW_TOKEN, e);
    }
    int windowed = 0;
    for (int i = 0; i < c->n_archs; i++)
        windowed |= train_arch_view(c->archs[i]) == VIEW_WINDOW;
    if (!rc && windowed)
        rc = open_view(c, d, train_mask, VIEW_WINDOW, e);
    free(train_mask);
    return rc;
}

/* Counts the training split's routing per input layer. Walks the sequence
 * views directly: no hidden state is copied. */
static int count_frequencies(const TrainConfig *c, TrainData *d, Err *e)
{
    const TraceHeader *h = &d->h;
    int rc = metrics_freq_create(h->E, h->K, h->L, &d->freq, e);
    for (int g = 0; !rc && g < traceset_n_groups(d->ts); g++) {
        int64_t first, count;
        traceset_group_range(d->ts, g, &first, &count);
        if ((rc = traceset_load_group(d->ts, g, e)))
            break;
        for (int64_t s = first; !rc && s < first + count; s++) {
            if (d->val_mask[s])
                continue;
            TraceSeqView v;
            if ((rc = traceset_seq(d->ts, s, &v, e)))
                break;
            for (int t = 0; !rc && t < v.T; t++)
                for (int32_t l = 0; !rc && l + c->lookahead < h->L; l++) {
                    const uint16_t *tg =
                        v.experts + ((size_t)t * (size_t)h->L + (size_t)(l + c->lookahead)) * (size_t)h->K;
                    int32_t ids[TRAIN_MAX_K];
                    for (int k = 0; k < h->K; k++)
                        ids[k] = tg[k];
                    rc = metrics_freq_add(d->freq, ids, &l, 1, e);
                }
        }
    }
    if (!rc)
        metrics_freq_finish(d->freq);
    return rc;
}

/* Feeds the frequency and repeat baselines' scores for every validation
 * sample through the same accumulator code as the models. */
static int measure_baselines(TrainData *d, Err *e)
{
    const int E = d->h.E, K = d->h.K, L = d->h.L;
    MetricsAcc *rep = NULL;
    float *scores = malloc((size_t)d->buf.cap * (size_t)E * sizeof *scores);
    int rc = scores ? ERR_OK : err_set(e, ERR_RUNTIME, "out of memory");
    if (!rc)
        rc = metrics_acc_create(E, K, L, &rep, e);
    if (!rc)
        metrics_acc_set_ce(rep, 0); /* repeat scores are a ranking, not logits */
    metrics_acc_reset(d->acc);
    for (int64_t pos = 0; !rc;) {
        if ((rc = batcher_next_eval(d->val[VIEW_TOKEN], &pos, &d->buf, e)) || d->buf.n == 0)
            break;
        const size_t n = (size_t)d->buf.n;
        rc = metrics_baseline_scores(d->freq, METRICS_FREQUENCY, d->buf.layer, d->buf.prev, n,
                                     scores, e);
        if (!rc)
            rc = metrics_acc_add(d->acc, scores, d->buf.targets, d->buf.layer, n, e);
        if (!rc)
            rc = metrics_baseline_scores(d->freq, METRICS_REPEAT, d->buf.layer, d->buf.prev, n,
                                         scores, e);
        if (!rc)
            rc = metrics_acc_add(rep, scores, d->buf.targets, d->buf.layer, n, e);
    }
    if (!rc)
        rc = metrics_result_create(E, K, L, &d->base_freq, e);
    if (!rc)
        rc = metrics_result_create(E, K, L, &d->base_repeat, e);
    if (!rc)
        rc = metrics_finish(d->acc, &d->base_freq, e);
    if (!rc)
        rc = metrics_finish(rep, &d->base_repeat, e);
    metrics_acc_free(rep);
    free(scores);
    return rc;
}

int train_data_open(const TrainConfig *c, TrainData *d, Err *e)
{
    memset(d, 0, sizeof *d);
    d->lookahead = c->lookahead;
    int rc = open_sets(c, d, e);
    if (!rc)
        rc = open_batchers(c, d, e);
    if (!rc) {
        int rows = batcher_batch_rows(d->train[VIEW_TOKEN]);
        if (d->train[VIEW_WINDOW] && batcher_batch_rows(d->train[VIEW_WINDOW]) > rows)
            rows = batcher_batch_rows(d->train[VIEW_WINDOW]);
        rc = sample_batch_alloc(&d->buf, rows, d->h.D, d->h.K, e);
    }
    if (!rc)
        rc = metrics_acc_create(d->h.E, d->h.K, d->h.L, &d->acc, e);
    if (!rc)
        rc = count_frequencies(c, d, e);
    if (!rc)
        rc = measure_baselines(d, e);
    if (!rc)
        d->fingerprint = traceset_fingerprint(d->ts);
    if (rc)
        train_data_close(d);
    return rc;
}

void train_data_close(TrainData *d)
{
    metrics_result_free(&d->base_freq);
    metrics_result_free(&d->base_repeat);
    metrics_freq_free(d->freq);
    metrics_acc_free(d->acc);
    sample_batch_free(&d->buf);
    for (int v = 0; v < 2; v++) {
        batcher_free(d->train[v]);
        batcher_free(d->val[v]);
    }
    free(d->val_mask);
    if (d->vts && d->vts != d->ts)
        traceset_close(d->vts);
    if (d->ts)
        traceset_close(d->ts);
    memset(d, 0, sizeof *d);
}
