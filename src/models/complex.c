/*
 * complex.c: the complex predictor (see complex.h for the architecture,
 * the loss and the parameter order), wired from src/nn kernels over the
 * model's flat parameter and activation blocks.
 *
 * Not here: anything architecture-independent (model.c's), and no
 * allocation: every buffer is a slice of the blocks model_create sized
 * with complex_param_count / complex_act_count.
 */
#include "models/complex.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "models/window.h"
#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/bce.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/slice.h"
#include "nn/transformer.h"

#define NL COMPLEX_LAYERS

/* Slices of a parameter-sized block (params or grads). */
typedef struct ComplexParams {
    float *w_in, *b_in;        /* [C][D], [C] */
    float *emb;                /* [L][C], NULL with --no-layer-id */
    TransformerParams tf[NL];
    float *lnf_g, *lnf_b;      /* [C] */
    float *we1, *be1;          /* [2C][C], [2C] */
    float *we2, *be2;          /* [C][2C], [C] */
    float *we3, *be3;          /* [E][C], [E] */
    float *wq1, *bq1;          /* [W][C], [W] */
    float *wq2, *bq2;          /* [1][W], [1] */
} ComplexParams;

/* Slices of the activation block; B = max_batch rows rounded down to
 * whole windows. */
typedef struct ComplexActs {
    float *sinus;              /* [T][C] fixed positions (set at init) */
    float *x[NL + 1];          /* [B][C] layer inputs; x[NL] the stack's output */
    TransformerActs tf[NL];
    float *y, *meanf, *rstdf;  /* [B][C], [B], [B] final LayerNorm */
    float *e1, *e2;            /* [B][2C], [B][C] expert head, after ReLU */
    float *logits, *probs;     /* [B][E] the scores; softmax for the CE */
    float *q1, *conf, *conf_y; /* [B][W] after ReLU, [B] logit, [B] target */
    /* gradients */
    float *dlogits, *de2, *de1, *dy, *dq1, *dconf;
    float *dx[2];              /* [B][C] ping-pong through the stack */
    TransformerScratch tfs;
} ComplexActs;

static TransformerShape complex_shape(const ModelConfig *c, size_t rows)
{
    size_t C = 2 * (size_t)c->W;
    return (TransformerShape){rows / (size_t)c->window, (size_t)c->window, C, COMPLEX_HEADS,
                              4 * C};
}

static size_t complex_layout_params(ComplexParams *p, float *base, const ModelConfig *c)
{
    size_t D = (size_t)c->D, W = (size_t)c->W, C = 2 * W, E = (size_t)c->E, L = (size_t)c->L;
    float *cur = base;
    p->w_in = slice_take(&cur, C * D);
    p->b_in = slice_take(&cur, C);
    p->emb = c->use_layer_id ? slice_take(&cur, L * C) : NULL;
    for (int l = 0; l < NL; l++)
        cur = transformer_layout_params(&p->tf[l], cur, C, 4 * C);
    p->lnf_g = slice_take(&cur, C);
    p->lnf_b = slice_take(&cur, C);
    p->we1 = slice_take(&cur, 2 * C * C);
    p->be1 = slice_take(&cur, 2 * C);
    p->we2 = slice_take(&cur, C * 2 * C);
    p->be2 = slice_take(&cur, C);
    p->we3 = slice_take(&cur, E * C);
    p->be3 = slice_take(&cur, E);
    p->wq1 = slice_take(&cur, W * C);
    p->bq1 = slice_take(&cur, W);
    p->wq2 = slice_take(&cur, W);
    p->bq2 = slice_take(&cur, 1);
    return (size_t)(cur - base);
}

static size_t complex_layout_acts(ComplexActs *a, float *base, const ModelConfig *c, size_t B)
{
    size_t W = (size_t)c->W, C = 2 * W, BC = B * C, BE = B * (size_t)c->E;
    TransformerShape s = complex_shape(c, B);
    float *cur = base;
    a->sinus = slice_take(&cur, (size_t)c->window * C);
    for (int l = 0; l <= NL; l++)
        a->x[l] = slice_take(&cur, BC);
    for (int l = 0; l < NL; l++)
        cur = transformer_layout_acts(&a->tf[l], cur, &s);
    a->y = slice_take(&cur, BC), a->meanf = slice_take(&cur, B), a->rstdf = slice_take(&cur, B);
    a->e1 = slice_take(&cur, 2 * BC), a->e2 = slice_take(&cur, BC);
    a->logits = slice_take(&cur, BE), a->probs = slice_take(&cur, BE);
    a->q1 = slice_take(&cur, B * W), a->conf = slice_take(&cur, B);
    a->conf_y = slice_take(&cur, B);
    a->dlogits = slice_take(&cur, BE), a->de2 = slice_take(&cur, BC);
    a->de1 = slice_take(&cur, 2 * BC);
    a->dy = slice_take(&cur, BC), a->dq1 = slice_take(&cur, B * W), a->dconf = slice_take(&cur, B);
    a->dx[0] = slice_take(&cur, BC), a->dx[1] = slice_take(&cur, BC);
    cur = transformer_layout_scratch(&a->tfs, cur, &s);
    return (size_t)(cur - base);
}

