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

#define LAYERNORM_EPS 1e-5

/* out[B][C] = (in - mean) * rstd * gamma[C] + beta[C];
 * mean[B], rstd[B] are saved for backward. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                       const float *gamma, const float *beta, size_t B, size_t C);

/* din[B][C] += ∂/∂in, dgamma[C] += Σ_rows dout·x̂, dbeta[C] += Σ_rows dout. */
void layernorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                        const float *in, const float *mean, const float *rstd,
                        const float *gamma, size_t B, size_t C);

#endif
