/*
 * test_attention.c: tests of the windowed-model layers of src/nn:
 * causal multi-head attention (cblas vs the naive oracle on odd shapes,
 * finite differences, causality, extreme scores), learned and sinusoidal
 * positions, the pre-norm transformer layer (finite differences of every
 * parameter and the input), the masked binary cross-entropy and the
 * initialisation fills.
 *
 * Finite differences as in test_nn_grad.c: objective f = Σ g·out in double
 * for a fixed random g, central differences with the step read back from
 * the float, tolerances covering float rounding of the forward.
 */
#include "test_util.h"

#include "nn/attention.h"
#include "nn/bce.h"
#include "nn/init.h"
#include "nn/pool.h"
#include "util/rng.h"
#include "nn/transformer.h"

static float *rand_buf(size_t n, float lo, float hi, Rng *r)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_uniform_f(r);
    return x;
}

static float *copy_buf(const float *x, size_t n)
{
    float *y = malloc((n ? n : 1) * sizeof *y);
    assert_non_null(y);
    memcpy(y, x, n * sizeof *y);
    return y;
}

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * (double)b[i];
    return s;
}

typedef double (*Objective)(void *ctx);

/* Compares analytic[n] with central differences of f over x[n]. */
static void fd_check(float *x, const float *analytic, size_t n, Objective f, void *ctx,
                     double h, double atol, double rtol, const char *what)
{
    double *num = malloc(n * sizeof *num), *ana = malloc(n * sizeof *ana);
    assert_true(num && ana);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        float x0 = x[i];
        float xp = (float)((double)x0 + h), xm = (float)((double)x0 - h);
        x[i] = xp;
        double fp = f(ctx);
        x[i] = xm;
        double fm = f(ctx);
        x[i] = x0;
        num[i] = (fp - fm) / ((double)xp - (double)xm);
        ana[i] = (double)analytic[i];
        worst = fmax(worst, fabs(num[i] - ana[i]));
    }
    print_message("  fd %-24s n=%4zu max |analytic - numeric| %.2g\n", what, n, worst);
    assert_close_d(ana, num, n, atol, rtol);
    free(num);
    free(ana);
}

/* ---- attention: BLAS vs naive ---- */
static void attention_vs_naive(size_t nwin, size_t T, size_t C, size_t H)
{
    Rng r;
    rng_seed(&r, 2000 + nwin * 1000 + T * 100 + C * 10 + H);
    size_t B = nwin * T, NA = nwin * H * T * T;
    float *qkv = rand_buf(B * 3 * C, -2, 2, &r), *dout = rand_buf(B * C, -1, 1, &r);
    float *dqkv = rand_buf(B * 3 * C, -1, 1, &r), *dqkv_n = copy_buf(dqkv, B * 3 * C);
    float *out = malloc(B * C * sizeof *out), *out_n = malloc(B * C * sizeof *out);
    float *att = malloc(NA * sizeof *att), *att_n = malloc(NA * sizeof *att);
    float *scratch = malloc(ATTENTION_SCRATCH_SLICES * T * T * sizeof *scratch);
    float *dqkv_2 = copy_buf(dqkv, B * 3 * C), *out_2 = malloc(B * C * sizeof *out_2),
          *att_2 = malloc(NA * sizeof *att_2);
    assert_true(out && out_n && att && att_n && scratch && out_2 && att_2);
    double atol = 2e-6 * (double)(T + C / H) + 1e-6;

    attention_forward(out, att, qkv, nwin, T, C, H);
    attention_forward_naive(out_n, att_n, qkv, nwin, T, C, H);
    assert_close(att, att_n, NA, atol, 1e-5);
    assert_close(out, out_n, B * C, atol, 1e-5);
    attention_backward(dqkv, scratch, dout, qkv, att, nwin, T, C, H);
    attention_backward_naive(dqkv_n, dout, qkv, att_n, nwin, T, C, H);
    assert_close(dqkv, dqkv_n, B * 3 * C, atol, 1e-5);
    /* Windows split over two threads: the same bytes. */
    pool_set_threads(2);
    attention_forward(out_2, att_2, qkv, nwin, T, C, H);
    attention_backward(dqkv_2, scratch, dout, qkv, att_2, nwin, T, C, H);
    pool_set_threads(1);
    assert_memory_equal(out, out_2, B * C * sizeof *out);
    assert_memory_equal(att, att_2, NA * sizeof *att);
    assert_memory_equal(dqkv, dqkv_2, B * 3 * C * sizeof *dqkv);
    free(qkv), free(dout), free(dqkv), free(dqkv_n), free(out), free(out_n);
    free(att), free(att_n), free(scratch), free(dqkv_2), free(out_2), free(att_2);
}

