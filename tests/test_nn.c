/*
 * test_nn.c: tests of the layer library (src/nn): the BLAS linear layer
 * against its plain-loop oracle on odd shapes, the losses at extreme
 * logits, dropout, LayerNorm values, AdamW, clipping and the schedule
 * (the RNG's own tests are tests/test_rng.c). The finite-difference gradient
 * checks live in test_nn_grad.c.
 */
#include "test_util.h"
#include "test_nn.h"

#include <cblas.h>
#include <unistd.h>

#include "nn/activation.h"
#include "nn/adamw.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/pool.h"
#include "util/rng.h"

static float *rand_buf(size_t n, Rng *r)
{
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = 2.0f * rng_uniform_f(r) - 1.0f;
    return x;
}

static float *copy_buf(const float *x, size_t n)
{
    float *y = malloc(n * sizeof *y);
    assert_non_null(y);
    memcpy(y, x, n * sizeof *y);
    return y;
}

/* BLAS vs naive on one shape, forward and accumulating backward. The
 * tolerance scales with the length of the dot products (float rounding of
 * a sum of n terms of size <= 1 grows like n·2^-24 at worst). */
static void linear_vs_naive(size_t B, size_t IC, size_t OC)
{
    Rng r;
    rng_seed(&r, 1000 + B * 100 + IC * 10 + OC);
    float *in = rand_buf(B * IC, &r), *w = rand_buf(OC * IC, &r), *b = rand_buf(OC, &r);
    float *dout = rand_buf(B * OC, &r);
    float *din = rand_buf(B * IC, &r), *dw = rand_buf(OC * IC, &r), *db = rand_buf(OC, &r);
    float *din_n = copy_buf(din, B * IC), *dw_n = copy_buf(dw, OC * IC),
          *db_n = copy_buf(db, OC);
    float *out = malloc(B * OC * sizeof *out), *out_n = malloc(B * OC * sizeof *out);
    assert_true(out && out_n);
    size_t longest = IC > OC ? IC : OC;
    longest = longest > B ? longest : B;
    double atol = 4e-7 * (double)longest + 1e-6;

    linear_forward(out, in, w, b, B, IC, OC);
    linear_forward_naive(out_n, in, w, b, B, IC, OC);
    assert_close(out, out_n, B * OC, atol, 1e-5);
    linear_forward(out, in, w, NULL, B, IC, OC);
    linear_forward_naive(out_n, in, w, NULL, B, IC, OC);
    assert_close(out, out_n, B * OC, atol, 1e-5);

    linear_backward(din, 1.0f, dw, db, dout, in, w, B, IC, OC);
    linear_backward_naive(din_n, dw_n, db_n, dout, in, w, B, IC, OC);
    assert_close(din, din_n, B * IC, atol, 1e-5);
    assert_close(dw, dw_n, OC * IC, atol, 1e-5);
    assert_close(db, db_n, OC, atol, 1e-5);
    /* NULL din and db: only dw accumulates. */
    linear_backward(NULL, 1.0f, dw, NULL, dout, in, w, B, IC, OC);
    linear_backward_naive(NULL, dw_n, NULL, dout, in, w, B, IC, OC);
    assert_close(dw, dw_n, OC * IC, atol, 1e-5);
    /* din_beta 0 overwrites din unread: NaNs there do not leak. */
    for (size_t i = 0; i < B * IC; i++)
        din[i] = NAN, din_n[i] = 0.0f;
    linear_backward(din, 0.0f, dw, NULL, dout, in, w, B, IC, OC);
    linear_backward_naive(din_n, dw_n, NULL, dout, in, w, B, IC, OC);
    assert_close(din, din_n, B * IC, atol, 1e-5);

    free(in), free(w), free(b), free(dout), free(din), free(dw), free(db);
    free(din_n), free(dw_n), free(db_n), free(out), free(out_n);
}

