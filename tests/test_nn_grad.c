/*
 * test_nn_grad.c: central finite-difference checks of every backward in
 * src/nn against its forward.
 *
 * Each check builds a scalar objective in double precision from a float
 * forward: f = Σ g·out for a fixed random g (so backward is run with
 * dout = g), or the loss itself for the losses. Every input and weight
 * element is perturbed by ±h; the step actually taken is read back from
 * the float (xp − xm in double), so rounding of x ± h costs nothing. The
 * remaining error is float rounding of the forward (≈1e-7·|out|/h) plus the
 * O(h²) truncation term, hence the tolerances below.
 */
#include "test_util.h"
#include "test_nn.h"

#include "nn/activation.h"
#include "nn/embedding.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "util/rng.h"

#define FD_MAX 256 /* largest array any check perturbs */

typedef double (*Objective)(void *ctx);

static void fill_uniform(float *x, size_t n, float lo, float hi, Rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_uniform_f(r);
}

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * (double)b[i];
    return s;
}

/* Compares analytic[n] with central differences of f over x[n]. */
static void fd_check(float *x, const float *analytic, size_t n, Objective f, void *ctx,
                     double h, double atol, double rtol, const char *what)
{
    double num[FD_MAX], ana[FD_MAX];
    assert_true(n <= FD_MAX);
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
    }
    double worst = 0.0, used = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(num[i] - ana[i]);
        worst = fmax(worst, d);
        used = fmax(used, d / (atol + rtol * fabs(num[i])));
    }
    print_message("  fd %-22s n=%3zu max |analytic - numeric| %.2g (%.0f%% of tolerance)\n",
                  what, n, worst, 100.0 * used);
    assert_close_d(ana, num, n, atol, rtol);
}

/* ---- linear ---- */
typedef struct {
    float in[3 * 5], w[4 * 5], b[4], out[3 * 4], g[3 * 4];
} LinearCase;

static double linear_obj(void *ctx)
{
    LinearCase *c = ctx;
    linear_forward(c->out, c->in, c->w, c->b, 3, 5, 4);
    return dot_d(c->out, c->g, 12);
}

/* Ensure that linear_backward's din, dw and db match finite differences. */
void test_fd_linear(void **state)
{
    (void)state;
    LinearCase c;
    Rng r;
    rng_seed(&r, 11);
    fill_uniform(c.in, 15, -1, 1, &r);
    fill_uniform(c.w, 20, -1, 1, &r);
    fill_uniform(c.b, 4, -1, 1, &r);
    fill_uniform(c.g, 12, -1, 1, &r);
    float din[15] = {0}, dw[20] = {0}, db[4] = {0};
    linear_forward(c.out, c.in, c.w, c.b, 3, 5, 4);
    linear_backward(din, 1.0f, dw, db, c.g, c.in, c.w, 3, 5, 4);
    fd_check(c.in, din, 15, linear_obj, &c, 0.1, 1e-5, 1e-4, "linear din");
    fd_check(c.w, dw, 20, linear_obj, &c, 0.1, 1e-5, 1e-4, "linear dw");
    fd_check(c.b, db, 4, linear_obj, &c, 0.1, 1e-5, 1e-4, "linear db");
}

/* ---- layernorm ---- */
typedef struct {
    float in[3 * 7], gamma[7], beta[7], out[3 * 7], g[3 * 7], mean[3], rstd[3];
} LnCase;

static double ln_obj(void *ctx)
{
    LnCase *c = ctx;
    layernorm_forward(c->out, c->mean, c->rstd, c->in, c->gamma, c->beta, 3, 7);
    return dot_d(c->out, c->g, 21);
}

/* Ensure that layernorm_backward's din, dgamma and dbeta match finite
 * differences, on rows with a common offset and a small spread. */
