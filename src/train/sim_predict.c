/*
 * sim_predict.c: a scorer's ranked guesses for every replayed step, through
 * the score pass (the same pass that measures it), so a run or the gate is
 * simulated on exactly the scores its metrics come from. The sink maps each
 * row (sequence, position, input layer l) to its target step (t, l + Δ)
 * and keeps the top M.
 */
#include "train/sim_predict.h"

#include <stdlib.h>

#include "train/dataset.h"
#include "train/score.h"

int sim_sink_top(void *ctx, const Scored *s, Err *e)
{
    (void)e;
    SimTopSink *k = ctx;
    const SampleBatch *b = s->b;
    const int L = k->rp->trace.L;
    for (int i = 0; i < b->n; i++) {
        int64_t first = b->valid[i] ? k->rp->seq_first[b->seq[i]] : -1;
        int lp = b->layer[i] + k->lookahead;
        if (first < 0 || lp >= L)
            continue;
        size_t step = (size_t)(first + b->pos[i]) * (size_t)L + (size_t)lp;
        sim_rank_scores(s->scores + (size_t)i * (size_t)s->E, s->E, k->M,
                        k->top + step * (size_t)k->M);
        k->filled++;
    }
    return ERR_OK;
}

/* One scorer over the replayed sequences of ts at (window, n_aux).
 * *scores_slot, when given, gets a [rows][E] buffer for a baseline scorer. */
static int pass(TraceSet *ts, const SimReplay *rp, int lookahead, int batch, int window,
                int n_aux, ScoreFn fn, void *ctx, float **scores_slot, int M, uint16_t *top,
                Err *e)
{
    Batcher *b = NULL;
    SampleBatch buf = {0};
    const TraceHeader *h = traceset_header(ts);
    int rc = batcher_open(ts, rp->replayed, lookahead, batch, window, n_aux, &b, e);
    if (!rc)
        rc = sample_batch_alloc(&buf, batcher_batch_rows(b), h->D, h->K, n_aux, e);
    if (!rc && scores_slot &&
        !(*scores_slot = malloc((size_t)batcher_batch_rows(b) * (size_t)h->E * sizeof(float))))
        rc = err_set(e, ERR_RUNTIME, "out of memory");
    SimTopSink k = {rp, lookahead, M, top, 0};
    ScoreSink sink = {sim_sink_top, &k};
    ScoreJob job = {fn, ctx, &sink, 1};
    if (!rc)
        rc = score_pass(b, &buf, &job, 1, e);
    if (scores_slot) {
        free(*scores_slot);
        *scores_slot = NULL;
    }
    sample_batch_free(&buf);
    batcher_free(b);
    return rc;
}

int sim_predict_run(TraceSet *ts, const SimReplay *rp, const TrainConfig *c, Run *r, int M,
                    uint16_t *top, Err *e)
{
    int window, n_aux;
    train_arch_view(c, r->arch, &window, &n_aux);
    ModelScorer ms = {r->model, 0};
    /* the model's own batch size: its activations are sized for it */
    return pass(ts, rp, c->lookahead, c->batch, window, n_aux, score_model, &ms, NULL, M, top,
                e);
}

int sim_predict_gate(TraceSet *ts, const SimReplay *rp, int lookahead, int M, uint16_t *top,
                     Err *e)
{
    Router router = {0};
    int rc = traceset_load_router(ts, &router, e);
    GateScorer g = {&router, lookahead, NULL};
    if (!rc)
        rc = pass(ts, rp, lookahead, 1024, 1, 0, score_gate, &g, &g.scores, M, top, e);
    router_free(&router);
    return rc;
}
