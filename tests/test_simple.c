/*
 * test_simple.c: tests of the model interface (src/models/model.h) through
 * the simple predictor: its parameter count, PyTorch fixtures (logits, loss,
 * every gradient, ten AdamW steps with clipping and the schedule), a
 * finite-difference check of the whole model, the pinned initialisation,
 * exact resume, argument and data errors, and block I/O.
 *
 * The fixtures come from tests/fixtures/make_simple_fixture.py (format in
 * its docstring); this file never needs PyTorch.
 */
#include "test_fixture.h"

#include <unistd.h>

#include "models/model.h"
#include "nn/adamw.h"

/* One fixture case, loaded. */
typedef struct {
    int B, D, W, E, K, L, use_layer_id, steps, planned, warmup;
    uint64_t seed_grad, seed_steps;
    double dropout, lr, clip, wd, beta1, beta2, eps;
    float *x, *params;
    int32_t *layer, *targets;
    double *logits_eval, *logits, *loss, *grads;
    double *step_loss, *step_norm, *step_lr, *params_final;
    size_t P;
} SimpleFx;

static void simplefx_load(SimpleFx *s, const char *name)
{
    Fixture fx;
    fx_load(&fx, name);
    int32_t *cfg = fx_get(&fx, "cfg", 'i', 12);
    s->B = cfg[0], s->D = cfg[1], s->W = cfg[2], s->E = cfg[3], s->K = cfg[4], s->L = cfg[5];
    s->use_layer_id = cfg[6], s->steps = cfg[7], s->planned = cfg[8], s->warmup = cfg[9];
    s->seed_grad = (uint64_t)cfg[10], s->seed_steps = (uint64_t)cfg[11];
    free(cfg);
    double *h = fx_get(&fx, "hyper", 'd', 7);
    s->dropout = h[0], s->lr = h[1], s->clip = h[2], s->wd = h[3];
    s->beta1 = h[4], s->beta2 = h[5], s->eps = h[6];
    free(h);
    size_t B = (size_t)s->B, E = (size_t)s->E, W = (size_t)s->W, D = (size_t)s->D;
    s->P = D * W + W + (s->use_layer_id ? (size_t)s->L * W : 0) + 2 * (W * W + 3 * W) + E * W + E;
    s->x = to_float(fx_get(&fx, "x", 'd', B * D), B * D);
    s->layer = fx_get(&fx, "layer", 'i', B);
    s->targets = fx_get(&fx, "targets", 'i', B * (size_t)s->K);
    s->params = to_float(fx_get(&fx, "params", 'd', s->P), s->P);
    s->logits_eval = fx_get(&fx, "logits_eval", 'd', B * E);
    s->logits = fx_get(&fx, "logits", 'd', B * E);
    s->loss = fx_get(&fx, "loss", 'd', 1);
    s->grads = fx_get(&fx, "grads", 'd', s->P);
    s->step_loss = fx_get(&fx, "step_loss", 'd', (size_t)s->steps);
    s->step_norm = fx_get(&fx, "step_norm", 'd', (size_t)s->steps);
    s->step_lr = fx_get(&fx, "step_lr", 'd', (size_t)s->steps);
    s->params_final = fx_get(&fx, "params_final", 'd', s->P);
    free(fx.buf);
}

static void simplefx_free(SimpleFx *s)
{
    free(s->x), free(s->params), free(s->layer), free(s->targets);
    free(s->logits_eval), free(s->logits), free(s->loss), free(s->grads);
    free(s->step_loss), free(s->step_norm), free(s->step_lr), free(s->params_final);
}

/* A model with the fixture's configuration and weights. */
static Model *simplefx_model(const SimpleFx *s)
{
    ModelConfig c;
    model_config_default(&c, ARCH_SIMPLE, s->D, s->E, s->K, s->L);
    c.W = s->W;
    c.use_layer_id = s->use_layer_id;
    c.dropout = (float)s->dropout;
    c.clip = (float)s->clip;
    c.adamw = (AdamWConfig){(float)s->beta1, (float)s->beta2, (float)s->eps, (float)s->wd};
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, (size_t)s->B, &m, &e), 0);
    assert_int_equal(model_param_count(m), s->P);
    memcpy(m->params, s->params, s->P * sizeof *m->params);
    return m;
}

static double max_abs_diff(const float *a, const double *ref, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, fabs((double)a[i] - ref[i]));
    return w;
}

static double *to_double(const float *f, size_t n)
{
    double *d = malloc(n * sizeof *d);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)f[i];
    return d;
}

