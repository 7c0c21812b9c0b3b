/*
 * test_hybrid.c: tests of the hybrid predictor (src/models/hybrid.c): its
 * exact parameter count, PyTorch fixtures (scores, future-head logits,
 * loss, every gradient, ten AdamW steps with clipping and the schedule),
 * finite differences of the whole model, causality within windows and
 * padding, the pinned initialisation, the windowed Batch contract's
 * errors, and that it learns a small sequence task.
 *
 * The fixtures come from tests/fixtures/make_window_fixture.py (format in
 * its docstring); this file never needs PyTorch.
 */
#include "test_window_util.h"

#include "models/hybrid.h"

/* Ensure that the parameter count is 1,489,768 at D=2048, W=256, E=60,
 * L=24, window 32 (SPEC 5's "about 1.5 M"), 1,483,624 without the layer
 * embedding, and that the default width is rounded to whole heads. */
static void test_hybrid_param_count(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_HYBRID, 2048, 60, 4, 24);
    assert_int_equal(c.W, 256);
    assert_int_equal(c.window, 32);
    assert_true(c.dropout == 0.0f);
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, 64, &m, &e), 0);
    print_message("  hybrid, D=2048 W=256 E=60 L=24 window 32: %zu parameters\n",
                  model_param_count(m));
    assert_int_equal(model_param_count(m), 1489768);
    model_free(m);
    c.use_layer_id = 0;
    print_message("  hybrid without the layer embedding: %zu parameters\n",
                  model_config_param_count(&c));
    assert_int_equal(model_config_param_count(&c), 1483624);
    model_config_default(&c, ARCH_HYBRID, 300, 60, 4, 24);
    assert_int_equal(c.W, 256); /* SPEC 5: 256 for every D */
}

/* Ensure that scores (evaluation and training mode), the four future
 * heads, the loss (padding and absent future tokens skipped) and every
 * gradient match PyTorch in float64, with and without the layer id. */
static void test_hybrid_matches_pytorch(void **state)
{
    (void)state;
    winfx_check_once(ARCH_HYBRID, "hybrid_layerid.bin");
    winfx_check_once(ARCH_HYBRID, "hybrid_nolayerid.bin");
}

/* Ensure that ten AdamW steps (clipping binding on some, warm-up then
 * cosine) give PyTorch's losses, gradient norms and final parameters. */
static void test_hybrid_adamw_steps(void **state)
{
    (void)state;
    winfx_check_steps(ARCH_HYBRID, "hybrid_layerid.bin");
    winfx_check_steps(ARCH_HYBRID, "hybrid_nolayerid.bin");
}

static void check_fd(const char *name)
{
    WinFx s;
    winfx_load(&s, ARCH_HYBRID, name);
    Model *m = winfx_model(&s);
    Batch b = winfx_batch(&s);
    win_check_fd(m, &b, s.targets, 3e-3, 5e-5, 1e-3, 0.1, 1, name);
    model_free(m);
    winfx_free(&s);
}

/* Ensure that the whole model's backward matches central differences of
 * its loss over every parameter (two windows, a padding row, absent
 * future tokens), with and without the layer embedding. */
static void test_hybrid_fd(void **state)
{
    (void)state;
    check_fd("hybrid_layerid.bin");
    check_fd("hybrid_nolayerid.bin");
}

/* Ensure that a valid row's scores and future scores never depend on
 * later rows of its window or on other windows, and that padding changes
 * neither the loss nor any gradient. */
static void test_hybrid_causal(void **state)
{
    (void)state;
    winfx_check_causal(ARCH_HYBRID, "hybrid_layerid.bin");
    winfx_check_causal(ARCH_HYBRID, "hybrid_nolayerid.bin");
}

static double max_abs(const float *x, size_t n)
{
    double mx = 0.0;
    for (size_t i = 0; i < n; i++)
        mx = fmax(mx, fabs((double)x[i]));
    return mx;
}

/* Ensure that the pinned initialisation holds where the hybrid differs
 * from simple: positions ~ N(0, 0.02²), future heads Xavier over (E, W)
 * each, transformer γ = 1, zero biases; and that it is the seed's alone. */
