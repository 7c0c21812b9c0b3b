/*
 * publish.h: the worker's side of the snapshot: lays out a flat Snapshot
 * block (snapshot.h) for the runs as they are and fills it from them, the
 * data set's baselines and the trainer's status.
 *
 * Not here: the block's format and the box (snapshot.h), when to publish
 * (trainer.c).
 */
#ifndef MOESPEC_TRAIN_PUBLISH_H
#define MOESPEC_TRAIN_PUBLISH_H

#include "train/dataset.h"
#include "train/run.h"
#include "train/snapshot.h"
#include "util/err.h"

/* The trainer's own part of a snapshot. */
typedef struct PublishStatus {
    int finished;
    int worker_rc;
    const char *worker_msg;
    const char *message;
    uint64_t message_seq;
    const int64_t *last_checkpoint_step; /* [n_runs] */
    const double *busy_s;                /* [n_runs] compute seconds, or NULL */
} PublishStatus;

/* out becomes the snapshot of runs[0..n) on d. ERR_RUNTIME when memory
 * runs out. */
/* The deployment part of s (s->deploy, the runs' deploy rows and cover
 * levels, the baselines' cover levels): publish_deploy.c. */
void publish_deploy(Snapshot *s, const TrainData *d, const Run *runs, int n,
                    const double *busy_s);

int publish_build(SnapshotBuf *out, const TrainData *d, const Run *runs, int n,
                  const PublishStatus *st, Err *e);

#endif
