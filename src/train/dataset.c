/* dataset.c: opening the data of a training invocation; see dataset.h. */
#include "train/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "data/split.h"
#include "train/score.h"

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

void train_arch_view(const TrainConfig *c, Arch a, int *window, int *n_aux)
{
    const ArchInfo *row = arch_info(a);
    *window = row && row->ops->windowed ? c->window : 1;
    *n_aux = row ? row->ops->n_aux : 0;
}

int train_data_view(const TrainData *d, int window, int n_aux)
{
    for (int v = 0; v < d->n_views; v++)
        if (d->views[v].window == window && d->views[v].n_aux == n_aux)
            return v;
    return -1;
}

/* Opens the view (window, n_aux) unless it is open. */
static int open_view(const TrainConfig *c, TrainData *d, const uint8_t *train_mask, int window,
                     int n_aux, Err *e)
{
    if (train_data_view(d, window, n_aux) >= 0)
        return ERR_OK;
    if (d->n_views == TRAIN_MAX_VIEWS)
        return err_set(e, ERR_USAGE, "train: more than %d data views", TRAIN_MAX_VIEWS);
    DataView *v = &d->views[d->n_views++];
    v->window = window;
    v->n_aux = n_aux;
    int rc = batcher_open(d->ts, train_mask, c->lookahead, c->batch, window, n_aux, &v->train, e);
    if (!rc)
        rc = batcher_open(d->vts, d->vts == d->ts ? d->val_mask : NULL, c->lookahead, c->batch,
                          window, n_aux, &v->val, e);
    if (!rc)
        rc = batcher_limit_eval(v->val, c->val_samples, c->seed, e);
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
        rc = open_view(c, d, train_mask, 1, 0, e); /* TRAIN_VIEW_TOKEN */
    }
    for (int i = 0; !rc && i < c->n_archs; i++) {
        int window, n_aux;
        train_arch_view(c, c->archs[i], &window, &n_aux);
        rc = open_view(c, d, train_mask, window, n_aux, e);
    }
    free(train_mask);
    return rc;
}

/* The batch buffer every view's batches fit in. */
static int alloc_batch(TrainData *d, Err *e)
{
    int rows = 1, aux = 0;
    for (int v = 0; v < d->n_views; v++) {
        int r = batcher_batch_rows(d->views[v].train);
        rows = r > rows ? r : rows;
        aux = d->views[v].n_aux > aux ? d->views[v].n_aux : aux;
    }
    return sample_batch_alloc(&d->buf, rows, d->h.D, d->h.K, aux, e);
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
        if (!rc)
            rc = traceset_check_mapped(d->ts, e);
    }
    if (!rc)
        metrics_freq_finish(d->freq);
    return rc;
}

/* Measures the baselines on the validation samples through the score
 * pass, as a model is measured, in one walk of the samples: frequency and
 * repeat, and gate when the validated set (--val-data, else --data)
 * carries router matrices: those routers made the routing being predicted
 * (checksum verified, applied to its hidden states). The repeat scores are a
 * ranking, not logits: its val_ce is off. */
static int measure_baselines(TrainData *d, Err *e)
{
    const int E = d->h.E, K = d->h.K, L = d->h.L;
    const size_t cells = (size_t)d->buf.cap * (size_t)E;
    int rc = traceset_has_router(d->vts) ? traceset_load_router(d->vts, &d->router, e) : ERR_OK;
    const int n = traceset_has_router(d->vts) ? 3 : 2; /* jobs: frequency, repeat, gate */
    MetricsAcc *acc[3] = {d->acc, NULL, NULL};
    float *scores = rc ? NULL : malloc((size_t)n * cells * sizeof *scores);
    if (!rc && !scores)
        rc = err_set(e, ERR_RUNTIME, "out of memory");
    for (int j = 1; !rc && j < n; j++)
        rc = metrics_acc_create(E, K, L, &acc[j], e);
    BaselineScorer freq = {d->freq, METRICS_FREQUENCY, E, scores};
    BaselineScorer repeat = {d->freq, METRICS_REPEAT, E, scores + cells};
    GateScorer gate = {&d->router, d->lookahead, scores + 2 * cells};
    ScoreSink sinks[3] = {{sink_metrics, acc[0]}, {sink_metrics, acc[1]}, {sink_metrics, acc[2]}};
    ScoreJob jobs[3] = {{score_baseline, &freq, &sinks[0], 1},
                        {score_baseline, &repeat, &sinks[1], 1},
                        {score_gate, &gate, &sinks[2], 1}};
    if (!rc) {
        metrics_acc_reset(d->acc);
        metrics_acc_set_ce(acc[1], 0);
        rc = score_pass(d->views[TRAIN_VIEW_TOKEN].val, &d->buf, jobs, n, e);
    }
    MetricsResult *out[3] = {&d->base_freq, &d->base_repeat, &d->base_gate};
    for (int j = 0; !rc && j < n; j++) {
        rc = metrics_result_create(E, K, L, out[j], e);
        if (!rc)
            rc = metrics_finish(acc[j], out[j], e);
    }
    d->has_gate = !rc && n == 3;
    metrics_acc_free(acc[1]);
    metrics_acc_free(acc[2]);
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
    if (!rc)
        rc = alloc_batch(d, e);
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
    metrics_result_free(&d->base_gate);
    router_free(&d->router);
    metrics_freq_free(d->freq);
    metrics_acc_free(d->acc);
    sample_batch_free(&d->buf);
    for (int v = 0; v < d->n_views; v++) {
        batcher_free(d->views[v].train);
        batcher_free(d->views[v].val);
    }
    free(d->val_mask);
    if (d->vts && d->vts != d->ts)
        traceset_close(d->vts);
    if (d->ts)
        traceset_close(d->ts);
    memset(d, 0, sizeof *d);
}
