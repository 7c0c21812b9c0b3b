/*
 * bench_replay.c: SPEC 11 replay throughput (steps/s, steps = tokens · L).
 *
 * Generates a routing trace in memory (default 1M tokens, E=60, K=4, L=24):
 * experts drawn from a skewed (squared-uniform) distribution per layer, and
 * a token repeats the previous token's set at a layer with probability 1/4.
 * Times, once each, every policy without prefetch, and lru and lfu with an
 * oracle and a frequency prefetch (M = K, Δ = 1), at C = 2K.
 * Not a test: `make bench`, then bench/bench_replay [--tokens N] [--cache C].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "deploy/sim.h"
#include "util/rng.h"

enum { E = 60, K = 4, L = 24 };

static void gen(int64_t n, uint16_t *x)
{
    Rng r;
    rng_seed(&r, 0x2545f4914f6cdd1dull);
    for (int64_t t = 0; t < n; t++)
        for (int l = 0; l < L; l++) {
            uint16_t *R = x + (t * L + l) * K;
            if (t > 0 && rng_below(&r, 4) == 0) {
                memcpy(R, R - L * K, K * sizeof *R);
                continue;
            }
            for (int j = 0; j < K; j++) {
                int e, dup;
                do {
                    double u = rng_uniform(&r);
                    e = (int)(u * u * E + l) % E; /* skewed, a different head per layer */
                    dup = 0;
                    for (int i = 0; i < j; i++)
                        dup |= R[i] == e;
                } while (dup);
                R[j] = (uint16_t)e;
            }
        }
}

static void time_case(const SimTrace *t, SimPolicy p, int C, int M, const SimPred *pr,
                      const char *pred_name)
{
    SimCost cost = {17.3, 25.0, 0.3, 0.0};
    SimCase c = {p, C, M, pr, NULL};
    SimResult r;
    Err e;
    double t0 = bench_now_s();
    if (sim_replay(t, &c, &cost, &r, NULL, &e)) {
        fprintf(stderr, "bench_replay: %s\n", e.msg);
        exit(1);
    }
    double dt = bench_now_s() - t0;
    printf("%-7s C=%-3d prefetch=%d %-9s  %7.3f s  %6.2f Msteps/s  hit %.4f  tpot %.3f ms\n",
           sim_policy_name(p), C, M, pred_name, dt, (double)r.steps / dt / 1e6, r.hit,
           r.tpot_ms);
}

int main(int argc, char **argv)
{
    int64_t n = 1000000;
    int C = 2 * K;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--tokens"))
            n = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--cache"))
            C = atoi(argv[i + 1]);
    }
    if (n < 1 || n > 100000000) /* the trace and one predictor: 384 bytes a token */
        return fprintf(stderr, "bench_replay: --tokens is outside 1..1e8\n"), 2;
    uint16_t *x = malloc((size_t)n * L * K * sizeof *x);
    uint16_t *top = malloc((size_t)n * L * K * sizeof *top);
    uint16_t fo[L * E];
    uint32_t counts[L * E];
    if (!x || !top)
        return fprintf(stderr, "bench_replay: out of memory\n"), 1;
    gen(n, x);
    SimTrace t = {E, K, L, n, x};
    sim_count_needs(&t, counts);
    sim_freq_order(counts, E, L, fo);
    printf("bench_replay: %lld tokens, E=%d K=%d L=%d, %lld steps\n", (long long)n, E, K, L,
           (long long)n * L);
    for (int p = 0; p < SIM_N_POLICIES; p++)
        time_case(&t, (SimPolicy)p, C, 0, NULL, "-");
    SimPred pr = {K, 1, top};
    sim_pred_oracle(&t, fo, K, top);
    time_case(&t, SIM_LRU, C, K, &pr, "oracle");
    time_case(&t, SIM_LFU, C, K, &pr, "oracle");
    sim_pred_frequency(&t, fo, K, top);
    time_case(&t, SIM_LRU, C, K, &pr, "frequency");
    time_case(&t, SIM_LFU, C, K, &pr, "frequency");
    free(x), free(top);
    return 0;
}
