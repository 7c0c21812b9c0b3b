/*
 * hybrid.c: the hybrid predictor (see hybrid.h for the architecture, the
 * loss and the parameter order), wired from src/nn kernels over the
 * model's flat parameter and activation blocks.
 *
 * Not here: anything architecture-independent (checks, optimizer, I/O are
 * model.c's), and no allocation: every buffer is a slice of the blocks
 * model_create sized with hybrid_param_count / hybrid_act_count.
 */
#include "models/hybrid.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "models/window.h"
#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/slice.h"
#include "nn/transformer.h"

#define NF HYBRID_AHEAD

/* Slices of a parameter-sized block (params or grads). */
typedef struct HybridParams {
    float *w1, *b1;                         /* [W][D], [W] */
    float *emb;                             /* [L][W], NULL with --no-layer-id */
    float *ln1_g, *ln1_b, *w2, *b2;         /* [W], [W], [W][W], [W] */
    float *ln2_g, *ln2_b;                   /* [W] */
    float *wa, *ba;                         /* [E][W], [E] classification head */
    float *pos;                             /* [T][W] learned positions */
    TransformerParams tf[HYBRID_LAYERS];
    float *wc, *bc;                         /* [E][W], [E] current-token head */
    float *wu, *bu;                         /* [NF·E][W], [NF·E] future heads */
} HybridParams;

/* Slices of the activation block; B = max_batch rows rounded down to
 * whole windows. */
typedef struct HybridActs {
    /* Linear out, ReLU gradient mask (fused LayerNorm + ReLU), statistics,
     * block output: [B][W] ×2, [B] ×2, [B][W] */
    float *h1, *gm1, *mean1, *rstd1, *r1;
    float *h2, *gm2, *mean2, *rstd2, *feat; /* the same for the second block */
    float *a;                               /* [B][E] classification logits */
    float *z[HYBRID_LAYERS + 1];            /* [B][W] transformer inputs/output */
    TransformerActs tf[HYBRID_LAYERS];
    float *c;                               /* [B][E] current-token head */
    float *u;                               /* [B][NF][E] future heads */
    float *scores;                          /* [B][E] (a + c) / 2 */
    /* gradients */
    float *da, *dc, *du;                    /* as a, c, u */
    float *dz[HYBRID_LAYERS + 1];           /* [B][W] */
    TransformerScratch tfs;
    float *dfeat, *dn2, *dh2, *dr1, *dn1, *dh1; /* [B][W] */
} HybridActs;

static TransformerShape hybrid_shape(const ModelConfig *c, size_t rows)
{
    size_t W = (size_t)c->W;
    return (TransformerShape){rows / (size_t)c->window, (size_t)c->window, W, HYBRID_HEADS, W};
}

static size_t hybrid_layout_params(HybridParams *p, float *base, const ModelConfig *c)
{
    size_t D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E, L = (size_t)c->L;
    float *cur = base;
    p->w1 = slice_take(&cur, W * D);
    p->b1 = slice_take(&cur, W);
    p->emb = c->use_layer_id ? slice_take(&cur, L * W) : NULL;
    p->ln1_g = slice_take(&cur, W);
    p->ln1_b = slice_take(&cur, W);
    p->w2 = slice_take(&cur, W * W);
    p->b2 = slice_take(&cur, W);
    p->ln2_g = slice_take(&cur, W);
    p->ln2_b = slice_take(&cur, W);
    p->wa = slice_take(&cur, E * W);
    p->ba = slice_take(&cur, E);
    p->pos = slice_take(&cur, (size_t)c->window * W);
    for (int l = 0; l < HYBRID_LAYERS; l++)
        cur = transformer_layout_params(&p->tf[l], cur, W, W);
    p->wc = slice_take(&cur, E * W);
    p->bc = slice_take(&cur, E);
    p->wu = slice_take(&cur, NF * E * W);
    p->bu = slice_take(&cur, NF * E);
    return (size_t)(cur - base);
}

