/*
 * model.c: the architecture-independent half of every model: configuration,
 * allocation, argument checks, zero-grad, clipping + AdamW. The
 * architecture files supply layout, initialisation, forward and backward
 * through ModelOps; arch.c's table says which ops an architecture has.
 */
#include "models/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/activation.h"

void model_config_default(ModelConfig *c, Arch arch, int D, int E, int K, int L)
{
    memset(c, 0, sizeof *c);
    const ArchInfo *row = arch_info(arch);
    c->arch = arch;
    c->D = D;
    c->W = MODEL_DEFAULT_WIDTH;
    int multiple = row ? row->ops->width_multiple : 1;
    if (multiple > 1)
        c->W = (c->W + multiple - 1) / multiple * multiple;
    c->E = E;
    c->K = K;
    c->L = L;
    c->use_layer_id = 1;
    c->dropout = row ? row->dropout : 0.0f;
    c->window = row && row->ops->windowed ? 32 : 0;
    c->seed = 1;
    c->adamw = ADAMW_DEFAULTS;
    c->clip = 1.0f;
}

static const ModelOps *arch_ops(Arch a)
{
    const ArchInfo *row = arch_info(a);
    return row ? row->ops : NULL;
}

size_t model_config_param_count(const ModelConfig *c)
{
    const ModelOps *ops = arch_ops(c->arch);
    return ops ? ops->param_count(c) : 0;
}

/* The windowed models' extra conditions on a configuration. */
static int config_check_windowed(const ModelConfig *c, const ModelOps *ops, size_t max_batch,
                                 Err *e)
{
    const char *name = arch_name(c->arch);
    if (c->window < 1 || c->window > 4096)
        return err_set(e, ERR_USAGE, "model: %s window %d not in [1, 4096]", name, c->window);
    if ((size_t)c->window > max_batch)
        return err_set(e, ERR_USAGE, "model: %s takes windows of %d rows; batch %zu is smaller",
                       name, c->window, max_batch);
    if (ops->width_multiple > 1 && c->W % ops->width_multiple != 0)
        return err_set(e, ERR_USAGE, "model: %s width %d is not a multiple of %d (its heads)",
                       name, c->W, ops->width_multiple);
    if (c->dropout != 0.0f)
        return err_set(e, ERR_USAGE, "model: %s has no dropout (got %g)", name,
                       (double)c->dropout);
    return ERR_OK;
}

static int config_check(const ModelConfig *c, const ModelOps *ops, size_t max_batch, Err *e)
{
    if (c->D < 1 || c->W < 1 || c->E < 1 || c->K < 1 || c->L < 1)
        return err_set(e, ERR_USAGE, "model: D=%d W=%d E=%d K=%d L=%d must all be >= 1", c->D,
                       c->W, c->E, c->K, c->L);
    if (c->K > c->E)
        return err_set(e, ERR_USAGE, "model: K=%d exceeds E=%d", c->K, c->E);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return err_set(e, ERR_USAGE, "model: dropout %g not in [0, 1)", (double)c->dropout);
    if (!(c->clip >= 0.0f))
        return err_set(e, ERR_USAGE, "model: clip %g is negative", (double)c->clip);
    if (c->rank != 0 && !ops->has_rank)
        return err_set(e, ERR_USAGE, "model: %s has no rank (got %d; --rank is linear's)",
                       arch_name(c->arch), c->rank);
    int rmax = (c->E < c->D ? c->E : c->D) - 1;
    if (c->rank != 0 && (c->rank < 1 || c->rank > rmax))
        return err_set(e, ERR_USAGE,
                       "model: %s rank %d not in [1, %d] (R < min(E, D) = %d; 0 is full rank)",
                       arch_name(c->arch), c->rank, rmax, rmax + 1);
    if (max_batch < 1 || max_batch > (size_t)1 << 24)
        return err_set(e, ERR_USAGE, "model: max batch %zu not in [1, 2^24]", max_batch);
    /* dropout's decisions are indexed by a 32-bit element number per call */
    if (c->dropout > 0.0f && max_batch * (size_t)c->W > DROPOUT_MAX_N)
        return err_set(e, ERR_USAGE, "model: batch %zu x width %d exceeds dropout's %zu elements",
                       max_batch, c->W, DROPOUT_MAX_N);
    return ops->windowed ? config_check_windowed(c, ops, max_batch, e) : ERR_OK;
}