static void test_hybrid_init(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_HYBRID, 64, 60, 4, 24);
    c.W = 32;
    Model *m, *m2;
    Err e;
    assert_int_equal(model_create(&c, 64, &m, &e), 0);
    assert_int_equal(model_create(&c, 128, &m2, &e), 0);
    assert_memory_equal(m->params, m2->params, m->n_params * sizeof(float));
    model_free(m2);
    size_t D = 64, W = 32, E = 60, L = 24, T = 32;
    const float *p = m->params;
    assert_true(max_abs(p, W * D) <= sqrt(6.0 / (double)(D + W)));
    assert_true(max_abs(p + W * D, W) == 0.0); /* b1 */
    p += W * D + W + L * W;
    for (size_t i = 0; i < W; i++)
        assert_true(p[i] == 1.0f && p[W + i] == 0.0f); /* ln1 */
    p += 2 * W + W * W + W + 2 * W + E * W + E;      /* to the positions */
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < T * W; i++)
        sum += (double)p[i], sq += (double)p[i] * (double)p[i];
    double sd = sqrt(sq / (double)(T * W));
    print_message("  positions: mean %.4f sd %.4f\n", sum / (double)(T * W), sd);
    assert_true(fabs(sum / (double)(T * W)) < 0.002 && fabs(sd - 0.02) < 0.002);
    p += T * W;
    assert_true(p[0] == 1.0f && p[W] == 0.0f); /* first transformer layer's LN1 */
    const float *wu = m->params + m->n_params - 4 * E - 4 * E * W;
    double bound = sqrt(6.0 / (double)(E + W));
    for (int j = 0; j < 4; j++) {
        double mx = max_abs(wu + (size_t)j * E * W, E * W);
        assert_true(mx <= bound && mx > 0.95 * bound);
    }
    assert_true(max_abs(wu + 4 * E * W, 4 * E) == 0.0);
    model_free(m);
}

/* Ensure that the windowed Batch contract is enforced: whole windows,
 * padding only at a window's end, a valid row somewhere, the future
 * targets present and well formed (absent tokens all -1), padding targets
 * free to be -1; and that bad configurations are refused. */
static void test_hybrid_errors(void **state)
{
    (void)state;
    WinFx s;
    winfx_load(&s, ARCH_HYBRID, "hybrid_layerid.bin");
    Model *m = winfx_model(&s);
    Batch b = winfx_batch(&s);
    Err e;
    size_t K = (size_t)s.K;
    assert_true(s.valid[9] == 0 && s.targets[9 * K] == -1);
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), 0);
    b.n = 7;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "not whole windows of 5"));
    b.n = 10;
    s.valid[8] = 0; /* row 9 is padding too: still fine */
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), 0);
    s.valid[7] = 0, s.valid[8] = 1; /* valid after padding */
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "batch row 8: valid row after padding in window 1"));
    s.valid[7] = 1;
    uint8_t none[10] = {0};
    b.valid = none;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "no valid row"));
    b.valid = s.valid;
    s.targets[3 * K + 1] = 7;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "batch row 3: expert id 7"));
    s.targets[3 * K + 1] = 2;
    b.aux_targets = NULL;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "hybrid needs the future"));
    assert_int_equal(model_forward(m, &b, NULL, 0, NULL, &e), 0); /* scores only: fine */
    b.aux_targets = s.future;
    int32_t *f = s.future + (4 * HYBRID_AHEAD + 3) * K; /* row 4, t+4: absent */
    assert_true(f[0] == -1);
    f[1] = 2;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "batch row 4: future token t+4: expert id 2 after -1"));
    f[1] = -1;
    f -= K; /* row 4, t+3: present */
    f[2] = 9;
    assert_int_equal(model_forward(m, &b, s.targets, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "batch row 4: future token t+3: expert id 9 not in [0, 7)"));
    f[2] = 0;
    model_free(m);
    winfx_free(&s);

    ModelConfig c;
    model_config_default(&c, ARCH_HYBRID, 16, 8, 2, 3);
    assert_int_equal(model_create(&c, 16, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "hybrid takes windows of 32 rows; batch 16"));
    c.window = 4;
    c.W = 6;
    assert_int_equal(model_create(&c, 16, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "width 6 is not a multiple of 4"));
    c.W = 8;
    c.dropout = 0.1f;
    assert_int_equal(model_create(&c, 16, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "no dropout"));
    c.dropout = 0.0f;
    assert_int_equal(model_create(&c, 18, &m, &e), 0); /* 4 whole windows fit */
    model_free(m);
}

