/*
 * test_complex.c: tests of the complex predictor (src/models/complex.c):
 * its exact parameter count, PyTorch fixtures (scores, the "top-K exactly
 * right" confidence targets, loss, every gradient, ten AdamW steps with
 * clipping and the schedule), finite differences of the whole model,
 * causality within windows and padding, the pinned initialisation, the
 * top-K exactness rule, configuration errors, and that it learns.
 *
 * The fixtures come from tests/fixtures/make_window_fixture.py (format in
 * its docstring); this file never needs PyTorch.
 */
#include "test_window_util.h"

#include "models/complex.h"
#include "models/window.h"

/* Ensure that the parameter count is 21,189,181 at D=2048, W=256, E=60,
 * L=24 (SPEC 5's "about 21 M"), 21,176,893 without the layer embedding,
 * and that the fixed sinusoids add none (the count ignores the window). */
static void test_complex_param_count(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_COMPLEX, 2048, 60, 4, 24);
    assert_int_equal(c.W, 256);
    assert_int_equal(c.window, 32);
    assert_true(c.dropout == 0.0f);
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, 32, &m, &e), 0);
    print_message("  complex, D=2048 W=256 E=60 L=24: %zu parameters\n", model_param_count(m));
    assert_int_equal(model_param_count(m), 21189181);
    model_free(m);
    c.use_layer_id = 0;
    print_message("  complex without the layer embedding: %zu parameters\n",
                  model_config_param_count(&c));
    assert_int_equal(model_config_param_count(&c), 21176893);
    c.window = 7;
    assert_int_equal(model_config_param_count(&c), 21176893);
}

/* The fixture's "top-K exactly right" flags, recomputed from the C
 * scores: they must agree with PyTorch's on every valid row. */
static void check_exact(const char *name)
{
    WinFx s;
    winfx_load(&s, ARCH_COMPLEX, name);
    Model *m = winfx_model(&s);
    Batch b = winfx_batch(&s);
    Err e;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), 0);
    size_t E = (size_t)s.E, K = (size_t)s.K, ones = 0;
    for (size_t r = 0; r < (size_t)s.n; r++) {
        if (!s.valid[r])
            continue;
        int exact = window_topk_exact(model_scores(m) + r * E, s.targets + r * K, E, K);
        assert_int_equal(exact, (int)s.exact[r]);
        ones += (size_t)exact;
    }
    assert_true(ones > 0 && ones < 9);
    model_free(m);
    winfx_free(&s);
}

/* Ensure that scores (evaluation and training mode), the confidence
 * targets, the loss (padding skipped) and every gradient match PyTorch in
 * float64, with and without the layer id. */
static void test_complex_matches_pytorch(void **state)
{
    (void)state;
    winfx_check_once(ARCH_COMPLEX, "complex_layerid.bin");
    winfx_check_once(ARCH_COMPLEX, "complex_nolayerid.bin");
    check_exact("complex_layerid.bin");
    check_exact("complex_nolayerid.bin");
}

/* Ensure that ten AdamW steps (clipping binding on some, warm-up then
 * cosine) give PyTorch's losses, gradient norms and final parameters. */
static void test_complex_adamw_steps(void **state)
{
    (void)state;
    winfx_check_steps(ARCH_COMPLEX, "complex_layerid.bin");
    winfx_check_steps(ARCH_COMPLEX, "complex_nolayerid.bin");
}

/* Ensure that the whole model's backward matches central differences of
 * its loss over every parameter: the fixture models (W=4: 8 heads of
 * width 1) and a freshly initialised W=8 model (heads of width 2). A
 * parameter whose perturbation flips a ReLU or a confidence target (the
 * loss is not differentiable there) is skipped. */
