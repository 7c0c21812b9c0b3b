/*
 * test_routestats.c: the SPEC 4.4 routing statistics on hand-made sequences
 * whose values are worked out in the comments, plus the NaN conventions.
 */
#include "test_util.h"

#include "data/routestats.h"

/* E=3, K=2, L=2; one sequence of 4 tokens. First choices (layer 0, layer 1):
 *   t0 (tok 5): 0, 1    t1 (tok 5): 0, 1    t2 (tok 7): 1, 2    t3 (tok 5): 2, 1
 * Layer 0: p = (2/4, 1/4, 1/4): skew = 0.5*3 = 1.5; sum p^2 = 0.375;
 *   repeats among 3 pairs: (0,0) only -> 1/3; repeat_ratio = (1/3)/0.375.
 * Layer 1: p = (0, 3/4, 1/4): skew = 2.25; sum p^2 = 0.625;
 *   pairs (1,1) (1,2) (2,1) -> 1/3; repeat_ratio = (1/3)/0.625.
 * Transitions 0->1 x2, 1->2, 2->1: affinity = (2 + 1 + 1)/4 = 1; same_id = 0.
 * token_share layer 0: tok 5 has first choices {0,0,2} -> mode count 2, tok 7
 *   {1} -> 1: (2+1)/4. Layer 1: tok 5 {1,1,1} -> 3, tok 7 {2} -> 1: 4/4. */
static const uint16_t small_experts[4 * 2 * 2] = {
    0, 2, 1, 0, /* t0: layer 0 (0,2), layer 1 (1,0) */
    0, 1, 1, 2, /* t1 */
    1, 0, 2, 0, /* t2 */
    2, 0, 1, 2, /* t3 */
};
static const int32_t small_tokens[4] = {5, 5, 7, 5};

/* Ensure that every statistic matches its hand-computed value. */
static void test_small_by_hand(void **state)
{
    (void)state;
    Err e;
    RouteStats *rs = NULL;
    assert_int_equal(routestats_new(3, 2, 2, &rs, &e), 0);
    assert_int_equal(routestats_add_seq(rs, 4, small_tokens, small_experts, &e), 0);
    LayerStats s[2];
    assert_int_equal(routestats_result(rs, s, &e), 0);
    double got[] = {s[0].skew, s[0].repeat_ratio, s[0].affinity, s[0].same_id, s[0].token_share,
                    s[1].skew, s[1].repeat_ratio, s[1].token_share};
    double want[] = {1.5, (1.0 / 3) / 0.375, 1.0, 0.0, 0.75, 2.25, (1.0 / 3) / 0.625, 1.0};
    assert_close_d(got, want, 8, 1e-12, 0);
    assert_true(isnan(s[1].affinity) && isnan(s[1].same_id)); /* no layer after the last */
    routestats_free(rs);
}

/* Ensure that sequences are independent: no repeat pair spans two sequences,
 * and that unknown token ids make token_share NaN. */
static void test_sequences_and_unknown_tokens(void **state)
{
    (void)state;
    Err e;
    RouteStats *rs = NULL;
    /* E=2, K=1, L=1: two sequences [0,1] and [1,0]: no within-sequence repeat
     * although the boundary (1 | 1) would be one. */
    const uint16_t a[2] = {0, 1}, b[2] = {1, 0};
    assert_int_equal(routestats_new(2, 1, 1, &rs, &e), 0);
    assert_int_equal(routestats_add_seq(rs, 2, NULL, a, &e), 0);
    assert_int_equal(routestats_add_seq(rs, 2, NULL, b, &e), 0);
    LayerStats s;
    assert_int_equal(routestats_result(rs, &s, &e), 0);
    assert_true(s.repeat_ratio == 0.0);
    assert_true(s.skew == 1.0);
    assert_true(isnan(s.token_share));
    routestats_free(rs);
}

/* Ensure that an expert id >= E is an input error naming token and layer. */
static void test_bad_expert(void **state)
{
    (void)state;
    Err e;
    RouteStats *rs = NULL;
    const uint16_t x[2] = {1, 4};
    assert_int_equal(routestats_new(4, 1, 1, &rs, &e), 0);
    assert_int_equal(routestats_add_seq(rs, 2, NULL, x, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "token 1 layer 0"));
    routestats_free(rs);
    assert_int_equal(routestats_new(4, 5, 1, &rs, &e), ERR_INPUT); /* K > E */
}

/* Ensure that the token table grows correctly past its first capacity: with
 * each of 5000 token ids always routed to (id mod E), token_share is 1. */
static void test_many_tokens(void **state)
{
    (void)state;
    Err e;
    RouteStats *rs = NULL;
    enum { T = 5000, E = 16 };
    int32_t tok[T];
    uint16_t ex[T * 2];
    for (int t = 0; t < T; t++) {
        tok[t] = (t * 7919) % 5000;
        ex[2 * t] = (uint16_t)(tok[t] % E);
        ex[2 * t + 1] = (uint16_t)((tok[t] + 1) % E);
    }
    assert_int_equal(routestats_new(E, 1, 2, &rs, &e), 0);
    for (int rep = 0; rep < 3; rep++)
        assert_int_equal(routestats_add_seq(rs, T, tok, ex, &e), 0);
    LayerStats s[2];
    assert_int_equal(routestats_result(rs, s, &e), 0);
    assert_true(s[0].token_share == 1.0 && s[1].token_share == 1.0);
    assert_true(s[0].affinity == 1.0 && s[0].same_id == 0.0);
    routestats_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_by_hand),
        cmocka_unit_test(test_sequences_and_unknown_tokens),
        cmocka_unit_test(test_bad_expert),
        cmocka_unit_test(test_many_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