static size_t complex_param_count(const ModelConfig *c)
{
    size_t D = (size_t)c->D, W = (size_t)c->W, C = 2 * W, E = (size_t)c->E, L = (size_t)c->L;
    return D * C + C + NL * transformer_param_count(C, 4 * C) + 2 * C + 4 * C * C + 3 * C +
           E * C + E + W * C + 2 * W + 1 + (c->use_layer_id ? L * C : 0);
}

static size_t complex_act_count(const ModelConfig *c, size_t max_batch)
{
    size_t B = window_rows_cap(c->window, max_batch), W = (size_t)c->W, C = 2 * W, BC = B * C;
    size_t BE = B * (size_t)c->E;
    TransformerShape s = complex_shape(c, B);
    return (size_t)c->window * C + (NL + 1) * BC + NL * transformer_act_count(&s) + BC + 2 * B +
           3 * BC + 2 * BE + B * W + 2 * B + BE + 4 * BC + B * W + B + 2 * BC +
           transformer_scratch_count(&s);
}

/* SPEC 5's pinned initialisation, drawn in parameter-block order; also
 * fills the sinusoid table and points m->scores at the logits. */
static void complex_init(Model *m, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    size_t D = (size_t)c->D, W = (size_t)c->W, C = 2 * W, E = (size_t)c->E, L = (size_t)c->L;
    ComplexParams p;
    ComplexActs a;
    size_t np = complex_layout_params(&p, m->params, c);
    size_t na = complex_layout_acts(&a, m->acts, c, window_rows_cap(c->window, m->max_batch));
    assert(np == m->n_params && na == m->n_acts);
    (void)np, (void)na;
    m->scores = a.logits;
    m->aux_scores = NULL;
    sinusoid_table(a.sinus, (size_t)c->window, C);
    init_xavier_uniform(p.w_in, C, D, r);
    if (p.emb)
        init_normal(p.emb, L * C, 1.0, r);
    for (int l = 0; l < NL; l++)
        transformer_init(&p.tf[l], C, 4 * C, r);
    init_fill(p.lnf_g, C, 1.0f);
    init_xavier_uniform(p.we1, 2 * C, C, r);
    init_xavier_uniform(p.we2, C, 2 * C, r);
    init_xavier_uniform(p.we3, E, C, r);
    init_xavier_uniform(p.wq1, W, C, r);
    init_xavier_uniform(p.wq2, 1, W, r);
}

static WindowRows rows_current(const Model *m, const Batch *bt, const int32_t *targets)
{
    size_t E = (size_t)m->cfg.E, K = (size_t)m->cfg.K;
    return (WindowRows){bt->n, bt->valid, targets, K, E, E, K};
}

/* SPEC's three terms; the confidence target is set here from the scores. */
static double complex_loss(const Model *m, ComplexActs *a, const Batch *bt,
                           const int32_t *targets)
{
    size_t n = bt->n, E = (size_t)m->cfg.E, K = (size_t)m->cfg.K;
    for (size_t i = 0; i < n; i++)
        a->conf_y[i] = (!bt->valid || bt->valid[i]) &&
                               window_topk_exact(a->logits + i * E, targets + i * K, E, K)
                           ? 1.0f
                           : 0.0f;
    WindowRows cur = rows_current(m, bt, targets);
    return window_bce_forward(a->logits, &cur) +
           (double)COMPLEX_CE_WEIGHT * window_ce_forward(a->probs, a->logits, &cur) +
           (double)COMPLEX_CONF_WEIGHT * bce_logit_forward(a->conf, a->conf_y, bt->valid, n);
}

static double complex_forward(Model *m, const Batch *bt, const int32_t *targets, int training)
{
    (void)training; /* no dropout: training and evaluation are the same maths */
    const ModelConfig *c = &m->cfg;
    size_t n = bt->n, D = (size_t)c->D, W = (size_t)c->W, C = 2 * W, E = (size_t)c->E;
    ComplexParams p;
    ComplexActs a;
    complex_layout_params(&p, m->params, c);
    complex_layout_acts(&a, m->acts, c, window_rows_cap(c->window, m->max_batch));
    TransformerShape s = complex_shape(c, n);

    linear_forward(a.x[0], bt->hidden, p.w_in, p.b_in, n, D, C);
    if (p.emb)
        embedding_add_forward(a.x[0], bt->layer, p.emb, n, C);
    posemb_add_forward(a.x[0], a.sinus, s.nwin, s.T, C);
    for (int l = 0; l < NL; l++)
        transformer_forward(a.x[l + 1], &a.tf[l], a.x[l], &p.tf[l], &s);
    layernorm_forward(a.y, a.meanf, a.rstdf, a.x[NL], p.lnf_g, p.lnf_b, n, C);
    linear_forward(a.e1, a.y, p.we1, p.be1, n, C, 2 * C);
    relu_forward(a.e1, a.e1, 2 * n * C);
    linear_forward(a.e2, a.e1, p.we2, p.be2, n, 2 * C, C);
    relu_forward(a.e2, a.e2, n * C);
    linear_forward(a.logits, a.e2, p.we3, p.be3, n, C, E);
    linear_forward(a.q1, a.y, p.wq1, p.bq1, n, C, W);
    relu_forward(a.q1, a.q1, n * W);
    linear_forward(a.conf, a.q1, p.wq2, p.bq2, n, W, 1);
    return targets ? complex_loss(m, &a, bt, targets) : (double)NAN;
}

