/*
 * pool.h: the compute threads of a training step. A fixed set of workers
 * sleeps on a condition variable between jobs, so a core is not spent
 * spinning while the step runs single-threaded code (OpenBLAS's own pool
 * yields in a loop for a while after each call, which took a quarter of the
 * samples of a profile). OpenBLAS itself runs single-threaded; the layers
 * split their GEMMs and element-wise loops over this pool.
 *
 * A job splits [0, n) into pool_threads() contiguous slices fixed by n and
 * the thread count alone, so a result depends on the thread count, never on
 * timing: same binary, data, options and threads, same numbers.
 *
 * One pool per process (the BLAS thread count already was). A job started
 * while another runs (a second thread) or from inside a job runs on the
 * caller alone.
 */
#ifndef MOESPEC_NN_POOL_H
#define MOESPEC_NN_POOL_H

#include <stddef.h>

/* One slice of a job: slice is its number (0 .. slices - 1, in order of begin). */
typedef void (*PoolFn)(void *ctx, int slice, size_t begin, size_t end);

/* Sets the threads of later jobs (n < 1 reads 1; at most POOL_MAX_THREADS);
 * starts or stops workers as needed. Not during a job. */
#define POOL_MAX_THREADS 64
void pool_set_threads(int n);
int pool_threads(void);

/* fn over [0, n) in slices; with fewer than 2 * grain
 * items, or one thread, the caller runs fn(ctx, 0, 0, n) alone. Slices are at
 * least grain items (the last may be shorter), and slice boundaries are
 * multiples of align (>= 1). Returns when every slice is done. */
void pool_for(size_t n, size_t grain, size_t align, PoolFn fn, void *ctx);

/* Items per slice such that a slice holds about `work` units when an item
 * costs per_item (at least 1): below that, waking a worker costs more than
 * it saves. */
static inline size_t pool_grain(size_t work, size_t per_item)
{
    size_t g = work / (per_item ? per_item : 1);
    return g ? g : 1;
}

/* The grain and alignment of a plain element-wise loop over floats: a few
 * hundred microseconds of work, slices starting on a cache line. */
#define POOL_ELEMENT_GRAIN 32768
#define POOL_ELEMENT_ALIGN 16

/* A reduction's per-slice sums (partial[slice], the unused ones 0) added
 * in slice order: the total depends on the thread count, never on timing. */
static inline double pool_sum_slices(const double partial[POOL_MAX_THREADS])
{
    double total = 0.0;
    for (int s = 0; s < POOL_MAX_THREADS; s++)
        total += partial[s];
    return total;
}

#endif
