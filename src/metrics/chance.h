/*
 * chance.h: SPEC 3's chance levels, the metrics of a predictor that guesses
 * its top-k list uniformly at random among the C(E,k) k-subsets:
 *   hit@k    = 1 - C(E-K,k)/C(E,k)
 *   recall@k = k/E
 *   cover@k  = C(E-K,k-K)/C(E,k)   (0 for k < K)
 *   exact    = 1/C(E,K)
 *   val_ce   = log E  (uniform scores)
 * Each ratio of binomials is evaluated as a product of K factors in [0, 1]
 * (C(E-K,k)/C(E,k) = prod_{i<K} (E-k-i)/(E-i), C(E-K,k-K)/C(E,k) =
 * prod_{i<K} (k-i)/(E-i)), so nothing overflows for any E <= 65536; a tiny
 * result underflows gracefully to 0. k > E reads k = E; k < 1 gives 0.
 * Preconditions: E >= 1, 1 <= K <= E (else NaN).
 * Not here: measured baselines (baseline.h).
 */
#ifndef MOESPEC_METRICS_CHANCE_H
#define MOESPEC_METRICS_CHANCE_H

#include "metrics/metrics.h"

double metrics_chance_hit(int E, int K, int k);
double metrics_chance_recall(int E, int K, int k);
double metrics_chance_cover(int E, int K, int k);
double metrics_chance_exact(int E, int K);
/* The summary row of the `chance` baseline (n = 0). */
void metrics_chance_summary(int E, int K, MetricsSummary *s);

#endif