void test_fd_layernorm(void **state)
{
    (void)state;
    LnCase c;
    Rng r;
    rng_seed(&r, 12);
    fill_uniform(c.in, 21, -1, 1, &r);
    for (size_t i = 0; i < 7; i++) {
        c.in[i] += 3.0f;        /* row 0: offset */
        c.in[7 + i] *= 0.2f;    /* row 1: small spread */
    }
    fill_uniform(c.gamma, 7, 0.5f, 1.5f, &r);
    fill_uniform(c.beta, 7, -0.5f, 0.5f, &r);
    fill_uniform(c.g, 21, -1, 1, &r);
    float din[21] = {0}, dgamma[7] = {0}, dbeta[7] = {0};
    ln_obj(&c);
    layernorm_backward(din, dgamma, dbeta, c.g, c.in, c.mean, c.rstd, c.gamma, 3, 7);
    fd_check(c.in, din, 21, ln_obj, &c, 1e-3, 2e-4, 2e-3, "layernorm din");
    fd_check(c.gamma, dgamma, 7, ln_obj, &c, 1e-2, 2e-5, 2e-4, "layernorm dgamma");
    fd_check(c.beta, dbeta, 7, ln_obj, &c, 1e-2, 2e-5, 2e-4, "layernorm dbeta");
}

/* ---- the fused LayerNorm → ReLU → dropout tail ---- */
typedef struct {
    float in[3 * 7], gamma[7], beta[7], out[3 * 7], g[3 * 7], gmask[3 * 7], mean[3], rstd[3];
    Rng start; /* restored before every forward: the same mask each time */
} TailCase;

static double tail_obj(void *ctx)
{
    TailCase *c = ctx;
    Rng r = c->start;
    layernorm_relu_dropout_forward(c->out, c->gmask, c->mean, c->rstd, c->in, c->gamma,
                                   c->beta, 3, 7, 0.3f, &r);
    return dot_d(c->out, c->g, 21);
}

/* Ensure that the fused tail's din, dgamma and dbeta match finite
 * differences for a fixed dropout key, with some elements dropped, some
 * cut by the ReLU and some passed. */
void test_fd_layernorm_relu_dropout(void **state)
{
    (void)state;
    TailCase c;
    Rng r;
    rng_seed(&r, 15);
    fill_uniform(c.in, 21, -1, 1, &r);
    fill_uniform(c.gamma, 7, 0.5f, 1.5f, &r);
    fill_uniform(c.beta, 7, -0.2f, 0.2f, &r);
    fill_uniform(c.g, 21, -1, 1, &r);
    rng_seed(&c.start, 98);
    float din[21] = {0}, dgamma[7] = {0}, dbeta[7] = {0}, dnorm[21];
    tail_obj(&c);
    size_t zero = 0;
    for (size_t i = 0; i < 21; i++)
        zero += c.gmask[i] == 0.0f;
    assert_true(zero > 0 && zero < 21);
    layernorm_relu_dropout_backward(din, 1.0f, dgamma, dbeta, dnorm, c.g, c.gmask, c.in, c.mean,
                                    c.rstd, c.gamma, 3, 7);
    fd_check(c.in, din, 21, tail_obj, &c, 1e-3, 2e-4, 2e-3, "tail din");
    fd_check(c.gamma, dgamma, 7, tail_obj, &c, 1e-2, 2e-5, 2e-4, "tail dgamma");
    fd_check(c.beta, dbeta, 7, tail_obj, &c, 1e-2, 2e-5, 2e-4, "tail dbeta");
}

/* ---- relu ---- */
typedef struct {
    float in[24], out[24], g[24];
} ReluCase;

static double relu_obj(void *ctx)
{
    ReluCase *c = ctx;
    relu_forward(c->out, c->in, 24);
    return dot_d(c->out, c->g, 24);
}

/* Ensure that relu_backward matches finite differences away from the kink. */
void test_fd_relu(void **state)
{
    (void)state;
    ReluCase c;
    Rng r;
    rng_seed(&r, 13);
    fill_uniform(c.in, 24, 0.1f, 1, &r);
    for (size_t i = 0; i < 24; i += 2)
        c.in[i] = -c.in[i]; /* half negative, all at least 0.1 from 0 */
    fill_uniform(c.g, 24, -1, 1, &r);
    float din[24] = {0};
    relu_obj(&c);
    relu_backward(din, c.g, c.out, 24);
    fd_check(c.in, din, 24, relu_obj, &c, 0.05, 1e-6, 1e-5, "relu din");
}

/* ---- dropout ---- */
typedef struct {
    float in[40], out[40], mask[40], g[40];
    Rng start; /* restored before every forward: the same mask each time */
} DropCase;

