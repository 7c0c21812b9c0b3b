/*
 * worker.h: the trainer as a user interface sees it: an opaque Trainer
 * whose worker it starts and joins, the snapshots it draws (snapshot.h)
 * and the commands it sends (control.h). The dashboard and the headless
 * reporter include this, not trainer.h, so no model, batcher, run or
 * metric type is visible to them.
 *
 * Not here: creating and configuring a trainer (trainer.h, the command
 * layer's business).
 */
#ifndef MOESPEC_TRAIN_WORKER_H
#define MOESPEC_TRAIN_WORKER_H

#include "train/control.h"
#include "train/snapshot.h"
#include "util/err.h"

typedef struct Trainer Trainer;

/* linger = 1 keeps the worker serving requests (export) after every run
 * ended, until a stop is requested: what a dashboard wants; 0 ends the
 * worker with the last run (headless). The first snapshot is published
 * before this returns. */
int trainer_start(Trainer *t, int linger, Err *e);
/* Waits for the worker; returns its status (ERR_OK when every run ended
 * DONE, HALTED or stopped, else the error that stopped it, in *e). */
int trainer_join(Trainer *t, Err *e);
SnapshotBox *trainer_box(Trainer *t);
TrainControl *trainer_control(Trainer *t);

#endif
