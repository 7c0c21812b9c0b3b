/*
 * metrics.h: the evaluation metrics of SPEC 3, accumulated over samples.
 *
 * A sample is (scores[E], targets[K], layer): the predictor's score per
 * expert, the K routed experts in gate order (targets[0] is the primary) and
 * the input layer l that indexes the per-layer tables (SPEC 2; with lookahead
 * the targets are layer l+Δ's routing, which the caller passes). Scores are
 * floats; ties go to the lower expert id and NaN ranks last (topk.h).
 *
 * MetricsAcc holds integer counts only (plus the val_ce sum), so every rate
 * is exact and independent of how the samples were split into batches or in
 * which order accumulators were merged. val_ce is a compensated double sum:
 * feeding the same samples in the same order gives the same bits however
 * they are chunked; merging accumulators may change the last bits.
 *
 * An accumulator is not shared between threads: give each thread its own and
 * metrics_acc_merge them. metrics_acc_add allocates nothing.
 *
 * Not here: model code, files (the trainer's export writes the CSVs from
 * MetricsResult), chance formulas (chance.h), baselines (baseline.h).
 */
#ifndef MOESPEC_METRICS_METRICS_H
#define MOESPEC_METRICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct MetricsAcc MetricsAcc;

/* Averages of one evaluation. Arrays live in one allocation owned by the
 * result (metrics_result_create/free). Layer index L in the [L+1] tables is
 * the sum over layers ("all" in the CSVs). A rate with no samples behind it
 * (a layer without samples under lookahead, an expert never needed) is NaN:
 * the CSV writer leaves such a cell empty. */
typedef struct MetricsResult {
    int E, K, L;
    int64_t n;                /* samples evaluated */
    double *hit;              /* [E] hit@k at index k-1 */
    double *recall;           /* [E] recall@k at index k-1 */
    double *cover;            /* [E] cover@k at index k-1 */
    double exact;             /* P_K = T as sets (equals cover@K for distinct T) */
    double val_ce;            /* mean soft-target CE of the scores as logits; NaN if off */
    int64_t *layer_n;         /* [L] samples per input layer */
    double *layer_recall_K;   /* [L] recall@K per layer */
    double *layer_cover_2K;   /* [L] cover@min(2K,E) per layer */
    int64_t *confusion;       /* [L+1][E][E] row T[0], column predicted top-1 */
    int64_t *needed;          /* [L+1][E] samples with the expert in T */
    int64_t *predicted;       /* [L+1][E] samples with the expert in P_K */
    int64_t *hits;            /* [L+1][E] samples with the expert in T and in P_K */
    double *expert_recall_K;  /* [L+1][E] hits / needed */
    void *mem_;               /* the one allocation */
    size_t bytes_;
} MetricsResult;

/* The scalar row of summary.csv / metrics.csv (k clamped to E). */
typedef struct MetricsSummary {
    int64_t n;
    double hit1, hit5, hit10, hit15, hit20;
    double recall_K, cover_K, cover_2K, exact, val_ce;
} MetricsSummary;

/* ---- accumulating ---- */
/* E >= 1, 1 <= K <= E, L >= 1; ERR_USAGE on bad shapes, ERR_RUNTIME on no memory. */
int metrics_acc_create(int E, int K, int L, MetricsAcc **out, Err *e);
void metrics_acc_free(MetricsAcc *a);
void metrics_acc_reset(MetricsAcc *a);
/* val_ce on (default) or off. Off for score generators whose scores are a
 * ranking and not logits (the repeat baseline): val_ce is then NaN. */
void metrics_acc_set_ce(MetricsAcc *a, int on);

/* Adds n samples: scores [n][E], targets [n][K] (distinct ids in 0..E-1,
 * gate order), layers [n] (0..L-1); the shapes of data/batcher.h's Batch. A
 * bad id or layer is ERR_INPUT naming the sample; samples before it stay. */
int metrics_acc_add(MetricsAcc *a, const float *scores, const int32_t *targets,
                    const int32_t *layers, size_t n, Err *e);
/* dst += src; ERR_USAGE when the shapes or the val_ce setting differ. */
int metrics_acc_merge(MetricsAcc *dst, const MetricsAcc *src, Err *e);
int64_t metrics_acc_count(const MetricsAcc *a);

/* ---- results ---- */
int metrics_result_create(int E, int K, int L, MetricsResult *r, Err *e);
void metrics_result_free(MetricsResult *r);
/* Fills r (created with a's shape; ERR_USAGE otherwise) with the averages. */
int metrics_finish(const MetricsAcc *a, MetricsResult *r, Err *e);

/* Rates at k: k > E reads k = E; k < 1 is 0. */
double metrics_hit_at(const MetricsResult *r, int k);
double metrics_recall_at(const MetricsResult *r, int k);
double metrics_cover_at(const MetricsResult *r, int k);
void metrics_summary(const MetricsResult *r, MetricsSummary *s);

#endif
