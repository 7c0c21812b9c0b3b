/*
 * simd.h: NN_HOT marks an element-wise loop worth compiling for the wide
 * vector units. The package is built for baseline x86-64 (SSE2: 4 floats a
 * vector), which left AdamW, dropout and the rest at a quarter of what an
 * AVX-512 core does; GCC's target_clones compiles such a function three
 * times and the loader picks the widest this CPU has (an ifunc, resolved
 * once at start-up).
 *
 * The clones give the same numbers: these loops are element-wise IEEE
 * operations (no reassociated sums, and ISO C mode keeps FMA contraction
 * off), so the vector width changes the speed, not a bit of the result.
 * Off where GCC's ifuncs are not (non-x86-64, non-ELF, clang: the fuzz
 * build) and under sanitizers: an ifunc resolver runs before their runtime
 * is set up, and since every clone computes the same numbers, the sanitized
 * tests of the baseline clone cover the others' logic.
 */
#ifndef MOESPEC_UTIL_SIMD_H
#define MOESPEC_UTIL_SIMD_H

#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && \
    !defined(__clang__) && !defined(MOESPEC_SANITIZE)
#define NN_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_HOT
#endif

#endif
