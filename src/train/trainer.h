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
 * back only through atomic flags read between steps (pause, stop): the
 * worker never waits for the interface and the interface never waits for
 * the worker.
 *
 * Not here: drawing, option parsing (ui/), file formats (export.c).
 */
#ifndef MOESPEC_TRAIN_TRAINER_H
#define MOESPEC_TRAIN_TRAINER_H

#include "train/checkpoint.h"
#include "train/dataset.h"
#include "train/run.h"
#include "train/snapshot.h"
#include "train/train_config.h"
#include "util/err.h"

typedef struct Trainer Trainer;

/* Opens the data, measures the baselines and creates one run per
 * architecture (nothing trains yet). */
int trainer_create(const TrainConfig *c, Trainer **out, Err *e);
void trainer_free(Trainer *t);

/* linger = 1 keeps the worker serving requests (export) after every run
 * ended, until trainer_request_stop: what a dashboard wants; 0 ends the
 * worker with the last run (headless). */
int trainer_start(Trainer *t, int linger, Err *e);
/* Asks the worker to stop after the current step (any thread). */
void trainer_request_stop(Trainer *t);
/* Pause or resume run i, or all runs when i < 0 (any thread). */
void trainer_set_paused(Trainer *t, int i, int paused);
int trainer_is_paused(Trainer *t, int i);
/* What the export records about the program (strings are copied). */
void trainer_set_export_info(Trainer *t, const char *version, const char *cmdline);
/* Asks the worker to export every run's CSV files into a new subdirectory
 * YYYYmmdd-HHMMSS[-N] of parent (created if missing) between two steps; the
 * result (the path, or the error) becomes the snapshot's message. */
void trainer_request_export(Trainer *t, const char *parent);
/* Checkpoints (SPEC 8), set before trainer_start: the directory (NULL
 * keeps ./moespec-checkpoints; created when missing), every N steps of a
 * run (0 = never), and stop_at: a run reaching that step writes its
 * checkpoint and takes no more steps in this invocation (0 = never; its
 * plan is unchanged). A failed automatic checkpoint stops the worker with
 * ERR_RUNTIME. */
void trainer_set_checkpoints(Trainer *t, const char *dir, int64_t every, int64_t stop_at);
/* Asks the worker to checkpoint run i, or every run when i < 0, between two
 * steps (any thread); the result (the paths, or the error) becomes the
 * snapshot's message. */
void trainer_request_checkpoint(Trainer *t, int i);
/* The headless signal path: stop after the current step, then checkpoint
 * every run before the worker ends (a failure is the worker's error). */
void trainer_request_stop_with_checkpoints(Trainer *t);
/* Before trainer_start: run i continues from cks[i] (read from paths[i]).
 * ERR_INPUT naming the file when the data or the model differs. */
int trainer_resume(Trainer *t, const Checkpoint *const *cks, const char *const *paths, Err *e);
/* Waits for the worker; returns its status (ERR_OK when every run ended
 * DONE, HALTED or stopped, else the error that stopped it, in *e). */
int trainer_join(Trainer *t, Err *e);

SnapshotBox *trainer_box(Trainer *t);

/* After trainer_join (or before start) only: */
int trainer_n_runs(const Trainer *t);
const Run *trainer_run(const Trainer *t, int i);
const TrainData *trainer_data(const Trainer *t);
const TrainConfig *trainer_config(const Trainer *t);

#endif
