/*
 * dataset.h: what all runs of one invocation share about the data: the
 * opened trace set(s), the split, the training and validation batchers and
 * the baselines measured once per data set (SPEC 3: frequency and repeat
 * from the training split, measured on the validation samples; chance).
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
#include "train/train_config.h"
#include "util/err.h"

enum { VIEW_TOKEN = 0, VIEW_WINDOW = 1 };

typedef struct TrainData {
    TraceSet *ts;             /* --data */
    TraceSet *vts;            /* --val-data, or ts */
    TraceHeader h;            /* shape of both */
    int lookahead;
    uint8_t *val_mask;        /* [n_seqs of ts] 1 = validation sequence */
    /* [VIEW_TOKEN]: one sample per unit (simple, the baselines);
     * [VIEW_WINDOW]: windows of --window tokens (hybrid, complex), opened
     * only when such a run exists. */
    Batcher *train[2];        /* training samples, shuffled epochs */
    Batcher *val[2];          /* validation samples, storage order */
    SampleBatch buf;          /* the one batch buffer every run reuses */
    MetricsAcc *acc;          /* reused by every evaluation */
    MetricsFreq *freq;        /* training-split frequency table */
    MetricsResult base_freq;  /* frequency baseline on the validation samples */
    MetricsResult base_repeat;/* repeat baseline on the validation samples */
    uint64_t fingerprint;     /* of ts */
} TrainData;

/* Whether an architecture reads windows of tokens (VIEW_WINDOW). */
int train_arch_view(Arch a);

/* Opens the trace set(s), splits, builds batchers and measures the
 * baselines. ERR_INPUT for unreadable or mismatched data (names the file);
 * ERR_INPUT when the set has no hidden states (D = 0). */
int train_data_open(const TrainConfig *c, TrainData *d, Err *e);
void train_data_close(TrainData *d);

#endif
