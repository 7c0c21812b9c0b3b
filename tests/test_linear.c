/*
 * test_linear.c: the linear predictor (src/models/linear.c): its parameter
 * counts (per layer, shared, rank R, independent of the width), PyTorch
 * fixtures (scores, loss, every gradient, ten AdamW steps with clipping and
 * the schedule) for full rank with and without the layer id and for a rank
 * R case, finite differences of every parameter gradient, the grouped-by-
 * layer GEMMs against a naive per-row reference, the pinned
 * initialisation, learning, and configuration errors.
 *
 * The fixtures come from tests/fixtures/make_linear_fixture.py (format in
 * its docstring); this file never needs PyTorch.
 */
#include "test_fixture.h"

#include "models/model.h"
#include "nn/adamw.h"

static double *to_double(const float *f, size_t n)
{
    double *d = malloc(n * sizeof *d);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)f[i];
    return d;
}

static double max_abs_diff(const float *a, const double *ref, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, fabs((double)a[i] - ref[i]));
    return w;
}

/* linear.h's closed form: M·E·(D+1), or M·(E·R + R·D + E). */
static size_t expected_params(int D, int E, int L, int use_layer_id, int R)
{
    size_t M = use_layer_id ? (size_t)L : 1;
    size_t d = (size_t)D, e = (size_t)E, r = (size_t)R;
    return M * (r ? e * r + r * d + e : e * (d + 1));
}

/* One fixture case, loaded. */
typedef struct {
    int B, D, E, K, L, use_layer_id, rank, steps, planned, warmup;
    double lr, clip, wd, beta1, beta2, eps;
    float *x, *params;
    int32_t *layer, *targets;
    double *logits, *loss, *grads;
    double *step_loss, *step_norm, *step_lr, *params_final;
    size_t P;
} LinearFx;

static void linfx_load(LinearFx *s, const char *name)
{
    Fixture fx;
    fx_load(&fx, name);
    int32_t *cfg = fx_get(&fx, "cfg", 'i', 10);
    s->B = cfg[0], s->D = cfg[1], s->E = cfg[2], s->K = cfg[3], s->L = cfg[4];
    s->use_layer_id = cfg[5], s->rank = cfg[6], s->steps = cfg[7], s->planned = cfg[8];
    s->warmup = cfg[9];
    free(cfg);
    double *h = fx_get(&fx, "hyper", 'd', 6);
    s->lr = h[0], s->clip = h[1], s->wd = h[2], s->beta1 = h[3], s->beta2 = h[4], s->eps = h[5];
    free(h);
    size_t B = (size_t)s->B, E = (size_t)s->E, D = (size_t)s->D;
    s->P = expected_params(s->D, s->E, s->L, s->use_layer_id, s->rank);
    s->x = to_float(fx_get(&fx, "x", 'd', B * D), B * D);
    s->layer = fx_get(&fx, "layer", 'i', B);
    s->targets = fx_get(&fx, "targets", 'i', B * (size_t)s->K);
    s->params = to_float(fx_get(&fx, "params", 'd', s->P), s->P);
    s->logits = fx_get(&fx, "logits", 'd', B * E);
    s->loss = fx_get(&fx, "loss", 'd', 1);
    s->grads = fx_get(&fx, "grads", 'd', s->P);
    s->step_loss = fx_get(&fx, "step_loss", 'd', (size_t)s->steps);
    s->step_norm = fx_get(&fx, "step_norm", 'd', (size_t)s->steps);
    s->step_lr = fx_get(&fx, "step_lr", 'd', (size_t)s->steps);
    s->params_final = fx_get(&fx, "params_final", 'd', s->P);
    free(fx.buf);
}

static void linfx_free(LinearFx *s)
{
    free(s->x), free(s->params), free(s->layer), free(s->targets);
    free(s->logits), free(s->loss), free(s->grads);
    free(s->step_loss), free(s->step_norm), free(s->step_lr), free(s->params_final);
}

