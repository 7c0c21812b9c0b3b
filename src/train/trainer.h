/*
 * trainer.h: the runs of one invocation, trained by one worker thread while
 * a user interface watches (SPEC 6, 7).
 *
 * The worker steps one run at a time, always the one that has had the
 * least compute time, so the runs share the machine by time; every run
 * uses the same shared batch buffer in turn and the numbers of a run do not
 * depend on the others; all --threads compute threads go to OpenBLAS for
 * whichever run is stepping. It publishes a Snapshot after each evaluation,
 * each state change and at most every 100 ms otherwise. The interface talks
 * back only through the TrainControl's flags, read between steps (pause,
 * checkpoint, export, stop): the worker never waits for the interface and
 * the interface never waits for the worker.
 *
 * Not here: drawing, option parsing (ui/), file formats (export.c).
 */
#ifndef MOESPEC_TRAIN_TRAINER_H
#define MOESPEC_TRAIN_TRAINER_H

#include "train/checkpoint.h"
#include "train/control.h"
#include "train/worker.h"
#include "train/dataset.h"
#include "train/run.h"
#include "train/snapshot.h"
#include "train/train_config.h"
#include "util/err.h"

/* Opens the data, measures the baselines and creates one run per
 * architecture (nothing trains yet). */
int trainer_create(const TrainConfig *c, Trainer **out, Err *e);
void trainer_free(Trainer *t);

/* What the export records about the program (strings are copied). */
void trainer_set_export_info(Trainer *t, const char *version, const char *cmdline);
/* Checkpoints (SPEC 8), set before trainer_start: the directory (NULL
 * keeps ./moespec-checkpoints; created when missing), every N steps of a
 * run (0 = never), and stop_at: a run reaching that step writes its
 * checkpoint and takes no more steps in this invocation (0 = never; its
 * plan is unchanged). A failed automatic checkpoint stops the worker with
 * ERR_RUNTIME. */
void trainer_set_checkpoints(Trainer *t, const char *dir, int64_t every, int64_t stop_at);
/* Before trainer_start: run i continues from cks[i] (read from paths[i]).
 * ERR_INPUT naming the file when the data or the model differs. */
int trainer_resume(Trainer *t, const Checkpoint *const *cks, const char *const *paths, Err *e);
/* SPEC 8, for fresh runs (not resumed): ERR_USAGE naming the file when the
 * checkpoint directory holds RUN.ckpt of another trace set or configuration
 * (or one that cannot be read), which the first checkpoint would replace;
 * --overwrite skips the call. Call after trainer_set_checkpoints. */
int trainer_check_checkpoint_dir(const Trainer *t, Err *e);

/* After trainer_join (or before start) only: */
int trainer_n_runs(const Trainer *t);
const Run *trainer_run(const Trainer *t, int i);
const TrainData *trainer_data(const Trainer *t);
const TrainConfig *trainer_config(const Trainer *t);

#endif