static size_t hybrid_layout_acts(HybridActs *a, float *base, const ModelConfig *c, size_t B)
{
    size_t BW = B * (size_t)c->W, BE = B * (size_t)c->E;
    TransformerShape s = hybrid_shape(c, B);
    float *cur = base;
    a->h1 = slice_take(&cur, BW), a->gm1 = slice_take(&cur, BW);
    a->mean1 = slice_take(&cur, B), a->rstd1 = slice_take(&cur, B), a->r1 = slice_take(&cur, BW);
    a->h2 = slice_take(&cur, BW), a->gm2 = slice_take(&cur, BW);
    a->mean2 = slice_take(&cur, B), a->rstd2 = slice_take(&cur, B), a->feat = slice_take(&cur, BW);
    a->a = slice_take(&cur, BE);
    for (int l = 0; l <= HYBRID_LAYERS; l++)
        a->z[l] = slice_take(&cur, BW);
    for (int l = 0; l < HYBRID_LAYERS; l++)
        cur = transformer_layout_acts(&a->tf[l], cur, &s);
    a->c = slice_take(&cur, BE);
    a->u = slice_take(&cur, NF * BE);
    a->scores = slice_take(&cur, BE);
    a->da = slice_take(&cur, BE), a->dc = slice_take(&cur, BE), a->du = slice_take(&cur, NF * BE);
    for (int l = 0; l <= HYBRID_LAYERS; l++)
        a->dz[l] = slice_take(&cur, BW);
    cur = transformer_layout_scratch(&a->tfs, cur, &s);
    a->dfeat = slice_take(&cur, BW), a->dn2 = slice_take(&cur, BW), a->dh2 = slice_take(&cur, BW);
    a->dr1 = slice_take(&cur, BW), a->dn1 = slice_take(&cur, BW), a->dh1 = slice_take(&cur, BW);
    return (size_t)(cur - base);
}

static size_t hybrid_param_count(const ModelConfig *c)
{
    size_t D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E, L = (size_t)c->L;
    size_t T = (size_t)c->window;
    return D * W + W * W + 6 * W + T * W + HYBRID_LAYERS * transformer_param_count(W, W) +
           (2 + NF) * (E * W + E) + (c->use_layer_id ? L * W : 0);
}

static size_t hybrid_act_count(const ModelConfig *c, size_t max_batch)
{
    size_t B = window_rows_cap(c->window, max_batch), BW = B * (size_t)c->W, BE = B * (size_t)c->E;
    TransformerShape s = hybrid_shape(c, B);
    return 6 * BW + 4 * B + BE + (HYBRID_LAYERS + 1) * BW +
           HYBRID_LAYERS * transformer_act_count(&s) + (NF + 2) * BE + (NF + 2) * BE +
           (HYBRID_LAYERS + 1) * BW + transformer_scratch_count(&s) + 6 * BW;
}

/* SPEC 5's pinned initialisation, drawn in parameter-block order; also
 * points m->scores and m->aux_scores into the activation block. */
static void hybrid_init(Model *m, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    size_t D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E, L = (size_t)c->L;
    HybridParams p;
    HybridActs a;
    size_t np = hybrid_layout_params(&p, m->params, c);
    size_t na = hybrid_layout_acts(&a, m->acts, c, window_rows_cap(c->window, m->max_batch));
    assert(np == m->n_params && na == m->n_acts);
    (void)np, (void)na;
    m->scores = a.scores;
    m->aux_scores = a.u;
    init_xavier_uniform(p.w1, W, D, r);
    if (p.emb)
        init_normal(p.emb, L * W, 1.0, r);
    init_fill(p.ln1_g, W, 1.0f);
    init_xavier_uniform(p.w2, W, W, r);
    init_fill(p.ln2_g, W, 1.0f);
    init_xavier_uniform(p.wa, E, W, r);
    init_normal(p.pos, (size_t)c->window * W, 0.02, r);
    for (int l = 0; l < HYBRID_LAYERS; l++)
        transformer_init(&p.tf[l], W, W, r);
    init_xavier_uniform(p.wc, E, W, r);
    /* each future head is its own Linear W→E (bound from (E, W), not 4E) */
    for (size_t j = 0; j < NF; j++)
        init_xavier_uniform(p.wu + j * E * W, E, W, r);
}

