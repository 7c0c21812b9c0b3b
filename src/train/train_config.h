/*
 * train_config.h: every setting of a training invocation (SPEC 5, 6, 9), as
 * plain data the command layer fills and the trainer reads.
 *
 * Not here: parsing (ui/cmd_train.c), per-architecture model settings
 * (models/model.h; run.c derives them from this).
 */
#ifndef MOESPEC_TRAIN_TRAIN_CONFIG_H
#define MOESPEC_TRAIN_TRAIN_CONFIG_H

#include <stdint.h>

#include "deploy/sim.h"
#include "models/arch.h"
#include "util/err.h"

#define TRAIN_PATH_MAX 4096
#define TRAIN_MAX_K 256 /* experts per token the trainer handles */
#define TRAIN_MAX_RUNS ARCH_MAX /* one run per architecture */

typedef struct TrainConfig {
    char data[TRAIN_PATH_MAX];     /* trace set to train on */
    char val_data[TRAIN_PATH_MAX]; /* "" = split --data by sequence */
    int n_archs;
    Arch archs[TRAIN_MAX_RUNS];    /* the runs, in --arch order */
    int64_t epochs;                /* planned epochs (20) unless max_steps */
    int64_t max_steps;             /* 0 = plan by epochs */
    int batch;                     /* samples per step (1024) */
    double lr[ARCH_MAX];           /* per architecture id (the table's defaults) */
    int width;                     /* 0 = each architecture's default (256) */
    int rank;                      /* linear's --rank R; 0 = full rank (the
                                      other architectures take none) */
    int window;                    /* windowed models' context (32) */
    int lookahead;                 /* Δ (0) */
    int use_layer_id;              /* 1 unless --no-layer-id */
    uint64_t seed;                 /* split, init, order, dropout (1) */
    double val_frac;               /* 0.1 */
    int64_t val_samples;           /* 0 = whole validation split */
    int64_t eval_every;            /* 200 */
    int shards_per_group;          /* 0 = all */
    int threads;                   /* total compute threads (cores) */
    /* the live deployment simulation (SPEC 11): not the runs' settings, so
     * not in checkpoints; each invocation brings its own */
    int64_t sim_tokens;            /* replay bound (16384); 0 = no live simulation */
    SimCost sim_cost;              /* SIM_COST_DEFAULT */
} TrainConfig;

void train_config_default(TrainConfig *c);

/* The first setting two configurations of one run disagree on, as its
 * option ("--batch"), or NULL: the plan (--epochs only when --max-steps
 * does not fix it), batch, window, lookahead, layer id, seed, validation
 * split, samples and set, evaluation interval, shards per group. Not
 * compared: the per-architecture lr, width and rank (the model's), the
 * data path and the threads. */
const char *train_config_differs(const TrainConfig *a, const TrainConfig *b);

#endif
