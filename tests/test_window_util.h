/*
 * test_window_util.h: what tests/test_hybrid.c and tests/test_complex.c
 * share: the fixture reader (tests/fixtures/make_window_fixture.py's
 * format, float32 records included), a fixture case as a model and a
 * windowed Batch, the PyTorch comparison, AdamW steps, finite differences
 * of the whole model and the causality check.
 */
#ifndef MOESPEC_TEST_WINDOW_UTIL_H
#define MOESPEC_TEST_WINDOW_UTIL_H

#include "test_fixture.h"

#include "models/hybrid.h"
#include "models/model.h"
#include "nn/adamw.h"
#include "nn/transformer.h"

/* ---- fixture reading (test_fixture.h opens the file) ---- */
/* Record `name` as doubles ('d' or 'f' records) or int32 ('i'); n elements. */
static inline void *wfx_get(const Fixture *fx, const char *name, int want_int, size_t n)
{
    size_t off = 16;
    while (off + 13 <= fx->len) {
        uint32_t nlen;
        uint64_t count;
        memcpy(&nlen, fx->buf + off, 4);
        char t = (char)fx->buf[off + 4 + nlen];
        memcpy(&count, fx->buf + off + 5 + nlen, 8);
        size_t data = off + 13 + nlen, width = t == 'd' ? 8 : 4, bytes = (size_t)count * width;
        assert_true(data + bytes <= fx->len);
        if (nlen == strlen(name) && memcmp(fx->buf + off + 4, name, nlen) == 0) {
            assert_int_equal(t == 'i', want_int);
            assert_int_equal(count, n);
            void *out = malloc(n ? n * 8 : 1);
            assert_non_null(out);
            for (size_t i = 0; i < n; i++) {
                const unsigned char *src = fx->buf + data + i * width;
                if (t == 'i') {
                    memcpy((int32_t *)out + i, src, 4);
                } else if (t == 'f') {
                    float v;
                    memcpy(&v, src, 4);
                    ((double *)out)[i] = (double)v;
                } else {
                    memcpy((double *)out + i, src, 8);
                }
            }
            return out;
        }
        off = data + bytes;
    }
    print_error("fixture record %s missing\n", name);
    fail();
    abort(); /* not reached: fail() leaves the test */
}

static inline float *wfx_floats(double *d, size_t n)
{
    float *f = malloc((n ? n : 1) * sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)d[i];
    free(d);
    return f;
}

static inline double *wfx_doubles(const float *f, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)f[i];
    return d;
}

/* One fixture case, loaded. */
typedef struct {
    Arch arch;
    int n, D, W, E, K, L, T, use_layer_id, steps, planned, warmup;
    double lr, clip, wd, beta1, beta2, eps;
    float *x, *params;
    int32_t *layer, *targets, *future;
    uint8_t valid[64];
    double *scores, *future_scores, *exact, *loss, *grads;
    double *step_loss, *step_norm, *step_lr, *params_final;
    size_t P;
} WinFx;

