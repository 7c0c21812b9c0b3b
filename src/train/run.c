/* run.c: one run's step and evaluation; see run.h. */
#include "train/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/adamw.h"

const char *run_state_name(RunState s)
{
    static const char *const names[] = {"RUNNING", "PAUSED", "HALTED", "DONE"};
    return (unsigned)s < 4 ? names[s] : "?";
}

double run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int run_create(const TrainConfig *c, const TrainData *d, Arch arch, Run *r, Err *e)
{
    memset(r, 0, sizeof *r);
    r->arch = arch;
    snprintf(r->name, sizeof r->name, "%s", arch_name(arch));
    model_config_default(&r->mcfg, arch, d->h.D, d->h.E, d->h.K, d->h.L);
    r->mcfg.W = train_config_width(c, d->h.D);
    r->mcfg.use_layer_id = c->use_layer_id;
    r->mcfg.window = c->window;
    r->mcfg.seed = c->seed;
    r->lr = c->lr[arch];
    r->view = train_arch_view(arch);
    r->steps_per_epoch = batcher_steps_per_epoch(d->train[r->view]);
    r->planned_steps = c->max_steps > 0 ? c->max_steps : c->epochs * r->steps_per_epoch;
    r->eval_every = c->eval_every;
    r->best_step = -1;
    r->best_recall_K = -1.0;
    r->start_time = run_now();
    int rc = model_create(&r->mcfg, (size_t)d->buf.cap, &r->model, e);
    if (!rc)
        rc = metrics_result_create(d->h.E, d->h.K, d->h.L, &r->last, e);
    if (!rc && r->model->ops->needs_future) {
        r->has_future = 1;
        rc = metrics_result_create(d->h.E, d->h.K, d->h.L, &r->future_res, e);
        for (int f = 0; !rc && f < BATCH_FUTURE; f++)
            rc = metrics_acc_create(d->h.E, d->h.K, d->h.L, &r->future_acc[f], e);
    }
    if (rc)
        run_free(r);
    return rc;
}

void run_free(Run *r)
{
    model_free(r->model);
    metrics_result_free(&r->last);
    metrics_result_free(&r->future_res);
    for (int f = 0; f < BATCH_FUTURE; f++)
        metrics_acc_free(r->future_acc[f]);
    free(r->hist);
    memset(r, 0, sizeof *r);
}

/* The model's view of a batch: windows carry their padding marks and, for
 * the models with future heads, the next tokens' targets. */
static Batch model_batch(const Run *r, const SampleBatch *sb)
{
    Batch b = {.n = (size_t)sb->n, .hidden = sb->x, .layer = sb->layer};
    if (r->view == VIEW_WINDOW) {
        b.valid = sb->valid;
        b.future = sb->future;
    }
    return b;
}

static int run_halt(Run *r, int rc, Err *e)
{
    r->state = RUN_HALTED;
    snprintf(r->message, sizeof r->message, "HALTED at step %lld: %.400s",
             (long long)r->step + 1, e ? e->msg : "non-finite value");
    return rc;
}

int run_step(Run *r, TrainData *d, Err *e)
{
    if (r->state == RUN_HALTED || r->state == RUN_DONE)
        return ERR_OK;
    double t0 = run_now();
    int epoch_done = 0;
    int rc = batcher_next_train(d->train[r->view], r->mcfg.seed, &r->cursor, &d->buf, &epoch_done, e);
    if (rc)
        return rc;
    Batch b = model_batch(r, &d->buf);
    double loss = (double)NAN, norm = (double)NAN;
    float lr = (float)schedule_lr(r->lr, (uint64_t)r->step, (uint64_t)r->planned_steps,
                                  SCHEDULE_WARMUP);
    if ((rc = model_forward(r->model, &b, d->buf.targets, 1, &loss, e)))
        return rc == ERR_RUNTIME ? run_halt(r, rc, e) : rc;
    model_zero_grad(r->model);
    if ((rc = model_backward(r->model, e)))
        return rc;
    if ((rc = model_update(r->model, lr, &norm, e)))
        return rc == ERR_RUNTIME ? run_halt(r, rc, e) : rc;
    r->step++;
    r->samples += d->buf.n_valid;
    r->interval_samples += d->buf.n_valid;
    r->loss_sum += loss;
    r->loss_n++;
    r->last_lr = (double)lr;
    r->interval_train_s += run_now() - t0;
    int last = r->step >= r->planned_steps;
    if (last || epoch_done || (r->eval_every > 0 && r->step % r->eval_every == 0))
        if ((rc = run_evaluate(r, d, e)))
            return rc;
    if (last && r->state != RUN_HALTED)
        r->state = RUN_DONE;
    return ERR_OK;
}

static int history_append(Run *r, const EvalRow *row, Err *e)
{
    if (r->n_hist == r->cap_hist) {
        int64_t cap = r->cap_hist ? 2 * r->cap_hist : 64;
        EvalRow *p = realloc(r->hist, (size_t)cap * sizeof *p);
        if (!p)
            return err_set(e, ERR_RUNTIME, "out of memory for the metric history");
        r->hist = p;
        r->cap_hist = cap;
    }
    r->hist[r->n_hist++] = *row;
    return ERR_OK;
}