/* Ensure that the cblas linear layer matches the naive oracle on odd shapes
 * (weights 1×1, 3×5, 5×3, 7×13, 13×7 at batch 1, 3, 7) and on one shape
 * large enough for OpenBLAS's blocked kernels, with backward accumulating. */
static void test_linear_blas_vs_naive(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {{1, 1}, {3, 5}, {5, 3}, {7, 13}, {13, 7}};
    static const size_t batches[] = {1, 3, 7};
    for (size_t s = 0; s < 5; s++)
        for (size_t b = 0; b < 3; b++)
            linear_vs_naive(batches[b], shapes[s][1], shapes[s][0]);
    linear_vs_naive(37, 300, 129);
    print_message("  cblas core: %s\n", openblas_get_corename());
}

/* Ensure that both losses and their gradients stay finite, with the exact
 * expected values, for logits of ±1e4. */
static void test_loss_extreme_logits(void **state)
{
    (void)state;
    const float z[2 * 4] = {1e4f, -1e4f, 0.0f, 0.0f, -1e4f, -1e4f, 1e4f, 1e4f};
    const int32_t t[2 * 2] = {1, 2, 0, 1}; /* row 1: both targets at -1e4 */
    float probs[8], losses[2], d[8] = {0};
    double ce = softmax_ce_forward(probs, losses, z, t, 2, 4, 2);
    /* row 0: lse = 1e4, mean target logit = -5e3 -> 1.5e4;
     * row 1: lse = 1e4 + log 2, mean target logit = -1e4 -> 2e4 + log 2. */
    assert_true(isfinite(ce));
    assert_true(fabs((double)losses[0] - 1.5e4) < 1e-2);
    assert_true(fabs((double)losses[1] - (2e4 + log(2.0))) < 1e-2);
    softmax_ce_backward(d, probs, t, 1.0f, 2, 4, 2);
    for (size_t i = 0; i < 8; i++)
        assert_true(isfinite(d[i]));
    assert_true(fabs((double)d[0] - 0.5) < 1e-6);          /* (1 - 0) / B */
    assert_true(fabs((double)d[1] + 0.25) < 1e-6);         /* (0 - 1/2) / B */

    double bce = bce_multihot_forward(losses, z, t, 2, 4, 2);
    /* row 0: z=1e4,y=0 -> 1e4; z=-1e4,y=1 -> 1e4; z=0,y=1 -> log2; z=0,y=0 -> log2.
     * row 1: y=1 at -1e4 twice -> 2e4; y=0 at +1e4 twice -> 2e4. */
    assert_true(isfinite(bce));
    assert_true(fabs((double)losses[0] - (2e4 + 2.0 * log(2.0)) / 4.0) < 1e-2);
    assert_true(fabs((double)losses[1] - 1e4) < 1e-2);
    memset(d, 0, sizeof d);
    bce_multihot_backward(d, z, t, 1.0f, 2, 4, 2);
    for (size_t i = 0; i < 8; i++)
        assert_true(isfinite(d[i]));
    assert_true(fabs((double)d[0] - 1.0 / 8.0) < 1e-7);  /* sigmoid(1e4) - 0 */
    assert_true(fabs((double)d[4] + 1.0 / 8.0) < 1e-7);  /* sigmoid(-1e4) - 1 */
}

/* Ensure that the losses give their textbook values at zero logits:
 * log E for the cross-entropy, log 2 for the BCE. */
static void test_loss_uniform_values(void **state)
{
    (void)state;
    float z[3 * 5] = {0}, probs[15];
    const int32_t t[3 * 2] = {0, 1, 2, 3, 4, 0};
    assert_true(fabs(softmax_ce_forward(probs, NULL, z, t, 3, 5, 2) - log(5.0)) < 1e-6);
    for (size_t i = 0; i < 15; i++)
        assert_true(fabs((double)probs[i] - 0.2) < 1e-7);
    assert_true(fabs(bce_multihot_forward(NULL, z, t, 3, 5, 2) - log(2.0)) < 1e-6);
}

