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
#include "train/sim_trace.h"
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

/* ---- the pieces sim_run is made of, shared with the trainer's live
 * simulation (sim_live.h), so that the two tables agree to the digit ---- */

/* A predictor's ranked guesses for the replay. */
typedef struct SimPredictor {
    char name[32];
    SimPred pred;
    uint16_t *top;           /* [tokens][L][pred.M], owned */
} SimPredictor;

/* in with SPEC 11's defaults filled in for the trace of rp (replay: where
 * the manifest's expert size comes from; run_lookahead: the first run's, or
 * -1 without runs), then checked: ERR_USAGE naming the option. */
int sim_settings_resolve(const SimReplay *rp, const TraceSet *replay, const SimSettings *in,
                         int run_lookahead, SimSettings *out, Err *e);
/* Adds cache size c to v [n] (ascending, no repeats, room for
 * SIM_MAX_LIST); returns the new n (unchanged for a repeat or when full). */
int sim_caches_add(int *v, int n, int c);
/* The deepest prefetch of s (the M every predictor ranks). */
int sim_settings_depth(const SimSettings *s);
/* The baselines that apply and that s asks for, appended to p[*n..]:
 * frequency, repeat, gate (router matrices and hidden states), oracle, at
 * s->lookahead, ranked to depth M. */
int sim_baselines_make(TraceSet *replay, const SimSettings *s, const SimReplay *rp, int M,
                       SimPredictor *p, int *n, Err *e);
int sim_predictor_add(SimPredictor *p, int *n, const char *name, int M, int lookahead,
                      const SimTrace *t, Err *e);
void sim_predictor_free(SimPredictor *p);

/* Rows of cache size C appended to rows[*n..]: the policies without
 * prefetch (lru first, then s's others in order) ... */
int sim_rows_plain(const SimReplay *rp, const SimSettings *s, int C, SimRow *rows, int *n,
                   Err *e);
/* ... and one predictor's: each depth M <= C under each policy of s that
 * prefetches. */
int sim_rows_prefetch(const SimReplay *rp, const SimSettings *s, const SimPredictor *p, int C,
                      SimRow *rows, int *n, Err *e);
/* How many rows sim_rows_prefetch makes at C, and sim_rows_plain. */
int sim_rows_prefetch_count(const SimSettings *s, int C);
int sim_rows_plain_count(const SimSettings *s);
/* speedup of rows[0..n) against lru without prefetch at their C. */
void sim_rows_speedup(SimRow *rows, int n, const SimResult *lru_plain);

#endif