/* Adds the batch's valid rows to acc: within a window the valid rows are a
 * prefix (padding only at the end), so one call per window, or one call for
 * a batch without padding. */
static int add_valid_rows(MetricsAcc *acc, const float *scores, const SampleBatch *b, int E,
                          Err *e)
{
    if (b->n_valid == b->n)
        return metrics_acc_add(acc, scores, b->targets, b->layer, (size_t)b->n, e);
    for (int r0 = 0; r0 < b->n; r0 += b->window) {
        int n = 0;
        while (n < b->window && b->valid[r0 + n])
            n++;
        int rc = metrics_acc_add(acc, scores + (size_t)r0 * (size_t)E,
                                 b->targets + (size_t)r0 * (size_t)b->K, b->layer + r0,
                                 (size_t)n, e);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

/* The future heads' scores of every valid row whose token t+f exists, per
 * offset f (future.csv). */
static int add_future_rows(Run *r, const SampleBatch *b, int E, Err *e)
{
    const float *scores = model_future_scores(r->model); /* [n][4][E] */
    for (int row = 0; row < b->n; row++) {
        if (!b->valid[row])
            continue;
        for (int f = 0; f < BATCH_FUTURE; f++) {
            size_t at = (size_t)row * BATCH_FUTURE + (size_t)f;
            const int32_t *tg = b->future + at * (size_t)b->K;
            if (tg[0] < 0)
                continue;
            int rc = metrics_acc_add(r->future_acc[f], scores + at * (size_t)E, tg,
                                     b->layer + row, 1, e);
            if (rc)
                return rc;
        }
    }
    return ERR_OK;
}

static int finish_future(Run *r, Err *e)
{
    for (int f = 0; f < BATCH_FUTURE; f++) {
        int rc = metrics_finish(r->future_acc[f], &r->future_res, e);
        if (rc)
            return rc;
        metrics_summary(&r->future_res, &r->future[f]);
    }
    return ERR_OK;
}

/* Evaluates on the validation samples into r->last (and the future
 * tables); *s gets the summary, *val_loss the mean loss. Changes nothing
 * that decides later steps. */
static int evaluate_tables(Run *r, TrainData *d, MetricsSummary *s, double *val_loss, Err *e)
{
    double loss_sum = 0.0;
    int64_t n_total = 0;
    int rc = ERR_OK;
    metrics_acc_reset(d->acc);
    for (int f = 0; r->has_future && f < BATCH_FUTURE; f++)
        metrics_acc_reset(r->future_acc[f]);
    for (int64_t pos = 0;;) {
        if ((rc = batcher_next_eval(d->val[r->view], &pos, &d->buf, e)) || d->buf.n == 0)
            break;
        Batch b = model_batch(r, &d->buf);
        double loss = (double)NAN;
        if ((rc = model_forward(r->model, &b, d->buf.targets, 0, &loss, e)))
            return rc == ERR_RUNTIME ? run_halt(r, rc, e) : rc;
        loss_sum += loss * d->buf.n_valid;
        n_total += d->buf.n_valid;
        if ((rc = add_valid_rows(d->acc, model_scores(r->model), &d->buf, d->h.E, e)))
            return rc;
        if (r->has_future && (rc = add_future_rows(r, &d->buf, d->h.E, e)))
            return rc;
    }
    if (!rc && r->has_future)
        rc = finish_future(r, e);
    if (rc || (rc = metrics_finish(d->acc, &r->last, e)))
        return rc;
    metrics_summary(&r->last, s);
    *val_loss = n_total ? loss_sum / (double)n_total : (double)NAN;
    return ERR_OK;
}

int run_refresh_tables(Run *r, TrainData *d, Err *e)
{
    MetricsSummary s;
    double val_loss;
    return r->n_hist ? evaluate_tables(r, d, &s, &val_loss, e) : ERR_OK;
}

int run_evaluate(Run *r, TrainData *d, Err *e)
{
    MetricsSummary s;
    double val_loss;
    int rc = evaluate_tables(r, d, &s, &val_loss, e);
    if (rc)
        return rc;
    EvalRow row = {
        .step = r->step,
        .epoch = r->steps_per_epoch ? (double)r->step / (double)r->steps_per_epoch : 0.0,
        .samples = r->samples,
        .train_loss = r->loss_n ? r->loss_sum / (double)r->loss_n : (double)NAN,
        .val_loss = val_loss,
        .val_ce = s.val_ce, .hit1 = s.hit1, .hit5 = s.hit5, .hit10 = s.hit10,
        .hit15 = s.hit15, .hit20 = s.hit20, .recall_K = s.recall_K, .cover_K = s.cover_K,
        .cover_2K = s.cover_2K, .exact = s.exact,
        .lr = r->last_lr,
        .samples_per_s = r->interval_train_s > 0 ? (double)r->interval_samples / r->interval_train_s : (double)NAN,
    };
    if (s.recall_K > r->best_recall_K) {
        r->best_recall_K = s.recall_K;
        r->best_step = r->step;
    }
    r->loss_sum = 0.0;
    r->loss_n = 0;
    r->interval_samples = 0;
    r->interval_train_s = 0.0;
    row.wall_s = run_now() - r->start_time;
    return history_append(r, &row, e);
}
