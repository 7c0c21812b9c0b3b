/* window.c: the rows cap, masked losses and top-K exactness for the
 * windowed models; see window.h. */
#include "models/window.h"

#include "nn/loss.h"

size_t window_rows_cap(int window, size_t max_batch)
{
    return max_batch / (size_t)window * (size_t)window;
}

static int row_used(const WindowRows *w, size_t r)
{
    return (!w->valid || w->valid[r]) && w->t[r * w->ts] >= 0;
}

size_t window_rows_used(const WindowRows *w)
{
    size_t used = 0;
    for (size_t r = 0; r < w->n; r++)
        used += (size_t)row_used(w, r);
    return used;
}

double window_bce_forward(const float *logits, const WindowRows *w)
{
    size_t used = window_rows_used(w);
    if (used == 0)
        return 0.0;
    double total = 0.0; /* each call returns its row's mean over E */
    for (size_t r = 0; r < w->n; r++)
        if (row_used(w, r))
            total += bce_multihot_forward(NULL, logits + r * w->ls, w->t + r * w->ts, 1, w->E,
                                          w->K);
    return total / (double)used;
}

void window_bce_backward(float *dlogits, const float *logits, const WindowRows *w, float dscale)
{
    size_t used = window_rows_used(w);
    if (used == 0)
        return;
    float s = (float)((double)dscale / (double)used);
    for (size_t r = 0; r < w->n; r++)
        if (row_used(w, r))
            bce_multihot_backward(dlogits + r * w->ls, logits + r * w->ls, w->t + r * w->ts, s, 1,
                                  w->E, w->K);
}

double window_ce_forward(float *probs, const float *logits, const WindowRows *w)
{
    size_t used = window_rows_used(w);
    if (used == 0)
        return 0.0;
    double total = 0.0;
    for (size_t r = 0; r < w->n; r++)
        if (row_used(w, r))
            total += softmax_ce_forward(probs + r * w->E, NULL, logits + r * w->ls,
                                        w->t + r * w->ts, 1, w->E, w->K);
    return total / (double)used;
}

void window_ce_backward(float *dlogits, const float *probs, const WindowRows *w, float dscale)
{
    size_t used = window_rows_used(w);
    if (used == 0)
        return;
    float s = (float)((double)dscale / (double)used);
    for (size_t r = 0; r < w->n; r++)
        if (row_used(w, r))
            softmax_ce_backward(dlogits + r * w->ls, probs + r * w->E, w->t + r * w->ts, s, 1,
                                w->E, w->K);
}

/* Whether expert e is among the K highest of s[E] (ties to the lower id). */
static int in_topk(const float *s, size_t E, size_t K, size_t e)
{
    size_t above = 0;
    for (size_t j = 0; j < E; j++)
        if (s[j] > s[e] || (s[j] == s[e] && j < e))
            above++;
    return above < K;
}

int window_topk_exact(const float *scores, const int32_t *targets, size_t E, size_t K)
{
    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < k; j++)
            if (targets[j] == targets[k])
                return 0;
        if (!in_topk(scores, E, K, (size_t)targets[k]))
            return 0;
    }
    return 1;
}