/* Ensure that the cblas attention matches the naive oracle, forward
 * (weights and output) and accumulating backward, on odd shapes (one row,
 * one head, head width 1, T=7 with 3 heads) and on a model-sized one. */
static void test_attention_blas_vs_naive(void **state)
{
    (void)state;
    attention_vs_naive(1, 1, 1, 1);
    attention_vs_naive(2, 3, 5, 1);
    attention_vs_naive(1, 7, 6, 3);
    attention_vs_naive(3, 5, 12, 4);
    attention_vs_naive(2, 13, 7, 7);
    attention_vs_naive(4, 32, 64, 4);
    attention_vs_naive(160, 16, 32, 4); /* enough windows for the pool to split both */
}

/* ---- attention: finite differences ---- */
typedef struct {
    size_t nwin, T, C, H;
    float *qkv, *out, *att, *g;
} AttnCase;

static double attn_obj(void *ctx)
{
    AttnCase *c = ctx;
    attention_forward(c->out, c->att, c->qkv, c->nwin, c->T, c->C, c->H);
    return dot_d(c->out, c->g, c->nwin * c->T * c->C);
}

/* Ensure that attention_backward matches finite differences of every
 * element of Q, K and V (two windows, two heads). */
static void test_fd_attention(void **state)
{
    (void)state;
    AttnCase c = {.nwin = 2, .T = 4, .C = 6, .H = 2};
    size_t B = c.nwin * c.T;
    Rng r;
    rng_seed(&r, 21);
    c.qkv = rand_buf(B * 3 * c.C, -1.5f, 1.5f, &r);
    c.g = rand_buf(B * c.C, -1, 1, &r);
    c.out = malloc(B * c.C * sizeof *c.out);
    c.att = malloc(c.nwin * c.H * c.T * c.T * sizeof *c.att);
    float *dqkv = calloc(B * 3 * c.C, sizeof *dqkv), scratch[ATTENTION_SCRATCH_SLICES * 16];
    assert_true(c.out && c.att && dqkv);
    attn_obj(&c);
    attention_backward(dqkv, scratch, c.g, c.qkv, c.att, c.nwin, c.T, c.C, c.H);
    fd_check(c.qkv, dqkv, B * 3 * c.C, attn_obj, &c, 1e-2, 2e-5, 2e-3, "attention dqkv");
    free(c.qkv), free(c.g), free(c.out), free(c.att), free(dqkv);
}

/* Ensure that a row's output does not change when any later row of its
 * window, or any row of another window, changes (the causal mask), and
 * that it does change with an earlier row. */
static void test_attention_causal(void **state)
{
    (void)state;
    size_t nwin = 2, T = 5, C = 8, H = 2, B = nwin * T;
    Rng r;
    rng_seed(&r, 22);
    float *qkv = rand_buf(B * 3 * C, -1, 1, &r), *out = malloc(B * C * sizeof *out);
    float *out2 = malloc(B * C * sizeof *out2), *att = malloc(nwin * H * T * T * sizeof *att);
    assert_true(out && out2 && att);
    attention_forward(out, att, qkv, nwin, T, C, H);
    for (size_t j = 0; j < B; j++) {
        float *q2 = copy_buf(qkv, B * 3 * C);
        for (size_t i = 0; i < 3 * C; i++)
            q2[j * 3 * C + i] += 0.5f;
        attention_forward(out2, att, q2, nwin, T, C, H);
        for (size_t t = 0; t < B; t++) {
            int same = memcmp(out + t * C, out2 + t * C, C * sizeof *out) == 0;
            int may_change = t / T == j / T && t >= j;
            if (!may_change)
                assert_true(same);
            else if (t > j)
                assert_false(same); /* later rows see row j */
        }
        free(q2);
    }
    /* weights above the diagonal are exactly zero, each row sums to 1 */
    for (size_t w = 0; w < nwin * H; w++)
        for (size_t t = 0; t < T; t++) {
            double sum = 0.0;
            for (size_t j = 0; j < T; j++) {
                float a = att[(w * T + t) * T + j];
                if (j > t)
                    assert_true(a == 0.0f);
                sum += (double)a;
            }
            assert_true(fabs(sum - 1.0) < 1e-6);
        }
    free(qkv), free(out), free(out2), free(att);
}

/* Ensure that scores of ±1e4 (far beyond exp's range) give finite
 * weights and gradients: the row maximum is subtracted. */
