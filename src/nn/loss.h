/*
 * loss.h: the two training losses over expert scores (logits[B][E]) and
 * target sets (targets[B][K], expert ids in [0, E) in gate order).
 *
 * - Soft-target softmax cross-entropy (SPEC 3 `val_ce`, the simple model's
 *   loss): the target distribution puts 1/K on each id of the row (an id
 *   listed twice gets 2/K), loss_b = logsumexp(z) − (1/K)·Σ_k z[t_k].
 * - Multi-hot BCE with logits (the windowed models' loss): y_e = 1 when e
 *   is in the row's set (duplicates count once), averaged over all B·E
 *   entries as PyTorch's BCEWithLogitsLoss(reduction='mean').
 * Both are finite for any finite logits (±1e4 included): log-sum-exp with
 * the row maximum subtracted, softplus as max(z,0) + log1p(exp(−|z|)).
 * Sums are taken in double; the mean loss is returned as a double.
 *
 * Backward adds (+=) dscale · ∂(mean loss)/∂logits into dlogits, so a model
 * whose loss is a weighted sum of terms calls each backward with its weight.
 * Ids are trusted here (the model checks them once per batch).
 */
#ifndef MOESPEC_NN_LOSS_H
#define MOESPEC_NN_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* probs[B][E] = softmax(logits) (saved for backward); losses[B] (may be
 * NULL) = each row's loss. Returns the mean over rows. */
double softmax_ce_forward(float *probs, float *losses, const float *logits,
                          const int32_t *targets, size_t B, size_t E, size_t K);
/* dlogits[B][E] += dscale / B · (probs − y). */
void softmax_ce_backward(float *dlogits, const float *probs, const int32_t *targets,
                         float dscale, size_t B, size_t E, size_t K);

/* losses[B] (may be NULL) = each row's mean over its E entries. Returns the
 * mean over all B·E entries. */
double bce_multihot_forward(float *losses, const float *logits, const int32_t *targets,
                            size_t B, size_t E, size_t K);
/* dlogits[B][E] += dscale / (B·E) · (sigmoid(logits) − y). */
void bce_multihot_backward(float *dlogits, const float *logits, const int32_t *targets,
                           float dscale, size_t B, size_t E, size_t K);

#endif
