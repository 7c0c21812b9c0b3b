/* run.c: one run's step and evaluation; see run.h. */
#include "train/run.h"

#include "train/sim_live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/adamw.h"
#include "train/score.h"

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
    const ArchInfo *row = arch_info(arch);
    if (!row)
        return err_set(e, ERR_USAGE, "train: unknown architecture id %d", (int)arch);
    snprintf(r->name, sizeof r->name, "%s", row->name);
    model_config_default(&r->mcfg, arch, d->h.D, d->h.E, d->h.K, d->h.L);
    if (c->width > 0) /* else the architecture's default, valid for any D */
        r->mcfg.W = c->width;
    r->mcfg.use_layer_id = c->use_layer_id;
    r->mcfg.window = c->window; /* recorded in checkpoints for every architecture */
    r->mcfg.rank = arch_has_rank(arch) ? c->rank : 0;
    r->mcfg.seed = c->seed;
    r->lr = c->lr[arch];
    int window, n_aux;
    train_arch_view(c, arch, &window, &n_aux);
    if ((r->view = train_data_view(d, window, n_aux)) < 0)
        return err_set(e, ERR_USAGE, "train: no data view for %s", row->name);
    r->steps_per_epoch = batcher_steps_per_epoch(d->views[r->view].train);
    r->planned_steps = c->max_steps > 0 ? c->max_steps : c->epochs * r->steps_per_epoch;
    r->eval_every = c->eval_every;
    r->best_step = -1;
    r->best_recall_K = -1.0;
    r->start_time = run_now();
    int rc = model_create(&r->mcfg, (size_t)d->buf.cap, &r->model, e);
    if (!rc)
        rc = metrics_result_create(d->h.E, d->h.K, d->h.L, &r->last, e);
    if (!rc && (r->n_aux = model_n_aux(r->model)) > BATCH_MAX_AUX)
        rc = err_set(e, ERR_USAGE, "train: %s has %d auxiliary heads; at most %d", r->name,
                     r->n_aux, BATCH_MAX_AUX);
    if (!rc && r->n_aux > 0) {
        rc = metrics_result_create(d->h.E, d->h.K, d->h.L, &r->aux_res, e);
        for (int j = 0; !rc && j < r->n_aux; j++)
            rc = metrics_acc_create(d->h.E, d->h.K, d->h.L, &r->aux_acc[j], e);
    }
    if (rc)
        run_free(r);
    return rc;
}

void run_free(Run *r)
{
    model_free(r->model);
    metrics_result_free(&r->last);
    metrics_result_free(&r->aux_res);
    for (int j = 0; j < BATCH_MAX_AUX; j++)
        metrics_acc_free(r->aux_acc[j]);
    free(r->hist);
    free(r->deploy);
    memset(r, 0, sizeof *r);
}

/* HALTED, with the step named once, here: the model's message says what
 * went non-finite, not when. step: the step being taken, or the one an
 * evaluation is of (during: "in the evaluation"). */
static int run_halt(Run *r, int64_t step, const char *during, int rc, Err *e)
{
    r->state = RUN_HALTED;
    snprintf(r->message, sizeof r->message, "HALTED at step %lld%s: %.400s", (long long)step,
             during, e ? e->msg : "non-finite value");
    return rc;
}

int run_step(Run *r, TrainData *d, Err *e)
{
    if (r->state == RUN_HALTED || r->state == RUN_DONE)
        return ERR_OK;
    double t0 = run_now();
    int epoch_done = 0;
    int rc = batcher_next_train(d->views[r->view].train, r->mcfg.seed, &r->cursor, &d->buf,
                                &epoch_done, e);
    if (rc)
        return rc;
    Batch b = score_model_input(r->model, &d->buf);
    double loss = (double)NAN, norm = (double)NAN;
    float lr = (float)schedule_lr(r->lr, (uint64_t)r->step, (uint64_t)r->planned_steps,
                                  SCHEDULE_WARMUP);
    if ((rc = model_forward(r->model, &b, d->buf.targets, 1, &loss, e)))
        return rc == ERR_RUNTIME ? run_halt(r, r->step + 1, "", rc, e) : rc;
    model_zero_grad(r->model);
    if ((rc = model_backward(r->model, e)))
        return rc;
    if ((rc = model_update(r->model, lr, &norm, e)))
        return rc == ERR_RUNTIME ? run_halt(r, r->step + 1, "", rc, e) : rc;
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

static int finish_aux(Run *r, Err *e)
{
    for (int j = 0; j < r->n_aux; j++) {
        int rc = metrics_finish(r->aux_acc[j], &r->aux_res, e);
        if (rc)
            return rc;
        metrics_summary(&r->aux_res, &r->aux[j]);
    }
    return ERR_OK;
}

/* Evaluates on the validation samples into r->last (and the aux tables)
 * through the score pass; *s gets the summary, *val_loss the mean loss.
 * Changes nothing that decides later steps. */
static int evaluate_tables(Run *r, TrainData *d, MetricsSummary *s, double *val_loss, Err *e)
{
    LossSum loss = {0.0, 0};
    AuxAccs aux = {r->n_aux, r->aux_acc};
    ScoreSink sinks[4] = {{sink_metrics, d->acc}, {sink_loss, &loss}};
    int n_sinks = 2;
    if (r->n_aux)
        sinks[n_sinks++] = (ScoreSink){sink_aux_metrics, &aux};
    ScoreSink sim = sim_live_sink(d->live); /* SPEC 11: the deployment replay's ranks */
    if (sim.ctx)
        sinks[n_sinks++] = sim;
    metrics_acc_reset(d->acc);
    for (int j = 0; j < r->n_aux; j++)
        metrics_acc_reset(r->aux_acc[j]);
    ModelScorer scorer = {r->model, 0};
    ScoreJob job = {score_model, &scorer, sinks, n_sinks};
    int rc = score_pass(d->views[r->view].val, &d->buf, &job, 1, e);
    if (rc && scorer.nonfinite)
        return run_halt(r, r->step, " (in the evaluation)", rc, e);
    if (rc || (rc = finish_aux(r, e)) || (rc = metrics_finish(d->acc, &r->last, e)) ||
        (rc = sim_live_finish(d->live, r, e)))
        return rc;
    metrics_summary(&r->last, s);
    *val_loss = loss.n ? loss.sum / (double)loss.n : (double)NAN;
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

int run_evaluate_alone(Run *r, TrainData *d, Err *e)
{
    int64_t best_step = r->best_step;
    double best_recall_K = r->best_recall_K;
    r->n_hist = 0;
    r->loss_sum = 0.0;
    r->loss_n = 0;
    r->interval_samples = 0;
    r->interval_train_s = 0.0;
    int rc = run_evaluate(r, d, e);
    r->best_step = best_step;
    r->best_recall_K = best_recall_K;
    return rc;
}
