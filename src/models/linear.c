/*
 * linear.c: the linear predictor (see linear.h for the architecture and the
 * parameter order), wired from src/nn kernels over the model's flat
 * parameter and activation blocks.
 *
 * Speed: a batch mixes samples of all layers, and one GEMV per row would
 * leave BLAS idle. Forward sorts the rows by layer (a stable counting sort
 * into a permutation), gathers their hidden states into one contiguous
 * scratch and runs one GEMM per layer present; scores go back to row order
 * through the permutation, and backward reuses the same groups. With one
 * shared map (--no-layer-id) there is nothing to group: the batch is one
 * GEMM on the caller's rows.
 *
 * Not here: anything architecture-independent (checks, optimizer, I/O are
 * model.c's), and no allocation: every buffer, the permutation included, is
 * a slice of the blocks model_create sized with linear_param_count /
 * linear_act_count.
 */
#include "models/linear.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/init.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/slice.h"

/* The permutation and the group offsets are int32 slices of the float
 * activation block (same size and alignment; never read as floats). */
static_assert(sizeof(int32_t) == sizeof(float) && _Alignof(int32_t) <= _Alignof(float),
              "int32 slices of a float block");

static int32_t *islice_take(float **cursor, size_t n)
{
    return (int32_t *)(void *)slice_take(cursor, n);
}

/* Maps: one per layer, or one shared with --no-layer-id. */
static size_t linear_maps(const ModelConfig *c)
{
    return c->use_layer_id ? (size_t)c->L : 1;
}

/* Slices of map l in a parameter-sized block (params or grads). */
typedef struct LinearMap {
    float *a;    /* [E][D] full rank; NULL with a rank */
    float *u, *v; /* [E][R], [R][D] with a rank; NULL at full rank */
    float *b;    /* [E] */
} LinearMap;

/* Slices of the activation block, each sized for max_batch rows (B). */
typedef struct LinearActs {
    int32_t *perm;  /* [B] rows sorted by layer, stable: perm[i] = row */
    int32_t *start; /* [M + 1] group l is sorted rows start[l] .. start[l+1]-1 */
    float *xs;      /* [B][D] hidden states in sorted order; NULL with one map */
    float *zs;      /* [B][R] V_l · h in sorted order; NULL at full rank */
    float *ss;      /* [B][E] scores in sorted order; NULL with one map */
    float *logits;  /* [B][E] scores in row order (m->scores) */
    float *probs;   /* [B][E] softmax, saved for backward */
    float *dlogits; /* [B][E] row order */
    float *dss;     /* [B][E] sorted order; NULL with one map */
    float *dzs;     /* [B][R]; NULL at full rank */
} LinearActs;

/* Map l's slices: maps lie one after another, each R-form or full. */
static LinearMap linear_map(float *base, const ModelConfig *c, size_t l)
{
    size_t D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank;
    size_t per = R ? E * R + R * D + E : E * D + E;
    float *cur = base + l * per;
    LinearMap p = {NULL, NULL, NULL, NULL};
    if (R) {
        p.u = slice_take(&cur, E * R);
        p.v = slice_take(&cur, R * D);
    } else {
        p.a = slice_take(&cur, E * D);
    }
    p.b = slice_take(&cur, E);
    return p;
}

static size_t linear_layout_acts(LinearActs *a, float *base, const ModelConfig *c, size_t B)
{
    size_t D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank, M = linear_maps(c);
    int grouped = M > 1;
    float *cur = base;
    a->perm = islice_take(&cur, B);
    a->start = islice_take(&cur, M + 1);
    a->xs = grouped ? slice_take(&cur, B * D) : NULL;
    a->zs = R ? slice_take(&cur, B * R) : NULL;
    a->ss = grouped ? slice_take(&cur, B * E) : NULL;
    a->logits = slice_take(&cur, B * E);
    a->probs = slice_take(&cur, B * E);
    a->dlogits = slice_take(&cur, B * E);
    a->dss = grouped ? slice_take(&cur, B * E) : NULL;
    a->dzs = R ? slice_take(&cur, B * R) : NULL;
    return (size_t)(cur - base);
}

/* The sizes the layouts above hand out (checked against them in debug
 * builds by linear_init). */
static size_t linear_param_count(const ModelConfig *c)
{
    size_t D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank;
    return linear_maps(c) * (R ? E * R + R * D + E : E * D + E);
}

static size_t linear_act_count(const ModelConfig *c, size_t B)
{
    size_t D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank, M = linear_maps(c);
    size_t grouped = M > 1;
    return B + M + 1 + grouped * (B * D + 2 * B * E) + 3 * B * E + 2 * B * R;
}

/* SPEC 5's pinned initialisation: every weight (A_l, or U_l then V_l)
 * Xavier-uniform, map by map in block order; biases 0 (the block is zero
 * already). Also points m->scores at the logits. */
static void linear_init(Model *m, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    size_t D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank, M = linear_maps(c);
    LinearActs a;
    size_t na = linear_layout_acts(&a, m->acts, c, m->max_batch);
    assert(linear_param_count(c) == m->n_params && na == m->n_acts);
    (void)na;
    m->scores = a.logits;
    for (size_t l = 0; l < M; l++) {
        LinearMap p = linear_map(m->params, c, l);
        if (R) {
            init_xavier_uniform(p.u, E, R, r);
            init_xavier_uniform(p.v, R, D, r);
        } else {
            init_xavier_uniform(p.a, E, D, r);
        }
    }
}