/* A model with the fixture's configuration and weights. */
static Model *linfx_model(const LinearFx *s)
{
    ModelConfig c;
    model_config_default(&c, ARCH_LINEAR, s->D, s->E, s->K, s->L);
    c.use_layer_id = s->use_layer_id;
    c.rank = s->rank;
    c.clip = (float)s->clip;
    c.adamw = (AdamWConfig){(float)s->beta1, (float)s->beta2, (float)s->eps, (float)s->wd};
    Model *m;
    Err e;
    err_clear(&e);
    if (model_create(&c, (size_t)s->B, &m, &e))
        print_error("model_create: %s\n", e.msg);
    assert_non_null(m);
    assert_int_equal(model_param_count(m), s->P);
    memcpy(m->params, s->params, s->P * sizeof *m->params);
    return m;
}

static const char *const fixtures[] = {"linear_layerid.bin", "linear_nolayerid.bin",
                                       "linear_rank.bin"};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

/* Tolerances of the float32 model against the float64 reference: scores
 * are one or two dot products of length 12 over O(1) values (atol 1e-5,
 * rtol 1e-5); gradients are sums over 9 rows of O(1) products (atol 1e-6,
 * rtol 1e-4); the loss is summed in double (1e-6). */
#define LOGIT_ATOL 1e-5
#define LOGIT_RTOL 1e-5
#define GRAD_ATOL 1e-6
#define GRAD_RTOL 1e-4

/* Ensure that scores, loss and every gradient match PyTorch in float64 for
 * full rank with and without the layer id and for rank 3, on a batch whose
 * layers come scrambled with one layer absent. */
static void test_linear_matches_pytorch(void **state)
{
    (void)state;
    for (size_t f = 0; f < N_FIXTURES; f++) {
        LinearFx s;
        linfx_load(&s, fixtures[f]);
        Model *m = linfx_model(&s);
        size_t BE = (size_t)s.B * (size_t)s.E;
        Batch b = {.n = (size_t)s.B, .hidden = s.x, .layer = s.layer};
        Err e;
        double loss;
        assert_int_equal(model_forward(m, &b, NULL, 0, &loss, &e), 0);
        assert_true(isnan(loss));
        double *got = to_double(model_scores(m), BE);
        assert_close_d(got, s.logits, BE, LOGIT_ATOL, LOGIT_RTOL);
        free(got);
        assert_int_equal(model_forward(m, &b, s.targets, 1, &loss, &e), 0);
        got = to_double(model_scores(m), BE);
        print_message("  %s: scores max diff %.2g, loss %.9f vs %.9f\n", fixtures[f],
                      max_abs_diff(model_scores(m), s.logits, BE), loss, s.loss[0]);
        assert_close_d(got, s.logits, BE, LOGIT_ATOL, LOGIT_RTOL);
        assert_close_d(&loss, s.loss, 1, 1e-6, 1e-6);
        free(got);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        got = to_double(m->grads, s.P);
        print_message("  %s: %zu gradients max diff %.2g\n", fixtures[f], s.P,
                      max_abs_diff(m->grads, s.grads, s.P));
        assert_close_d(got, s.grads, s.P, GRAD_ATOL, GRAD_RTOL);
        free(got);
        model_free(m);
        linfx_free(&s);
    }
}

/* Ensure that ten training steps (clipping at the fixture's limit, warm-up
 * then cosine) give PyTorch's losses, gradient norms and final parameters. */
