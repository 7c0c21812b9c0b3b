/*
 * model.c: the architecture-independent half of every model: configuration,
 * allocation, argument checks, zero-grad, clipping + AdamW, block I/O. The
 * architecture files supply layout, initialisation, forward and backward
 * through ModelOps.
 */
#include "models/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/simple.h"

static const char *const arch_names[ARCH_COUNT] = {"simple", "hybrid", "complex"};

const char *arch_name(Arch a)
{
    return (unsigned)a < ARCH_COUNT ? arch_names[a] : "unknown";
}

int arch_parse(const char *name, Arch *out, Err *e)
{
    for (int a = 0; a < ARCH_COUNT; a++)
        if (strcmp(name, arch_names[a]) == 0) {
            *out = (Arch)a;
            return ERR_OK;
        }
    return err_set(e, ERR_USAGE, "unknown architecture '%s' (simple, hybrid or complex)", name);
}

void model_config_default(ModelConfig *c, Arch arch, int D, int E, int K, int L)
{
    memset(c, 0, sizeof *c);
    c->arch = arch;
    c->D = D;
    c->W = D < 512 ? D / 2 : 256;
    if (c->W < 1)
        c->W = 1;
    c->E = E;
    c->K = K;
    c->L = L;
    c->use_layer_id = 1;
    c->dropout = arch == ARCH_SIMPLE ? 0.1f : 0.0f;
    c->window = arch == ARCH_SIMPLE ? 0 : 32;
    c->seed = 1;
    c->adamw = ADAMW_DEFAULTS;
    c->clip = 1.0f;
}

static const ModelOps *arch_ops(Arch a)
{
    return a == ARCH_SIMPLE ? &simple_ops : NULL;
}

size_t model_config_param_count(const ModelConfig *c)
{
    const ModelOps *ops = arch_ops(c->arch);
    return ops ? ops->param_count(c) : 0;
}

static int config_check(const ModelConfig *c, size_t max_batch, Err *e)
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
    if (max_batch < 1 || max_batch > (size_t)1 << 24)
        return err_set(e, ERR_USAGE, "model: max batch %zu not in [1, 2^24]", max_batch);
    return ERR_OK;
}

int model_create(const ModelConfig *cfg, size_t max_batch, Model **out, Err *e)
{
    *out = NULL;
    const ModelOps *ops = arch_ops(cfg->arch);
    if (!ops)
        return err_set(e, ERR_USAGE, "model: architecture '%s' is not built yet",
                       arch_name(cfg->arch));
    int rc = config_check(cfg, max_batch, e);
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

static int batch_check(const Model *m, const Batch *b, const int32_t *targets, Err *e)
{
    const ModelConfig *c = &m->cfg;
    if (b->n < 1 || b->n > m->max_batch)
        return err_set(e, ERR_USAGE, "model: batch of %zu rows (this model takes 1..%zu)", b->n,
                       m->max_batch);
    if (c->use_layer_id) {
        if (!b->layer)
            return err_set(e, ERR_USAGE, "model: batch without layer ids for a layer-id model");
        for (size_t i = 0; i < b->n; i++)
            if (b->layer[i] < 0 || b->layer[i] >= c->L)
                return err_set(e, ERR_INPUT, "batch row %zu: layer id %d not in [0, %d)", i,
                               (int)b->layer[i], c->L);
    }
    if (targets)
        for (size_t i = 0; i < b->n * (size_t)c->K; i++)
            if (targets[i] < 0 || targets[i] >= c->E)
                return err_set(e, ERR_INPUT, "batch row %zu: expert id %d not in [0, %d)",
                               i / (size_t)c->K, (int)targets[i], c->E);
    return ERR_OK;
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
        return err_set(e, ERR_RUNTIME, "model: non-finite loss (%g) after %llu updates", l,
                       (unsigned long long)m->adam_step);
    m->can_backward = targets != NULL;
    return ERR_OK;
}

const float *model_scores(const Model *m)
{
    return m->scores;
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
        return err_set(e, ERR_RUNTIME, "model: non-finite gradient norm (%g) at update %llu", norm,
                       (unsigned long long)m->adam_step + 1);
    m->adam_step++;
    adamw_update(m->params, m->adam_m, m->adam_v, m->grads, m->n_params, &m->cfg.adamw, lr,
                 m->adam_step);
    return ERR_OK;
}

float *model_block(Model *m, ModelBlock which)
{
    return which == MODEL_ADAM_M ? m->adam_m : which == MODEL_ADAM_V ? m->adam_v : m->params;
}

static const char *block_name(ModelBlock which)
{
    return which == MODEL_ADAM_M ? "AdamW first moment"
           : which == MODEL_ADAM_V ? "AdamW second moment"
                                   : "parameter block";
}

int model_write_block(const Model *m, ModelBlock which, FILE *f, const char *path, Err *e)
{
    const float *src = which == MODEL_ADAM_M   ? m->adam_m
                       : which == MODEL_ADAM_V ? m->adam_v
                                               : m->params;
    errno = 0;
    if (fwrite(src, sizeof *src, m->n_params, f) != m->n_params)
        return err_sys(e, ERR_RUNTIME, errno, "%s: writing the %s", path, block_name(which));
    return ERR_OK;
}

int model_read_block(Model *m, ModelBlock which, FILE *f, const char *path, Err *e)
{
    long start = ftell(f);
    /* Read into the gradient block (scratch between steps) so a bad block
     * leaves the model as it was. */
    float *tmp = m->grads;
    size_t got = fread(tmp, sizeof *tmp, m->n_params, f);
    if (got != m->n_params) {
        if (ferror(f))
            return err_sys(e, ERR_INPUT, errno, "%s:%ld: reading the %s", path, start,
                           block_name(which));
        return err_set(e, ERR_INPUT, "%s:%ld: %s truncated (%zu of %zu values)", path, start,
                       block_name(which), got, m->n_params);
    }
    for (size_t i = 0; i < m->n_params; i++)
        if (!isfinite(tmp[i]) || (which == MODEL_ADAM_V && tmp[i] < 0.0f))
            return err_set(e, ERR_INPUT, "%s:%ld: %s value %zu is %g", path,
                           start + (long)(i * sizeof *tmp), block_name(which), i, (double)tmp[i]);
    memcpy(model_block(m, which), tmp, m->n_params * sizeof *tmp);
    model_zero_grad(m);
    return ERR_OK;
}