/* The loss terms' row sets: current targets, and future offset j. */
static WindowRows rows_current(const Model *m, const Batch *bt, const int32_t *targets)
{
    size_t E = (size_t)m->cfg.E, K = (size_t)m->cfg.K;
    return (WindowRows){bt->n, bt->valid, targets, K, E, E, K};
}

static WindowRows rows_future(const Model *m, const Batch *bt, size_t j)
{
    size_t E = (size_t)m->cfg.E, K = (size_t)m->cfg.K;
    return (WindowRows){bt->n, bt->valid, bt->aux_targets + j * K, NF * K, NF * E, E, K};
}

/* Offsets with at least one row that counts (the future term's divisor). */
static size_t future_heads_used(const Model *m, const Batch *bt)
{
    size_t used = 0;
    for (size_t j = 0; j < NF; j++) {
        WindowRows w = rows_future(m, bt, j);
        used += window_rows_used(&w) > 0;
    }
    return used;
}

static double hybrid_loss(const Model *m, const HybridActs *a, const Batch *bt,
                          const int32_t *targets)
{
    size_t E = (size_t)m->cfg.E;
    WindowRows cur = rows_current(m, bt, targets);
    double loss = window_bce_forward(a->a, &cur) +
                  (double)HYBRID_CURRENT_WEIGHT * window_bce_forward(a->c, &cur);
    size_t heads = future_heads_used(m, bt);
    double fut = 0.0;
    for (size_t j = 0; j < NF; j++) {
        WindowRows w = rows_future(m, bt, j);
        fut += window_bce_forward(a->u + j * E, &w);
    }
    return heads ? loss + (double)HYBRID_FUTURE_WEIGHT * fut / (double)heads : loss;
}

static double hybrid_forward(Model *m, const Batch *bt, const int32_t *targets, int training)
{
    (void)training; /* no dropout: training and evaluation are the same maths */
    const ModelConfig *c = &m->cfg;
    size_t n = bt->n, D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E;
    HybridParams p;
    HybridActs a;
    hybrid_layout_params(&p, m->params, c);
    hybrid_layout_acts(&a, m->acts, c, window_rows_cap(c->window, m->max_batch));
    TransformerShape s = hybrid_shape(c, n);

    linear_forward(a.h1, bt->hidden, p.w1, p.b1, n, D, W);
    if (p.emb)
        embedding_add_forward(a.h1, bt->layer, p.emb, n, W);
    /* LayerNorm then ReLU, fused (the tail without dropout: p = 0) */
    layernorm_relu_dropout_forward(a.r1, a.gm1, a.mean1, a.rstd1, a.h1, p.ln1_g, p.ln1_b, n, W,
                                   0.0f, NULL);
    linear_forward(a.h2, a.r1, p.w2, p.b2, n, W, W);
    layernorm_relu_dropout_forward(a.feat, a.gm2, a.mean2, a.rstd2, a.h2, p.ln2_g, p.ln2_b, n,
                                   W, 0.0f, NULL);
    linear_forward(a.a, a.feat, p.wa, p.ba, n, W, E);

    memcpy(a.z[0], a.feat, n * W * sizeof *a.feat);
    posemb_add_forward(a.z[0], p.pos, s.nwin, s.T, W);
    for (int l = 0; l < HYBRID_LAYERS; l++)
        transformer_forward(a.z[l + 1], &a.tf[l], a.z[l], &p.tf[l], &s);
    linear_forward(a.c, a.z[HYBRID_LAYERS], p.wc, p.bc, n, W, E);
    linear_forward(a.u, a.z[HYBRID_LAYERS], p.wu, p.bu, n, W, NF * E);
    for (size_t i = 0; i < n * E; i++)
        a.scores[i] = 0.5f * (a.a[i] + a.c[i]);
    return targets ? hybrid_loss(m, &a, bt, targets) : (double)NAN;
}