/* A sequence task: each token's hidden state names one of 6 symbols; the
 * symbols follow a fixed cycle, so the next tokens' experts are a
 * function of the window so far (and the current token's of its own
 * state). */
#define TOY_T 8
#define TOY_ROWS (8 * TOY_T)
typedef struct {
    float x[TOY_ROWS * 16];
    int32_t layer[TOY_ROWS], targets[TOY_ROWS * 2], future[TOY_ROWS * HYBRID_AHEAD * 2];
} HToy;

static void toy_experts(int sym, int32_t *t)
{
    t[0] = (int32_t)sym;
    t[1] = (int32_t)(6 + sym % 3);
}

static void toy_fill(HToy *h, Rng *r)
{
    static const int cycle[6] = {0, 3, 1, 4, 2, 5};
    for (int w = 0; w < TOY_ROWS / TOY_T; w++) {
        int start = (int)rng_below(r, 6);
        for (int t = 0; t < TOY_T; t++) {
            int row = w * TOY_T + t, sym = cycle[(start + t) % 6];
            for (int d = 0; d < 16; d++)
                h->x[row * 16 + d] = (d == sym ? 2.0f : 0.0f) + 0.1f * (float)rng_normal(r);
            h->layer[row] = w % 2;
            toy_experts(sym, h->targets + row * 2);
            for (int j = 0; j < HYBRID_AHEAD; j++)
                toy_experts(cycle[(start + t + 1 + j) % 6],
                            h->future + (row * HYBRID_AHEAD + j) * 2);
        }
    }
}

/* Ensure that training lowers the loss well below its start and that the
 * future heads learn the cycle (top-1 of offset t+1 right on most rows
 * after the first of a window). */
static void test_hybrid_learns(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_HYBRID, 16, 9, 2, 2);
    c.window = TOY_T;
    c.seed = 3;
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, TOY_ROWS, &m, &e), 0);
    Rng r;
    rng_seed(&r, 9);
    HToy h;
    double first = 0.0, last = 0.0;
    for (int step = 0; step < 300; step++) {
        toy_fill(&h, &r);
        Batch b = {.n = TOY_ROWS, .hidden = h.x, .layer = h.layer, .aux_targets = h.future};
        double loss;
        assert_int_equal(model_forward(m, &b, h.targets, 1, &loss, &e), 0);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        assert_int_equal(model_update(m, 5e-3f, NULL, &e), 0);
        first = step == 0 ? loss : first;
        last = loss;
    }
    toy_fill(&h, &r);
    Batch b = {.n = TOY_ROWS, .hidden = h.x, .layer = h.layer, .aux_targets = h.future};
    assert_int_equal(model_forward(m, &b, NULL, 0, NULL, &e), 0);
    const float *u = model_aux_scores(m);
    int right = 0, total = 0;
    for (int row = 0; row < TOY_ROWS; row++) {
        if (row % TOY_T == 0)
            continue; /* the window's first token has seen no transition yet */
        const float *s = u + (size_t)row * HYBRID_AHEAD * 9; /* offset t+1 */
        int best = 0;
        for (int x = 1; x < 9; x++)
            best = s[x] > s[best] ? x : best;
        right += best == h.future[row * HYBRID_AHEAD * 2] ||
                 best == h.future[row * HYBRID_AHEAD * 2 + 1];
        total++;
    }
    print_message("  toy cycle: loss %.4f -> %.4f, t+1 hit@1 %d/%d\n", first, last, right,
                  total);
    assert_true(last < 0.5 * first);
    assert_true(right >= total * 9 / 10);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hybrid_param_count),
        cmocka_unit_test(test_hybrid_matches_pytorch),
        cmocka_unit_test(test_hybrid_adamw_steps),
        cmocka_unit_test(test_hybrid_fd),
        cmocka_unit_test(test_hybrid_causal),
        cmocka_unit_test(test_hybrid_init),
        cmocka_unit_test(test_hybrid_errors),
        cmocka_unit_test(test_hybrid_learns),
    };
    return cmocka_run_group_tests_name("hybrid", tests, NULL, NULL);
}
