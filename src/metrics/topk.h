/*
 * topk.h: the one ordering of experts by score that every metric uses
 * (SPEC 2: the top-k list P_k is the k highest scores, ties broken by the
 * lower expert id; k > E means k = E).
 *
 * NaN policy: a NaN score ranks below every number (below -inf too), and NaNs
 * among themselves by lower id. So a NaN never crashes or loops here; the
 * trainer halts on a non-finite loss long before such scores matter.
 *
 * Not here: accumulation of metrics (metrics.h), baselines (baseline.h).
 */
#ifndef MOESPEC_METRICS_TOPK_H
#define MOESPEC_METRICS_TOPK_H

/* 1 when expert a (score sa) comes before expert b (score sb) in P order. */
static inline int metrics_before(float sa, int a, float sb, int b)
{
    int an = sa != sa, bn = sb != sb; /* isnan without <math.h> promotions */
    if (an != bn)
        return bn;
    if (!an && sa != sb)
        return sa > sb;
    return a < b;
}

/* Writes the top-k expert ids of scores[E], best first, into out_ids[k]
 * (k is clamped to 1..E; out_ids must hold that many). O(E log k), no
 * allocation. Returns the k used (0 when E < 1 or k < 1). */
int metrics_topk(const float *scores, int E, int k, int *out_ids);

/* 0-based position of expert id in the order of scores[E]: the number of
 * experts that come before it. O(E). */
int metrics_rank(const float *scores, int E, int id);

#endif
