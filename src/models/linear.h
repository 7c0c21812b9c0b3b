/*
 * linear.h: the linear predictor of SPEC 5, the router's own form: one
 * affine map per input layer,
 *     scores = A_l · h + b_l,   A_l [E][D], b_l [E],
 * or, with --rank R (1 <= R < min(E, D)), the "two linear maps" of the
 * pre-attention predictors,
 *     scores = U_l · (V_l · h) + b_l,   U_l [E][R], V_l [R][D].
 * The sample's input layer l selects the map; with --no-layer-id there is
 * one map (index 0) shared by all layers. With --lookahead Δ the targets
 * are layer l+Δ's experts: the map of layer l learns to predict them. Loss:
 * soft-target cross-entropy (1/K on each target expert), as simple's.
 * There is no width: cfg.W changes nothing.
 *
 * Parameter block order (a PyTorch script writing weights for this model
 * must follow it; weights are (OUT, IN) row-major as nn.Linear's), for map
 * l = 0 .. M-1 (M = L, or 1 with --no-layer-id):
 *     full rank:  A_l [E][D], b_l [E]
 *     rank R:     U_l [E][R], V_l [R][D], b_l [E]
 * Count: M·E·(D+1), or M·(E·R + R·D + E): 2,950,560 at D=2048, E=60,
 * L=24 full rank; 810,912 at R=16.
 *
 * Used only through model.h and arch.c's table; this header holds the
 * layout above and declares linear_ops.
 */
#ifndef MOESPEC_MODELS_LINEAR_H
#define MOESPEC_MODELS_LINEAR_H

#include "models/model.h"

extern const ModelOps linear_ops;

#endif