int model_create(const ModelConfig *cfg, size_t max_batch, Model **out, Err *e)
{
    *out = NULL;
    const ModelOps *ops = arch_ops(cfg->arch);
    if (!ops)
        return err_set(e, ERR_USAGE, "model: unknown architecture %d", (int)cfg->arch);
    int rc = config_check(cfg, ops, max_batch, e);
    if (rc)
        return rc;
    size_t n_params = ops->param_count(cfg), n_acts = ops->act_count(cfg, max_batch);
    Model *m = calloc(1, sizeof *m);
    if (!m)
        return err_set(e, ERR_RUNTIME, "model: out of memory");
    m->ops = ops;
    m->cfg = *cfg;
    m->max_batch = max_batch;
    m->n_params = n_params;
    m->n_acts = n_acts;
    m->params = calloc(4 * n_params, sizeof *m->params);
    m->acts = calloc(n_acts, sizeof *m->acts);
    if (!m->params || !m->acts) {
        model_free(m);
        return err_set(e, ERR_RUNTIME,
                       "model: out of memory for %zu parameters and %zu activations", n_params,
                       n_acts);
    }
    m->grads = m->params + m->n_params;
    m->adam_m = m->grads + m->n_params;
    m->adam_v = m->adam_m + m->n_params;
    /* Two independent streams from one seed: initialisation, then dropout
     * 2^128 draws further on, so the dropout masks do not depend on how
     * many numbers the initialisation happened to draw. */
    Rng init;
    rng_seed(&init, cfg->seed);
    m->rng = init;
    rng_jump(&m->rng);
    m->ops->init(m, &init);
    *out = m;
    return ERR_OK;
}

void model_free(Model *m)
{
    if (!m)
        return;
    free(m->params);
    free(m->acts);
    free(m);
}

size_t model_param_count(const Model *m)
{
    return m->n_params;
}

static int row_valid(const Batch *b, size_t i)
{
    return !b->valid || b->valid[i];
}

/* Whole windows, padding only at the end of a window, some valid row. */
static int batch_check_windows(const Model *m, const Batch *b, Err *e)
{
    size_t T = (size_t)m->cfg.window, n_valid = 0;
    if (b->n % T != 0)
        return err_set(e, ERR_USAGE, "model: %s batch of %zu rows is not whole windows of %zu",
                       arch_name(m->cfg.arch), b->n, T);
    for (size_t i = 0; i < b->n; i++) {
        if (!row_valid(b, i))
            continue;
        n_valid++;
        if (i % T > 0 && !row_valid(b, i - 1))
            return err_set(e, ERR_INPUT,
                           "batch row %zu: valid row after padding in window %zu (padding "
                           "only ends a window)",
                           i, i / T);
    }
    if (n_valid == 0)
        return err_set(e, ERR_INPUT, "model: batch of %zu rows has no valid row", b->n);
    return ERR_OK;
}