/* Ensure that dropout drops about a share p, scales kept values by 1/(1-p),
 * replays from a saved state, and passes everything through at p = 0. */
static void test_dropout_mask(void **state)
{
    (void)state;
    enum { N = 20000 };
    float *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out),
          *mask = malloc(N * sizeof *mask), *mask2 = malloc(N * sizeof *mask2);
    assert_true(in && out && mask && mask2);
    for (size_t i = 0; i < N; i++)
        in[i] = 1.0f;
    Rng r, saved;
    rng_seed(&r, 8);
    saved = r;
    dropout_forward(out, mask, in, N, 0.1f, &r);
    size_t dropped = 0;
    for (size_t i = 0; i < N; i++) {
        if (mask[i] == 0.0f)
            dropped++;
        else
            assert_true(fabs((double)out[i] - 1.0 / 0.9) < 1e-6);
    }
    assert_true(dropped > 1800 && dropped < 2200);
    dropout_forward(out, mask2, in, N, 0.1f, &saved);
    assert_memory_equal(mask, mask2, N * sizeof *mask);
    Rng before = r;
    dropout_forward(out, mask, in, N, 0.0f, &r);
    assert_memory_equal(&before, &r, sizeof r); /* p = 0 draws nothing */
    assert_memory_equal(out, in, N * sizeof *in);
    free(in), free(out), free(mask), free(mask2);
}

/* Ensure that dropout's decisions look independent: pairs of neighbours
 * are both dropped at about p², two keys give different masks, and the
 * masks do not depend on the thread count. */
static void test_dropout_independence(void **state)
{
    (void)state;
    enum { N = 200000 };
    float *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out),
          *m1 = malloc(N * sizeof *m1), *m2 = malloc(N * sizeof *m2);
    assert_true(in && out && m1 && m2);
    for (size_t i = 0; i < N; i++)
        in[i] = 1.0f;
    Rng r, saved;
    rng_seed(&r, 9);
    saved = r;
    pool_set_threads(1);
    dropout_forward(out, m1, in, N, 0.5f, &r);
    size_t both = 0, differ = 0;
    for (size_t i = 0; i + 1 < N; i++)
        both += m1[i] == 0.0f && m1[i + 1] == 0.0f;
    /* p² = 0.25 of 199999 pairs: the binomial's sd is about 194 */
    assert_true(both > 49000 && both < 51000);
    dropout_forward(out, m2, in, N, 0.5f, &r); /* the next key */
    for (size_t i = 0; i < N; i++)
        differ += m1[i] != m2[i];
    assert_true(differ > 99000 && differ < 101000);
    pool_set_threads(2);
    dropout_forward(out, m2, in, N, 0.5f, &saved);
    pool_set_threads(1);
    assert_memory_equal(m1, m2, N * sizeof *m1);
    free(in), free(out), free(m1), free(m2);
}

/* One run of the tail, fused or as three layers, forward and backward. */
typedef struct TailRun {
    float *out, *gmask, *mean, *rstd, *din, *dgamma, *dbeta, *dnorm;
} TailRun;

static void tail_layers(TailRun *t, const float *in, const float *gamma, const float *beta,
                        const float *dout, size_t B, size_t C, float p, Rng *r)
{
    size_t n = B * C;
    float *norm = calloc(n, sizeof *norm), *relu = calloc(n, sizeof *relu),
          *drelu = calloc(n, sizeof *drelu), *mask = calloc(n, sizeof *mask);
    assert_true(norm && relu && drelu && mask);
    layernorm_forward(norm, t->mean, t->rstd, in, gamma, beta, B, C);
    relu_forward(relu, norm, n);
    dropout_forward(t->out, mask, relu, n, p, r);
    dropout_backward(drelu, dout, mask, n);
    relu_backward(t->dnorm, drelu, relu, n);
    layernorm_backward(t->din, t->dgamma, t->dbeta, t->dnorm, in, t->mean, t->rstd, gamma, B,
                       C);
    free(norm), free(relu), free(drelu), free(mask);
}