static void test_attention_extreme_scores(void **state)
{
    (void)state;
    size_t T = 3, C = 2, H = 1;
    /* q = k = ±100 per row: scores up to 1e4/sqrt(2) */
    float qkv[3 * 6] = {100, 100, 100, 100, 1, 2, -100, 100, -100, 100, 3, 4,
                        100, -100, 100, -100, 5, 6};
    float out[6], att[9], dout[6] = {1, 1, 1, 1, 1, 1}, dqkv[18] = {0}, scratch[ATTENTION_SCRATCH_SLICES * 9];
    attention_forward(out, att, qkv, 1, T, C, H);
    attention_backward(dqkv, scratch, dout, qkv, att, 1, T, C, H);
    for (size_t i = 0; i < 6; i++)
        assert_true(isfinite(out[i]));
    for (size_t i = 0; i < 18; i++)
        assert_true(isfinite(dqkv[i]));
    /* row 2 puts all its weight on itself (score 1e4 vs 0 and -1e4) */
    assert_true(fabs((double)att[8] - 1.0) < 1e-6 && out[4] == 5.0f && out[5] == 6.0f);
}

/* ---- positions ---- */
/* Ensure that learned positions add by position in the window, that
 * their backward sums over windows, and that the sinusoid table has the
 * textbook values (sin at even, cos at odd columns, C odd included). */
static void test_positions(void **state)
{
    (void)state;
    float table[3 * 2] = {1, 2, 3, 4, 5, 6}, x[2 * 3 * 2] = {0}, dt[6] = {0};
    posemb_add_forward(x, table, 2, 3, 2);
    for (size_t i = 0; i < 12; i++)
        assert_true(x[i] == table[i % 6]);
    float d[12];
    for (size_t i = 0; i < 12; i++)
        d[i] = (float)i;
    posemb_backward(dt, d, 2, 3, 2);
    for (size_t i = 0; i < 6; i++)
        assert_true(dt[i] == (float)(2 * i + 6));
    float s[4 * 5];
    sinusoid_table(s, 4, 5);
    for (size_t t = 0; t < 4; t++)
        for (size_t c = 0; c < 5; c++) {
            double ang = (double)t / pow(10000.0, (double)(c - c % 2) / 5.0);
            double want = c % 2 ? cos(ang) : sin(ang);
            assert_true(fabs((double)s[t * 5 + c] - want) < 1e-7);
        }
    assert_true(s[0] == 0.0f && s[1] == 1.0f && fabs((double)s[5] - sin(1.0)) < 1e-7);
}

/* ---- transformer layer ---- */
typedef struct {
    TransformerShape s;
    TransformerParams p;
    TransformerActs a;
    float *params, *acts, *in, *out, *g;
} TfCase;

static double tf_obj(void *ctx)
{
    TfCase *c = ctx;
    transformer_forward(c->out, &c->a, c->in, &c->p, &c->s);
    return dot_d(c->out, c->g, c->s.nwin * c->s.T * c->s.C);
}

/* Ensure that transformer_backward matches finite differences of the
 * input and of every parameter (γ, β and biases randomised too, so every
 * term is exercised), and that the layout counts are what they hand out. */
static void test_fd_transformer(void **state)
{
    (void)state;
    TfCase c = {.s = {.nwin = 2, .T = 3, .C = 8, .H = 2, .F = 12}};
    size_t B = c.s.nwin * c.s.T, C = c.s.C;
    size_t np = transformer_param_count(C, c.s.F);
    assert_int_equal(np, 4 * 64 + 2 * 96 + 72 + 12);
    Rng r;
    rng_seed(&r, 23);
    c.params = rand_buf(np, -0.5f, 0.5f, &r);
    assert_true(transformer_layout_params(&c.p, c.params, C, c.s.F) == c.params + np);
    for (size_t i = 0; i < C; i++)
        c.p.ln1_g[i] += 1.0f, c.p.ln2_g[i] += 1.0f;
    size_t na = transformer_act_count(&c.s), ns = transformer_scratch_count(&c.s);
    c.acts = calloc(na, sizeof *c.acts);
    float *scratch = calloc(ns, sizeof *scratch), *grads = calloc(np, sizeof *grads);
    assert_true(c.acts && scratch && grads);
    assert_true(transformer_layout_acts(&c.a, c.acts, &c.s) == c.acts + na);
    TransformerParams gp;
    TransformerScratch w;
    transformer_layout_params(&gp, grads, C, c.s.F);
    assert_true(transformer_layout_scratch(&w, scratch, &c.s) == scratch + ns);
    c.in = rand_buf(B * C, -1, 1, &r);
    c.g = rand_buf(B * C, -1, 1, &r);
    c.out = malloc(B * C * sizeof *c.out);
    float *din = calloc(B * C, sizeof *din);
    assert_true(c.out && din);
    tf_obj(&c);
    transformer_backward(din, &gp, &w, c.g, c.in, &c.a, &c.p, &c.s);
    fd_check(c.in, din, B * C, tf_obj, &c, 1e-2, 2e-4, 2e-3, "transformer din");
    fd_check(c.params, grads, np, tf_obj, &c, 1e-2, 2e-4, 2e-3, "transformer params");
    free(c.params), free(c.acts), free(scratch), free(grads), free(c.in), free(c.g);
    free(c.out), free(din);
}

