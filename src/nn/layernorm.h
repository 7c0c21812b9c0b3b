/*
 * layernorm.h: LayerNorm over the last dimension, as PyTorch's nn.LayerNorm
 * (biased variance, eps = 1e-5 inside the square root, affine γ and β).
 *
 * Forward saves each row's mean and 1/std for backward. Statistics are
 * summed in double (two passes), so rows with a large common offset keep
 * their precision. Conventions as in linear.h: backward adds (+=).
 */
#ifndef MOESPEC_NN_LAYERNORM_H
#define MOESPEC_NN_LAYERNORM_H

#include <stddef.h>

#include "util/rng.h"

#define LAYERNORM_EPS 1e-5

/* out[B][C] = (in - mean) * rstd * gamma[C] + beta[C];
 * mean[B], rstd[B] are saved for backward. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                       const float *gamma, const float *beta, size_t B, size_t C);

/* din[B][C] += ∂/∂in, dgamma[C] += Σ_rows dout·x̂, dbeta[C] += Σ_rows dout. */
void layernorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd,
                        const float *gamma, size_t B, size_t C);

/* A simple block's tail, fused: out = dropout(relu(layernorm(in))), one
 * pass over each row where three separate layers made three over the
 * batch, with the same numbers (dropout as dropout_forward: one key from
 * rng when p > 0, element r·C + i kept when dropout_u24(key, r·C + i) >= p;
 * p = 0, evaluation or no dropout, draws nothing: rng may be NULL). Saves mean[B], rstd[B] and
 * gmask[B][C]: the gradient factor of ReLU and dropout together, 1/(1-p)
 * where the element was kept and its ReLU input was > 0, else 0, so
 * backward needs neither the norm nor the ReLU output. B·C <= 2^32 - 1. */
void layernorm_relu_dropout_forward(float *out, float *gmask, float *mean, float *rstd,
                                    const float *in, const float *gamma, const float *beta,
                                    size_t B, size_t C, float p, Rng *rng);

/* din[B][C] = din_beta · din + ∂/∂in (BLAS's beta, as linear_backward's:
 * 0 overwrites unread), dgamma, dbeta += as layernorm_backward; dnorm[B][C]
 * is scratch, left holding the LayerNorm output's gradient dout · gmask.
 * (One difference from the separate layers: a NaN dout at a kept-by-ReLU
 * but dropped element gives 0 here, NaN there. A NaN dout can only come
 * from a non-finite loss, which halts a run before its backward.) */
void layernorm_relu_dropout_backward(float *din, float din_beta, float *dgamma, float *dbeta,
                                     float *dnorm, const float *dout, const float *gmask,
                                     const float *in, const float *mean, const float *rstd,
                                     const float *gamma, size_t B, size_t C);

#endif