/* Tolerances of the float32 model against the float64 reference. Forward
 * values are O(1) and pass through 4 layers: atol 1e-5, rtol 1e-4.
 * Gradients pass back through two LayerNorms, which divide by the row's
 * std: atol 2e-5, rtol 1e-3. */
#define LOGIT_ATOL 1e-5
#define LOGIT_RTOL 1e-4
#define GRAD_ATOL 2e-5
#define GRAD_RTOL 1e-3

static void check_fixture_once(const char *name)
{
    SimpleFx s;
    simplefx_load(&s, name);
    Model *m = simplefx_model(&s);
    size_t BE = (size_t)s.B * (size_t)s.E;
    Batch b = {.n = (size_t)s.B, .hidden = s.x, .layer = s.layer};
    Err e;
    double loss;
    rng_seed(&m->rng, s.seed_grad);
    Rng before = m->rng;
    assert_int_equal(model_forward(m, &b, NULL, 0, &loss, &e), 0);
    assert_true(isnan(loss));
    assert_memory_equal(&before, &m->rng, sizeof before); /* evaluation draws nothing */
    double *got = to_double(model_scores(m), BE);
    print_message("  %s: eval logits max diff %.2g\n", name,
                  max_abs_diff(model_scores(m), s.logits_eval, BE));
    assert_close_d(got, s.logits_eval, BE, LOGIT_ATOL, LOGIT_RTOL);
    free(got);

    assert_int_equal(model_forward(m, &b, s.targets, 1, &loss, &e), 0);
    got = to_double(model_scores(m), BE);
    print_message("  %s: train logits max diff %.2g, loss %.9f vs %.9f\n", name,
                  max_abs_diff(model_scores(m), s.logits, BE), loss, s.loss[0]);
    assert_close_d(got, s.logits, BE, LOGIT_ATOL, LOGIT_RTOL);
    assert_close_d(&loss, s.loss, 1, 1e-6, 1e-6);
    free(got);

    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    got = to_double(m->grads, s.P);
    print_message("  %s: %zu gradients max diff %.2g\n", name, s.P,
                  max_abs_diff(m->grads, s.grads, s.P));
    assert_close_d(got, s.grads, s.P, GRAD_ATOL, GRAD_RTOL);
    free(got);
    model_free(m);
    simplefx_free(&s);
}

/* Ensure that logits (evaluation and training mode, with the fixture's
 * dropout masks), loss and every gradient match PyTorch in float64. */
static void test_simple_matches_pytorch(void **state)
{
    (void)state;
    check_fixture_once("simple_layerid.bin");
    check_fixture_once("simple_nolayerid.bin");
}

static void check_fixture_steps(const char *name)
{
    SimpleFx s;
    simplefx_load(&s, name);
    Model *m = simplefx_model(&s);
    Batch b = {.n = (size_t)s.B, .hidden = s.x, .layer = s.layer};
    Err e;
    double loss[64], norm[64], lr[64], worst_loss = 0.0;
    assert_true(s.steps <= 64);
    rng_seed(&m->rng, s.seed_steps);
    for (int t = 0; t < s.steps; t++) {
        lr[t] = schedule_lr(s.lr, (uint64_t)t, (uint64_t)s.planned, (uint64_t)s.warmup);
        assert_int_equal(model_forward(m, &b, s.targets, 1, &loss[t], &e), 0);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        assert_int_equal(model_update(m, (float)lr[t], &norm[t], &e), 0);
        worst_loss = fmax(worst_loss, fabs(loss[t] - s.step_loss[t]));
    }
    print_message("  %s: %d AdamW steps, loss %.6f -> %.6f, max loss diff %.2g, final "
                  "params max diff %.2g\n",
                  name, s.steps, loss[0], loss[s.steps - 1], worst_loss,
                  max_abs_diff(m->params, s.params_final, s.P));
    assert_close_d(lr, s.step_lr, (size_t)s.steps, 1e-15, 1e-12);
    assert_close_d(loss, s.step_loss, (size_t)s.steps, 1e-5, 1e-5);
    assert_close_d(norm, s.step_norm, (size_t)s.steps, 1e-5, 1e-4);
    double *got = to_double(m->params, s.P);
    assert_close_d(got, s.params_final, s.P, 1e-4, 1e-4);
    assert_true(m->adam_step == (uint64_t)s.steps);
    free(got);
    model_free(m);
    simplefx_free(&s);
}

/* Ensure that ten training steps (dropout, clipping at the fixture's limit,
 * warm-up then cosine) give PyTorch's losses, gradient norms and final
 * parameters. */
static void test_simple_adamw_steps(void **state)
{
    (void)state;
    check_fixture_steps("simple_layerid.bin");
    check_fixture_steps("simple_nolayerid.bin");
}