static inline void winfx_load(WinFx *s, Arch arch, const char *name)
{
    Fixture fx;
    fx_load(&fx, name);
    memset(s, 0, sizeof *s);
    s->arch = arch;
    int32_t *cfg = wfx_get(&fx, "cfg", 1, 11);
    s->n = cfg[0], s->D = cfg[1], s->W = cfg[2], s->E = cfg[3], s->K = cfg[4], s->L = cfg[5];
    s->T = cfg[6], s->use_layer_id = cfg[7], s->steps = cfg[8], s->planned = cfg[9];
    s->warmup = cfg[10];
    free(cfg);
    double *h = wfx_get(&fx, "hyper", 0, 6);
    s->lr = h[0], s->clip = h[1], s->wd = h[2], s->beta1 = h[3], s->beta2 = h[4], s->eps = h[5];
    free(h);
    size_t n = (size_t)s->n, E = (size_t)s->E, K = (size_t)s->K;
    assert_true(n <= sizeof s->valid);
    ModelConfig c;
    model_config_default(&c, arch, s->D, s->E, s->K, s->L);
    c.W = s->W, c.window = s->T, c.use_layer_id = s->use_layer_id;
    s->P = model_config_param_count(&c);
    s->x = wfx_floats(wfx_get(&fx, "x", 0, n * (size_t)s->D), n * (size_t)s->D);
    s->layer = wfx_get(&fx, "layer", 1, n);
    int32_t *valid = wfx_get(&fx, "valid", 1, n);
    for (size_t i = 0; i < n; i++)
        s->valid[i] = (uint8_t)valid[i];
    free(valid);
    s->targets = wfx_get(&fx, "targets", 1, n * K);
    s->future = wfx_get(&fx, "future", 1, n * HYBRID_AHEAD * K);
    s->params = wfx_floats(wfx_get(&fx, "params", 0, s->P), s->P);
    s->scores = wfx_get(&fx, "scores", 0, n * E);
    if (arch == ARCH_HYBRID)
        s->future_scores = wfx_get(&fx, "future_scores", 0, n * HYBRID_AHEAD * E);
    else
        s->exact = wfx_get(&fx, "exact", 0, n);
    s->loss = wfx_get(&fx, "loss", 0, 1);
    s->grads = wfx_get(&fx, "grads", 0, s->P);
    s->step_loss = wfx_get(&fx, "step_loss", 0, (size_t)s->steps);
    s->step_norm = wfx_get(&fx, "step_norm", 0, (size_t)s->steps);
    s->step_lr = wfx_get(&fx, "step_lr", 0, (size_t)s->steps);
    s->params_final = wfx_get(&fx, "params_final", 0, s->P);
    free(fx.buf);
}

static inline void winfx_free(WinFx *s)
{
    free(s->x), free(s->params), free(s->layer), free(s->targets), free(s->future);
    free(s->scores), free(s->future_scores), free(s->exact), free(s->loss), free(s->grads);
    free(s->step_loss), free(s->step_norm), free(s->step_lr), free(s->params_final);
}

static inline Batch winfx_batch(const WinFx *s)
{
    return (Batch){.n = (size_t)s->n, .hidden = s->x, .layer = s->layer, .valid = s->valid,
                   .aux_targets = s->future};
}

/* A model with the fixture's configuration and weights. */
static inline Model *winfx_model(const WinFx *s)
{
    ModelConfig c;
    model_config_default(&c, s->arch, s->D, s->E, s->K, s->L);
    c.W = s->W;
    c.window = s->T;
    c.use_layer_id = s->use_layer_id;
    c.clip = (float)s->clip;
    c.adamw = (AdamWConfig){(float)s->beta1, (float)s->beta2, (float)s->eps, (float)s->wd};
    Model *m;
    Err e;
    if (model_create(&c, (size_t)s->n, &m, &e))
        print_error("model_create: %s\n", e.msg);
    assert_int_equal(model_param_count(m), s->P);
    memcpy(m->params, s->params, s->P * sizeof *m->params);
    return m;
}

static inline double wfx_max_diff(const float *a, const double *ref, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, fabs((double)a[i] - ref[i]));
    return w;
}

/* Tolerances of the float32 model against the float64 reference (the
 * fixtures' weights and inputs are float32 values, so only the float32
 * arithmetic differs). Forward values are O(1) after up to 10 layers:
 * atol 2e-5, rtol 2e-4. Gradients pass back through up to 14 LayerNorms
 * and the attention softmax: atol 5e-5, rtol 2e-3. */
#define WIN_SCORE_ATOL 2e-5
#define WIN_SCORE_RTOL 2e-4
#define WIN_GRAD_ATOL 5e-5
#define WIN_GRAD_RTOL 2e-3

/* Forward (evaluation, then training mode: the same maths), loss and
 * every gradient against the fixture. */
