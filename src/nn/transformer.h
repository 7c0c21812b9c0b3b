/*
 * transformer.h: one pre-norm causal transformer layer over windows, as
 * PyTorch's nn.TransformerEncoderLayer(norm_first=True, activation='relu',
 * dropout=0, batch_first=True) with a causal mask:
 *     x1  = x  + Wo · Attn(Wqkv · LN1(x) + bqkv) + bo
 *     out = x1 + W2 · ReLU(W1 · LN2(x1) + b1) + b2
 * (attention.h for Attn: H heads, causal within each window of T rows).
 *
 * A layer's parameters, saved activations and the backward workspace are
 * slices of the model's flat blocks, laid out by the functions below. The
 * workspace is shared by all layers of a stack (backward runs one layer at
 * a time). Conventions as in linear.h: backward adds (+=).
 *
 * Parameter order of one layer (a PyTorch script must follow it):
 *     ln1 γ [C], ln1 β [C], w_qkv [3C][C], b_qkv [3C], w_o [C][C], b_o [C],
 *     ln2 γ [C], ln2 β [C], w_ff1 [F][C], b_ff1 [F], w_ff2 [C][F], b_ff2 [C]
 * (w_qkv is nn.MultiheadAttention's in_proj_weight: rows Q, then K, then V).
 * Count: 4C + 3C² + 3C + C² + C + F·C + F + C·F + C = 4C² + 2CF + 9C + F.
 *
 * Not here: dropout (SPEC 5 gives none to the windowed models), positions
 * and the stack's wiring (the models').
 */
#ifndef MOESPEC_NN_TRANSFORMER_H
#define MOESPEC_NN_TRANSFORMER_H

#include <stddef.h>

#include "util/rng.h"

typedef struct TransformerShape {
    size_t nwin; /* windows in the batch */
    size_t T;    /* rows per window */
    size_t C;    /* width */
    size_t H;    /* heads, C % H == 0 */
    size_t F;    /* feed-forward width */
} TransformerShape;

typedef struct TransformerParams {
    float *ln1_g, *ln1_b; /* [C] */
    float *w_qkv, *b_qkv; /* [3C][C], [3C] */
    float *w_o, *b_o;     /* [C][C], [C] */
    float *ln2_g, *ln2_b; /* [C] */
    float *w_ff1, *b_ff1; /* [F][C], [F] */
    float *w_ff2, *b_ff2; /* [C][F], [C] */
} TransformerParams;

/* What forward saves for backward; B = nwin·T rows. */
typedef struct TransformerActs {
    float *ln1, *mean1, *rstd1; /* [B][C], [B], [B] LN1(x) */
    float *qkv;                 /* [B][3C] */
    float *att;                 /* [nwin][H][T][T] attention weights */
    float *attn;                /* [B][C] attention output, before w_o */
    float *x1;                  /* [B][C] x + attention block */
    float *ln2, *mean2, *rstd2; /* [B][C], [B], [B] LN2(x1) */
    float *ff;                  /* [B][F] ReLU(w_ff1 · LN2(x1) + b_ff1) */
} TransformerActs;

/* Backward workspace (overwritten by every transformer_backward). */
typedef struct TransformerScratch {
    float *dln;   /* [B][C] */
    float *dqkv;  /* [B][3C] */
    float *dattn; /* [B][C] */
    float *dx1;   /* [B][C] */
    float *dff;   /* [B][F] */
    float *datt;  /* [ATTENTION_SCRATCH_SLICES][T][T] */
} TransformerScratch;

/* Sizes (floats) of the three slices, and their layouts starting at cur;
 * each layout returns the cursor after its slice. */
size_t transformer_param_count(size_t C, size_t F);
size_t transformer_act_count(const TransformerShape *s);
size_t transformer_scratch_count(const TransformerShape *s);
float *transformer_layout_params(TransformerParams *p, float *cur, size_t C, size_t F);
float *transformer_layout_acts(TransformerActs *a, float *cur, const TransformerShape *s);
float *transformer_layout_scratch(TransformerScratch *w, float *cur, const TransformerShape *s);

/* SPEC 5's initialisation of a zeroed slice: Xavier-uniform w_qkv (as one
 * (3C, C) matrix, as PyTorch's in_proj), w_o, w_ff1, w_ff2, drawn in that
 * order; LayerNorm γ = 1; biases and β stay 0. */
void transformer_init(TransformerParams *p, size_t C, size_t F, Rng *r);

/* out[B][C] = the layer applied to in[B][C]; fills *a. out must not
 * alias in. */
void transformer_forward(float *out, TransformerActs *a, const float *in,
                         const TransformerParams *p, const TransformerShape *s);

/* din[B][C] += ∂/∂in and every gradient in *g += given dout[B][C], from
 * the activations the forward on `in` saved. din must not alias dout. */
void transformer_backward(float *din, TransformerParams *g, TransformerScratch *w,
                          const float *dout, const float *in, const TransformerActs *a,
                          const TransformerParams *p, const TransformerShape *s);

#endif
