/*
 * test_util.h: what every cmocka test binary shares.
 *
 * assert_close(a, ref, n, atol, rtol): element-wise |a - ref| <= atol + rtol*|ref|
 * over float arrays; on failure prints the first mismatches and the largest
 * difference, then fails the test. assert_close_d does the same for doubles.
 * test_fixture_path() finds a file under tests/fixtures through $srcdir, so
 * `make distcheck` (a read-only source tree, a separate build tree) works.
 */
#ifndef MOESPEC_TEST_UTIL_H
#define MOESPEC_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static inline int test_close_report_(const char *what, size_t n, size_t bad, size_t worst,
                                     double maxdiff, double a_worst, double ref_worst,
                                     const char *file, int line)
{
    if (bad == 0)
        return 1;
    print_error("%s:%d: assert_close(%s): %zu of %zu elements differ; max |diff| %.9g at [%zu] "
                "(got %.9g, want %.9g)\n",
                file, line, what, bad, n, maxdiff, worst, a_worst, ref_worst);
    return 0;
}

/* NaN matches NaN (an expected missing value); anything else must be within
 * atol + rtol * |ref|. */
#define TEST_CLOSE_BODY_()                                                                    \
    size_t bad = 0, worst = 0;                                                                \
    double maxdiff = 0.0;                                                                     \
    for (size_t i = 0; i < n; i++) {                                                          \
        double x = (double)a[i], r = (double)ref[i];                                          \
        int both_nan = isnan(x) && isnan(r);                                                  \
        double d = both_nan ? 0.0 : (isnan(x) || isnan(r)) ? (double)INFINITY : fabs(x - r);  \
        int ok = both_nan || d <= atol + rtol * fabs(r);                                      \
        if (d > maxdiff) {                                                                    \
            maxdiff = d;                                                                      \
            worst = i;                                                                        \
        }                                                                                     \
        if (!ok) {                                                                            \
            if (bad < 5)                                                                      \
                print_error("  [%zu] got %.9g want %.9g (diff %.3g)\n", i, x, r, d);          \
            bad++;                                                                            \
        }                                                                                     \
    }                                                                                         \
    return test_close_report_(what, n, bad, worst, maxdiff, n ? (double)a[worst] : 0.0,      \
                              n ? (double)ref[worst] : 0.0, file, line)

static inline int test_close_f_(const float *a, const float *ref, size_t n, double atol,
                                double rtol, const char *what, const char *file, int line)
{
    TEST_CLOSE_BODY_();
}

static inline int test_close_d_(const double *a, const double *ref, size_t n, double atol,
                                double rtol, const char *what, const char *file, int line)
{
    TEST_CLOSE_BODY_();
}

#define assert_close(a, ref, n, atol, rtol)                                                   \
    assert_true(test_close_f_((a), (ref), (n), (atol), (rtol), #a, __FILE__, __LINE__))
#define assert_close_d(a, ref, n, atol, rtol)                                                 \
    assert_true(test_close_d_((a), (ref), (n), (atol), (rtol), #a, __FILE__, __LINE__))

/* Path of tests/fixtures/NAME in the source tree (static buffer). */
static inline const char *test_fixture_path(const char *name)
{
    static char buf[4096];
    const char *srcdir = getenv("srcdir");
    snprintf(buf, sizeof buf, "%s/tests/fixtures/%s", srcdir ? srcdir : ".", name);
    return buf;
}

/* A fresh private directory under $TMPDIR for one test (static buffer). */
static inline const char *test_tmpdir(const char *tag)
{
    static char buf[4096];
    const char *base = getenv("TMPDIR");
    snprintf(buf, sizeof buf, "%s/moespec-test-%s-XXXXXX", base ? base : "/tmp", tag);
    if (!mkdtemp(buf)) {
        print_error("mkdtemp(%s) failed\n", buf);
        fail();
    }
    return buf;
}

#endif