static inline void winfx_check_once(Arch arch, const char *name)
{
    WinFx s;
    winfx_load(&s, arch, name);
    Model *m = winfx_model(&s);
    size_t nE = (size_t)s.n * (size_t)s.E;
    Batch b = winfx_batch(&s);
    Err e;
    double loss;
    assert_int_equal(model_forward(m, &b, NULL, 0, &loss, &e), 0);
    assert_true(isnan(loss));
    double *got = wfx_doubles(model_scores(m), nE);
    print_message("  %s: eval scores max diff %.2g\n", name,
                  wfx_max_diff(model_scores(m), s.scores, nE));
    assert_close_d(got, s.scores, nE, WIN_SCORE_ATOL, WIN_SCORE_RTOL);
    free(got);

    if (model_forward(m, &b, s.targets, 1, &loss, &e))
        print_error("model_forward: %s\n", e.msg);
    got = wfx_doubles(model_scores(m), nE);
    print_message("  %s: train scores max diff %.2g, loss %.9f vs %.9f\n", name,
                  wfx_max_diff(model_scores(m), s.scores, nE), loss, s.loss[0]);
    assert_close_d(got, s.scores, nE, WIN_SCORE_ATOL, WIN_SCORE_RTOL);
    assert_close_d(&loss, s.loss, 1, 1e-6, 1e-6);
    free(got);
    if (s.future_scores) {
        size_t nu = nE * HYBRID_AHEAD;
        assert_non_null(model_aux_scores(m));
        got = wfx_doubles(model_aux_scores(m), nu);
        print_message("  %s: future scores max diff %.2g\n", name,
                      wfx_max_diff(model_aux_scores(m), s.future_scores, nu));
        assert_close_d(got, s.future_scores, nu, WIN_SCORE_ATOL, WIN_SCORE_RTOL);
        free(got);
    } else {
        assert_null(model_aux_scores(m));
    }

    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    got = wfx_doubles(m->grads, s.P);
    print_message("  %s: %zu gradients max diff %.2g\n", name, s.P,
                  wfx_max_diff(m->grads, s.grads, s.P));
    assert_close_d(got, s.grads, s.P, WIN_GRAD_ATOL, WIN_GRAD_RTOL);
    free(got);
    model_free(m);
    winfx_free(&s);
}

/* Marks the attention key biases (b_qkv[C..2C) of every layer): they
 * shift all of a query's scores alike, which the softmax ignores, so their
 * exact gradient is 0 and the computed one float rounding noise (1e-9 in
 * float32, 1e-17 in float64) that Adam's m/sqrt(v) turns into lr-sized
 * random steps. They affect no output; the step test skips them. */
static inline void winfx_key_biases(const WinFx *s, uint8_t *mark)
{
    size_t D = (size_t)s->D, W = (size_t)s->W, E = (size_t)s->E, L = (size_t)s->L;
    size_t T = (size_t)s->T, C, base, layers;
    if (s->arch == ARCH_HYBRID) {
        C = W, layers = 2;
        base = D * W + (s->use_layer_id ? L * W : 0) + 6 * W + W * W + E * W + E + T * W;
    } else {
        C = 2 * W, layers = 6;
        base = D * C + C + (s->use_layer_id ? L * C : 0);
    }
    size_t tp = transformer_param_count(C, s->arch == ARCH_HYBRID ? C : 4 * C);
    memset(mark, 0, s->P);
    for (size_t l = 0; l < layers; l++)
        memset(mark + base + l * tp + 2 * C + 3 * C * C + C, 1, C);
}

