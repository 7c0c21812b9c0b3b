/*
 * baseline.h: the measured baselines of SPEC 3, as score generators.
 *
 * frequency: each layer's most often routed experts, in order (all K routed
 *   experts of each training sample count; ties go to the lower id).
 * repeat: the previous token's K experts at the same layer in gate order,
 *   then the frequency order; the first token of a sequence (no previous
 *   token) gets the frequency order.
 *
 * A generator fills scores[E] whose top-k list is exactly the baseline's, so
 * the trainer measures a baseline by feeding these scores through the same
 * MetricsAcc as a model: one code path for every number.
 *
 * The frequency scores are log-probabilities of the training distribution
 * with add-one smoothing, p_e = (c_e + 1) / (sum_c + E), so an expert never
 * seen in training has a finite score, and the frequency baseline's val_ce is
 * the cross-entropy of predicting that marginal distribution. Where two
 * different counts round to the same float, the lower one is nudged down by
 * one ulp so the order stays that of the counts. The repeat scores put the
 * previous token's experts above all of these (max + K - i for gate rank i):
 * a ranking, not a distribution; measure it with metrics_acc_set_ce(acc, 0)
 * so its val_ce is NaN (empty in the CSV) rather than a made-up number.
 *
 * Lookahead Δ: tables are indexed by the input layer l (SPEC 2) but count the
 * experts of the *target* layer l+Δ: the caller passes the sample's targets,
 * as for the metrics. For repeat, "the previous token's experts" is the
 * previous token's target set (also at l+Δ). A layer with no training
 * samples (l+Δ >= L) has all counts 0: uniform scores, order by id.
 *
 * Not here: which samples are the training split (the trainer decides).
 */
#ifndef MOESPEC_METRICS_BASELINE_H
#define MOESPEC_METRICS_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct MetricsFreq MetricsFreq;

int metrics_freq_create(int E, int K, int L, MetricsFreq **out, Err *e);
void metrics_freq_free(MetricsFreq *f);
/* Counts n training samples: targets [n][K] (distinct ids in 0..E-1),
 * layers [n] (input layer l), as in data/batcher.h's Batch. ERR_INPUT names
 * a bad sample; ERR_USAGE after finish. */
int metrics_freq_add(MetricsFreq *f, const int32_t *targets, const int32_t *layers, size_t n,
                     Err *e);
/* Fixes the order and scores from the counts; no adding afterwards. */
void metrics_freq_finish(MetricsFreq *f);

/* Per input layer (0 <= layer < L), after finish: */
const int *metrics_freq_order(const MetricsFreq *f, int layer); /* [E] most routed first */

/* scores[E] for the frequency baseline at this layer. ERR_USAGE on a bad
 * layer or before finish. */
int metrics_freq_scores(const MetricsFreq *f, int layer, float *scores, Err *e);

typedef enum { METRICS_FREQUENCY, METRICS_REPEAT } MetricsBaseline;
/* Fills scores [n][E] for n samples of a batch: layers [n], prev [n][K]
 * (only read for METRICS_REPEAT): each row is the previous token's target
 * set at that layer in gate order, or starts with -1 (the batcher's mark of
 * a sequence's first token: frequency scores). ERR_USAGE on a bad layer or
 * before finish, ERR_INPUT on a bad or repeated id in prev. */
int metrics_baseline_scores(const MetricsFreq *f, MetricsBaseline which, const int32_t *layers,
                            const int32_t *prev, size_t n, float *scores, Err *e);

#endif
