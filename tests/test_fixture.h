/*
 * test_fixture.h: reading the PyTorch fixtures of tests/fixtures (the
 * format of make_simple_fixture.py's docstring: a 16-byte magic, then
 * records of name, type 'd' (float64) or 'i' (int32), count, elements),
 * for the model tests that compare against them.
 */
#ifndef MOESPEC_TESTS_TEST_FIXTURE_H
#define MOESPEC_TESTS_TEST_FIXTURE_H

#include "test_util.h"

typedef struct {
    unsigned char *buf;
    size_t len;
} Fixture;

static inline void fx_load(Fixture *fx, const char *name)
{
    const char *path = test_fixture_path(name);
    FILE *f = fopen(path, "rb");
    if (!f)
        print_error("cannot open fixture %s\n", path);
    assert_non_null(f);
    fx->buf = malloc(1 << 20);
    assert_non_null(fx->buf);
    fx->len = fread(fx->buf, 1, 1 << 20, f);
    fclose(f);
    assert_true(fx->len > 16 && memcmp(fx->buf, "MOESPEC-FIXTURE1", 16) == 0);
}

/* Copies record `name` (type 'd' or 'i', n elements) into a new array. */
static inline void *fx_get(const Fixture *fx, const char *name, char type, size_t n)
{
    size_t off = 16;
    while (off + 13 <= fx->len) {
        uint32_t nlen;
        uint64_t count;
        memcpy(&nlen, fx->buf + off, 4);
        char t = (char)fx->buf[off + 4 + nlen];
        memcpy(&count, fx->buf + off + 5 + nlen, 8);
        size_t data = off + 13 + nlen, bytes = (size_t)count * (t == 'd' ? 8 : 4);
        assert_true(data + bytes <= fx->len);
        if (nlen == strlen(name) && memcmp(fx->buf + off + 4, name, nlen) == 0) {
            assert_int_equal(t, type);
            assert_int_equal(count, n);
            void *out = malloc(bytes ? bytes : 1);
            assert_non_null(out);
            memcpy(out, fx->buf + data, bytes);
            return out;
        }
        off = data + bytes;
    }
    print_error("fixture record %s missing\n", name);
    fail();
    abort(); /* not reached: fail() ends the test (and tells the compiler so) */
}

static inline float *to_float(double *d, size_t n)
{
    float *f = malloc(n * sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)d[i];
    free(d);
    return f;
}

#endif
