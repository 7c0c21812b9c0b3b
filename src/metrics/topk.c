/*
 * topk.c: top-k selection and ranks under metrics_before's order.
 *
 * metrics_topk keeps the k best seen so far in out_ids as a binary heap whose
 * root is the *latest* (worst) of them, so each further expert costs one
 * comparison with the root, and a sift only when it enters; a final in-place
 * heap sort leaves the list best first. Not here: anything about targets.
 */
#include "metrics/topk.h"

/* 1 when heap entry i comes after heap entry j in P order (i is "worse"). */
static int topk_later(const float *scores, const int *h, int i, int j)
{
    return metrics_before(scores[h[j]], h[j], scores[h[i]], h[i]);
}

static void topk_sift_down(const float *scores, int *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, worst = i;
        if (l < n && topk_later(scores, h, l, worst))
            worst = l;
        if (r < n && topk_later(scores, h, r, worst))
            worst = r;
        if (worst == i)
            return;
        int t = h[i];
        h[i] = h[worst];
        h[worst] = t;
        i = worst;
    }
}

static void topk_sift_up(const float *scores, int *h, int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!topk_later(scores, h, i, p))
            return;
        int t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

int metrics_topk(const float *scores, int E, int k, int *out_ids)
{
    if (E < 1 || k < 1)
        return 0;
    if (k > E)
        k = E;
    int n = 0;
    for (int j = 0; j < E; j++) {
        if (n < k) {
            out_ids[n] = j;
            topk_sift_up(scores, out_ids, n++);
        } else if (metrics_before(scores[j], j, scores[out_ids[0]], out_ids[0])) {
            out_ids[0] = j;
            topk_sift_down(scores, out_ids, k, 0);
        }
    }
    /* Heap sort: move the worst to the end, k-1 times: best ends up first. */
    for (int m = k - 1; m > 0; m--) {
        int t = out_ids[0];
        out_ids[0] = out_ids[m];
        out_ids[m] = t;
        topk_sift_down(scores, out_ids, m, 0);
    }
    return k;
}

int metrics_rank(const float *scores, int E, int id)
{
    float s = scores[id];
    int r = 0;
    if (s != s) { /* NaN: after every number, then by id among NaNs */
        for (int j = 0; j < E; j++)
            r += (scores[j] == scores[j]) || j < id;
        return r;
    }
    /* A NaN scores[j] compares false both ways, so it never counts here. */
    for (int j = 0; j < id; j++)
        r += scores[j] >= s;
    for (int j = id + 1; j < E; j++)
        r += scores[j] > s;
    return r;
}
