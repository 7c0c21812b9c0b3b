/*
 * simple.c: the simple predictor (see simple.h for the architecture and
 * the parameter order), wired from src/nn kernels over the model's flat
 * parameter and activation blocks.
 *
 * Not here: anything architecture-independent (checks, optimizer, I/O are
 * model.c's), and no allocation: every buffer is a slice of the blocks
 * model_create sized with simple_param_count / simple_act_count.
 */
#include "models/simple.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/slice.h"

#define SIMPLE_BLOCKS 2

/* Slices of a parameter-sized block (params or grads). */
typedef struct SimpleParams {
    float *w1, *b1;                  /* [W][D], [W] */
    float *emb;                      /* [L][W], NULL with --no-layer-id */
    float *w[SIMPLE_BLOCKS];         /* [W][W] */
    float *b[SIMPLE_BLOCKS];         /* [W] */
    float *gamma[SIMPLE_BLOCKS];     /* [W] LayerNorm scale */
    float *beta[SIMPLE_BLOCKS];      /* [W] LayerNorm shift */
    float *wo, *bo;                  /* [E][W], [E] */
} SimpleParams;

/* Slices of the activation block, each sized for max_batch rows (B). */
typedef struct SimpleActs {
    float *h1;                       /* [B][W] first Linear (+ layer embedding) */
    float *lin[SIMPLE_BLOCKS];       /* [B][W] block Linear output */
    float *mean[SIMPLE_BLOCKS];      /* [B] LayerNorm statistics */
    float *rstd[SIMPLE_BLOCKS];      /* [B] */
    float *gmask[SIMPLE_BLOCKS];     /* [B][W] ReLU + dropout gradient factor */
    float *drop[SIMPLE_BLOCKS];      /* [B][W] block output */
    float *logits;                   /* [B][E] the scores */
    float *probs;                    /* [B][E] softmax, saved for backward */
    /* gradients of the above (same shapes); dnorm: the LayerNorm output's */
    float *dh1, *dlin[SIMPLE_BLOCKS], *dnorm[SIMPLE_BLOCKS], *ddrop[SIMPLE_BLOCKS], *dlogits;
} SimpleActs;

static size_t simple_layout_params(SimpleParams *p, float *base, const ModelConfig *c)
{
    size_t D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E, L = (size_t)c->L;
    float *cur = base;
    p->w1 = slice_take(&cur, W * D);
    p->b1 = slice_take(&cur, W);
    p->emb = c->use_layer_id ? slice_take(&cur, L * W) : NULL;
    for (int i = 0; i < SIMPLE_BLOCKS; i++) {
        p->w[i] = slice_take(&cur, W * W);
        p->b[i] = slice_take(&cur, W);
        p->gamma[i] = slice_take(&cur, W);
        p->beta[i] = slice_take(&cur, W);
    }
    p->wo = slice_take(&cur, E * W);
    p->bo = slice_take(&cur, E);
    return (size_t)(cur - base);
}

static size_t simple_layout_acts(SimpleActs *a, float *base, const ModelConfig *c, size_t B)
{
    size_t BW = B * (size_t)c->W, BE = B * (size_t)c->E;
    float *cur = base;
    a->h1 = slice_take(&cur, BW);
    for (int i = 0; i < SIMPLE_BLOCKS; i++) {
        a->lin[i] = slice_take(&cur, BW);
        a->mean[i] = slice_take(&cur, B);
        a->rstd[i] = slice_take(&cur, B);
        a->gmask[i] = slice_take(&cur, BW);
        a->drop[i] = slice_take(&cur, BW);
    }
    a->logits = slice_take(&cur, BE);
    a->probs = slice_take(&cur, BE);
    a->dh1 = slice_take(&cur, BW);
    for (int i = 0; i < SIMPLE_BLOCKS; i++) {
        a->dlin[i] = slice_take(&cur, BW);
        a->dnorm[i] = slice_take(&cur, BW);
        a->ddrop[i] = slice_take(&cur, BW);
    }
    a->dlogits = slice_take(&cur, BE);
    return (size_t)(cur - base);
}

/* The sizes the layouts above hand out (checked against them in debug
 * builds by simple_init). */
static size_t simple_param_count(const ModelConfig *c)
{
    size_t D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E, L = (size_t)c->L;
    return W * D + W + (c->use_layer_id ? L * W : 0) + SIMPLE_BLOCKS * (W * W + 3 * W) +
           E * W + E;
}

static size_t simple_act_count(const ModelConfig *c, size_t B)
{
    size_t BW = B * (size_t)c->W, BE = B * (size_t)c->E;
    return BW + SIMPLE_BLOCKS * (3 * BW + 2 * B) + 2 * BE + BW + SIMPLE_BLOCKS * 3 * BW + BE;
}

