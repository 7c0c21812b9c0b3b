/* score.c: the score pass, its scorers and its sinks; see score.h. */
#include "train/score.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

int score_pass(Batcher *val, SampleBatch *buf, const ScoreJob *jobs, int n_jobs, Err *e)
{
    for (int64_t pos = 0;;) {
        int rc = batcher_next_eval(val, &pos, buf, e);
        if (rc || buf->n == 0)
            return rc;
        for (int j = 0; j < n_jobs; j++) {
            const ScoreJob *job = &jobs[j];
            Scored s = {.b = buf, .loss = (double)NAN};
            if ((rc = job->score(job->ctx, buf, &s, e)))
                return rc;
            for (int i = 0; i < job->n_sinks; i++)
                if ((rc = job->sinks[i].add(job->sinks[i].ctx, &s, e)))
                    return rc;
        }
    }
}

Batch score_model_input(const Model *m, const SampleBatch *sb)
{
    Batch b = {.n = (size_t)sb->n, .hidden = sb->x, .layer = sb->layer};
    if (m->ops->windowed)
        b.valid = sb->valid;
    if (m->ops->n_aux > 0)
        b.aux_targets = sb->aux;
    return b;
}

int score_model(void *ctx, const SampleBatch *b, Scored *out, Err *e)
{
    ModelScorer *ms = ctx;
    Model *m = ms->m;
    Batch in = score_model_input(m, b);
    int rc = model_forward(m, &in, b->targets, 0, &out->loss, e);
    ms->nonfinite = rc == ERR_RUNTIME; /* model_forward's only runtime error */
    if (rc)
        return rc;
    out->E = m->cfg.E;
    out->scores = model_scores(m);
    out->n_aux = model_n_aux(m);
    out->aux_scores = model_aux_scores(m);
    return ERR_OK;
}

int score_baseline(void *ctx, const SampleBatch *b, Scored *out, Err *e)
{
    BaselineScorer *bs = ctx;
    out->E = bs->E;
    out->scores = bs->scores;
    return metrics_baseline_scores(bs->freq, bs->which, b->layer, b->prev, (size_t)b->n,
                                   bs->scores, e);
}

/* One sgemv per row: rows of a batch mix layers, and a batch is ~1k rows. */
int score_gate(void *ctx, const SampleBatch *b, Scored *out, Err *e)
{
    const GateScorer *g = ctx;
    const Router *r = g->router;
    const int E = r->E, D = r->D;
    if (b->D != D)
        return err_set(e, ERR_USAGE, "gate: batch hidden size %d, router %d", b->D, D);
    out->E = E;
    out->scores = g->scores;
    for (int i = 0; i < b->n; i++) {
        float *y = g->scores + (size_t)i * (size_t)E;
        int l = b->layer[i] + g->lookahead;
        if (l < 0 || l >= r->L) { /* never for a valid row */
            memset(y, 0, (size_t)E * sizeof *y);
            continue;
        }
        memcpy(y, r->bias + (size_t)l * (size_t)E, (size_t)E * sizeof *y);
        cblas_sgemv(CblasRowMajor, CblasNoTrans, E, D, 1.0f,
                    r->weight + (size_t)l * (size_t)E * (size_t)D, D,
                    b->x + (size_t)i * (size_t)D, 1, 1.0f, y, 1);
    }
    return ERR_OK;
}

/* Within a window the valid rows are a prefix (padding only at the end),
 * so one call per window, or one call for a batch without padding. */
int sink_metrics(void *ctx, const Scored *s, Err *e)
{
    MetricsAcc *acc = ctx;
    const SampleBatch *b = s->b;
    if (b->n_valid == b->n)
        return metrics_acc_add(acc, s->scores, b->targets, b->layer, (size_t)b->n, e);
    for (int r0 = 0; r0 < b->n; r0 += b->window) {
        int n = 0;
        while (n < b->window && b->valid[r0 + n])
            n++;
        int rc = metrics_acc_add(acc, s->scores + (size_t)r0 * (size_t)s->E,
                                 b->targets + (size_t)r0 * (size_t)b->K, b->layer + r0,
                                 (size_t)n, e);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

int sink_aux_metrics(void *ctx, const Scored *s, Err *e)
{
    const AuxAccs *a = ctx;
    const SampleBatch *b = s->b;
    if (a->n > s->n_aux || a->n > b->n_aux)
        return err_set(e, ERR_USAGE, "score: %d auxiliary heads asked of a batch with %d", a->n,
                       s->n_aux < b->n_aux ? s->n_aux : b->n_aux);
    const size_t A = (size_t)s->n_aux, E = (size_t)s->E, K = (size_t)b->K;
    for (int row = 0; row < b->n; row++) {
        if (!b->valid[row])
            continue;
        for (int j = 0; j < a->n; j++) {
            const int32_t *tg = b->aux + ((size_t)row * (size_t)b->n_aux + (size_t)j) * K;
            if (tg[0] < 0) /* token t+1+j is past the end of its sequence */
                continue;
            int rc = metrics_acc_add(a->acc[j], s->aux_scores + ((size_t)row * A + (size_t)j) * E,
                                     tg, b->layer + row, 1, e);
            if (rc)
                return rc;
        }
    }
    return ERR_OK;
}

int sink_loss(void *ctx, const Scored *s, Err *e)
{
    (void)e;
    LossSum *l = ctx;
    l->sum += s->loss * s->b->n_valid;
    l->n += s->b->n_valid;
    return ERR_OK;
}