static void tail_alloc(TailRun *t, size_t B, size_t C)
{
    float **f[] = {&t->out, &t->gmask, &t->din, &t->dnorm};
    for (size_t i = 0; i < 4; i++)
        assert_non_null(*f[i] = calloc(B * C, sizeof(float)));
    assert_non_null(t->mean = calloc(B, sizeof(float)));
    assert_non_null(t->rstd = calloc(B, sizeof(float)));
    assert_non_null(t->dgamma = calloc(C, sizeof(float)));
    assert_non_null(t->dbeta = calloc(C, sizeof(float)));
}

static void tail_free(TailRun *t)
{
    free(t->out), free(t->gmask), free(t->din), free(t->dnorm);
    free(t->mean), free(t->rstd), free(t->dgamma), free(t->dbeta);
}

/* Ensure that the fused LayerNorm → ReLU → dropout gives the three layers'
 * numbers bit for bit (outputs, statistics, every gradient), in training
 * (p = 0.1) and evaluation (p = 0), on 1 and 2 threads. */
static void test_fused_tail_equals_layers(void **state)
{
    (void)state;
    enum { B = 600, C = 96 };
    Rng r;
    rng_seed(&r, 21);
    float *in = rand_buf(B * C, &r), *gamma = rand_buf(C, &r), *beta = rand_buf(C, &r),
          *dout = rand_buf(B * C, &r);
    for (int threads = 1; threads <= 2; threads++)
        for (int train = 0; train <= 1; train++) {
            float p = train ? 0.1f : 0.0f;
            TailRun a, b;
            tail_alloc(&a, B, C), tail_alloc(&b, B, C);
            Rng ra, rb;
            rng_seed(&ra, 5), rng_seed(&rb, 5);
            pool_set_threads(threads);
            tail_layers(&a, in, gamma, beta, dout, B, C, p, &ra);
            layernorm_relu_dropout_forward(b.out, b.gmask, b.mean, b.rstd, in, gamma, beta, B, C,
                                           p, &rb);
            layernorm_relu_dropout_backward(b.din, 1.0f, b.dgamma, b.dbeta, b.dnorm, dout, b.gmask, in,
                                            b.mean, b.rstd, gamma, B, C);
            pool_set_threads(1);
            assert_memory_equal(&ra, &rb, sizeof ra);
            assert_memory_equal(a.out, b.out, B * C * sizeof(float));
            assert_memory_equal(a.mean, b.mean, B * sizeof(float));
            assert_memory_equal(a.rstd, b.rstd, B * sizeof(float));
            assert_memory_equal(a.dnorm, b.dnorm, B * C * sizeof(float));
            assert_memory_equal(a.din, b.din, B * C * sizeof(float));
            assert_memory_equal(a.dgamma, b.dgamma, C * sizeof(float));
            assert_memory_equal(a.dbeta, b.dbeta, C * sizeof(float));
            tail_free(&a), tail_free(&b);
        }
    free(in), free(gamma), free(beta), free(dout);
}

/* Ensure that ReLU zeroes negatives, keeps positives and passes NaN on (a
 * NaN must reach the loss and halt the run, not turn into a zero). */
static void test_relu_values(void **state)
{
    (void)state;
    const float in[4] = {-2.0f, 0.0f, 3.0f, NAN};
    float out[4], din[4] = {0}, dout[4] = {1, 1, 1, 1};
    relu_forward(out, in, 4);
    assert_true(out[0] == 0.0f && out[1] == 0.0f && out[2] == 3.0f && isnan(out[3]));
    relu_backward(din, dout, out, 4);
    assert_true(din[0] == 0.0f && din[1] == 0.0f && din[2] == 1.0f);
}

/* Ensure that LayerNorm output rows have mean β and std γ, and that a
 * constant row gives β (finite, thanks to eps). */
