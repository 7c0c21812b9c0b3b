/*
 * sim_live.h: SPEC 11's live simulation: the deployment replay the trainer
 * runs at each evaluation of a run, in the worker, on the validation
 * split's first --sim-tokens tokens (whole sequences).
 *
 * What does not change while training (the replayed trace, the policies
 * without prefetch, the baselines' rows) is replayed once, on first use.
 * A run's own rows are replayed from the ranks its evaluation's score pass
 * leaves in the sink (sim_live_sink), so predicting costs no second pass;
 * only when the evaluation scores a sample of the split (--val-samples)
 * does the run get a pass of its own over the replayed sequences.
 *
 * Everything goes through sim_run.h's pieces, so the table here and
 * `moespec simulate` of the same checkpoints with --cache set to the live
 * caches agree to the last digit (tests/deploy_live.sh).
 *
 * Not here: the replay (src/deploy), drawing (ui/panel_deploy.c).
 */
#ifndef MOESPEC_TRAIN_SIM_LIVE_H
#define MOESPEC_TRAIN_SIM_LIVE_H

#include "train/dataset.h"
#include "train/run.h"
#include "train/score.h"
#include "train/sim_run.h"
#include "train/train_config.h"
#include "util/err.h"

typedef struct SimLive SimLive;

/* The caches the live view replays: K, 2K, 3K, 4K, 6K, 8K, 12K, ... and
 * E/2 and E (SPEC 11's defaults among them), ascending, at most
 * SIM_MAX_LIST; returns how many. */
int sim_live_caches(int E, int K, int *out);

/* *out = NULL when c->sim_tokens is 0. A set whose validation split has no
 * whole sequence within --sim-tokens gets a SimLive that is off, with the
 * reason (sim_live_why_off). ERR_RUNTIME for memory. */
int sim_live_open(TrainData *d, const TrainConfig *c, SimLive **out, Err *e);
void sim_live_free(SimLive *l);
/* The fixed rows (seconds on a large replay); idempotent. */
int sim_live_prepare(SimLive *l, Err *e);

/* The sink to add to run r's evaluation pass (its ctx is NULL when r gets
 * a pass of its own or the simulation is off: then skip it) ... */
ScoreSink sim_live_sink(SimLive *l);
/* ... and after the pass: r's rows replayed into r->deploy. */
int sim_live_finish(SimLive *l, Run *r, Err *e);

/* Reading (publish, export). */
const char *sim_live_why_off(const SimLive *l); /* NULL when on */
int sim_live_prepared(const SimLive *l);
double sim_live_prepare_s(const SimLive *l);
const SimSettings *sim_live_settings(const SimLive *l);
const SimReplay *sim_live_replay(const SimLive *l);
/* Rows without prefetch and of the baselines at cache index i. */
const SimRow *sim_live_fixed(const SimLive *l, int i, int *n);
/* The deploy.csv table of the runs' latest rows (runs without an
 * evaluation are left out) and the fixed rows, in sim_run's order. */
int sim_live_table(const SimLive *l, const Run *const *runs, int n, SimTable *out, Err *e);

#endif
