/*
 * complex.h: the complex predictor of SPEC 5 (multi-transformer), over
 * windows of T = cfg.window rows (model.h's Batch), with C = 2W:
 *     x      = Linear D→C (hidden) [+ layer embedding L×C, unless
 *              --no-layer-id] + sinusoid[T][C] (row's position in window)
 *     x      = 6 × pre-norm causal transformer layer (8 heads, width C,
 *              FFN 4C = 8W)
 *     y      = LayerNorm(x)                                final LayerNorm
 *     scores = Linear C→E (ReLU(Linear 2C→C (ReLU(Linear C→2C (y))))))
 *              (the expert head 2W→4W→2W→E)
 *     conf   = Linear W→1 (ReLU(Linear C→W (y)))         confidence head
 * No dropout (SPEC gives dropout to simple only).
 *
 * Loss, each term a mean over the valid rows:
 *     multi-hot BCE(scores) (also over E) + 0.5 × soft-target CE(scores)
 *     + 0.1 × BCE(conf, exact), exact = 1 when the top-K of this forward's
 *     scores (ties to the lower id) is the target set: a target computed
 *     from the current scores, with no gradient through it.
 *
 * Parameter block order (weights (OUT, IN) row-major as nn.Linear's):
 *     w_in [C][D], b_in [C], emb [L][C] (only with the layer embedding),
 *     6 × transformer layer (nn/transformer.h's order, F = 4C),
 *     lnf γ [C], lnf β [C],
 *     we1 [2C][C], be1 [2C], we2 [C][2C], be2 [C], we3 [E][C], be3 [E],
 *     wq1 [W][C], bq1 [W], wq2 [1][W], bq2 [1]
 * Count: D·C + C + 6(12C² + 13C) + 2C + 4C² + 3C + E·C + E + W·C + 2W + 1
 *        (+ L·C): 21,176,893 at D=2048, W=256, E=60 without the layer
 *        embedding, 21,189,181 with it (L=24). No positional parameters:
 *        the sinusoids are fixed (kept in the activation block).
 * Initialisation (SPEC 5): Xavier-uniform weights, zero biases, γ=1 β=0,
 * layer embedding N(0, 1), drawn in block order.
 *
 * Used only through model.h.
 */
#ifndef MOESPEC_MODELS_COMPLEX_H
#define MOESPEC_MODELS_COMPLEX_H

#include "models/model.h"

#define COMPLEX_LAYERS 6
#define COMPLEX_HEADS 8
#define COMPLEX_CE_WEIGHT 0.5f   /* SPEC 5 */
#define COMPLEX_CONF_WEIGHT 0.1f /* SPEC 5 */

extern const ModelOps complex_ops;

#endif