/* Stable counting sort of the rows by layer: a->start[l] .. start[l+1] are
 * layer l's rows, in batch order, listed in a->perm. */
static void linear_group(LinearActs *a, const int32_t *layer, size_t n, size_t M)
{
    memset(a->start, 0, (M + 1) * sizeof *a->start);
    for (size_t i = 0; i < n; i++)
        a->start[layer[i] + 1]++;
    for (size_t l = 0; l < M; l++)
        a->start[l + 1] += a->start[l];
    /* perm filled through a running cursor per layer: start[l] is moved
     * along and restored after (start[l] ends where start[l+1] began) */
    for (size_t i = 0; i < n; i++)
        a->perm[a->start[layer[i]]++] = (int32_t)i;
    for (size_t l = M; l > 0; l--)
        a->start[l] = a->start[l - 1];
    a->start[0] = 0;
}

static double linear_forward_pass(Model *m, const Batch *bt, const int32_t *targets,
                                  int training)
{
    (void)training; /* no dropout */
    const ModelConfig *c = &m->cfg;
    size_t n = bt->n, D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank;
    size_t M = linear_maps(c);
    LinearActs a;
    linear_layout_acts(&a, m->acts, c, m->max_batch);

    /* rows in groups: xs [n][D], ss [n][E] in sorted order */
    const float *xs = bt->hidden;
    float *ss = a.logits;
    if (M > 1) {
        linear_group(&a, bt->layer, n, M);
        for (size_t i = 0; i < n; i++)
            memcpy(a.xs + i * D, bt->hidden + (size_t)a.perm[i] * D, D * sizeof *a.xs);
        xs = a.xs;
        ss = a.ss;
    } else {
        a.start[0] = 0;
        a.start[1] = (int32_t)n;
    }
    for (size_t l = 0; l < M; l++) {
        size_t s0 = (size_t)a.start[l], nl = (size_t)a.start[l + 1] - s0;
        if (nl == 0)
            continue;
        LinearMap p = linear_map(m->params, c, l);
        if (R) {
            linear_forward(a.zs + s0 * R, xs + s0 * D, p.v, NULL, nl, D, R); /* [nl][R] */
            linear_forward(ss + s0 * E, a.zs + s0 * R, p.u, p.b, nl, R, E);  /* [nl][E] */
        } else {
            linear_forward(ss + s0 * E, xs + s0 * D, p.a, p.b, nl, D, E);    /* [nl][E] */
        }
    }
    if (M > 1)
        for (size_t i = 0; i < n; i++)
            memcpy(a.logits + (size_t)a.perm[i] * E, a.ss + i * E, E * sizeof *a.logits);
    if (!targets)
        return (double)NAN;
    return softmax_ce_forward(a.probs, NULL, a.logits, targets, n, E, (size_t)c->K);
}

static void linear_backward_pass(Model *m)
{
    const ModelConfig *c = &m->cfg;
    const Batch *bt = &m->batch;
    size_t n = bt->n, D = (size_t)c->D, E = (size_t)c->E, R = (size_t)c->rank;
    size_t M = linear_maps(c);
    LinearActs a;
    linear_layout_acts(&a, m->acts, c, m->max_batch);

    /* Activation gradients accumulate too, so clear this batch's rows. */
    memset(a.dlogits, 0, n * E * sizeof *a.dlogits);
    if (R)
        memset(a.dzs, 0, n * R * sizeof *a.dzs);
    softmax_ce_backward(a.dlogits, a.probs, m->targets, 1.0f, n, E, (size_t)c->K);

    /* the forward's groups: xs, dss in sorted order */
    const float *xs = bt->hidden, *dss = a.dlogits;
    if (M > 1) {
        for (size_t i = 0; i < n; i++)
            memcpy(a.dss + i * E, a.dlogits + (size_t)a.perm[i] * E, E * sizeof *a.dss);
        xs = a.xs;
        dss = a.dss;
    }
    for (size_t l = 0; l < M; l++) {
        size_t s0 = (size_t)a.start[l], nl = (size_t)a.start[l + 1] - s0;
        if (nl == 0)
            continue;
        LinearMap p = linear_map(m->params, c, l), g = linear_map(m->grads, c, l);
        if (R) {
            /* dU += dsᵀ·z, db += colsum ds, dz = ds·U; dV += dzᵀ·x */
            linear_backward(a.dzs + s0 * R, 1.0f, g.u, g.b, dss + s0 * E, a.zs + s0 * R, p.u, nl, R,
                            E);
            linear_backward(NULL, 1.0f, g.v, NULL, a.dzs + s0 * R, xs + s0 * D, p.v, nl, D, R);
        } else {
            linear_backward(NULL, 1.0f, g.a, g.b, dss + s0 * E, xs + s0 * D, p.a, nl, D, E);
        }
    }
}

const ModelOps linear_ops = {
    .has_rank = 1,
    .param_count = linear_param_count,
    .act_count = linear_act_count,
    .init = linear_init,
    .forward = linear_forward_pass,
    .backward = linear_backward_pass,
};