static void test_linear_adamw_steps(void **state)
{
    (void)state;
    for (size_t f = 0; f < N_FIXTURES; f++) {
        LinearFx s;
        linfx_load(&s, fixtures[f]);
        Model *m = linfx_model(&s);
        Batch b = {.n = (size_t)s.B, .hidden = s.x, .layer = s.layer};
        Err e;
        double loss[64], norm[64], lr[64];
        assert_true(s.steps <= 64);
        for (int t = 0; t < s.steps; t++) {
            lr[t] = schedule_lr(s.lr, (uint64_t)t, (uint64_t)s.planned, (uint64_t)s.warmup);
            assert_int_equal(model_forward(m, &b, s.targets, 1, &loss[t], &e), 0);
            model_zero_grad(m);
            assert_int_equal(model_backward(m, &e), 0);
            assert_int_equal(model_update(m, (float)lr[t], &norm[t], &e), 0);
        }
        print_message("  %s: %d AdamW steps, loss %.6f -> %.6f, final params max diff %.2g\n",
                      fixtures[f], s.steps, loss[0], loss[s.steps - 1],
                      max_abs_diff(m->params, s.params_final, s.P));
        assert_close_d(lr, s.step_lr, (size_t)s.steps, 1e-15, 1e-12);
        assert_close_d(loss, s.step_loss, (size_t)s.steps, 1e-5, 1e-5);
        assert_close_d(norm, s.step_norm, (size_t)s.steps, 1e-5, 1e-4);
        double *got = to_double(m->params, s.P);
        assert_close_d(got, s.params_final, s.P, 1e-5, 1e-4);
        free(got);
        model_free(m);
        linfx_free(&s);
    }
}

/* Ensure that the parameter count is L·E·(D+1) (SPEC 5), L·(E·R + R·D + E)
 * with a rank, one map's worth with --no-layer-id, and that the width
 * changes nothing. */
static void test_linear_param_count(void **state)
{
    (void)state;
    ModelConfig c;
    model_config_default(&c, ARCH_LINEAR, 2048, 60, 4, 24);
    assert_int_equal(model_config_param_count(&c), 24 * 60 * 2049);
    assert_int_equal(model_config_param_count(&c), 2950560);
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, 4, &m, &e), 0);
    assert_int_equal(model_param_count(m), 2950560);
    model_free(m);
    c.W = 1;
    assert_int_equal(model_config_param_count(&c), 2950560);
    c.W = 999;
    assert_int_equal(model_config_param_count(&c), 2950560);
    c.rank = 16;
    assert_int_equal(model_config_param_count(&c), 24 * (60 * 16 + 16 * 2048 + 60));
    assert_int_equal(model_config_param_count(&c), 810912);
    c.use_layer_id = 0;
    assert_int_equal(model_config_param_count(&c), 60 * 16 + 16 * 2048 + 60);
    c.rank = 0;
    assert_int_equal(model_config_param_count(&c), 60 * 2049);
    print_message("  linear D=2048 E=60 L=24: %zu parameters (rank 16: %zu; shared map: "
                  "%zu)\n", expected_params(2048, 60, 24, 1, 0),
                  expected_params(2048, 60, 24, 1, 16), expected_params(2048, 60, 24, 0, 0));
}

static double fd_loss(Model *m, const Batch *b, const int32_t *targets)
{
    double loss;
    Err e;
    assert_int_equal(model_forward(m, b, targets, 1, &loss, &e), 0);
    return loss;
}

/* Central differences of every parameter against the analytic gradient. */
static void check_fd(Model *m, const Batch *b, const int32_t *targets, const char *what)
{
    Err e;
    fd_loss(m, b, targets);
    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    size_t P = m->n_params;
    double *ana = to_double(m->grads, P), *num = malloc(P * sizeof *num);
    assert_non_null(num);
    const double h = 1e-2;
    double worst = 0.0;
    for (size_t i = 0; i < P; i++) {
        float p0 = m->params[i];
        float pp = (float)((double)p0 + h), pm = (float)((double)p0 - h);
        m->params[i] = pp;
        double lp = fd_loss(m, b, targets);
        m->params[i] = pm;
        double lm = fd_loss(m, b, targets);
        m->params[i] = p0;
        num[i] = (lp - lm) / ((double)pp - (double)pm);
        worst = fmax(worst, fabs(num[i] - ana[i]));
    }
    print_message("  %s: finite differences over %zu parameters, max diff %.2g\n", what, P,
                  worst);
    assert_close_d(ana, num, P, 5e-5, 1e-3);
    free(ana), free(num);
}