/* Ensure that the parameter count is SPEC 5's 672,572 at D=2048, W=256,
 * E=60 without the layer embedding, and L·W more with it. */
static void test_simple_param_count(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_SIMPLE, 2048, 60, 4, 24);
    assert_int_equal(c.W, 256);
    c.use_layer_id = 0;
    assert_int_equal(model_config_param_count(&c), 672572);
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, 4, &m, &e), 0);
    print_message("  simple, D=2048 W=256 E=60, no layer id: %zu parameters\n",
                  model_param_count(m));
    assert_int_equal(model_param_count(m), 672572);
    model_free(m);
    c.use_layer_id = 1;
    assert_int_equal(model_config_param_count(&c), 672572 + 24 * 256);
    print_message("  simple, D=2048 W=256 E=60, layer id (L=24): %zu parameters\n",
                  model_config_param_count(&c));
    model_config_default(&c, ARCH_SIMPLE, 300, 60, 4, 24);
    assert_int_equal(c.W, 256); /* SPEC 5: 256 for every D */
}

static double fd_loss(Model *m, const Batch *b, const int32_t *targets, const Rng *start)
{
    double loss;
    Err e;
    m->rng = *start;
    assert_int_equal(model_forward(m, b, targets, 1, &loss, &e), 0);
    return loss;
}

static void check_fd_model(const char *name)
{
    SimpleFx s;
    simplefx_load(&s, name);
    Model *m = simplefx_model(&s);
    Batch b = {.n = (size_t)s.B, .hidden = s.x, .layer = s.layer};
    Err e;
    Rng start;
    rng_seed(&start, s.seed_grad);
    fd_loss(m, &b, s.targets, &start);
    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    double *ana = to_double(m->grads, s.P), *num = malloc(s.P * sizeof *num);
    assert_non_null(num);
    const double h = 1e-3;
    double worst = 0.0;
    for (size_t i = 0; i < s.P; i++) {
        float p0 = m->params[i];
        float pp = (float)((double)p0 + h), pm = (float)((double)p0 - h);
        m->params[i] = pp;
        double lp = fd_loss(m, &b, s.targets, &start);
        m->params[i] = pm;
        double lm = fd_loss(m, &b, s.targets, &start);
        m->params[i] = p0;
        num[i] = (lp - lm) / ((double)pp - (double)pm);
        worst = fmax(worst, fabs(num[i] - ana[i]));
    }
    print_message("  %s: finite differences over %zu parameters, max diff %.2g\n", name, s.P,
                  worst);
    assert_close_d(ana, num, s.P, 2e-4, 2e-3);
    free(ana), free(num);
    model_free(m);
    simplefx_free(&s);
}

/* Ensure that the whole model's backward (training mode, dropout masks held
 * fixed by restoring the RNG state) matches central differences of the
 * loss, with and without the layer embedding. */
static void test_simple_fd(void **state)
{
    (void)state;
    check_fd_model("simple_layerid.bin");
    check_fd_model("simple_nolayerid.bin");
}

/* Ensure that the pinned initialisation holds: Xavier-uniform bounds,
 * zero biases and LayerNorm β, γ = 1, layer embedding ~ N(0, 1), and that
 * it depends on the seed only. */
static void test_simple_init(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_SIMPLE, 512, 60, 4, 24);
    Model *m, *m2;
    Err e;
    assert_int_equal(model_create(&c, 8, &m, &e), 0);
    assert_int_equal(model_create(&c, 16, &m2, &e), 0);
    assert_memory_equal(m->params, m2->params, m->n_params * sizeof(float));
    size_t D = 512, W = 256, E = 60, L = 24;
    const float *p = m->params;
    double bound = sqrt(6.0 / (double)(D + W)), wmax = 0.0;
    for (size_t i = 0; i < W * D; i++)
        wmax = fmax(wmax, fabs((double)p[i]));
    assert_true(wmax <= bound && wmax > 0.99 * bound);
    p += W * D;
    for (size_t i = 0; i < W; i++)
        assert_true(p[i] == 0.0f); /* b1 */
    p += W;
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < L * W; i++)
        sum += (double)p[i], sq += (double)p[i] * (double)p[i];
    assert_true(fabs(sum / (double)(L * W)) < 0.05 && fabs(sq / (double)(L * W) - 1.0) < 0.05);
    p += L * W;
    for (int blk = 0; blk < 2; blk++) {
        wmax = 0.0;
        for (size_t i = 0; i < W * W; i++)
            wmax = fmax(wmax, fabs((double)p[i]));
        assert_true(wmax <= sqrt(6.0 / (double)(2 * W)) && wmax > 0.99 * sqrt(3.0 / (double)W));
        p += W * W;
        for (size_t i = 0; i < W; i++)
            assert_true(p[i] == 0.0f && p[W + i] == 1.0f && p[2 * W + i] == 0.0f);
        p += 3 * W;
    }
    wmax = 0.0;
    for (size_t i = 0; i < E * W; i++)
        wmax = fmax(wmax, fabs((double)p[i]));
    assert_true(wmax <= sqrt(6.0 / (double)(E + W)) && wmax > 0.98 * sqrt(6.0 / (double)(E + W)));
    for (size_t i = 0; i < E; i++)
        assert_true(p[E * W + i] == 0.0f);
    model_free(m2);
    c.seed = 2;
    assert_int_equal(model_create(&c, 8, &m2, &e), 0);
    assert_true(memcmp(m->params, m2->params, m->n_params * sizeof(float)) != 0);
    model_free(m);
    model_free(m2);
}

