/*
 * routestats.h: the per-layer routing statistics of SPEC 4.4, shown by
 * `moespec info` and used to check the synthetic MoE against SPEC 4.3.
 *
 * All use the *first choice* (experts[t][l][0], the highest gate) of each
 * token at layer l. With p the layer's first-choice distribution over all
 * tokens of the set:
 *   skew         = max_e p_e * E (1 = uniform);
 *   repeat_ratio = P(first(t+1) = first(t)) over consecutive tokens of a
 *                  sequence, divided by sum_e p_e^2;
 *   affinity     = sum_i p_i max_j P(first at l+1 = j | first at l = i)
 *                = (sum_i max_j C_ij) / N with C the transition counts;
 *   same_id      = P(first at l+1 = first at l);
 *   token_share  = share of samples whose first choice equals the most
 *                  frequent first choice of their token id at that layer
 *                  (= sum over token ids of that mode's count / N).
 * Conventions: the last layer has no layer l+1, so its affinity and same_id
 * are NaN (printed as empty CSV cells); token_share is NaN when no token id
 * is known (all -1) and is computed over the samples with an id otherwise;
 * repeat_ratio is NaN when no sequence has two tokens.
 *
 * The core is an accumulator over in-memory sequences (experts[T][L][K],
 * tokens[T]) that routestats_compute feeds from a trace set and the
 * generator's tests feed directly. Not here: printing (ui/cmd_info.c).
 */
#ifndef MOESPEC_DATA_ROUTESTATS_H
#define MOESPEC_DATA_ROUTESTATS_H

#include <stdint.h>

#include "data/traceset.h"
#include "util/err.h"

typedef struct LayerStats {
    double skew, repeat_ratio, affinity, same_id, token_share;
} LayerStats;

typedef struct RouteStats RouteStats;

/* An empty accumulator for sets of shape E, K, L. */
int routestats_new(int E, int K, int L, RouteStats **out, Err *e);
void routestats_free(RouteStats *rs);
/* Adds one sequence: experts [T][L][K] (gate order), tokens [T] or NULL
 * (unknown ids). ERR_INPUT when an expert id is >= E. */
int routestats_add_seq(RouteStats *rs, int T, const int32_t *tokens, const uint16_t *experts,
                       Err *e);
/* The statistics of everything added so far, into out[L]. */
int routestats_result(const RouteStats *rs, LayerStats *out, Err *e);

/* Reads every sequence of the set (group by group) and fills out[L]. */
int routestats_compute(TraceSet *ts, LayerStats *out, Err *e);

#endif
