/*
 * sim_run.h: SPEC 11's `moespec simulate` below the command line: which
 * sequences are replayed, where the baselines' statistics come from, the
 * predictors' ranked guesses (baselines built from the trace, `gate` and
 * trained runs through the score pass), and the table of cases replayed by
 * the pure simulator (src/deploy/sim.h).
 *
 * Rows come in a fixed order (SPEC 8's deploy.csv): for each cache size,
 * the policies without prefetch, then each predictor with each prefetch
 * depth under lru and lfu. speedup is against lru without prefetch at the
 * same cache size, so lru is always replayed.
 *
 * Not here: parsing options, restoring checkpoints (the command layer hands
 * restored runs in), printing.
 */
#ifndef MOESPEC_TRAIN_SIM_RUN_H
#define MOESPEC_TRAIN_SIM_RUN_H

#include <stdint.h>

#include "data/traceset.h"
#include "deploy/sim.h"
#include "train/run.h"
#include "train/train_config.h"
#include "util/err.h"

#define SIM_MAX_LIST 16      /* entries of --cache, --prefetch, --policy */
#define SIM_MAX_PREDICTORS (TRAIN_MAX_RUNS + 4)

/* Where the replay and the statistics come from. */
typedef struct SimSource {
    TraceSet *replay;            /* the set replayed */
    const uint8_t *replay_mask;  /* [its sequences] != 0 replayed; NULL = all */
    TraceSet *stats;             /* the training split's set, or NULL: hindsight */
    const uint8_t *stats_mask;   /* [its sequences] != 0 counted; NULL = all */
    Run *const *runs;            /* restored runs (predictors), n_runs of them */
    int n_runs;
    const TrainConfig *run_cfg;  /* their settings (views); NULL when n_runs = 0 */
} SimSource;

typedef struct SimSettings {
    SimPolicy policies[SIM_N_POLICIES];
    int n_policies;              /* 0 = lru, lfu, belady, static */
    int caches[SIM_MAX_LIST];
    int n_caches;                /* 0 = 2K, 4K, 8K, E/2 (capped at E, no repeats) */
    int prefetch[SIM_MAX_LIST];
    int n_prefetch;              /* 0 = K */
    char predictors[SIM_MAX_PREDICTORS][32];
    int n_predictors;            /* 0 = every run and every baseline that applies */
    int lookahead;               /* the baselines' Δ; -1 = the runs', else 1 */
    SimCost cost;                /* expert_mb <= 0: the manifest's, else 17.3 */
    int64_t sim_tokens;          /* 0 = every replayed sequence */
    int threads;                 /* for the model and gate scorers */
} SimSettings;

typedef struct SimRow {
    char predictor[32];          /* "" for a policy without prefetch */
    SimPolicy policy;
    int cache, prefetch, lookahead;
    SimResult r;
    double speedup;
} SimRow;

typedef struct SimTable {
    int E, K, L;
    int64_t tokens, seqs;        /* replayed */
    int hindsight;               /* statistics from the replayed trace itself */
    SimCost cost;                /* as used */
    char predictors[SIM_MAX_PREDICTORS][32];
    int n_predictors;            /* as replayed */
    SimRow *rows;
    int n_rows;
} SimTable;

/* ERR_USAGE for a bad setting (naming the option), ERR_INPUT for data that
 * cannot be replayed, ERR_RUNTIME for memory. */
int sim_run(const SimSource *src, const SimSettings *set, SimTable *out, Err *e);
void sim_table_free(SimTable *t);

#endif
