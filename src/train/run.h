/*
 * run.h: one run = one predictor being trained: model + optimizer state
 * (inside the model) + data cursor + step counters + metric history.
 *
 * Everything that decides the next step is a field here (cursor, step,
 * planned steps, the model's parameters, moments, RNG and AdamW step), so a
 * run is serialisable as it stands and the step loop has no hidden state.
 * A run is driven by one thread at a time (the trainer's worker).
 *
 * Not here: threads, snapshots (trainer.c, publish.c), files (export.c).
 */
#ifndef MOESPEC_TRAIN_RUN_H
#define MOESPEC_TRAIN_RUN_H

#include <stdint.h>

#include "data/batcher.h"
#include "metrics/metrics.h"
#include "models/model.h"
#include "train/dataset.h"
#include "train/eval_row.h"
#include "train/train_config.h"
#include "util/err.h"

struct SimRow;

typedef struct Run {
    Arch arch;
    char name[16];             /* the architecture name */
    ModelConfig mcfg;
    double lr;                 /* base learning rate */
    Model *model;
    int view;                  /* index of the TrainData view that feeds it */
    BatchCursor cursor;
    int64_t step;              /* steps taken */
    int64_t planned_steps;     /* S of the schedule, fixed at start */
    int64_t steps_per_epoch;
    int64_t eval_every;
    int64_t samples;           /* training samples seen */
    double last_lr;
    /* since the previous evaluation */
    double loss_sum;
    int64_t loss_n, interval_samples;
    double interval_train_s;
    double start_time;         /* monotonic seconds at creation */
    /* history */
    EvalRow *hist;
    int64_t n_hist, cap_hist;
    MetricsResult last;        /* tables of the latest evaluation */
    int n_aux;                 /* the model's auxiliary heads (tokens t+1..t+n_aux) */
    MetricsAcc *aux_acc[BATCH_MAX_AUX];     /* their accumulators, per head */
    MetricsResult aux_res;                  /* scratch for finishing them */
    MetricsSummary aux[BATCH_MAX_AUX];      /* latest evaluation, per head */
    int64_t best_step;         /* evaluation with the highest recall@K */
    double best_recall_K;
    /* the live deployment simulation (sim_live.h) at the latest evaluation:
     * the rows of this run as predictor, NULL before one */
    struct SimRow *deploy;
    int n_deploy;
    int64_t deploy_step;       /* the evaluation they are of */
    double sim_s;              /* seconds the live simulation has taken for this run */
    RunState state;
    char message[512];         /* last noteworthy event (HALTED reason, ...) */
} Run;

int run_create(const TrainConfig *c, const TrainData *d, Arch arch, Run *r, Err *e);
void run_free(Run *r);

/* One training step (forward, zero_grad, backward, clip + AdamW), then an
 * evaluation when one is due (every eval_every steps, at each epoch end and
 * at the last planned step). A non-finite loss or gradient sets HALTED with
 * the step in r->message and returns ERR_RUNTIME; reaching planned_steps
 * sets DONE. */
int run_step(Run *r, TrainData *d, Err *e);

/* Evaluates on the validation samples and appends a history row. */
int run_evaluate(Run *r, TrainData *d, Err *e);
/* An evaluation outside training (moespec eval of a restored run): the
 * history becomes this one row, with no training loss or rate; the best
 * evaluation stays the training history's. */
int run_evaluate_alone(Run *r, TrainData *d, Err *e);
/* Rebuilds the latest evaluation's tables (r->last, the aux tables) of a
 * restored run that has a history, without a new row: what a checkpoint
 * does not store. Changes nothing that decides later steps. */
int run_refresh_tables(Run *r, TrainData *d, Err *e);

double run_now(void); /* monotonic seconds */

#endif
