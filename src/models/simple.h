/*
 * simple.h: the simple predictor of SPEC 5, a per-token MLP:
 *     h = Linear D→W (x) [+ layer embedding L×W, unless --no-layer-id]
 *     2 × { h = Dropout_p(ReLU(LayerNorm(Linear W→W (h)))) }
 *     scores = Linear W→E (h)
 * trained with the soft-target cross-entropy (1/K on each target expert).
 *
 * Parameter block order (a PyTorch script writing weights for this model
 * must follow it; weights are (OUT, IN) row-major as nn.Linear's):
 *     w1 [W][D], b1 [W],
 *     emb [L][W]                    (only with the layer embedding),
 *     for block i = 0, 1: w [W][W], b [W], ln γ [W], ln β [W],
 *     wo [E][W], bo [E].
 * Count: D·W + W + 2·(W·W + 3W) + E·W + E (+ L·W): 672,572 at D=2048,
 * W=256, E=60 without the layer embedding.
 *
 * Used only through model.h; this header exists so model.c can find it.
 */
#ifndef MOESPEC_MODELS_SIMPLE_H
#define MOESPEC_MODELS_SIMPLE_H

#include "models/model.h"

extern const ModelOps simple_ops;

#endif