/* Ten AdamW steps with clipping and the schedule against the fixture. */
static inline void winfx_check_steps(Arch arch, const char *name)
{
    WinFx s;
    winfx_load(&s, arch, name);
    Model *m = winfx_model(&s);
    Batch b = winfx_batch(&s);
    Err e;
    double loss[64], norm[64], lr[64], worst = 0.0;
    assert_true(s.steps <= 64);
    for (int t = 0; t < s.steps; t++) {
        lr[t] = schedule_lr(s.lr, (uint64_t)t, (uint64_t)s.planned, (uint64_t)s.warmup);
        assert_int_equal(model_forward(m, &b, s.targets, 1, &loss[t], &e), 0);
        model_zero_grad(m);
        assert_int_equal(model_backward(m, &e), 0);
        assert_int_equal(model_update(m, (float)lr[t], &norm[t], &e), 0);
        worst = fmax(worst, fabs(loss[t] - s.step_loss[t]));
    }
    print_message("  %s: %d AdamW steps, loss %.6f -> %.6f, max loss diff %.2g\n", name,
                  s.steps, loss[0], loss[s.steps - 1], worst);
    assert_close_d(lr, s.step_lr, (size_t)s.steps, 1e-15, 1e-12);
    assert_close_d(loss, s.step_loss, (size_t)s.steps, 1e-5, 1e-5);
    assert_close_d(norm, s.step_norm, (size_t)s.steps, 1e-5, 1e-4);
    uint8_t *key_bias = malloc(s.P);
    double *got = malloc(s.P * sizeof *got), *want = malloc(s.P * sizeof *want);
    assert_true(key_bias && got && want);
    winfx_key_biases(&s, key_bias);
    size_t kept = 0;
    double pworst = 0.0;
    for (size_t i = 0; i < s.P; i++)
        if (!key_bias[i]) {
            got[kept] = (double)m->params[i];
            want[kept] = s.params_final[i];
            pworst = fmax(pworst, fabs(got[kept] - want[kept]));
            kept++;
        }
    print_message("  %s: final parameters but the %zu key biases: max diff %.2g\n", name,
                  s.P - kept, pworst);
    assert_close_d(got, want, kept, 1e-4, 1e-4);
    free(key_bias), free(got), free(want);
    model_free(m);
    winfx_free(&s);
}

/* Whether the scores of row t are bit-identical in a and b. */
static inline int win_rows_same(const float *a, const float *b, size_t t, size_t E)
{
    return memcmp(a + t * E, b + t * E, E * sizeof *a) == 0;
}

/* Causality on a fixture batch: perturbing row j (hidden and layer id)
 * leaves every valid row before it in its window, and every row of the
 * other windows, bit-identical (scores, and future scores when the model
 * has them), and changes row j itself; perturbing a padding row leaves
 * the loss and every gradient bit-identical. */
static inline void winfx_check_causal(Arch arch, const char *name)
{
    WinFx s;
    winfx_load(&s, arch, name);
    Model *m = winfx_model(&s);
    size_t n = (size_t)s.n, E = (size_t)s.E, D = (size_t)s.D, T = (size_t)s.T;
    size_t EU = E * (m->aux_scores ? HYBRID_AHEAD : 0);
    Batch b = winfx_batch(&s);
    Err e;
    double loss0, loss1;
    assert_int_equal(model_forward(m, &b, s.targets, 1, &loss0, &e), 0);
    float *ref = malloc(n * E * sizeof *ref), *refu = malloc((n * EU + 1) * sizeof *refu);
    float *g0 = malloc(s.P * sizeof *g0);
    assert_true(ref && refu && g0);
    memcpy(ref, model_scores(m), n * E * sizeof *ref);
    if (EU)
        memcpy(refu, model_aux_scores(m), n * EU * sizeof *refu);
    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    memcpy(g0, m->grads, s.P * sizeof *g0);
    size_t checked = 0;
    for (size_t j = 0; j < n; j++) {
        float saved[64];
        int32_t saved_layer = s.layer[j];
        assert_true(D <= 64);
        memcpy(saved, s.x + j * D, D * sizeof *saved);
        for (size_t d = 0; d < D; d++)
            s.x[j * D + d] += 0.75f;
        s.layer[j] = (saved_layer + 1) % s.L;
        assert_int_equal(model_forward(m, &b, s.targets, 1, &loss1, &e), 0);
        for (size_t t = 0; t < n; t++) {
            if (t / T == j / T && t >= j)
                continue;
            assert_true(win_rows_same(ref, model_scores(m), t, E));
            if (EU)
                assert_true(win_rows_same(refu, model_aux_scores(m), t, EU));
            checked++;
        }
        if (s.valid[j]) {
            assert_false(win_rows_same(ref, model_scores(m), j, E));
        } else { /* padding: nothing that counts may move */
            assert_true(loss1 == loss0);
            model_zero_grad(m);
            assert_int_equal(model_backward(m, &e), 0);
            assert_memory_equal(g0, m->grads, s.P * sizeof *g0);
        }
        memcpy(s.x + j * D, saved, D * sizeof *saved);
        s.layer[j] = saved_layer;
    }
    print_message("  %s: %zu (row, earlier-or-other row) pairs unchanged\n", name, checked);
    free(ref), free(refu), free(g0);
    model_free(m);
    winfx_free(&s);
}

