/*
 * ckpt_eval.h: evaluating checkpointed runs (SPEC 8's `moespec eval`). Each
 * run is restored from its checkpoint and evaluated once: on the
 * checkpoint's own validation split when the data is the trace set it
 * trained on (same fingerprint, and --val-data, if given, its own), else on
 * the whole of --val-data or --data. The runs come back with one history
 * row (this evaluation) and the best evaluation of their training history.
 *
 * Not here: reading the checkpoints and checking their settings against
 * the command line (the command layer), printing (ui/cmd_eval.c).
 */
#ifndef MOESPEC_TRAIN_CKPT_EVAL_H
#define MOESPEC_TRAIN_CKPT_EVAL_H

#include "train/checkpoint.h"
#include "train/dataset.h"
#include "train/run.h"
#include "train/train_config.h"
#include "util/err.h"

typedef struct CkptEval {
    TrainConfig cfg;              /* as evaluated (val_data, val_samples decided) */
    TrainData data;
    Run runs[TRAIN_MAX_RUNS];
    int n_runs;
    int own_split;                /* evaluated on the checkpoints' own split */
} CkptEval;

/* cfg: the checkpoints' shared settings with data = --data (and val_data =
 * --val-data when val_data_given). ERR_INPUT naming the file when a trace
 * set is unreadable or its shape is not a checkpoint's. */
int ckpt_eval_run(const TrainConfig *cfg, int val_data_given, const Checkpoint *cks,
                  const char *const *paths, int n, CkptEval *out, Err *e);
/* ckpt_eval_run without the evaluation: the runs restored on the data,
 * for a caller that scores them its own way (simulate); their histories
 * are the checkpoints' own. */
int ckpt_restore_runs(const TrainConfig *cfg, int val_data_given, const Checkpoint *cks,
                      const char *const *paths, int n, CkptEval *out, Err *e);
/* Validation samples run i was evaluated on. */
int64_t ckpt_eval_samples(const CkptEval *ev, int i);
void ckpt_eval_free(CkptEval *ev);

#endif
