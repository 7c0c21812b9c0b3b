/* clock.h: the one wall clock of the benches (monotonic seconds). */
#ifndef MOESPEC_BENCH_CLOCK_H
#define MOESPEC_BENCH_CLOCK_H

#include <time.h>

static inline double bench_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
