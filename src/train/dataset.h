/*
 * dataset.h: what all runs of one invocation share about the data: the
 * opened trace set(s), the split, the training and validation batchers and
 * the baselines measured once per data set (SPEC 3: frequency and repeat
 * from the training split, measured on the validation samples; chance;
 * gate, the set's own routers, when it carries router matrices).
 *
 * Not here: models, the step loop (run.c, trainer.c).
 */
#ifndef MOESPEC_TRAIN_DATASET_H
#define MOESPEC_TRAIN_DATASET_H

#include <stdint.h>

#include "data/batcher.h"
#include "data/traceset.h"
#include "metrics/baseline.h"
#include "metrics/metrics.h"
#include "models/arch.h"
#include "train/train_config.h"
#include "util/err.h"

/* A way of cutting the samples into rows: windows of `window` tokens (1:
 * one token per row) carrying the targets of n_aux future tokens. Each
 * architecture reads one view; runs that read the same view share it. */
typedef struct DataView {
    int window;
    int n_aux;
    Batcher *train;           /* training samples, shuffled epochs */
    Batcher *val;             /* validation samples, storage order */
} DataView;

#define TRAIN_MAX_VIEWS (ARCH_MAX + 1)
#define TRAIN_VIEW_TOKEN 0    /* views[0]: one token per row, no future targets
                                 (the per-token models and the baselines) */

typedef struct TrainData {
    TraceSet *ts;             /* --data */
    TraceSet *vts;            /* --val-data, or ts */
    TraceHeader h;            /* shape of both */
    int lookahead;
    uint8_t *val_mask;        /* [n_seqs of ts] 1 = validation sequence */
    DataView views[TRAIN_MAX_VIEWS];
    int n_views;
    SampleBatch buf;          /* the one batch buffer every run reuses */
    MetricsAcc *acc;          /* reused by every evaluation */
    MetricsFreq *freq;        /* training-split frequency table */
    MetricsResult base_freq;  /* frequency baseline on the validation samples */
    MetricsResult base_repeat;/* repeat baseline on the validation samples */
    int has_gate;             /* --data carries router matrices */
    Router router;            /* its routers (when has_gate) */
    MetricsResult base_gate;  /* gate baseline on the validation samples (has_gate) */
    uint64_t fingerprint;     /* of ts */
    struct SimLive *live;     /* the live deployment simulation, borrowed from
                                 the trainer (sim_live.h); NULL = none */
} TrainData;

/* The view an architecture reads under c: its window (1 for the per-token
 * models) and its auxiliary heads. */
void train_arch_view(const TrainConfig *c, Arch a, int *window, int *n_aux);
/* The index in d->views of that view (opened by train_data_open for every
 * architecture in c), or -1. */
int train_data_view(const TrainData *d, int window, int n_aux);

/* Opens the trace set(s), splits, builds batchers and measures the
 * baselines. ERR_INPUT for unreadable or mismatched data (names the file);
 * ERR_INPUT when the set has no hidden states (D = 0). */
int train_data_open(const TrainConfig *c, TrainData *d, Err *e);
void train_data_close(TrainData *d);

#endif
