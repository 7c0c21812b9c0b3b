/*
 * transformer.c: the pre-norm causal transformer layer, wired from the
 * linear, layernorm, attention and ReLU kernels; see transformer.h.
 *
 * Not here: allocation (every buffer is a slice the caller laid out).
 */
#include "nn/transformer.h"

#include <string.h>

#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/init.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "util/simd.h"
#include "nn/slice.h"

size_t transformer_param_count(size_t C, size_t F)
{
    return 4 * C * C + 2 * C * F + 9 * C + F;
}

float *transformer_layout_params(TransformerParams *p, float *cur, size_t C, size_t F)
{
    p->ln1_g = slice_take(&cur, C);
    p->ln1_b = slice_take(&cur, C);
    p->w_qkv = slice_take(&cur, 3 * C * C);
    p->b_qkv = slice_take(&cur, 3 * C);
    p->w_o = slice_take(&cur, C * C);
    p->b_o = slice_take(&cur, C);
    p->ln2_g = slice_take(&cur, C);
    p->ln2_b = slice_take(&cur, C);
    p->w_ff1 = slice_take(&cur, F * C);
    p->b_ff1 = slice_take(&cur, F);
    p->w_ff2 = slice_take(&cur, C * F);
    p->b_ff2 = slice_take(&cur, C);
    return cur;
}

size_t transformer_act_count(const TransformerShape *s)
{
    size_t B = s->nwin * s->T, C = s->C;
    return 7 * B * C + 4 * B + s->nwin * s->H * s->T * s->T + B * s->F;
}

float *transformer_layout_acts(TransformerActs *a, float *cur, const TransformerShape *s)
{
    size_t B = s->nwin * s->T, C = s->C;
    a->ln1 = slice_take(&cur, B * C);
    a->mean1 = slice_take(&cur, B);
    a->rstd1 = slice_take(&cur, B);
    a->qkv = slice_take(&cur, 3 * B * C);
    a->att = slice_take(&cur, s->nwin * s->H * s->T * s->T);
    a->attn = slice_take(&cur, B * C);
    a->x1 = slice_take(&cur, B * C);
    a->ln2 = slice_take(&cur, B * C);
    a->mean2 = slice_take(&cur, B);
    a->rstd2 = slice_take(&cur, B);
    a->ff = slice_take(&cur, B * s->F);
    return cur;
}

size_t transformer_scratch_count(const TransformerShape *s)
{
    size_t B = s->nwin * s->T;
    return 6 * B * s->C + B * s->F + ATTENTION_SCRATCH_SLICES * s->T * s->T;
}

float *transformer_layout_scratch(TransformerScratch *w, float *cur, const TransformerShape *s)
{
    size_t B = s->nwin * s->T, C = s->C;
    w->dln = slice_take(&cur, B * C);
    w->dqkv = slice_take(&cur, 3 * B * C);
    w->dattn = slice_take(&cur, B * C);
    w->dx1 = slice_take(&cur, B * C);
    w->dff = slice_take(&cur, B * s->F);
    w->datt = slice_take(&cur, ATTENTION_SCRATCH_SLICES * s->T * s->T);
    return cur;
}

void transformer_init(TransformerParams *p, size_t C, size_t F, Rng *r)
{
    init_fill(p->ln1_g, C, 1.0f);
    init_fill(p->ln2_g, C, 1.0f);
    init_xavier_uniform(p->w_qkv, 3 * C, C, r);
    init_xavier_uniform(p->w_o, C, C, r);
    init_xavier_uniform(p->w_ff1, F, C, r);
    init_xavier_uniform(p->w_ff2, C, F, r);
}

NN_HOT static void add_into(float *restrict y, const float *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

void transformer_forward(float *out, TransformerActs *a, const float *in,
                         const TransformerParams *p, const TransformerShape *s)
{
    size_t B = s->nwin * s->T, C = s->C, F = s->F;
    layernorm_forward(a->ln1, a->mean1, a->rstd1, in, p->ln1_g, p->ln1_b, B, C);
    linear_forward(a->qkv, a->ln1, p->w_qkv, p->b_qkv, B, C, 3 * C);
    attention_forward(a->attn, a->att, a->qkv, s->nwin, s->T, C, s->H);
    linear_forward(a->x1, a->attn, p->w_o, p->b_o, B, C, C);
    add_into(a->x1, in, B * C);
    layernorm_forward(a->ln2, a->mean2, a->rstd2, a->x1, p->ln2_g, p->ln2_b, B, C);
    linear_forward(a->ff, a->ln2, p->w_ff1, p->b_ff1, B, C, F);
    relu_forward(a->ff, a->ff, B * F);
    linear_forward(out, a->ff, p->w_ff2, p->b_ff2, B, F, C);
    add_into(out, a->x1, B * C);
}

void transformer_backward(float *din, TransformerParams *g, TransformerScratch *w,
                          const float *dout, const float *in, const TransformerActs *a,
                          const TransformerParams *p, const TransformerShape *s)
{
    size_t B = s->nwin * s->T, C = s->C, F = s->F;
    /* feed-forward block: out = x1 + FFN(LN2(x1)) */
    memcpy(w->dx1, dout, B * C * sizeof *w->dx1);
    memset(w->dff, 0, B * F * sizeof *w->dff);
    linear_backward(w->dff, 1.0f, g->w_ff2, g->b_ff2, dout, a->ff, p->w_ff2, B, F, C);
    for (size_t i = 0; i < B * F; i++) /* ReLU, in place: ff holds its output */
        if (!(a->ff[i] > 0.0f))
            w->dff[i] = 0.0f;
    memset(w->dln, 0, B * C * sizeof *w->dln);
    linear_backward(w->dln, 1.0f, g->w_ff1, g->b_ff1, w->dff, a->ln2, p->w_ff1, B, C, F);
    layernorm_backward(w->dx1, g->ln2_g, g->ln2_b, w->dln, a->x1, a->mean2, a->rstd2, p->ln2_g,
                       B, C);
    /* attention block: x1 = x + Wo·Attn(LN1(x)) */
    memset(w->dattn, 0, B * C * sizeof *w->dattn);
    linear_backward(w->dattn, 1.0f, g->w_o, g->b_o, w->dx1, a->attn, p->w_o, B, C, C);
    memset(w->dqkv, 0, 3 * B * C * sizeof *w->dqkv);
    attention_backward(w->dqkv, w->datt, w->dattn, a->qkv, a->att, s->nwin, s->T, C, s->H);
    memset(w->dln, 0, B * C * sizeof *w->dln);
    linear_backward(w->dln, 1.0f, g->w_qkv, g->b_qkv, w->dqkv, a->ln1, p->w_qkv, B, C, 3 * C);
    add_into(din, w->dx1, B * C);
    layernorm_backward(din, g->ln1_g, g->ln1_b, w->dln, in, a->mean1, a->rstd1, p->ln1_g, B, C);
}