/* SPEC 5's pinned initialisation: Xavier-uniform weights, zero biases,
 * LayerNorm γ=1 β=0, layer embedding N(0, 1) (the block is zero already);
 * also points m->scores at the logits. */
static void simple_init(Model *m, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    size_t D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E, L = (size_t)c->L;
    SimpleParams p;
    SimpleActs a;
    size_t np = simple_layout_params(&p, m->params, c);
    size_t na = simple_layout_acts(&a, m->acts, c, m->max_batch);
    assert(np == m->n_params && na == m->n_acts);
    (void)np, (void)na;
    m->scores = a.logits;
    init_xavier_uniform(p.w1, W, D, r);
    if (p.emb)
        init_normal(p.emb, L * W, 1.0, r);
    for (int i = 0; i < SIMPLE_BLOCKS; i++) {
        init_xavier_uniform(p.w[i], W, W, r);
        init_fill(p.gamma[i], W, 1.0f);
    }
    init_xavier_uniform(p.wo, E, W, r);
}

static double simple_forward(Model *m, const Batch *bt, const int32_t *targets, int training)
{
    const ModelConfig *c = &m->cfg;
    size_t n = bt->n, D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E;
    SimpleParams p;
    SimpleActs a;
    simple_layout_params(&p, m->params, c);
    simple_layout_acts(&a, m->acts, c, m->max_batch);

    linear_forward(a.h1, bt->hidden, p.w1, p.b1, n, D, W);
    if (p.emb)
        embedding_add_forward(a.h1, bt->layer, p.emb, n, W);
    const float *x = a.h1;
    for (int i = 0; i < SIMPLE_BLOCKS; i++) {
        linear_forward(a.lin[i], x, p.w[i], p.b[i], n, W, W);
        /* LayerNorm, ReLU, dropout in one pass. Evaluation is dropout with
         * p = 0: no draws from m->rng. */
        layernorm_relu_dropout_forward(a.drop[i], a.gmask[i], a.mean[i], a.rstd[i], a.lin[i],
                                       p.gamma[i], p.beta[i], n, W,
                                       training ? c->dropout : 0.0f, &m->rng);
        x = a.drop[i];
    }
    linear_forward(a.logits, x, p.wo, p.bo, n, W, E);
    if (!targets)
        return (double)NAN;
    return softmax_ce_forward(a.probs, NULL, a.logits, targets, n, E, (size_t)c->K);
}

static void simple_backward(Model *m)
{
    const ModelConfig *c = &m->cfg;
    const Batch *bt = &m->batch;
    size_t n = bt->n, D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E;
    SimpleParams p, g;
    SimpleActs a;
    simple_layout_params(&p, m->params, c);
    simple_layout_params(&g, m->grads, c);
    simple_layout_acts(&a, m->acts, c, m->max_batch);

    /* Every activation gradient has one writer, which overwrites it
     * (din_beta 0), so none needs clearing but the loss's, which adds. */
    memset(a.dlogits, 0, n * E * sizeof *a.dlogits);

    softmax_ce_backward(a.dlogits, a.probs, m->targets, 1.0f, n, E, (size_t)c->K);
    linear_backward(a.ddrop[SIMPLE_BLOCKS - 1], 0.0f, g.wo, g.bo, a.dlogits, a.drop[SIMPLE_BLOCKS - 1],
                    p.wo, n, W, E);
    for (int i = SIMPLE_BLOCKS - 1; i >= 0; i--) {
        layernorm_relu_dropout_backward(a.dlin[i], 0.0f, g.gamma[i], g.beta[i], a.dnorm[i], a.ddrop[i],
                                        a.gmask[i], a.lin[i], a.mean[i], a.rstd[i], p.gamma[i],
                                        n, W);
        float *din = i > 0 ? a.ddrop[i - 1] : a.dh1;
        const float *in = i > 0 ? a.drop[i - 1] : a.h1;
        linear_backward(din, 0.0f, g.w[i], g.b[i], a.dlin[i], in, p.w[i], n, W, W);
    }
    if (g.emb)
        embedding_backward(g.emb, a.dh1, bt->layer, n, W);
    linear_backward(NULL, 1.0f, g.w1, g.b1, a.dh1, bt->hidden, p.w1, n, D, W);
}

const ModelOps simple_ops = {
    .param_count = simple_param_count,
    .act_count = simple_act_count,
    .init = simple_init,
    .forward = simple_forward,
    .backward = simple_backward,
};
