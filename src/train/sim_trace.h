/*
 * sim_trace.h: the trace a simulation replays, cut from a trace set (SPEC
 * 11: the selected sequences in ascending index, the first ones whose
 * tokens add up to at most --sim-tokens), and the need counts behind the
 * frequency order and `static` (the training split's, or the replayed
 * trace's own: hindsight).
 */
#ifndef MOESPEC_TRAIN_SIM_TRACE_H
#define MOESPEC_TRAIN_SIM_TRACE_H

#include <stdint.h>

#include "data/traceset.h"
#include "deploy/sim.h"
#include "util/err.h"

typedef struct SimReplay {
    SimTrace trace;          /* experts points into the block below */
    uint16_t *experts;       /* [tokens][L][K] */
    int64_t *seq_first;      /* [sequences of the set] first token in the block, -1 */
    uint8_t *seq_start;      /* [tokens] 1 at a sequence's first token */
    uint8_t *replayed;       /* [sequences of the set] 1 = replayed */
    int64_t seqs;            /* sequences replayed */
    uint32_t *counts;        /* [L][E] needs (statistics) */
    uint16_t *freq_order;    /* [L][E] from counts */
    int hindsight;           /* counts are the replayed trace's own */
} SimReplay;

/* mask/stats_mask: != 0 selects a sequence (NULL = all); stats NULL =
 * count the replayed trace. sim_tokens 0 = no limit. ERR_USAGE when no
 * whole sequence fits. */
int sim_replay_build(TraceSet *ts, const uint8_t *mask, int64_t sim_tokens, TraceSet *stats,
                     const uint8_t *stats_mask, SimReplay *r, Err *e);
void sim_replay_free(SimReplay *r);

#endif