/* A random batch: n rows whose layers are drawn from [0, L) except `skip`
 * (a layer with no rows), targets K distinct experts per row. */
typedef struct {
    size_t n;
    int D, E, K, L;
    float *x;
    int32_t *layer, *targets;
} RandBatch;

static void randbatch_make(RandBatch *rb, size_t n, int D, int E, int K, int L, int skip,
                           uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed);
    *rb = (RandBatch){n, D, E, K, L, malloc(n * (size_t)D * sizeof(float)),
                      malloc(n * sizeof(int32_t)), malloc(n * (size_t)K * sizeof(int32_t))};
    assert_true(rb->x && rb->layer && rb->targets);
    for (size_t i = 0; i < n * (size_t)D; i++)
        rb->x[i] = (float)rng_normal(&r);
    for (size_t i = 0; i < n; i++) {
        do
            rb->layer[i] = (int32_t)rng_below(&r, (uint64_t)L);
        while (rb->layer[i] == skip);
        for (int k = 0; k < K; k++) {
            int32_t t;
            int dup;
            do {
                t = (int32_t)rng_below(&r, (uint64_t)E);
                dup = 0;
                for (int j = 0; j < k; j++)
                    dup |= rb->targets[i * (size_t)K + (size_t)j] == t;
            } while (dup);
            rb->targets[i * (size_t)K + (size_t)k] = t;
        }
    }
}

static void randbatch_free(RandBatch *rb)
{
    free(rb->x), free(rb->layer), free(rb->targets);
}

static Model *rand_model(const RandBatch *rb, int use_layer_id, int rank, uint64_t seed)
{
    ModelConfig c;
    model_config_default(&c, ARCH_LINEAR, rb->D, rb->E, rb->K, rb->L);
    c.use_layer_id = use_layer_id;
    c.rank = rank;
    c.seed = seed;
    Model *m;
    Err e;
    err_clear(&e);
    if (model_create(&c, rb->n, &m, &e))
        print_error("model_create: %s\n", e.msg);
    assert_non_null(m);
    /* nonzero biases, so their gradients and their use are both seen */
    Rng r;
    rng_seed(&r, seed + 100);
    for (size_t i = 0; i < m->n_params; i++)
        if (m->params[i] == 0.0f)
            m->params[i] = (float)(0.2 * rng_normal(&r));
    return m;
}

/* Ensure that the backward pass matches central differences of the loss
 * for every parameter: the fixtures' batches, and random batches of 40 rows
 * in scrambled layer order with a layer absent, full rank, rank 2 and the
 * shared map. The loss is summed in double; h = 1e-2 (the loss is smooth,
 * so the O(h²) error stays below the float rounding of the scores):
 * atol 5e-5, rtol 1e-3. */
static void test_linear_fd(void **state)
{
    (void)state;
    for (size_t f = 0; f < N_FIXTURES; f++) {
        LinearFx s;
        linfx_load(&s, fixtures[f]);
        Model *m = linfx_model(&s);
        Batch b = {.n = (size_t)s.B, .hidden = s.x, .layer = s.layer};
        check_fd(m, &b, s.targets, fixtures[f]);
        model_free(m);
        linfx_free(&s);
    }
    RandBatch rb;
    randbatch_make(&rb, 40, 9, 6, 2, 5, 3, 42);
    Batch b = {.n = rb.n, .hidden = rb.x, .layer = rb.layer};
    const int ranks[] = {0, 2};
    for (int u = 0; u <= 1; u++)
        for (size_t k = 0; k < 2; k++) {
            Model *m = rand_model(&rb, u, ranks[k], 7 + (uint64_t)k);
            char what[64];
            snprintf(what, sizeof what, "random batch, layer id %d, rank %d", u, ranks[k]);
            check_fd(m, &b, rb.targets, what);
            model_free(m);
        }
    randbatch_free(&rb);
}