/* A small learnable task: targets are the top-K of a fixed random
 * projection of the input, plus the layer id shifting the experts. */
typedef struct {
    float x[64 * 16];
    int32_t layer[64], targets[64 * 2];
} Toy;

static void toy_batch(Toy *t, Rng *r)
{
    static const int D = 16, E = 8;
    for (int i = 0; i < 64; i++) {
        float s[8] = {0};
        for (int d = 0; d < D; d++)
            t->x[i * D + d] = (float)rng_normal(r);
        t->layer[i] = (int32_t)rng_below(r, 3);
        for (int e = 0; e < E; e++)
            for (int d = 0; d < D; d++)
                s[e] += t->x[i * D + d] * (float)(((e * 7 + d * 3) % 5) - 2);
        for (int k = 0; k < 2; k++) {
            int best = 0;
            for (int e = 1; e < E; e++)
                if (s[e] > s[best])
                    best = e;
            t->targets[i * 2 + k] = (best + t->layer[i]) % E;
            s[best] = -INFINITY;
        }
    }
}

static void toy_train(Model *m, int steps, uint64_t data_seed)
{
    Rng r;
    rng_seed(&r, data_seed);
    Toy t;
    Err e;
    for (int s = 0; s < steps; s++) {
        toy_batch(&t, &r);
        Batch b = {.n = 64, .hidden = t.x, .layer = t.layer};
        assert_int_equal(model_forward(m, &b, t.targets, 1, NULL, &e), 0);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        float lr = (float)schedule_lr(1e-2, m->adam_step, 600, 100);
        assert_int_equal(model_update(m, lr, NULL, &e), 0);
    }
}

static double toy_eval(Model *m)
{
    Rng r;
    rng_seed(&r, 999);
    Toy t;
    toy_batch(&t, &r);
    Batch b = {.n = 64, .hidden = t.x, .layer = t.layer};
    double loss;
    Err e;
    assert_int_equal(model_forward(m, &b, t.targets, 0, &loss, &e), 0);
    return loss;
}

static Model *toy_model(void)
{
    ModelConfig c;
    model_config_default(&c, ARCH_SIMPLE, 16, 8, 2, 3);
    c.W = 32;
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, 64, &m, &e), 0);
    return m;
}

/* Ensure that training lowers the validation loss on a learnable task
 * towards its floor log K. */
static void test_simple_learns(void **state)
{
    (void)state;
    Model *m = toy_model();
    double before = toy_eval(m);
    toy_train(m, 600, 1);
    double after = toy_eval(m);
    print_message("  toy task: val loss %.4f -> %.4f (floor log 2 = %.4f)\n", before, after,
                  log(2.0));
    assert_true(after < before - 0.8 && after < log(2.0) + 0.5);
    model_free(m);
}

/* Ensure that a run stopped after 30 steps and resumed from its saved
 * state (parameters, moments, RNG, step) ends bit-identical to an
 * uninterrupted 60-step run. */