/* Target ids of the valid rows; future entries may also be all -1. */
static int targets_check(const Model *m, const Batch *b, const int32_t *targets, Err *e)
{
    const ModelConfig *c = &m->cfg;
    size_t K = (size_t)c->K;
    for (size_t i = 0; i < b->n; i++)
        for (size_t k = 0; row_valid(b, i) && k < K; k++)
            if (targets[i * K + k] < 0 || targets[i * K + k] >= c->E)
                return err_set(e, ERR_INPUT, "batch row %zu: expert id %d not in [0, %d)", i,
                               (int)targets[i * K + k], c->E);
    const size_t A = (size_t)m->ops->n_aux;
    if (A == 0)
        return ERR_OK;
    if (!b->aux_targets)
        return err_set(e, ERR_USAGE, "model: %s needs the future tokens' targets",
                       arch_name(c->arch));
    for (size_t i = 0; i < b->n; i++)
        for (size_t j = 0; row_valid(b, i) && j < A; j++) {
            const int32_t *f = b->aux_targets + (i * A + j) * K;
            for (size_t k = 0; k < K; k++) {
                if (f[0] == -1 && f[k] != -1)
                    return err_set(e, ERR_INPUT,
                                   "batch row %zu: future token t+%zu: expert id %d after -1 "
                                   "(an absent token is all -1)",
                                   i, j + 1, (int)f[k]);
                if (f[0] != -1 && (f[k] < 0 || f[k] >= c->E))
                    return err_set(e, ERR_INPUT,
                                   "batch row %zu: future token t+%zu: expert id %d not in [0, "
                                   "%d)",
                                   i, j + 1, (int)f[k], c->E);
            }
        }
    return ERR_OK;
}

static int batch_check(const Model *m, const Batch *b, const int32_t *targets, Err *e)
{
    const ModelConfig *c = &m->cfg;
    if (b->n < 1 || b->n > m->max_batch)
        return err_set(e, ERR_USAGE, "model: batch of %zu rows (this model takes 1..%zu)", b->n,
                       m->max_batch);
    int rc;
    if (m->ops->windowed && (rc = batch_check_windows(m, b, e)))
        return rc;
    for (size_t i = 0; !m->ops->windowed && i < b->n; i++)
        if (!row_valid(b, i))
            return err_set(e, ERR_USAGE, "model: %s takes no padding (batch row %zu)",
                           arch_name(c->arch), i);
    if (c->use_layer_id) {
        if (!b->layer)
            return err_set(e, ERR_USAGE, "model: batch without layer ids for a layer-id model");
        for (size_t i = 0; i < b->n; i++)
            if (b->layer[i] < 0 || b->layer[i] >= c->L)
                return err_set(e, ERR_INPUT, "batch row %zu: layer id %d not in [0, %d)", i,
                               (int)b->layer[i], c->L);
    }
    return targets ? targets_check(m, b, targets, e) : ERR_OK;
}

int model_forward(Model *m, const Batch *b, const int32_t *targets, int training, double *loss,
                  Err *e)
{
    m->can_backward = 0;
    int rc = batch_check(m, b, targets, e);
    if (rc)
        return rc;
    m->batch = *b;
    m->targets = targets;
    m->training = training;
    double l = m->ops->forward(m, b, targets, training);
    if (loss)
        *loss = targets ? l : (double)NAN;
    if (targets && !isfinite(l))
        return err_set(e, ERR_RUNTIME, "model: non-finite loss (%g)", l);
    m->can_backward = targets != NULL;
    return ERR_OK;
}

const float *model_scores(const Model *m)
{
    return m->scores;
}

int model_n_aux(const Model *m)
{
    return m->ops->n_aux;
}

const float *model_aux_scores(const Model *m)
{
    return m->aux_scores;
}

void model_zero_grad(Model *m)
{
    memset(m->grads, 0, m->n_params * sizeof *m->grads);
}

int model_backward(Model *m, Err *e)
{
    if (!m->can_backward)
        return err_set(e, ERR_USAGE, "model: backward without a forward with targets before it");
    m->ops->backward(m);
    m->can_backward = 0;
    return ERR_OK;
}

int model_update(Model *m, float lr, double *grad_norm, Err *e)
{
    double norm = clip_grad_norm(m->grads, m->n_params, (double)m->cfg.clip);
    if (grad_norm)
        *grad_norm = norm;
    if (!isfinite(norm))
        return err_set(e, ERR_RUNTIME, "model: non-finite gradient norm (%g)", norm);
    m->adam_step++;
    adamw_update(m->params, m->adam_m, m->adam_v, m->grads, m->n_params, &m->cfg.adamw, lr,
                 m->adam_step);
    return ERR_OK;
}

float *model_block(Model *m, ModelBlock which)
{
    return which == MODEL_ADAM_M ? m->adam_m : which == MODEL_ADAM_V ? m->adam_v : m->params;
}
