/*
 * train_resume.h: `moespec train --resume FILE...` (SPEC 8): loads the
 * checkpoints, refuses options that contradict them, and builds the
 * invocation's settings from them (hyperparameters come from the
 * checkpoint; giving the same value again is fine).
 *
 * Not here: the data check (trainer_resume: another trace set is exit 3),
 * the checkpoint format (src/train/checkpoint.c).
 */
#ifndef MOESPEC_UI_TRAIN_RESUME_H
#define MOESPEC_UI_TRAIN_RESUME_H

#include "train/checkpoint.h"
#include "train/train_config.h"

/* Which settings the command line gave (1 = given). */
typedef struct TrainGiven {
    int arch, epochs, max_steps, batch, lr[ARCH_MAX], width, rank, window, lookahead,
        no_layer_id, seed, val_frac, val_data, val_samples, eval_every, shards_per_group;
} TrainGiven;

typedef struct ResumeSet {
    int n;
    const char *paths[TRAIN_MAX_RUNS];
    Checkpoint ck[TRAIN_MAX_RUNS];
} ResumeSet;

/* Adds a --resume FILE; -1 (after saying why) when there are too many. */
int resume_add(ResumeSet *rs, const char *path);

/* Loads every file and fills *cfg from them and the command line's data,
 * --val-data and --threads. Returns 0, or the exit status after printing
 * why: 2 for --arch, a conflicting value, a repeated architecture or
 * checkpoints that disagree; 3 for an unreadable or corrupt file. */
int resume_prepare(ResumeSet *rs, const TrainConfig *cli, const TrainGiven *given,
                   TrainConfig *cfg);
void resume_free(ResumeSet *rs);

#endif