/* Ensure that transformer_init gives γ = 1, zero biases and β, and
 * Xavier bounds for the packed (3C, C) projection and the others. */
static void test_transformer_init(void **state)
{
    (void)state;
    size_t C = 32, F = 64, np = transformer_param_count(C, F);
    float *buf = calloc(np, sizeof *buf);
    assert_non_null(buf);
    TransformerParams p;
    transformer_layout_params(&p, buf, C, F);
    Rng r;
    rng_seed(&r, 24);
    transformer_init(&p, C, F, &r);
    const struct {
        const float *w;
        size_t out, in;
    } ws[4] = {{p.w_qkv, 3 * C, C}, {p.w_o, C, C}, {p.w_ff1, F, C}, {p.w_ff2, C, F}};
    for (int k = 0; k < 4; k++) {
        double bound = sqrt(6.0 / (double)(ws[k].out + ws[k].in)), mx = 0.0;
        for (size_t i = 0; i < ws[k].out * ws[k].in; i++)
            mx = fmax(mx, fabs((double)ws[k].w[i]));
        assert_true(mx <= bound && mx > 0.97 * bound);
    }
    for (size_t i = 0; i < C; i++)
        assert_true(p.ln1_g[i] == 1.0f && p.ln2_g[i] == 1.0f && p.ln1_b[i] == 0.0f &&
                    p.b_o[i] == 0.0f && p.b_ff2[i] == 0.0f);
    for (size_t i = 0; i < 3 * C; i++)
        assert_true(p.b_qkv[i] == 0.0f);
    float nrm[20000];
    init_normal(nrm, 20000, 0.02, &r);
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < 20000; i++)
        sum += (double)nrm[i], sq += (double)nrm[i] * (double)nrm[i];
    assert_true(fabs(sum / 20000.0) < 0.001 && fabs(sqrt(sq / 20000.0) - 0.02) < 0.001);
    free(buf);
}

/* ---- binary cross-entropy ---- */
typedef struct {
    float z[6], y[6];
    uint8_t mask[6];
} BceCase;

static double bce_obj(void *ctx)
{
    BceCase *c = ctx;
    return 0.7 * bce_logit_forward(c->z, c->y, c->mask, 6);
}

/* Ensure that the masked binary cross-entropy matches its formula and
 * finite differences, ignores unselected rows, and stays finite at ±1e4. */
static void test_bce_logit(void **state)
{
    (void)state;
    BceCase c = {{-2.0f, -0.5f, 0.0f, 0.3f, 1.5f, 3.0f},
                 {1, 0, 1, 0, 1, 0},
                 {1, 1, 0, 1, 1, 1}};
    double want = 0.0;
    for (int b = 0; b < 6; b++)
        if (c.mask[b]) {
            double z = (double)c.z[b], p = 1.0 / (1.0 + exp(-z));
            want -= (double)c.y[b] * log(p) + (1.0 - (double)c.y[b]) * log(1.0 - p);
        }
    double got = bce_logit_forward(c.z, c.y, c.mask, 6);
    assert_true(fabs(got - want / 5.0) < 1e-12);
    float d[6] = {0};
    bce_logit_backward(d, c.z, c.y, c.mask, 0.7f, 6);
    assert_true(d[2] == 0.0f);
    fd_check(c.z, d, 6, bce_obj, &c, 1e-3, 1e-6, 1e-4, "bce_logit dz");
    float z[4] = {1e4f, -1e4f, 1e4f, -1e4f}, y[4] = {1, 0, 0, 1}, dz[4] = {0};
    double l = bce_logit_forward(z, y, NULL, 4);
    assert_true(fabs(l - 2e4 / 4.0) < 1e-6); /* rows 0, 1 cost 0; rows 2, 3 cost 1e4 */
    bce_logit_backward(dz, z, y, NULL, 1.0f, 4);
    assert_true(dz[0] == 0.0f && dz[1] == 0.0f && dz[2] == 0.25f && dz[3] == -0.25f);
    uint8_t none[4] = {0};
    assert_true(bce_logit_forward(z, y, none, 4) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attention_blas_vs_naive),
        cmocka_unit_test(test_fd_attention),
        cmocka_unit_test(test_attention_causal),
        cmocka_unit_test(test_attention_extreme_scores),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_fd_transformer),
        cmocka_unit_test(test_transformer_init),
        cmocka_unit_test(test_bce_logit),
    };
    return cmocka_run_group_tests_name("attention", tests, NULL, NULL);
}