/* The model's parameters of map l, read as the reference needs them. */
static void ref_map(const Model *m, size_t l, const float **a, const float **u, const float **v,
                    const float **bias)
{
    size_t D = (size_t)m->cfg.D, E = (size_t)m->cfg.E, R = (size_t)m->cfg.rank;
    size_t per = R ? E * R + R * D + E : E * D + E;
    const float *p = m->params + l * per;
    *a = R ? NULL : p;
    *u = R ? p : NULL;
    *v = R ? p + E * R : NULL;
    *bias = p + (R ? E * R + R * D : E * D);
}

/* Ensure that the grouped-by-layer GEMMs give what a naive per-row
 * evaluation in double gives (each row's own map, one row at a time):
 * scores (atol 1e-5, rtol 1e-5) and every gradient, accumulated row by row
 * from the row's dlogits (atol 1e-6, rtol 1e-4), for 37 rows of 6 layers
 * in scrambled order with layer 4 absent, full rank and rank 3. */
static void test_linear_grouped_equals_naive(void **state)
{
    (void)state;
    RandBatch rb;
    randbatch_make(&rb, 37, 19, 11, 3, 6, 4, 5);
    size_t n = rb.n, D = 19, E = 11, K = 3;
    Batch b = {.n = n, .hidden = rb.x, .layer = rb.layer};
    for (int R = 0; R <= 3; R += 3) {
        Model *m = rand_model(&rb, 1, R, 3);
        Err e;
        double loss;
        assert_int_equal(model_forward(m, &b, rb.targets, 1, &loss, &e), 0);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        size_t P = m->n_params, per = P / 6;
        double *s = calloc(n * E, sizeof *s), *g = calloc(P, sizeof *g);
        double *z = calloc((size_t)(R ? R : 1), sizeof *z);
        assert_true(s && g && z);
        double ref_loss = 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t l = (size_t)rb.layer[i];
            const float *a, *u, *v, *bias, *x = rb.x + i * D;
            ref_map(m, l, &a, &u, &v, &bias);
            for (int r = 0; r < R; r++) {
                z[r] = 0.0;
                for (size_t d = 0; d < D; d++)
                    z[r] += (double)v[(size_t)r * D + d] * (double)x[d];
            }
            double *si = s + i * E, mx = -INFINITY, sum = 0.0;
            for (size_t o = 0; o < E; o++) {
                si[o] = (double)bias[o];
                if (R)
                    for (int r = 0; r < R; r++)
                        si[o] += (double)u[o * (size_t)R + (size_t)r] * z[r];
                else
                    for (size_t d = 0; d < D; d++)
                        si[o] += (double)a[o * D + d] * (double)x[d];
                mx = fmax(mx, si[o]);
            }
            for (size_t o = 0; o < E; o++)
                sum += exp(si[o] - mx);
            /* dlogit = (softmax − y) / n; the loss is logsumexp − mean target score */
            double dl[64];
            assert_true(E <= 64);
            for (size_t o = 0; o < E; o++)
                dl[o] = exp(si[o] - mx) / sum / (double)n;
            ref_loss += mx + log(sum);
            for (size_t k = 0; k < K; k++) {
                int32_t t = rb.targets[i * K + k];
                dl[t] -= 1.0 / (double)K / (double)n;
                ref_loss -= si[t] / (double)K;
            }
            double *gl = g + l * per;
            if (R) {
                double *gu = gl, *gv = gl + E * (size_t)R, *gb = gl + E * (size_t)R + (size_t)R * D;
                for (int r = 0; r < R; r++) {
                    double dz = 0.0;
                    for (size_t o = 0; o < E; o++) {
                        gu[o * (size_t)R + (size_t)r] += dl[o] * z[r];
                        dz += dl[o] * (double)u[o * (size_t)R + (size_t)r];
                    }
                    for (size_t d = 0; d < D; d++)
                        gv[(size_t)r * D + d] += dz * (double)x[d];
                }
                for (size_t o = 0; o < E; o++)
                    gb[o] += dl[o];
            } else {
                for (size_t o = 0; o < E; o++) {
                    for (size_t d = 0; d < D; d++)
                        gl[o * D + d] += dl[o] * (double)x[d];
                    gl[E * D + o] += dl[o];
                }
            }
        }
        ref_loss /= (double)n;
        double *got = to_double(model_scores(m), n * E);
        print_message("  rank %d: grouped vs per-row scores max diff %.2g, gradients max diff "
                      "%.2g, loss %.9f vs %.9f\n", R, max_abs_diff(model_scores(m), s, n * E),
                      max_abs_diff(m->grads, g, P), loss, ref_loss);
        assert_close_d(got, s, n * E, 1e-5, 1e-5);
        assert_close_d(&loss, &ref_loss, 1, 1e-6, 1e-6);
        free(got);
        got = to_double(m->grads, P);
        assert_close_d(got, g, P, 1e-6, 1e-4);
        /* the absent layer's map has no gradient at all */
        for (size_t i = 4 * per; i < 5 * per; i++)
            assert_true(m->grads[i] == 0.0f);
        free(got), free(s), free(g), free(z);
        model_free(m);
    }
    randbatch_free(&rb);
}

