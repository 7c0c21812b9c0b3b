/*
 * control.h: the commands a user interface sends the trainer's worker
 * (SPEC 7's keys, SPEC 9's signals): atomic flags and one small request
 * slot, set from any thread and read by the worker between two steps. The
 * interface never waits for the worker and the worker never waits for the
 * interface. With snapshot.h this is all a screen needs of src/train.
 *
 * Not here: carrying the commands out (trainer.c).
 */
#ifndef MOESPEC_TRAIN_CONTROL_H
#define MOESPEC_TRAIN_CONTROL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "train/snapshot.h"

#define CONTROL_PATH_MAX 4096

typedef struct TrainControl {
    int n_runs;
    atomic_int stop;
    atomic_int paused[SNAPSHOT_MAX_RUNS];
    atomic_int checkpoint_requested; /* bit i: run i */
    atomic_int checkpoint_on_stop;   /* checkpoint the runs with unsaved steps at the end */
    atomic_int export_requested;
    pthread_mutex_t lock;            /* guards export_parent */
    char export_parent[CONTROL_PATH_MAX];
} TrainControl;

void control_init(TrainControl *c, int n_runs);
/* The runs the flags cover (clamped to 0..SNAPSHOT_MAX_RUNS); before the
 * worker starts. */
void control_set_runs(TrainControl *c, int n_runs);
void control_destroy(TrainControl *c);

/* ---- the interfaces' side (any thread) ---- */
/* Stop after the current step. */
void control_request_stop(TrainControl *c);
/* Stop after the current step, then checkpoint every run with steps since
 * its last checkpoint before the worker ends (signals, SPEC 9). */
void control_request_stop_with_checkpoints(TrainControl *c);
/* Pause or resume run i, or all runs when i < 0. */
void control_set_paused(TrainControl *c, int i, int paused);
int control_is_paused(TrainControl *c, int i);
/* Checkpoint run i, or every run when i < 0, between two steps (an i past
 * the runs asks nothing). */
void control_request_checkpoint(TrainControl *c, int i);
/* Export every run's CSV files into a new subdirectory of parent. */
void control_request_export(TrainControl *c, const char *parent);

/* ---- the worker's side ---- */
int control_stop_requested(TrainControl *c);
int control_checkpoint_on_stop(TrainControl *c);
/* The runs asked to be checkpointed since the last call (a bit mask). */
int control_take_checkpoints(TrainControl *c);
/* 1 and the parent directory in buf when an export was asked since the
 * last call, else 0. */
int control_take_export(TrainControl *c, char *buf, size_t size);

#endif
