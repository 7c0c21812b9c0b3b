/*
 * hybrid.h: the hybrid predictor of SPEC 5 (classification + temporal),
 * over windows of T = cfg.window rows (model.h's Batch):
 *     h    = Linear D→W (x) [+ layer embedding L×W, unless --no-layer-id]
 *     f    = ReLU(LN(Linear W→W (ReLU(LN(h)))))      per-token features
 *     a    = Linear W→E (f)                            (a) classification head
 *     z    = f + learned position [T][W] (row's position in its window)
 *     z    = 2 × pre-norm causal transformer layer (4 heads, width W, FFN W)
 *     c    = Linear W→E (z)                            current-token head
 *     u_j  = Linear W→E (z), j = 1..4                  experts of token t+j
 *     scores = (a + c) / 2                             SPEC: the average
 * No final LayerNorm after the transformer (SPEC names one only for
 * complex) and no dropout (SPEC gives dropout to simple only).
 *
 * Loss: SPEC's multi-hot BCE(a) + 0.3 × mean_j BCE(u_j), plus the choice
 * SPEC leaves open: the current-token head c is trained by the same
 * multi-hot BCE with weight HYBRID_CURRENT_WEIGHT (an untrained c would
 * add noise to the averaged score). So
 *     loss = BCE(a) + 1.0 × BCE(c) + 0.3 × mean_j BCE(u_j).
 * Each BCE is the mean over the valid rows × E; BCE(u_j) over the valid
 * rows whose token t+j exists, and the mean over j takes the offsets with
 * at least one such row (0 when none has).
 *
 * Parameter block order (weights (OUT, IN) row-major as nn.Linear's):
 *     w1 [W][D], b1 [W], emb [L][W] (only with the layer embedding),
 *     ln1 γ [W], ln1 β [W], w2 [W][W], b2 [W], ln2 γ [W], ln2 β [W],
 *     wa [E][W], ba [E],
 *     pos [T][W],
 *     2 × transformer layer (nn/transformer.h's order, C = F = W),
 *     wc [E][W], bc [E],
 *     wu [4E][W], bu [4E]   (the four future heads stacked: rows j·E..
 *                            j·E+E-1 are offset t+1+j)
 * Count: D·W + W² + 6W + T·W + 2(6W² + 10W) + 6(E·W + E) (+ L·W):
 *        1,489,768 at D=2048, W=256, E=60, L=24, T=32 with the
 *        layer embedding (1,483,624 without).
 * Initialisation (SPEC 5): Xavier-uniform weights, zero biases, γ=1 β=0,
 * layer embedding N(0, 1), positions N(0, 0.02²), drawn in block order.
 *
 * Used only through model.h (model_aux_scores gives the u_j logits).
 */
#ifndef MOESPEC_MODELS_HYBRID_H
#define MOESPEC_MODELS_HYBRID_H

#include "models/model.h"

#define HYBRID_HEADS 4
#define HYBRID_LAYERS 2
#define HYBRID_FUTURE_WEIGHT 0.3f  /* SPEC 5 */
#define HYBRID_AHEAD 4             /* future heads: tokens t+1..t+4 */
#define HYBRID_CURRENT_WEIGHT 1.0f /* our choice; see above */

extern const ModelOps hybrid_ops;

#endif
