/*
 * test_rng.c: src/util's RNG: known answers that pin every stream (the
 * generator, the split, the batcher's shuffles, initialisation and dropout
 * all draw from these functions, and pinned seeds must keep their
 * numbers), save/restore, and the distributions' first two moments.
 */
#include "test_util.h"

#include "util/rng.h"

/* Ensure that splitmix64's mixer and counter stream give the reference
 * answers (the first outputs from 0 are those of the published code). */
static void test_splitmix64_known_answers(void **state)
{
    (void)state;
    uint64_t s = 0;
    assert_true(rng_splitmix64(&s) == 0xe220a8397b1dcdafULL);
    assert_true(rng_splitmix64(&s) == 0x6e789e6aa1b965f4ULL);
    assert_true(s == 2 * 0x9e3779b97f4a7c15ULL);
    assert_true(rng_mix64(1) == 0x5692161d100b05e5ULL);
    assert_true(rng_mix64(0) == 0);
}

/* Ensure that the shuffle gives the order the batcher and the split have
 * always given for a pinned seed, and is a permutation for odd sizes. */
static void test_shuffle_known_answer(void **state)
{
    (void)state;
    uint64_t v[10];
    for (int i = 0; i < 10; i++)
        v[i] = (uint64_t)i;
    rng_shuffle_u64(v, 10, 42);
    const uint64_t want[10] = {0, 9, 5, 8, 6, 4, 7, 2, 1, 3};
    assert_memory_equal(v, want, sizeof want);
    uint64_t one = 7;
    rng_shuffle_u64(&one, 1, 42);
    rng_shuffle_u64(NULL, 0, 42);
    assert_true(one == 7);
    enum { N = 37 };
    uint64_t w[N];
    int seen[N] = {0};
    for (int i = 0; i < N; i++)
        w[i] = (uint64_t)i;
    rng_shuffle_u64(w, N, 5);
    for (int i = 0; i < N; i++)
        seen[w[i]]++;
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
}

/* Ensure that xoshiro256** and splitmix64 give the reference answers (this
 * pins the stream that checkpoints and the PyTorch fixture rely on). */
static void test_rng_known_answers(void **state)
{
    (void)state;
    Rng r;
    const uint64_t s[4] = {1, 2, 3, 4};
    assert_int_equal(rng_restore(&r, s, NULL), 0);
    assert_true(rng_next(&r) == 11520u);
    assert_true(rng_next(&r) == 0u);
    assert_true(rng_next(&r) == 1509978240u);
    assert_true(rng_next(&r) == 1215971899390074240u);
    rng_seed(&r, 0);
    assert_true(r.s[0] == 0xe220a8397b1dcdafULL); /* splitmix64's first output from 0 */
}

/* Ensure that a saved RNG state replays the same draws after restore, and
 * that an all-zero state is refused with a message. */
static void test_rng_save_restore(void **state)
{
    (void)state;
    Rng r, r2;
    rng_seed(&r, 42);
    for (int i = 0; i < 10; i++)
        rng_next(&r);
    uint64_t saved[RNG_STATE_WORDS];
    rng_save(&r, saved);
    double a[5];
    for (int i = 0; i < 5; i++)
        a[i] = rng_normal(&r);
    rng_seed(&r2, 7);
    assert_int_equal(rng_restore(&r2, saved, NULL), 0);
    for (int i = 0; i < 5; i++)
        assert_true(rng_normal(&r2) == a[i]);
    Err e;
    err_clear(&e);
    const uint64_t zero[RNG_STATE_WORDS] = {0};
    assert_int_equal(rng_restore(&r2, zero, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "all-zero"));
}

/* Ensure that uniforms lie in [0, 1), normals have mean 0 and variance 1,
 * rng_below stays in range, and jumped or differently seeded streams differ. */
static void test_rng_distributions(void **state)
{
    (void)state;
    Rng r;
    rng_seed(&r, 3);
    double sum = 0, sq = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&r);
        float uf = rng_uniform_f(&r);
        assert_true(u >= 0.0 && u < 1.0 && uf >= 0.0f && uf < 1.0f);
        double z = rng_normal(&r);
        sum += z;
        sq += z * z;
    }
    assert_true(fabs(sum / n) < 0.01);
    assert_true(fabs(sq / n - 1.0) < 0.02);
    int counts[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t k = rng_below(&r, 7);
        assert_true(k < 7);
        counts[k]++;
    }
    for (int k = 0; k < 7; k++)
        assert_true(counts[k] > 850 && counts[k] < 1150);
    Rng a, b, c;
    rng_seed(&a, 5);
    b = a;
    rng_jump(&b);
    rng_seed(&c, 6);
    uint64_t x = rng_next(&a);
    assert_true(x != rng_next(&b) && x != rng_next(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splitmix64_known_answers),
        cmocka_unit_test(test_shuffle_known_answer),
        cmocka_unit_test(test_rng_known_answers),
        cmocka_unit_test(test_rng_save_restore),
        cmocka_unit_test(test_rng_distributions),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