static void test_simple_resume_exact(void **state)
{
    (void)state;
    Model *a = toy_model(), *b = toy_model();
    toy_train(a, 30, 5);
    /* the saved state, carried over as a checkpoint carries it: the three
     * blocks, the RNG and the update count */
    Err e;
    for (int blk = MODEL_PARAMS; blk <= MODEL_ADAM_V; blk++)
        memcpy(model_block(b, (ModelBlock)blk), model_block(a, (ModelBlock)blk),
               model_param_count(a) * sizeof(float));
    uint64_t rs[RNG_STATE_WORDS];
    rng_save(&a->rng, rs);
    assert_int_equal(rng_restore(&b->rng, rs, &e), 0);
    b->adam_step = a->adam_step;
    /* both continue on the same data stream from step 30 */
    Rng r;
    rng_seed(&r, 77);
    for (int s = 0; s < 30; s++) {
        Toy t;
        toy_batch(&t, &r);
        Batch bt = {.n = 64, .hidden = t.x, .layer = t.layer};
        Model *ms[2] = {a, b};
        for (int k = 0; k < 2; k++) {
            assert_int_equal(model_forward(ms[k], &bt, t.targets, 1, NULL, &e), 0);
            model_zero_grad(ms[k]);
            assert_int_equal(model_backward(ms[k], &e), 0);
            assert_int_equal(model_update(ms[k], 1e-3f, NULL, &e), 0);
        }
    }
    assert_memory_equal(a->params, b->params, a->n_params * sizeof(float));
    assert_memory_equal(a->adam_v, b->adam_v, a->n_params * sizeof(float));
    model_free(a);
    model_free(b);
}

/* Ensure that bad configurations, batches and ids are refused with the
 * right class and a message naming the problem, and that misuse of
 * backward is caught. */
static void test_simple_errors(void **state)
{
    (void)state;
    ModelConfig c;
    Model *m = NULL;
    Err e;
    model_config_default(&c, ARCH_HYBRID, 16, 8, 2, 3); /* batch 4 < window 32 */
    assert_int_equal(model_create(&c, 4, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "hybrid takes windows of 32 rows"));
    model_config_default(&c, ARCH_SIMPLE, 16, 8, 9, 3);
    assert_int_equal(model_create(&c, 4, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "K=9"));
    model_config_default(&c, ARCH_SIMPLE, 16, 8, 2, 3);
    c.dropout = 1.0f;
    assert_int_equal(model_create(&c, 4, &m, &e), ERR_USAGE);
    /* 2^24 rows × 256 = 2^32 dropout elements: one past the 32-bit index,
     * refused before anything is allocated */
    model_config_default(&c, ARCH_SIMPLE, 16, 8, 2, 3);
    c.W = 256;
    assert_int_equal(model_create(&c, (size_t)1 << 24, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "exceeds dropout's"));
    Arch a;
    assert_int_equal(arch_parse("complex", &a, &e), 0);
    assert_int_equal(a, ARCH_COMPLEX);
    assert_int_equal(arch_parse("mlp", &a, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "'mlp'"));

    m = toy_model();
    float x[5 * 16] = {0};
    int32_t layer[5] = {0, 1, 2, 3, 0}, t[10] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1};
    Batch b = {.n = 5, .hidden = x, .layer = layer};
    assert_int_equal(model_backward(m, &e), ERR_USAGE);
    assert_int_equal(model_forward(m, &b, t, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "row 3: layer id 3"));
    layer[3] = 2;
    t[7] = 8;
    assert_int_equal(model_forward(m, &b, t, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "row 3: expert id 8"));
    assert_int_equal(model_backward(m, &e), ERR_USAGE); /* the failed forward ran nothing */
    t[7] = 7;
    b.n = 65;
    assert_int_equal(model_forward(m, &b, t, 1, NULL, &e), ERR_USAGE);
    b.n = 0;
    assert_int_equal(model_forward(m, &b, t, 1, NULL, &e), ERR_USAGE);
    b.n = 5;
    assert_int_equal(model_forward(m, &b, NULL, 0, NULL, &e), 0);
    assert_int_equal(model_backward(m, &e), ERR_USAGE); /* no targets, no loss */

    /* SPEC 5: a non-finite loss or gradient halts, never a silent zero */
    x[7] = NAN;
    double loss;
    assert_int_equal(model_forward(m, &b, t, 1, &loss, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "non-finite loss"));
    x[7] = 0.0f;
    assert_int_equal(model_forward(m, &b, t, 1, &loss, &e), 0);
    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    m->grads[3] = INFINITY;
    float p3 = m->params[3];
    double norm;
    assert_int_equal(model_update(m, 1e-3f, &norm, &e), ERR_RUNTIME);
    assert_true(isinf(norm) && m->params[3] == p3 && m->adam_step == 0);
    assert_non_null(strstr(e.msg, "non-finite gradient"));
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_param_count),
        cmocka_unit_test(test_simple_matches_pytorch),
        cmocka_unit_test(test_simple_adamw_steps),
        cmocka_unit_test(test_simple_fd),
        cmocka_unit_test(test_simple_init),
        cmocka_unit_test(test_simple_learns),
        cmocka_unit_test(test_simple_resume_exact),
        cmocka_unit_test(test_simple_errors),
    };
    return cmocka_run_group_tests_name("simple", tests, NULL, NULL);
}