/* Loss of the current parameters (training mode). */
static inline double win_loss(Model *m, const Batch *b, const int32_t *targets)
{
    double loss;
    Err e;
    if (model_forward(m, b, targets, 1, &loss, &e))
        print_error("model_forward: %s\n", e.msg);
    return loss;
}

/* Bit pattern of which activations are exactly zero (ReLU outputs that
 * are off, and the complex's 0/1 confidence targets): a change between two
 * forwards means a kink or a step was crossed. */
static inline void win_zero_pattern(const Model *m, uint8_t *pat)
{
    for (size_t i = 0; i < m->n_acts; i++)
        pat[i] = m->acts[i] == 0.0f;
}

/* Central differences of the loss over every stride-th parameter against
 * the analytic gradient. A parameter whose ±h forwards switch any ReLU (or
 * a confidence target) is skipped, as central differences do not hold
 * across a kink; at most max_skip_frac of them may be. */
static inline void win_check_fd(Model *m, const Batch *b, const int32_t *targets, double h,
                                double atol, double rtol, double max_skip_frac, size_t stride,
                                const char *name)
{
    Err e;
    size_t P = m->n_params;
    win_loss(m, b, targets);
    model_zero_grad(m);
    assert_int_equal(model_backward(m, &e), 0);
    uint8_t *pat0 = malloc(m->n_acts), *pat = malloc(m->n_acts);
    double *ana = wfx_doubles(m->grads, P), *num = malloc(P * sizeof *num);
    double *ana_kept = malloc(P * sizeof *ana_kept);
    assert_true(pat0 && pat && num && ana_kept);
    win_loss(m, b, targets);
    win_zero_pattern(m, pat0);
    size_t kept = 0, tried = 0;
    double worst = 0.0;
    for (size_t i = 0; i < P; i += stride) {
        tried++;
        float p0 = m->params[i];
        float pp = (float)((double)p0 + h), pm = (float)((double)p0 - h);
        m->params[i] = pp;
        double lp = win_loss(m, b, targets);
        win_zero_pattern(m, pat);
        int crossed = memcmp(pat, pat0, m->n_acts) != 0;
        m->params[i] = pm;
        double lm = win_loss(m, b, targets);
        win_zero_pattern(m, pat);
        crossed |= memcmp(pat, pat0, m->n_acts) != 0;
        m->params[i] = p0;
        if (crossed)
            continue;
        num[kept] = (lp - lm) / ((double)pp - (double)pm);
        ana_kept[kept] = ana[i];
        worst = fmax(worst, fabs(num[kept] - ana_kept[kept]));
        kept++;
    }
    print_message("  %s: finite differences (h %g) over %zu of %zu parameters (%zu skipped at a "
                  "kink), max diff %.2g\n",
                  name, h, kept, P, tried - kept, worst);
    assert_true((double)(tried - kept) <= max_skip_frac * (double)tried);
    assert_close_d(ana_kept, num, kept, atol, rtol);
    free(pat0), free(pat), free(ana), free(num), free(ana_kept);
}

#endif
