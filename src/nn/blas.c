/* blas.c: OpenBLAS's pool and kernel name; see blas.h. */
#include "nn/blas.h"

#include <cblas.h>

void blas_set_threads(int n) { openblas_set_num_threads(n > 0 ? n : 1); }

int blas_threads(void) { return openblas_get_num_threads(); }

const char *blas_core(void) { return openblas_get_corename(); }
