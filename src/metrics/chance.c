/*
 * chance.c: the chance formulas of chance.h as products of K factors.
 * Not here: anything measured.
 */
#include "metrics/chance.h"

#include <math.h>

static int chance_bad(int E, int K)
{
    return E < 1 || K < 1 || K > E;
}

static int chance_clamp_k(int E, int k)
{
    return k > E ? E : k;
}

double metrics_chance_hit(int E, int K, int k)
{
    if (chance_bad(E, K))
        return (double)NAN;
    k = chance_clamp_k(E, k);
    if (k < 1)
        return 0.0;
    /* P(miss all K) = C(E-K,k)/C(E,k) = prod_{i<K} (E-k-i)/(E-i); 0 once k > E-K. */
    double miss = 1.0;
    for (int i = 0; i < K && miss > 0.0; i++)
        miss *= E - k - i > 0 ? (double)(E - k - i) / (double)(E - i) : 0.0;
    return 1.0 - miss;
}

double metrics_chance_recall(int E, int K, int k)
{
    if (chance_bad(E, K))
        return (double)NAN;
    k = chance_clamp_k(E, k);
    return k < 1 ? 0.0 : (double)k / (double)E;
}

double metrics_chance_cover(int E, int K, int k)
{
    if (chance_bad(E, K))
        return (double)NAN;
    k = chance_clamp_k(E, k);
    if (k < K)
        return 0.0;
    /* C(E-K,k-K)/C(E,k) = prod_{i<K} (k-i)/(E-i) */
    double p = 1.0;
    for (int i = 0; i < K; i++)
        p *= (double)(k - i) / (double)(E - i);
    return p;
}

double metrics_chance_exact(int E, int K)
{
    /* 1/C(E,K) = prod_{i<K} (K-i)/(E-i) = cover@K */
    return metrics_chance_cover(E, K, K);
}

void metrics_chance_summary(int E, int K, MetricsSummary *s)
{
    s->n = 0;
    s->hit1 = metrics_chance_hit(E, K, 1);
    s->hit5 = metrics_chance_hit(E, K, 5);
    s->hit10 = metrics_chance_hit(E, K, 10);
    s->hit15 = metrics_chance_hit(E, K, 15);
    s->hit20 = metrics_chance_hit(E, K, 20);
    s->recall_K = metrics_chance_recall(E, K, K);
    s->cover_K = metrics_chance_cover(E, K, K);
    s->cover_2K = metrics_chance_cover(E, K, 2 * K);
    s->exact = metrics_chance_exact(E, K);
    s->val_ce = chance_bad(E, K) ? (double)NAN : log((double)E);
}
