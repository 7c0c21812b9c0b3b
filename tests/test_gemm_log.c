/*
 * test_gemm_log.c: tests of the logical-GEMM log (src/nn/gemm_log.h) that
 * bench/bench_train.c replays: entries in call order with their counts,
 * the cap, the disarmed state, and the shapes the layers (linear,
 * attention) log for their products.
 */
#include "test_util.h"

#include "nn/attention.h"
#include "nn/gemm_log.h"
#include "nn/linear.h"

/* A buffer entry no log call writes (to see what was left alone). */
static const GemmShape UNTOUCHED = {7, 7, 0, 0, 0, 0};

static void fill_untouched(GemmShape *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = UNTOUCHED;
}

static void assert_shape(const GemmShape *g, int ta, int tb, size_t M, size_t N, size_t K,
                         size_t count)
{
    assert_int_equal(g->ta, ta);
    assert_int_equal(g->tb, tb);
    assert_int_equal(g->M, M);
    assert_int_equal(g->N, N);
    assert_int_equal(g->K, K);
    assert_int_equal(g->count, count);
}

/* Ensure that an armed log keeps each call's shape and count, in order,
 * that a count of 0 adds nothing, and that end disarms it. */
static void test_gemm_log_records_in_order(void **state)
{
    (void)state;
    GemmShape buf[4];
    fill_untouched(buf, 4);
    gemm_log_begin(buf, 4);
    gemm_log(0, 1, 3, 5, 7, 1);
    gemm_log(1, 0, 2, 4, 6, 0); /* skipped product: nothing */
    gemm_log(1, 0, 11, 13, 17, 40);
    assert_int_equal(gemm_log_end(), 2);
    assert_shape(&buf[0], 0, 1, 3, 5, 7, 1);
    assert_shape(&buf[1], 1, 0, 11, 13, 17, 40);
    assert_memory_equal(&buf[2], &UNTOUCHED, sizeof UNTOUCHED);
    gemm_log(0, 0, 1, 1, 1, 1); /* disarmed again */
    assert_memory_equal(&buf[2], &UNTOUCHED, sizeof UNTOUCHED);
}

/* Ensure that entries past the cap are counted but never stored. */
static void test_gemm_log_cap(void **state)
{
    (void)state;
    GemmShape buf[3];
    fill_untouched(buf, 3);
    gemm_log_begin(buf, 2);
    for (size_t i = 1; i <= 5; i++)
        gemm_log(0, 0, i, i, i, 1);
    assert_int_equal(gemm_log_end(), 5);
    assert_shape(&buf[0], 0, 0, 1, 1, 1, 1);
    assert_shape(&buf[1], 0, 0, 2, 2, 2, 1);
    assert_memory_equal(&buf[2], &UNTOUCHED, sizeof UNTOUCHED);
    gemm_log_begin(buf, 0); /* a cap of 0 stores nothing */
    gemm_log(0, 0, 9, 9, 9, 1);
    assert_int_equal(gemm_log_end(), 1);
    assert_shape(&buf[0], 0, 0, 1, 1, 1, 1);
}

/* Ensure that nothing is logged before any begin or after an end, and
 * that a fresh begin starts from zero. */
static void test_gemm_log_off_when_not_armed(void **state)
{
    (void)state;
    assert_null(gemm_log_buf_);
    float in[2 * 3] = {0}, w[4 * 3] = {0}, out[2 * 4];
    linear_forward(out, in, w, NULL, 2, 3, 4);
    assert_int_equal(gemm_log_end(), 0);
    GemmShape buf[2];
    fill_untouched(buf, 2);
    gemm_log_begin(buf, 2);
    assert_int_equal(gemm_log_end(), 0);
    linear_forward(out, in, w, NULL, 2, 3, 4);
    assert_memory_equal(&buf[0], &UNTOUCHED, sizeof UNTOUCHED);
    assert_int_equal(gemm_log_end(), 0);
}

/* Ensure that linear logs its products with their full shapes (forward:
 * M = B, N = OC, K = IC; backward din and dw), din only when asked for. */
static void test_gemm_log_linear(void **state)
{
    (void)state;
    enum { B = 5, IC = 3, OC = 4 };
    float in[B * IC] = {0}, w[OC * IC] = {0}, b[OC] = {0}, out[B * OC];
    float din[B * IC] = {0}, dw[OC * IC] = {0}, db[OC] = {0}, dout[B * OC] = {0};
    GemmShape buf[8];
    gemm_log_begin(buf, 8);
    linear_forward(out, in, w, b, B, IC, OC);
    linear_backward(din, 1.0f, dw, db, dout, in, w, B, IC, OC);
    linear_backward(NULL, 1.0f, dw, db, dout, in, w, B, IC, OC);
    assert_int_equal(gemm_log_end(), 4);
    assert_shape(&buf[0], 0, 1, B, OC, IC, 1);
    assert_shape(&buf[1], 0, 0, B, IC, OC, 1);
    assert_shape(&buf[2], 1, 0, OC, IC, B, 1);
    assert_shape(&buf[3], 1, 0, OC, IC, B, 1);
}

/* Ensure that attention logs each per-window, per-head product once with
 * count nwin·H: two forward, four backward. */
static void test_gemm_log_attention(void **state)
{
    (void)state;
    enum { NWIN = 3, T = 4, C = 6, H = 2, HD = C / H, N = NWIN * T };
    float qkv[N * 3 * C] = {0}, out[N * C], att[NWIN * H * T * T], dout[N * C] = {0};
    float dqkv[N * 3 * C] = {0}, scratch[T * T];
    GemmShape buf[8];
    gemm_log_begin(buf, 8);
    attention_forward(out, att, qkv, NWIN, T, C, H);
    attention_backward(dqkv, scratch, dout, qkv, att, NWIN, T, C, H);
    assert_int_equal(gemm_log_end(), 6);
    assert_shape(&buf[0], 0, 1, T, T, HD, NWIN * H);
    assert_shape(&buf[1], 0, 0, T, HD, T, NWIN * H);
    assert_shape(&buf[2], 0, 1, T, T, HD, NWIN * H);
    assert_shape(&buf[3], 1, 0, T, HD, T, NWIN * H);
    assert_shape(&buf[4], 0, 0, T, HD, T, NWIN * H);
    assert_shape(&buf[5], 1, 0, T, HD, T, NWIN * H);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_log_records_in_order),
        cmocka_unit_test(test_gemm_log_cap),
        cmocka_unit_test(test_gemm_log_off_when_not_armed),
        cmocka_unit_test(test_gemm_log_linear),
        cmocka_unit_test(test_gemm_log_attention),
    };
    return cmocka_run_group_tests_name("gemm_log", tests, NULL, NULL);
}
