/* blas.c: the compute threads and OpenBLAS's kernel name; see blas.h. */
#include "nn/blas.h"

#include <cblas.h>

#include "nn/pool.h"

/* OpenBLAS stays on one thread, so its pool never spins between calls; the
 * layers split their work over moespec's own pool, which sleeps. */
void blas_set_threads(int n)
{
    openblas_set_num_threads(1);
    pool_set_threads(n);
}

int blas_threads(void) { return pool_threads(); }

void blas_set_native_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }

int blas_native_threads(void) { return openblas_get_num_threads(); }

const char *blas_core(void) { return openblas_get_corename(); }