static void test_layernorm_values(void **state)
{
    (void)state;
    float in[2 * 4] = {1, 2, 3, 4, 5, 5, 5, 5}, out[8], mean[2], rstd[2];
    const float gamma[4] = {1, 1, 1, 1}, beta[4] = {0, 0, 0, 0};
    layernorm_forward(out, mean, rstd, in, gamma, beta, 2, 4);
    const float want[8] = {-1.3416355f, -0.4472118f, 0.4472118f, 1.3416355f, 0, 0, 0, 0};
    assert_close(out, want, 8, 1e-6, 1e-6);
    assert_true(fabs((double)mean[0] - 2.5) < 1e-7);
}

/* Ensure that one AdamW step from zero moments gives the hand-computed
 * value, and that ten steps match a double-precision transcription of
 * torch.optim.AdamW. */
static void test_adamw_steps(void **state)
{
    (void)state;
    AdamWConfig c = ADAMW_DEFAULTS;
    float p = 1.0f, m = 0.0f, v = 0.0f, g = 0.5f;
    adamw_update(&p, &m, &v, &g, 1, &c, 0.1f, 1);
    /* decay 1 - 0.1·0.01; m̂/sqrt(v̂) = 1 at t = 1; p = 0.999 - 0.1 */
    assert_true(fabs((double)p - (0.999 - 0.1 / (1.0 + 2e-8))) < 1e-6);

    float ps[3] = {0.5f, -1.0f, 2.0f}, ms[3] = {0}, vs[3] = {0};
    double pd[3] = {0.5, -1.0, 2.0}, md[3] = {0}, vd[3] = {0};
    for (uint64_t t = 1; t <= 10; t++) {
        float gs[3] = {0.3f * (float)t, -0.01f, 0.0f};
        float lr = 0.01f * (float)t;
        adamw_update(ps, ms, vs, gs, 3, &c, lr, t);
        for (int i = 0; i < 3; i++) {
            double gi = (double)gs[i], b1 = 0.9, b2 = 0.999;
            pd[i] *= 1.0 - (double)lr * 0.01;
            md[i] = b1 * md[i] + (1 - b1) * gi;
            vd[i] = b2 * vd[i] + (1 - b2) * gi * gi;
            double step = (double)lr / (1 - pow(b1, (double)t));
            pd[i] -= step * md[i] / (sqrt(vd[i]) / sqrt(1 - pow(b2, (double)t)) + 1e-8);
        }
    }
    double got[3] = {(double)ps[0], (double)ps[1], (double)ps[2]};
    assert_close_d(got, pd, 3, 1e-6, 1e-6);
}

/* Ensure that clipping returns the pre-clip norm, scales as
 * clip_grad_norm_ above the limit, leaves small and non-finite gradients
 * alone. */
static void test_clip_grad_norm(void **state)
{
    (void)state;
    float g[2] = {3.0f, 4.0f};
    assert_true(fabs(clip_grad_norm(g, 2, 1.0) - 5.0) < 1e-12);
    assert_true(fabs((double)g[0] - 3.0 / (5.0 + 1e-6)) < 1e-7);
    assert_true(fabs((double)g[1] - 4.0 / (5.0 + 1e-6)) < 1e-7);
    float h[2] = {0.3f, 0.4f};
    assert_true(fabs(clip_grad_norm(h, 2, 1.0) - 0.5) < 1e-7);
    assert_true(h[0] == 0.3f && h[1] == 0.4f);
    float bad[2] = {NAN, 1.0f};
    assert_true(isnan(clip_grad_norm(bad, 2, 1.0)));
    assert_true(bad[1] == 1.0f);
    float inf[2] = {INFINITY, 1.0f};
    assert_true(isinf(clip_grad_norm(inf, 2, 1.0)) && inf[1] == 1.0f);
}

/* Ensure that the schedule warms up linearly over 100 steps, follows the
 * half cosine to 0 at the planned end, and stays in warm-up when S <= 100. */
