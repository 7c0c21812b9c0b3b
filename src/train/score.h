/*
 * score.h: the score pass. One function runs a scorer (a model, or a
 * baseline) over the evaluation batches of a batcher and hands each batch
 * of scores, with the samples they belong to (sequence, position, token,
 * layer, targets), to a list of sinks: the metric accumulators, the
 * auxiliary heads' accumulators, the validation loss, and whatever else
 * consumes predictions (the deployment simulator of SPEC 11 will be one). Every number that comes
 * from scores is made by a sink of this pass, so a model and a baseline
 * are measured by the same code.
 *
 * A scorer or a sink returns ERR_* with e filled; the pass stops at the
 * first error and returns it. Nothing here allocates per batch.
 *
 * Not here: which batcher or split (dataset.h), training (run.c).
 */
#ifndef MOESPEC_TRAIN_SCORE_H
#define MOESPEC_TRAIN_SCORE_H

#include <stdint.h>

#include "data/batcher.h"
#include "data/router.h"
#include "metrics/baseline.h"
#include "metrics/metrics.h"
#include "models/model.h"
#include "util/err.h"

/* One batch of scores and its samples. */
typedef struct Scored {
    const SampleBatch *b;    /* the rows: ids, targets, validity (padding) */
    int E;
    const float *scores;     /* [b->n][E]; garbage on padding rows */
    int n_aux;               /* auxiliary heads (0: aux_scores is NULL) */
    const float *aux_scores; /* [b->n][n_aux][E], head j for token t+1+j */
    double loss;             /* the scorer's mean loss over the valid rows, NaN if none */
} Scored;

typedef int (*ScoreFn)(void *ctx, const SampleBatch *b, Scored *out, Err *e);

typedef struct ScoreSink {
    int (*add)(void *ctx, const Scored *s, Err *e);
    void *ctx;
} ScoreSink;

/* One scorer and the sinks its scores go to. */
typedef struct ScoreJob {
    ScoreFn score;
    void *ctx;
    const ScoreSink *sinks;
    int n_sinks;
} ScoreJob;

/* Every evaluation batch of val, filled once, through each job in turn:
 * its scorer, then its sinks in order (the baselines share one walk of the
 * validation samples). */
int score_pass(Batcher *val, SampleBatch *buf, const ScoreJob *jobs, int n_jobs, Err *e);

/* ---- scorers ---- */
/* ctx: a ModelScorer. The model's loss on the batch's targets, its scores
 * and auxiliary heads. A non-finite loss is ERR_RUNTIME with nonfinite set,
 * so the caller can tell it (the run halts, SPEC 5) from a failure of the
 * data (which stops the worker). */
typedef struct ModelScorer {
    Model *m;
    int nonfinite;
} ModelScorer;
int score_model(void *ctx, const SampleBatch *b, Scored *out, Err *e);

/* ctx: a BaselineScorer (scores has room for the batch's rows). */
typedef struct BaselineScorer {
    const MetricsFreq *freq;
    MetricsBaseline which;
    int E;
    float *scores;           /* [rows][E] */
} BaselineScorer;
int score_baseline(void *ctx, const SampleBatch *b, Scored *out, Err *e);

/* ctx: a GateScorer. The gate baseline (SPEC 3): each row scored by the
 * router of its target layer applied to its hidden state,
 * scores = W_{l+lookahead} h + b_{l+lookahead} (real logits: val_ce holds). */
typedef struct GateScorer {
    const Router *router;    /* [L][E][D] weights, [L][E] biases */
    int lookahead;
    float *scores;           /* [rows][E] */
} GateScorer;
int score_gate(void *ctx, const SampleBatch *b, Scored *out, Err *e);

/* The model's input for a batch: windows carry their padding marks, and a
 * model with auxiliary heads gets the future tokens' targets. */
Batch score_model_input(const Model *m, const SampleBatch *sb);

/* ---- sinks ---- */
/* ctx: a MetricsAcc; adds the valid rows' scores. */
int sink_metrics(void *ctx, const Scored *s, Err *e);

/* ctx: an AuxAccs; adds head j's scores of every valid row whose token
 * t+1+j exists to acc[j]. */
typedef struct AuxAccs {
    int n;
    MetricsAcc *const *acc;  /* [n] */
} AuxAccs;
int sink_aux_metrics(void *ctx, const Scored *s, Err *e);

/* ctx: a LossSum; the loss weighted by valid rows. */
typedef struct LossSum {
    double sum;
    int64_t n;
} LossSum;
int sink_loss(void *ctx, const Scored *s, Err *e);

#endif
