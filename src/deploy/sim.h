/*
 * sim.h: SPEC 11's deployment simulator, pure: routing and ranked
 * predictions in, hit and cost figures out. No I/O, no models, no files.
 *
 * Conventions
 * - A trace is n_tok tokens in replay order (the caller concatenates the
 *   replayed sequences, ascending index, t ascending), L layers, K experts
 *   each in gate order: experts[(t * L + l) * K + j]. Caches are kept
 *   across sequences (one serving process), so sequence bounds do not
 *   matter to the replay.
 * - A predictor is, for each target step (t, l'), its M best experts,
 *   highest score first (ties to the lower id): top[(t * L + l') * M + j].
 *   Rows of l' < lookahead (lookahead >= 1) are never read: those layers
 *   get no prefetch (no prefetch across tokens).
 * - Every layer is replayed on its own (its cache sees only its own steps
 *   and prefetches, in the order prefetch(t, l'), demand(t, l')), which is
 *   why scratch is O(n_tok * K) per layer, not per trace.
 * - Counts are exact integers; the derived columns are computed from them
 *   in one place (sim_finish), so two implementations agree to the digit.
 *
 * Not here: which sequences are replayed, where predictions come from
 * (src/train/sim_run.c), printing and deploy.csv (the command layer).
 */
#ifndef MOESPEC_DEPLOY_SIM_H
#define MOESPEC_DEPLOY_SIM_H

#include <stdint.h>

#include "util/err.h"

#define SIM_MAX_EXPERTS 1024 /* E bound (trace sets store ids as uint16) */
/* Tokens one replay takes: the victim order packs (count, clock, id) of an
 * expert into 64 bits (replay.c). 2^26 tokens of Qwen's shape are 1.6 G
 * steps and 12 GiB of routing: --sim-tokens cuts a larger set. */
#define SIM_MAX_TOKENS (((int64_t)1 << 26) - 1)

typedef struct SimTrace {
    int E, K, L;
    int64_t n_tok;
    const uint16_t *experts; /* [n_tok][L][K], gate order */
} SimTrace;

typedef struct SimPred {
    int M;                /* ranks stored per step, >= the case's prefetch */
    int lookahead;        /* Δ: the prediction for l' is made at layer l' - Δ */
    const uint16_t *top;  /* [n_tok][L][M], best first */
} SimPred;

typedef enum { SIM_LRU = 0, SIM_LFU, SIM_BELADY, SIM_STATIC, SIM_N_POLICIES } SimPolicy;

/* Cost model (decimal units): a fetch takes expert_mb / (1000 * link_gbps)
 * seconds; layer_ms is decode compute per layer; attn_ms the lead of a
 * same-layer (Δ = 0) prefetch. */
typedef struct SimCost {
    double expert_mb, link_gbps, layer_ms, attn_ms;
} SimCost;
/* SPEC 11's defaults; expert_mb 0 = the manifest's expert_bytes, else 17.3. */
#define SIM_COST_DEFAULT ((SimCost){0.0, 25.0, 0.3, 0.0})

typedef struct SimCase {
    SimPolicy policy;
    int cache;                     /* C slots per layer, K <= C <= E */
    int prefetch;                  /* M; 0 = no prefetch */
    const SimPred *pred;           /* the predictor when prefetch > 0, else NULL */
    const uint32_t *static_counts; /* [L][E] needs per expert for `static`;
                                      NULL = counted from the replayed trace */
} SimCase;

typedef struct SimResult {
    /* exact counts */
    int64_t tokens, steps;         /* steps = tokens * L */
    int64_t hits;                  /* Σ |R ∩ S_l| */
    int64_t demand_fetches;        /* misses */
    int64_t prefetch_fetches;      /* experts fetched by prefetches */
    int64_t prefetch_useful;       /* of those, needed at their target step */
    double late_s;                 /* Σ over steps of max(0, p·f − lead), seconds: the
                                      prefetch part of the stall (the demand part is
                                      demand_fetches · f, added by sim_finish) */
    /* derived (sim_finish) */
    double hit;                    /* hits / (steps * K) */
    double prefetch_precision;     /* useful / prefetch fetches; NaN without prefetch */
    double bytes_per_token;        /* (demand + prefetch fetches) * expert bytes / tokens */
    double stall_s;                /* demand_fetches · f + late_s */
    double stall_ms_per_token;
    double tpot_ms;                /* L * layer_ms + stall per token */
} SimResult;

const char *sim_policy_name(SimPolicy p);
/* 1 for the policies that take prefetches (lru, lfu: SPEC 11). */
int sim_policy_prefetches(SimPolicy p);
/* "lru" .. "static" -> *out; ERR_USAGE naming the word otherwise. */
int sim_policy_parse(const char *s, SimPolicy *out, Err *e);

/* ERR_USAGE with an option-level message ("--cache 3 is less than K = 4")
 * for a case this trace cannot take. */
int sim_case_check(const SimTrace *t, const SimCase *c, Err *e);

/* Replays the whole trace under c; layer_hits, when not NULL, receives the
 * hits of each layer [L]. ERR_USAGE from sim_case_check; ERR_RUNTIME when
 * scratch cannot be allocated. */
int sim_replay(const SimTrace *t, const SimCase *c, const SimCost *cost, SimResult *out,
               int64_t *layer_hits, Err *e);

/* Derived columns of out from its counts (sim_replay calls it). */
void sim_finish(const SimTrace *t, const SimCost *cost, SimResult *out);

/* max(0, p·f − lead) of one step whose prefetch fetched p experts: the one
 * formula every replay uses, so their late_s agree. */
double sim_late_s(int p, int lookahead, const SimCost *cost);

/* TPOT of lru without prefetch at the same C / this TPOT. */
double sim_speedup(const SimResult *lru_plain, const SimResult *r);

/* ---- predictors built from the trace (the baselines) ----
 * freq_order: [L][E] each layer's experts by count, most needed first (ties
 * to the lower id), from the training split or the replayed trace. top is
 * [n_tok][L][M] (the caller allocates; M <= E). */
void sim_pred_frequency(const SimTrace *t, const uint16_t *freq_order, int M, uint16_t *top);
/* The previous token's experts at l' (gate order), then frequency order;
 * the first token of the trace (and of each sequence, seq_start[t] != 0,
 * NULL = only t = 0) gets the frequency order. */
void sim_pred_repeat(const SimTrace *t, const uint8_t *seq_start, const uint16_t *freq_order,
                     int M, uint16_t *top);
/* The true R of l' in gate order, then frequency order: the upper bound. */
void sim_pred_oracle(const SimTrace *t, const uint16_t *freq_order, int M, uint16_t *top);
/* freq_order [L][E] from counts [L][E]. */
void sim_freq_order(const uint32_t *counts, int E, int L, uint16_t *freq_order);
/* counts [L][E] of the trace's needs. */
void sim_count_needs(const SimTrace *t, uint32_t *counts);
/* The M best ids of scores[E] (NaN below everything; ties to the lower id,
 * as metrics_topk). */
void sim_rank_scores(const float *scores, int E, int M, uint16_t *out);

#endif