static void test_schedule(void **state)
{
    (void)state;
    const double lr = 1e-3;
    assert_true(fabs(schedule_lr(lr, 0, 1000, 100) - 1e-5) < 1e-15);
    assert_true(fabs(schedule_lr(lr, 49, 1000, 100) - 5e-4) < 1e-15);
    assert_true(fabs(schedule_lr(lr, 99, 1000, 100) - lr) < 1e-15);
    assert_true(fabs(schedule_lr(lr, 100, 1000, 100) - lr) < 1e-15);
    assert_true(fabs(schedule_lr(lr, 550, 1000, 100) - lr / 2) < 1e-15);
    assert_true(fabs(schedule_lr(lr, 999, 1000, 100) - lr * 0.5 * (1 + cos(M_PI * 899 / 900))) <
                1e-18);
    assert_true(schedule_lr(lr, 1000, 1000, 100) == 0.0);
    assert_true(fabs(schedule_lr(lr, 49, 50, 100) - 5e-4) < 1e-15); /* S <= warm-up */
    assert_true(schedule_lr(lr, 50, 50, 100) == 0.0);
    for (uint64_t s = 1; s < 1000; s++) /* never increases after the peak */
        if (s > 100)
            assert_true(schedule_lr(lr, s, 1000, 100) <= schedule_lr(lr, s - 1, 1000, 100));
}

typedef struct PoolSum {
    const int *v;
    long long part[POOL_MAX_THREADS];
    int slices_seen[POOL_MAX_THREADS];
} PoolSum;

static void pool_sum_slice(void *ctx, int slice, size_t b, size_t e)
{
    PoolSum *p = ctx;
    long long s = 0;
    for (size_t i = b; i < e; i++)
        s += p->v[i];
    p->part[slice] = s;
    p->slices_seen[slice]++;
}

/* Ensure that the compute pool runs every slice of every job once, with
 * slices fixed by n and the thread count, including a job started right
 * after the workers are made (a worker that woke late once missed it, and
 * its caller waited forever: alarm turns such a hang into a failure). */
static void test_pool(void **state)
{
    (void)state;
    enum { N = 100003 };
    int *v = malloc(N * sizeof *v);
    long long want = 0;
    for (int i = 0; i < N; i++)
        want += v[i] = i % 97 - 40;
    alarm(60);
    for (int round = 0; round < 300; round++) {
        int threads = 1 + round % 4;
        pool_set_threads(threads);
        assert_int_equal(pool_threads(), threads);
        PoolSum p;
        memset(&p, 0, sizeof p);
        p.v = v;
        pool_for(N, 1000, 16, pool_sum_slice, &p);
        long long got = 0;
        for (int s = 0; s < POOL_MAX_THREADS; s++) {
            got += p.part[s];
            assert_true(p.slices_seen[s] <= 1);
            assert_int_equal(p.slices_seen[s], s < threads);
        }
        assert_true(got == want);
    }
    alarm(0);
    pool_set_threads(1);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_blas_vs_naive),
        cmocka_unit_test(test_fd_linear),
        cmocka_unit_test(test_fd_layernorm),
        cmocka_unit_test(test_fd_layernorm_relu_dropout),
        cmocka_unit_test(test_fd_relu),
        cmocka_unit_test(test_fd_dropout),
        cmocka_unit_test(test_fd_embedding),
        cmocka_unit_test(test_fd_softmax_ce),
        cmocka_unit_test(test_fd_bce),
        cmocka_unit_test(test_loss_extreme_logits),
        cmocka_unit_test(test_loss_uniform_values),
        cmocka_unit_test(test_dropout_mask),
        cmocka_unit_test(test_dropout_independence),
        cmocka_unit_test(test_fused_tail_equals_layers),
        cmocka_unit_test(test_relu_values),
        cmocka_unit_test(test_layernorm_values),
        cmocka_unit_test(test_adamw_steps),
        cmocka_unit_test(test_clip_grad_norm),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests_name("nn", tests, NULL, NULL);
}