/* Gradients of the three loss terms with respect to the head logits. */
static void hybrid_loss_backward(const Model *m, HybridActs *a, size_t n)
{
    const Batch *bt = &m->batch;
    size_t E = (size_t)m->cfg.E;
    memset(a->da, 0, n * E * sizeof *a->da);
    memset(a->dc, 0, n * E * sizeof *a->dc);
    memset(a->du, 0, NF * n * E * sizeof *a->du);
    WindowRows cur = rows_current(m, bt, m->targets);
    window_bce_backward(a->da, a->a, &cur, 1.0f);
    window_bce_backward(a->dc, a->c, &cur, HYBRID_CURRENT_WEIGHT);
    size_t heads = future_heads_used(m, bt);
    for (size_t j = 0; heads && j < NF; j++) {
        WindowRows w = rows_future(m, bt, j);
        window_bce_backward(a->du + j * E, a->u + j * E, &w,
                            HYBRID_FUTURE_WEIGHT / (float)heads);
    }
}

static void hybrid_backward(Model *m)
{
    const ModelConfig *c = &m->cfg;
    const Batch *bt = &m->batch;
    size_t n = bt->n, D = (size_t)c->D, W = (size_t)c->W, E = (size_t)c->E;
    HybridParams p, g;
    HybridActs a;
    hybrid_layout_params(&p, m->params, c);
    hybrid_layout_params(&g, m->grads, c);
    hybrid_layout_acts(&a, m->acts, c, window_rows_cap(c->window, m->max_batch));
    TransformerShape s = hybrid_shape(c, n);
    size_t nW = n * W * sizeof(float);

    hybrid_loss_backward(m, &a, n);
    /* temporal branch: heads, transformer stack, positions */
    linear_backward(a.dz[HYBRID_LAYERS], 0.0f, g.wc, g.bc, a.dc, a.z[HYBRID_LAYERS], p.wc, n, W, E);
    linear_backward(a.dz[HYBRID_LAYERS], 1.0f, g.wu, g.bu, a.du, a.z[HYBRID_LAYERS], p.wu, n, W,
                    NF * E);
    for (int l = HYBRID_LAYERS - 1; l >= 0; l--) {
        memset(a.dz[l], 0, nW);
        transformer_backward(a.dz[l], &g.tf[l], &a.tfs, a.dz[l + 1], a.z[l], &a.tf[l], &p.tf[l],
                             &s);
    }
    posemb_backward(g.pos, a.dz[0], s.nwin, s.T, W);
    /* features: both branches meet (z0 = feat + pos) */
    memcpy(a.dfeat, a.dz[0], nW);
    linear_backward(a.dfeat, 1.0f, g.wa, g.ba, a.da, a.feat, p.wa, n, W, E);
    /* single writers from here on: each overwrites (din_beta 0) */
    layernorm_relu_dropout_backward(a.dh2, 0.0f, g.ln2_g, g.ln2_b, a.dn2, a.dfeat, a.gm2, a.h2,
                                    a.mean2, a.rstd2, p.ln2_g, n, W);
    linear_backward(a.dr1, 0.0f, g.w2, g.b2, a.dh2, a.r1, p.w2, n, W, W);
    layernorm_relu_dropout_backward(a.dh1, 0.0f, g.ln1_g, g.ln1_b, a.dn1, a.dr1, a.gm1, a.h1,
                                    a.mean1, a.rstd1, p.ln1_g, n, W);
    if (g.emb)
        embedding_backward(g.emb, a.dh1, bt->layer, n, W);
    linear_backward(NULL, 1.0f, g.w1, g.b1, a.dh1, bt->hidden, p.w1, n, D, W);
}

const ModelOps hybrid_ops = {
    .windowed = 1,
    .n_aux = NF,
    .width_multiple = HYBRID_HEADS,
    .param_count = hybrid_param_count,
    .act_count = hybrid_act_count,
    .init = hybrid_init,
    .forward = hybrid_forward,
    .backward = hybrid_backward,
};
