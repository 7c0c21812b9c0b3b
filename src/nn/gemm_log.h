/*
 * gemm_log.h: a seam through which a benchmark records the logical GEMMs
 * of a training step (bench/bench_train.c replays them to measure the
 * GEMM-only floor of a model, with the same shapes and transposes).
 *
 * A logical GEMM is one product as a layer sees it, before the compute pool
 * (pool.h) splits it into slices: C[M][N] (+)= op(A)[M][K] · op(B)[K][N],
 * row-major, op = transpose when ta / tb is 1. count says how many identical
 * ones the call stands for (attention's products per window and head).
 *
 * The layers call gemm_log at the top of their public functions on every
 * step; while no log is armed it is one well-predicted branch on a NULL
 * pointer, so the trainer pays nothing that shows. The armed log is one
 * process-wide buffer (the one piece of global state in src/nn besides the
 * pool, which is its sibling): only a benchmark arms it, around a step it
 * runs on one thread; models never run concurrently with it armed.
 *
 * Not here: timing or replaying (the benchmark's), any allocation.
 */
#ifndef MOESPEC_NN_GEMM_LOG_H
#define MOESPEC_NN_GEMM_LOG_H

#include <stddef.h>

typedef struct GemmShape {
    int ta, tb;        /* 1: op(A) = Aᵀ (A stored [K][M]); op(B) = Bᵀ (B stored [N][K]) */
    size_t M, N, K;    /* C is [M][N]; the inner dimension is K */
    size_t count;      /* identical products this entry stands for (>= 1) */
} GemmShape;

/* Arms the log: later gemm_log calls fill buf[0 .. cap-1] in call order
 * (buf NULL: stays off). Arming an armed log restarts it on buf. */
void gemm_log_begin(GemmShape *buf, size_t cap);

/* Disarms the log. Returns the number of entries logged since
 * gemm_log_begin; as with snprintf, a value above cap means the entries
 * past cap were counted but not stored. 0 when no log was armed. */
size_t gemm_log_end(void);

/* Out-of-line half of gemm_log (the armed case). */
void gemm_log_record_(int ta, int tb, size_t M, size_t N, size_t K, size_t count);

/* The log's buffer while armed, else NULL; read through gemm_log only. */
extern GemmShape *gemm_log_buf_;

/* Records count identical products of that shape; nothing when no log is
 * armed or count is 0 (so a product a call may skip, as linear_backward's
 * din, is one line: count = whether it runs). */
static inline void gemm_log(int ta, int tb, size_t M, size_t N, size_t K, size_t count)
{
    if (gemm_log_buf_)
        gemm_log_record_(ta, tb, M, N, K, count);
}

#endif