static double max_abs(const float *p, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, fabs((double)p[i]));
    return w;
}

/* Ensure that the pinned initialisation holds: every weight (A_l, U_l,
 * V_l) Xavier-uniform with its own fan-in and fan-out, biases 0, maps
 * different from each other, a function of the seed only. */
static void test_linear_init(void **state)
{
    (void)state;
    const size_t D = 512, E = 60, L = 3, R = 8;
    for (int rank = 0; rank <= (int)R; rank += (int)R) {
        ModelConfig c;
        model_config_default(&c, ARCH_LINEAR, (int)D, (int)E, 4, (int)L);
        c.rank = rank;
        Model *m, *m2;
        Err e;
        assert_int_equal(model_create(&c, 8, &m, &e), 0);
        assert_int_equal(model_create(&c, 16, &m2, &e), 0);
        assert_memory_equal(m->params, m2->params, m->n_params * sizeof(float));
        model_free(m2);
        const float *p = m->params;
        for (size_t l = 0; l < L; l++) {
            if (rank) {
                double bu = sqrt(6.0 / (double)(E + R)), bv = sqrt(6.0 / (double)(R + D));
                double wu = max_abs(p, E * R), wv = max_abs(p + E * R, R * D);
                assert_true(wu <= bu && wu > 0.9 * bu);
                assert_true(wv <= bv && wv > 0.99 * bv);
                p += E * R + R * D;
            } else {
                double ba = sqrt(6.0 / (double)(E + D)), wa = max_abs(p, E * D);
                assert_true(wa <= ba && wa > 0.99 * ba);
                if (l > 0)
                    assert_true(memcmp(p, p - E * D - E, E * D * sizeof *p) != 0);
                p += E * D;
            }
            for (size_t o = 0; o < E; o++)
                assert_true(p[o] == 0.0f);
            p += E;
        }
        assert_true(p == m->params + m->n_params);
        c.seed = 2;
        assert_int_equal(model_create(&c, 8, &m2, &e), 0);
        assert_true(memcmp(m->params, m2->params, m->n_params * sizeof(float)) != 0);
        model_free(m);
        model_free(m2);
    }
}

/* Ensure that training lowers the loss on a task whose answer is a
 * per-layer linear map: targets are the top-2 of W_l · x. */