static double drop_obj(void *ctx)
{
    DropCase *c = ctx;
    Rng r = c->start;
    dropout_forward(c->out, c->mask, c->in, 40, 0.3f, &r);
    return dot_d(c->out, c->g, 40);
}

/* Ensure that dropout_backward matches finite differences for a fixed RNG
 * state (the mask is a function of that state). */
void test_fd_dropout(void **state)
{
    (void)state;
    DropCase c;
    Rng r;
    rng_seed(&r, 14);
    fill_uniform(c.in, 40, -1, 1, &r);
    fill_uniform(c.g, 40, -1, 1, &r);
    rng_seed(&c.start, 99);
    float din[40] = {0};
    drop_obj(&c);
    dropout_backward(din, c.g, c.mask, 40);
    size_t dropped = 0;
    for (size_t i = 0; i < 40; i++)
        dropped += c.mask[i] == 0.0f;
    assert_true(dropped > 0 && dropped < 40);
    fd_check(c.in, din, 40, drop_obj, &c, 0.1, 1e-6, 1e-5, "dropout din");
}

/* ---- embedding ---- */
typedef struct {
    float table[4 * 5], base[6 * 5], out[6 * 5], g[6 * 5];
    int32_t ids[6];
} EmbCase;

static double emb_obj(void *ctx)
{
    EmbCase *c = ctx;
    memcpy(c->out, c->base, sizeof c->out);
    embedding_add_forward(c->out, c->ids, c->table, 6, 5);
    return dot_d(c->out, c->g, 30);
}

/* Ensure that embedding_backward matches finite differences of the adding
 * forward, with repeated and unused ids. */
void test_fd_embedding(void **state)
{
    (void)state;
    EmbCase c = {.ids = {2, 0, 2, 3, 2, 0}};
    Rng r;
    rng_seed(&r, 15);
    fill_uniform(c.table, 20, -1, 1, &r);
    fill_uniform(c.base, 30, -1, 1, &r);
    fill_uniform(c.g, 30, -1, 1, &r);
    float dtable[20] = {0};
    embedding_backward(dtable, c.g, c.ids, 6, 5);
    for (size_t i = 5; i < 10; i++)
        assert_true(dtable[i] == 0.0f); /* id 1 is unused */
    fd_check(c.table, dtable, 20, emb_obj, &c, 0.1, 1e-6, 1e-5, "embedding_add dtable");
}

/* ---- losses ---- */
typedef struct {
    float logits[4 * 6], probs[4 * 6];
    int32_t targets[4 * 3];
    float dscale;
    int bce;
} LossCase;

static double loss_obj(void *ctx)
{
    LossCase *c = ctx;
    double l = c->bce ? bce_multihot_forward(NULL, c->logits, c->targets, 4, 6, 3)
                      : softmax_ce_forward(c->probs, NULL, c->logits, c->targets, 4, 6, 3);
    return (double)c->dscale * l;
}

static void loss_case_init(LossCase *c, int bce)
{
    static const int32_t t[12] = {0, 1, 2, 5, 3, 4, 2, 2, 1, 4, 0, 5}; /* row 2 repeats an id */
    Rng r;
    rng_seed(&r, 16);
    fill_uniform(c->logits, 24, -3, 3, &r);
    memcpy(c->targets, t, sizeof t);
    c->dscale = 0.7f;
    c->bce = bce;
}

/* Ensure that softmax_ce_backward (with a loss weight) matches finite
 * differences of the soft-target cross-entropy. */
void test_fd_softmax_ce(void **state)
{
    (void)state;
    LossCase c;
    loss_case_init(&c, 0);
    float d[24] = {0};
    loss_obj(&c);
    softmax_ce_backward(d, c.probs, c.targets, c.dscale, 4, 6, 3);
    fd_check(c.logits, d, 24, loss_obj, &c, 1e-3, 1e-6, 1e-4, "softmax_ce dlogits");
}

/* Ensure that bce_multihot_backward matches finite differences, a repeated
 * id counting once. */
void test_fd_bce(void **state)
{
    (void)state;
    LossCase c;
    loss_case_init(&c, 1);
    float d[24] = {0};
    bce_multihot_backward(d, c.logits, c.targets, c.dscale, 4, 6, 3);
    fd_check(c.logits, d, 24, loss_obj, &c, 1e-3, 1e-6, 1e-4, "bce dlogits");
}
