/*
 * pred.c: the baselines' ranked rows (frequency, repeat, oracle) and the
 * ranking of a score vector, all under SPEC 2's order (ties to lower id).
 */
#include "deploy/sim.h"

#include <stdlib.h>
#include <string.h>

#include "metrics/topk.h"

void sim_count_needs(const SimTrace *t, uint32_t *counts)
{
    memset(counts, 0, (size_t)t->L * t->E * sizeof *counts);
    for (int64_t s = 0; s < t->n_tok; s++)
        for (int l = 0; l < t->L; l++)
            for (int j = 0; j < t->K; j++)
                counts[(size_t)l * t->E + t->experts[(s * t->L + l) * t->K + j]]++;
}

typedef struct CountId {
    uint32_t count;
    uint16_t id;
} CountId;

static int by_count_then_id(const void *a, const void *b)
{
    const CountId *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1; /* most needed first */
    return (x->id > y->id) - (x->id < y->id);
}

/* Integer counts are compared as integers: a float ranking would merge
 * counts above 2^24 (a long trace's popular experts) into false ties. */
void sim_freq_order(const uint32_t *counts, int E, int L, uint16_t *freq_order)
{
    CountId ci[SIM_MAX_EXPERTS];
    for (int l = 0; l < L; l++) {
        for (int e = 0; e < E; e++)
            ci[e] = (CountId){counts[(size_t)l * E + e], (uint16_t)e};
        qsort(ci, (size_t)E, sizeof ci[0], by_count_then_id);
        for (int e = 0; e < E; e++)
            freq_order[(size_t)l * E + e] = ci[e].id;
    }
}

void sim_rank_scores(const float *scores, int E, int M, uint16_t *out)
{
    int ids[SIM_MAX_EXPERTS];
    int k = metrics_topk(scores, E, M, ids);
    for (int j = 0; j < k; j++)
        out[j] = (uint16_t)ids[j];
}

/* row = first (ids[0..n), distinct) then freq order skipping those, M in all. */
static void fill_row(const uint16_t *first, int n, const uint16_t *freq, int E, int M,
                     uint16_t *row)
{
    uint8_t seen[SIM_MAX_EXPERTS] = {0};
    int m = 0;
    for (int j = 0; j < n && m < M; j++)
        if (!seen[first[j]])
            seen[first[j]] = 1, row[m++] = first[j];
    for (int i = 0; i < E && m < M; i++)
        if (!seen[freq[i]])
            seen[freq[i]] = 1, row[m++] = freq[i];
}

void sim_pred_frequency(const SimTrace *t, const uint16_t *freq_order, int M, uint16_t *top)
{
    for (int64_t s = 0; s < t->n_tok; s++)
        for (int l = 0; l < t->L; l++)
            fill_row(NULL, 0, freq_order + (size_t)l * t->E, t->E, M,
                     top + (s * t->L + l) * M);
}

void sim_pred_repeat(const SimTrace *t, const uint8_t *seq_start, const uint16_t *freq_order,
                     int M, uint16_t *top)
{
    for (int64_t s = 0; s < t->n_tok; s++) {
        int first = s == 0 || (seq_start && seq_start[s]);
        for (int l = 0; l < t->L; l++)
            fill_row(first ? NULL : t->experts + ((s - 1) * t->L + l) * t->K,
                     first ? 0 : t->K, freq_order + (size_t)l * t->E, t->E, M,
                     top + (s * t->L + l) * M);
    }
}

void sim_pred_oracle(const SimTrace *t, const uint16_t *freq_order, int M, uint16_t *top)
{
    for (int64_t s = 0; s < t->n_tok; s++)
        for (int l = 0; l < t->L; l++)
            fill_row(t->experts + (s * t->L + l) * t->K, t->K, freq_order + (size_t)l * t->E,
                     t->E, M, top + (s * t->L + l) * M);
}
