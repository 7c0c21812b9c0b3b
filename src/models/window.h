/*
 * window.h: what the windowed models (hybrid, complex) share: the rows a
 * batch can hold in whole windows, the losses averaged over the rows that
 * count, and the "top-K exactly right" test.
 *
 * A row counts for a loss when it is valid (Batch.valid NULL or non-zero)
 * and its target row is present (first id >= 0: padding rows and the
 * future tokens past a sequence's end hold -1). Means are over the rows
 * that count (times E for the multi-hot BCE), so padding changes nothing.
 * Logit and target rows are addressed with strides, so a loss can run over
 * one head of a packed [n][heads][E] output.
 *
 * Used only by hybrid.c and complex.c; the per-row maths is src/nn/loss.h.
 */
#ifndef MOESPEC_MODELS_WINDOW_H
#define MOESPEC_MODELS_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* The rows of max_batch that whole windows of `window` tokens fill: what a
 * windowed model sizes and lays out its activations for. */
size_t window_rows_cap(int window, size_t max_batch);

/* Rows that count: logits row r at logits + r·ls, targets row at t + r·ts. */
typedef struct WindowRows {
    size_t n;              /* rows */
    const uint8_t *valid;  /* [n] or NULL */
    const int32_t *t;      /* target rows (K ids each) */
    size_t ts;             /* target row stride */
    size_t ls;             /* logit row stride */
    size_t E, K;
} WindowRows;

/* Number of rows that count. */
size_t window_rows_used(const WindowRows *w);

/* Mean multi-hot BCE over the rows that count × E (0 when none count). */
double window_bce_forward(const float *logits, const WindowRows *w);
/* dlogits += dscale · ∂(that mean)/∂logits. */
void window_bce_backward(float *dlogits, const float *logits, const WindowRows *w, float dscale);

/* Mean soft-target cross-entropy over the rows that count (probs rows
 * [n][E] at stride E are written for every counted row). */
double window_ce_forward(float *probs, const float *logits, const WindowRows *w);
void window_ce_backward(float *dlogits, const float *probs, const WindowRows *w, float dscale);

/* 1 when the K highest scores (ties to the lower id, SPEC 2) are exactly
 * the set of the K target ids (a repeated id can never match). */
int window_topk_exact(const float *scores, const int32_t *targets, size_t E, size_t K);

#endif