static void test_linear_learns(void **state)
{
    (void)state;
    enum { N = 64, DD = 16, EE = 8, LL = 3 };
    float x[N * DD];
    int32_t layer[N], targets[N * 2];
    Rng r;
    rng_seed(&r, 9);
    ModelConfig c;
    model_config_default(&c, ARCH_LINEAR, DD, EE, 2, LL);
    Model *m;
    Err e;
    assert_int_equal(model_create(&c, N, &m, &e), 0);
    double first = 0.0, last = 0.0;
    for (int step = 0; step < 400; step++) {
        for (int i = 0; i < N; i++) {
            float s[EE] = {0};
            layer[i] = (int32_t)rng_below(&r, LL);
            for (int d = 0; d < DD; d++)
                x[i * DD + d] = (float)rng_normal(&r);
            for (int o = 0; o < EE; o++)
                for (int d = 0; d < DD; d++)
                    s[o] += x[i * DD + d] * (float)(((o * 7 + d * 3 + layer[i] * 2) % 5) - 2);
            for (int k = 0; k < 2; k++) {
                int best = 0;
                for (int o = 1; o < EE; o++)
                    if (s[o] > s[best])
                        best = o;
                targets[i * 2 + k] = best;
                s[best] = -INFINITY;
            }
        }
        Batch b = {.n = N, .hidden = x, .layer = layer};
        double loss;
        assert_int_equal(model_forward(m, &b, targets, 1, &loss, &e), 0);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        float lr = (float)schedule_lr(3e-2, m->adam_step, 400, 20);
        assert_int_equal(model_update(m, lr, NULL, &e), 0);
        if (step < 10)
            first += loss / 10;
        if (step >= 390)
            last += loss / 10;
    }
    print_message("  toy task: loss %.4f -> %.4f (floor log 2 = %.4f)\n", first, last,
                  log(2.0));
    assert_true(last < first - 0.8 && last < log(2.0) + 0.5);
    model_free(m);
}

/* Ensure that a rank outside [1, min(E, D)) is refused naming linear, that
 * another architecture refuses any rank, and that a batch's bad layer id is
 * still caught before the grouping reads it. */
static void test_linear_errors(void **state)
{
    (void)state;
    ModelConfig c;
    Model *m = NULL;
    Err e;
    model_config_default(&c, ARCH_LINEAR, 16, 8, 2, 3);
    c.rank = 8; /* = min(E, D) */
    assert_int_equal(model_create(&c, 4, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "linear rank 8 not in [1, 7]"));
    c.rank = -1;
    assert_int_equal(model_create(&c, 4, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "linear rank -1"));
    c.rank = 7;
    assert_int_equal(model_create(&c, 4, &m, &e), 0);
    model_free(m);
    model_config_default(&c, ARCH_SIMPLE, 16, 8, 2, 3);
    c.rank = 2;
    assert_int_equal(model_create(&c, 4, &m, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "simple has no rank"));
    assert_true(arch_has_rank(ARCH_LINEAR) && !arch_has_rank(ARCH_SIMPLE));
    Arch a;
    assert_int_equal(arch_parse("linear", &a, &e), 0);
    assert_int_equal(a, ARCH_LINEAR);
    assert_string_equal(arch_row(0)->name, "linear"); /* first in the default order */

    model_config_default(&c, ARCH_LINEAR, 16, 8, 2, 3);
    assert_int_equal(model_create(&c, 4, &m, &e), 0);
    float x[4 * 16] = {0};
    int32_t layer[4] = {0, 2, 3, 1}, t[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    Batch b = {.n = 4, .hidden = x, .layer = layer};
    assert_int_equal(model_forward(m, &b, t, 1, NULL, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "row 2: layer id 3"));
    layer[2] = 1;
    assert_int_equal(model_forward(m, &b, t, 1, NULL, &e), 0);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_param_count),
        cmocka_unit_test(test_linear_matches_pytorch),
        cmocka_unit_test(test_linear_adamw_steps),
        cmocka_unit_test(test_linear_fd),
        cmocka_unit_test(test_linear_grouped_equals_naive),
        cmocka_unit_test(test_linear_init),
        cmocka_unit_test(test_linear_learns),
        cmocka_unit_test(test_linear_errors),
    };
    return cmocka_run_group_tests_name("linear", tests, NULL, NULL);
}
