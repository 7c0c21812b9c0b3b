/*
 * bce.h: binary cross-entropy with logits for one logit per row against a
 * target in [0, 1] (the complex model's confidence head), as PyTorch's
 * binary_cross_entropy_with_logits(reduction='mean') over the rows a mask
 * selects:
 *     loss_b = softplus(z) − y·z = max(z, 0) − y·z + log1p(exp(−|z|)),
 * finite for any finite z; sums in double.
 *
 * Not here: the multi-hot form over E experts (loss.h).
 * Conventions as in loss.h: backward adds dscale · ∂(mean)/∂z.
 */
#ifndef MOESPEC_NN_BCE_H
#define MOESPEC_NN_BCE_H

#include <stddef.h>
#include <stdint.h>

/* Mean of loss_b over the rows b < B with mask[b] != 0 (mask NULL = all);
 * 0 when no row is selected. */
double bce_logit_forward(const float *logits, const float *y, const uint8_t *mask, size_t B);

/* dlogits[b] += dscale / n · (sigmoid(z_b) − y_b) on the n selected rows. */
void bce_logit_backward(float *dlogits, const float *logits, const float *y,
                        const uint8_t *mask, float dscale, size_t B);

#endif
