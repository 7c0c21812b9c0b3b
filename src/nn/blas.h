/*
 * blas.h: the BLAS library's thread pool and kernel, in one place: the
 * trainer sizes the pool, the export and the command line report it. No
 * other file calls openblas_* (ui/ never does).
 *
 * Not here: the GEMM calls themselves (linear.c, attention.c).
 */
#ifndef MOESPEC_NN_BLAS_H
#define MOESPEC_NN_BLAS_H

/* Sets the compute threads of every later BLAS call (n < 1 reads 1). */
void blas_set_threads(int n);
int blas_threads(void);
/* OpenBLAS's own threads, which blas_set_threads keeps at 1. Only for a
 * benchmark that times whole GEMMs on OpenBLAS's pool (bench_train's
 * floor); the layers never run with it above 1. */
void blas_set_native_threads(int n);
int blas_native_threads(void);
/* The kernel OpenBLAS chose for this processor ("Haswell", ...). */
const char *blas_core(void);

#endif
