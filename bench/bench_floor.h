/*
 * bench_floor.h: the GEMM-only floor of a training step. The logical GEMMs
 * one step made (nn/gemm_log.h) are replayed on scratch buffers with the
 * same shapes and transposes, timed two ways:
 *   native  each logical GEMM one cblas_sgemm on OpenBLAS's own T threads
 *   pool    split over moespec's compute pool with 1-thread OpenBLAS calls,
 *           as the layers split them (nn/linear.c: by rows of C, slices of
 *           about 2^21 multiply-adds; products counted k times: the k copies
 *           split, as attention's forward splits windows)
 * The floor is the faster of the two: what a step would cost if it did
 * nothing but its GEMMs.
 *
 * Leading dimensions are the natural ones (packed operands), beta is 0,
 * and the copies of a counted product walk through distinct memory; the
 * operands of different entries share the same scratch, so caches are a
 * little warmer than in the step (the floor errs low, as a floor should).
 *
 * Not here: recording the GEMMs (nn/gemm_log.h), the model, printing.
 */
#ifndef MOESPEC_BENCH_FLOOR_H
#define MOESPEC_BENCH_FLOOR_H

#include <stddef.h>

#include "nn/gemm_log.h"
#include "util/err.h"

typedef struct FloorResult {
    double gflop;    /* per step: Σ 2·M·N·K·count / 1e9 */
    size_t products; /* Σ count: the cblas calls of the native way */
    double native_s; /* best pass, one cblas_sgemm a product on OpenBLAS's threads */
    double pool_s;   /* best pass, split over the pool, OpenBLAS 1 thread */
} FloorResult;

/* Replays g[0 .. n-1] `passes` times each way (after one untimed pass) on
 * `threads` threads, and keeps the best pass of each. Leaves OpenBLAS at 1
 * thread and the pool at `threads`. ERR_RUNTIME when the scratch does not
 * fit in memory; ERR_USAGE for passes < 1. */
int floor_replay(const GemmShape *g, size_t n, int threads, int passes, FloorResult *out,
                 Err *e);

/* The floor: the faster way's seconds per step. */
double floor_seconds(const FloorResult *r);

#endif