static void test_complex_fd(void **state)
{
    (void)state;
    const char *names[2] = {"complex_layerid.bin", "complex_nolayerid.bin"};
    for (int i = 0; i < 2; i++) {
        WinFx s;
        winfx_load(&s, ARCH_COMPLEX, names[i]);
        Model *m = winfx_model(&s);
        Batch b = winfx_batch(&s);
        win_check_fd(m, &b, s.targets, 1e-3, 5e-5, 1e-3, 0.1, 1, names[i]);
        if (i == 0) {
            ModelConfig c = m->cfg;
            model_free(m);
            c.W = 8;
            c.seed = 4;
            Err e;
            assert_int_equal(model_create(&c, (size_t)s.n, &m, &e), 0);
            win_check_fd(m, &b, s.targets, 1e-3, 5e-5, 1e-3, 0.1, 5, "W=8, Xavier init (every 5th)");
        }
        model_free(m);
        winfx_free(&s);
    }
}

/* Ensure that a valid row's scores never depend on later rows of its
 * window or on other windows, and that padding changes neither the loss
 * nor any gradient. */
static void test_complex_causal(void **state)
{
    (void)state;
    winfx_check_causal(ARCH_COMPLEX, "complex_layerid.bin");
    winfx_check_causal(ARCH_COMPLEX, "complex_nolayerid.bin");
}

static double max_abs(const float *x, size_t n)
{
    double mx = 0.0;
    for (size_t i = 0; i < n; i++)
        mx = fmax(mx, fabs((double)x[i]));
    return mx;
}

/* Ensure that the pinned initialisation holds: Xavier-uniform for the
 * input projection, the packed (3C, C) attention projection and the
 * 1-output confidence layer, γ = 1 and zero biases, the layer embedding
 * ~ N(0, 1), all a function of the seed only. */
static void test_complex_init(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_COMPLEX, 64, 60, 4, 24);
    c.W = 32;
    Model *m, *m2;
    Err e;
    assert_int_equal(model_create(&c, 32, &m, &e), 0);
    assert_int_equal(model_create(&c, 96, &m2, &e), 0);
    assert_memory_equal(m->params, m2->params, m->n_params * sizeof(float));
    model_free(m2);
    size_t D = 64, W = 32, C = 64, L = 24;
    const float *p = m->params;
    double b_in = sqrt(6.0 / (double)(D + C));
    assert_true(max_abs(p, C * D) <= b_in && max_abs(p, C * D) > 0.97 * b_in);
    assert_true(max_abs(p + C * D, C) == 0.0);
    p += C * D + C;
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < L * C; i++)
        sum += (double)p[i], sq += (double)p[i] * (double)p[i];
    assert_true(fabs(sum / (double)(L * C)) < 0.05 && fabs(sq / (double)(L * C) - 1.0) < 0.05);
    p += L * C;
    for (size_t i = 0; i < C; i++)
        assert_true(p[i] == 1.0f && p[C + i] == 0.0f); /* layer 0's LN1 */
    double b_qkv = sqrt(6.0 / (double)(4 * C));
    assert_true(max_abs(p + 2 * C, 3 * C * C) <= b_qkv &&
                max_abs(p + 2 * C, 3 * C * C) > 0.97 * b_qkv);
    const float *wq2 = m->params + m->n_params - 1 - W;
    assert_true(max_abs(wq2, W) <= sqrt(6.0 / (double)(W + 1)));
    assert_true(wq2[W] == 0.0f);
    model_free(m);
}

/* Ensure that "top-K exactly right" takes the K highest scores with ties
 * to the lower id, compares sets (any order), and never matches a target
 * row that repeats an id. */
static void test_complex_topk_exact(void **state)
{
    (void)state;
    const float s[6] = {0.5f, 2.0f, 1.0f, 1.0f, -1.0f, 1.0f};
    const int32_t a[3] = {2, 1, 3}, b[3] = {1, 2, 5}, c[3] = {1, 1, 2}, d[2] = {3, 1};
    assert_int_equal(window_topk_exact(s, a, 6, 3), 1); /* 1.0 ties: ids 2, 3 before 5 */
    assert_int_equal(window_topk_exact(s, b, 6, 3), 0);
    assert_int_equal(window_topk_exact(s, c, 6, 3), 0);
    assert_int_equal(window_topk_exact(s, d, 6, 2), 0); /* top-2 is {1, 2} */
    const int32_t f[2] = {2, 1};
    assert_int_equal(window_topk_exact(s, f, 6, 2), 1);
}