/* d[n] = 0 where the saved ReLU output is not positive (ReLU applied in
 * place, so its output is all forward kept). */
static void relu_mask(float *d, const float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(out[i] > 0.0f))
            d[i] = 0.0f;
}

/* Heads back to dy (the final LayerNorm's output gradient). */
static void complex_heads_backward(Model *m, ComplexActs *a, ComplexParams *p,
                                   ComplexParams *g, size_t n)
{
    const Batch *bt = &m->batch;
    size_t W = (size_t)m->cfg.W, C = 2 * W, E = (size_t)m->cfg.E;
    memset(a->dlogits, 0, n * E * sizeof(float));
    memset(a->dconf, 0, n * sizeof(float));
    WindowRows cur = rows_current(m, bt, m->targets);
    window_bce_backward(a->dlogits, a->logits, &cur, 1.0f);
    window_ce_backward(a->dlogits, a->probs, &cur, COMPLEX_CE_WEIGHT);
    bce_logit_backward(a->dconf, a->conf, a->conf_y, bt->valid, COMPLEX_CONF_WEIGHT, n);

    memset(a->dy, 0, n * C * sizeof(float));
    memset(a->dq1, 0, n * W * sizeof(float));
    linear_backward(a->dq1, 1.0f, g->wq2, g->bq2, a->dconf, a->q1, p->wq2, n, W, 1);
    relu_mask(a->dq1, a->q1, n * W);
    linear_backward(a->dy, 1.0f, g->wq1, g->bq1, a->dq1, a->y, p->wq1, n, C, W);
    memset(a->de2, 0, n * C * sizeof(float));
    linear_backward(a->de2, 1.0f, g->we3, g->be3, a->dlogits, a->e2, p->we3, n, C, E);
    relu_mask(a->de2, a->e2, n * C);
    memset(a->de1, 0, 2 * n * C * sizeof(float));
    linear_backward(a->de1, 1.0f, g->we2, g->be2, a->de2, a->e1, p->we2, n, 2 * C, C);
    relu_mask(a->de1, a->e1, 2 * n * C);
    linear_backward(a->dy, 1.0f, g->we1, g->be1, a->de1, a->y, p->we1, n, C, 2 * C);
}

static void complex_backward(Model *m)
{
    const ModelConfig *c = &m->cfg;
    const Batch *bt = &m->batch;
    size_t n = bt->n, D = (size_t)c->D, C = 2 * (size_t)c->W;
    ComplexParams p, g;
    ComplexActs a;
    complex_layout_params(&p, m->params, c);
    complex_layout_params(&g, m->grads, c);
    complex_layout_acts(&a, m->acts, c, window_rows_cap(c->window, m->max_batch));
    TransformerShape s = complex_shape(c, n);
    size_t nC = n * C * sizeof(float);

    complex_heads_backward(m, &a, &p, &g, n);
    float *dcur = a.dx[0], *dnext = a.dx[1];
    memset(dcur, 0, nC);
    layernorm_backward(dcur, g.lnf_g, g.lnf_b, a.dy, a.x[NL], a.meanf, a.rstdf, p.lnf_g, n, C);
    for (int l = NL - 1; l >= 0; l--) {
        memset(dnext, 0, nC);
        transformer_backward(dnext, &g.tf[l], &a.tfs, dcur, a.x[l], &a.tf[l], &p.tf[l], &s);
        float *t = dcur;
        dcur = dnext, dnext = t;
    }
    /* dcur is now ∂/∂x[0]; the sinusoids are fixed */
    if (g.emb)
        embedding_backward(g.emb, dcur, bt->layer, n, C);
    linear_backward(NULL, 1.0f, g.w_in, g.b_in, dcur, bt->hidden, p.w_in, n, D, C);
}

const ModelOps complex_ops = {
    .windowed = 1,
    .n_aux = 0,
    .width_multiple = COMPLEX_HEADS / 2, /* 8 heads over 2W */
    .param_count = complex_param_count,
    .act_count = complex_act_count,
    .init = complex_init,
    .forward = complex_forward,
    .backward = complex_backward,
};