/* Ensure that the complex refuses configurations its heads cannot take
 * and takes a batch without future targets (it has no future heads). */
static void test_complex_errors(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_COMPLEX, 16, 8, 2, 3);
    c.window = 4;
    Model *m;
    Err e;
    c.W = 6;
    assert_int_equal(model_create(&c, 8, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "complex width 6 is not a multiple of 4"));
    c.W = 8;
    c.window = 0;
    assert_int_equal(model_create(&c, 8, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "window 0"));
    c.window = 4;
    assert_int_equal(model_create(&c, 8, &m, &e), 0);
    float x[8 * 16] = {0};
    int32_t layer[8] = {0}, t[16] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7};
    Batch b = {.n = 8, .hidden = x, .layer = layer};
    double loss;
    assert_int_equal(model_forward(m, &b, t, 1, &loss, &e), 0);
    assert_true(isfinite(loss));
    assert_null(model_aux_scores(m));
    model_free(m);

    /* simple has no windows: padding rows are refused there */
    model_config_default(&c, ARCH_SIMPLE, 16, 8, 2, 3);
    assert_int_equal(model_create(&c, 8, &m, &e), 0);
    uint8_t valid[8] = {1, 1, 1, 1, 1, 1, 1, 0};
    b.valid = valid;
    assert_int_equal(model_forward(m, &b, t, 1, &loss, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "simple takes no padding (batch row 7)"));
    valid[7] = 1;
    assert_int_equal(model_forward(m, &b, t, 1, &loss, &e), 0);
    assert_null(model_aux_scores(m));
    model_free(m);
}

/* Ensure that training on a small task (each token's two experts a
 * function of its symbol, with noise) drives the loss well down and the
 * top-2 to exactly right on most rows. */
static void test_complex_learns(void **state)
{
    (void)state;
    enum { T = 8, ROWS = 64, DIM = 16, NE = 9 };
    ModelConfig c;
    model_config_default(&c, ARCH_COMPLEX, DIM, NE, 2, 2);
    c.W = 8;
    c.window = T;
    c.seed = 5;
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, ROWS, &m, &e), 0);
    Rng r;
    rng_seed(&r, 10);
    float x[ROWS * DIM];
    int32_t layer[ROWS], t[ROWS * 2];
    double first = 0.0, last = 0.0;
    int exact = 0;
    for (int step = 0; step <= 150; step++) {
        for (int row = 0; row < ROWS; row++) {
            int sym = (int)rng_below(&r, 6);
            for (int d = 0; d < DIM; d++)
                x[row * DIM + d] = (d == sym ? 2.0f : 0.0f) + 0.1f * (float)rng_normal(&r);
            layer[row] = row / T % 2;
            t[row * 2] = sym, t[row * 2 + 1] = 6 + sym % 3;
        }
        Batch b = {.n = ROWS, .hidden = x, .layer = layer};
        double loss;
        assert_int_equal(model_forward(m, &b, t, step < 150, &loss, &e), 0);
        if (step == 150) { /* held-out batch */
            for (int row = 0; row < ROWS; row++)
                exact += window_topk_exact(model_scores(m) + row * NE, t + row * 2, NE, 2);
            break;
        }
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        assert_int_equal(model_update(m, 3e-3f, NULL, &e), 0);
        first = step == 0 ? loss : first;
        last = loss;
    }
    print_message("  toy symbols: loss %.4f -> %.4f, top-2 exactly right %d/%d\n", first, last,
                  exact, ROWS);
    assert_true(last < 0.5 * first);
    assert_true(exact >= ROWS * 9 / 10);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complex_param_count),
        cmocka_unit_test(test_complex_matches_pytorch),
        cmocka_unit_test(test_complex_adamw_steps),
        cmocka_unit_test(test_complex_fd),
        cmocka_unit_test(test_complex_causal),
        cmocka_unit_test(test_complex_init),
        cmocka_unit_test(test_complex_topk_exact),
        cmocka_unit_test(test_complex_errors),
        cmocka_unit_test(test_complex_learns),
    };
    return cmocka_run_group_tests_name("complex", tests, NULL, NULL);
}
