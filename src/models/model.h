/*
 * model.h: the one interface every predictor architecture implements, and
 * what the trainer, the checkpoint code and the evaluator may rely on.
 *
 * A training step is four calls (llm.c's shape):
 *     model_forward(m, &batch, targets, 1, &loss, e);
 *     model_zero_grad(m);
 *     model_backward(m, e);
 *     model_update(m, schedule_lr(...), &grad_norm, e);
 * Evaluation is model_forward(m, &batch, NULL or targets, 0, ...) and
 * model_scores(m).
 *
 * Memory: parameters, gradients and the two AdamW moments are four equal
 * flat float blocks of one allocation (so the optimizer, zero-grad and
 * checkpoint I/O are one loop or one fwrite each); activations and their
 * gradients are one flat block sized at create time for max_batch rows.
 * Nothing is allocated after model_create.
 *
 * The Model struct is visible so architecture files (linear.c, simple.c,
 * hybrid.c, complex.c) can wire into it; everyone else treats the fields as
 * read-only except through the functions below (a checkpoint restore writes
 * the blocks through model_block and sets rng and adam_step).
 *
 * Not here: file formats (the checkpoint module owns them), threading
 * (cblas runs on OpenBLAS's pool, sized by the trainer), metrics.
 */
#ifndef MOESPEC_MODELS_MODEL_H
#define MOESPEC_MODELS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "models/arch.h"
#include "nn/adamw.h"
#include "util/rng.h"
#include "util/err.h"

/* SPEC 5: 256 for every D. (D/2 below D = 512 once starved the predictors:
 * recall@4 0.31 against a linear probe's 0.86 on the demo set.) */
#define MODEL_DEFAULT_WIDTH 256

typedef struct ModelConfig {
    Arch arch;
    int D;            /* hidden size of the input */
    int W;            /* base width (MODEL_DEFAULT_WIDTH for every D, rounded
                         up to the architecture's ops->width_multiple, which
                         the attention heads need); linear has no width: W is
                         recorded but changes nothing */
    int E;            /* experts per layer: scores per sample */
    int K;            /* experts in each target set */
    int L;            /* MoE layers: rows of the layer embedding */
    int use_layer_id; /* 1: learned layer embedding; 0: --no-layer-id */
    float dropout;    /* drop probability in training, [0, 1) (the table's;
                         the windowed models take none: must be 0) */
    int window;       /* tokens per window of the windowed models (default
                         32); recorded but unused by the per-token ones */
    int rank;         /* linear's --rank R: A_l = U_l·V_l, 1 <= R < min(E, D);
                         0 = full rank. Every other architecture must have 0
                         (model_create refuses another value) */
    uint64_t seed;    /* initialisation and dropout streams */
    AdamWConfig adamw;
    float clip;       /* global grad-norm limit (1.0); 0 = no clipping */
} ModelConfig;

/* SPEC 5 defaults for an architecture on data of shape (D, E, K, L). */
void model_config_default(ModelConfig *c, Arch arch, int D, int E, int K, int L);

/* Parameters a configuration has (0 for an unknown architecture). */
size_t model_config_param_count(const ModelConfig *c);

/* One batch as the trainer hands it over. The arrays are the caller's and
 * must stay valid and unchanged from model_forward until model_backward.
 *
 * Per-token models (linear, simple): n independent rows (samples); valid must be
 * NULL or all 1.
 *
 * Windowed models (hybrid, complex): n = n_windows × cfg.window rows; row r
 * is position r % window of window r / window, and the rows of a window are
 * consecutive tokens (oldest first) of ONE sequence at ONE layer. Attention
 * is causal within a window, so a row's scores depend only on its own and
 * earlier rows of its window. A sequence's last window may be short: its
 * tail rows are padding (valid 0), and padding comes only at the END of a
 * window (else ERR_INPUT), so no valid row ever sees one. Padding rows still
 * need an in-range layer id and finite hidden values (e.g. zeros or a copy
 * of a valid row); their scores are garbage and every loss ignores them.
 * Losses average over the valid rows only; a batch needs at least one.
 *
 * Auxiliary heads: an architecture with ops->n_aux = A > 0 also scores the
 * experts of tokens t+1..t+A (hybrid: 4). aux_targets is then
 * [n][A][K], row r's entry j the target set of token t+1+j (same sequence
 * and layer, whether or not that token is in this batch), or K × -1 when
 * that token does not exist (past the end of the sequence); required with
 * targets (the loss uses it), ignored when A = 0. */

typedef struct Batch {
    size_t n;              /* rows (samples), 1..max_batch */
    const float *hidden;   /* [n][D] input hidden states, f32 */
    const int32_t *layer;  /* [n] input layer id in [0, L); may be NULL when
                              the model has no layer embedding */
    const uint8_t *valid;  /* [n] 0 on padding rows; NULL = all valid */
    const int32_t *aux_targets; /* [n][ops->n_aux][K] or NULL (see above) */
} Batch;

typedef struct Model Model;

/* What an architecture provides (see simple.c). forward returns the mean
 * loss when targets is not NULL; ids are already checked. */
typedef struct ModelOps {
    int windowed;      /* rows come in windows of cfg.window (hybrid, complex) */
    int n_aux;         /* auxiliary heads for tokens t+1..t+n_aux (hybrid: 4); its
                          loss needs Batch.aux_targets when > 0 */
    int width_multiple; /* cfg.W must be a multiple of this (attention heads) */
    int has_rank;      /* takes cfg.rank (linear) */
    size_t (*param_count)(const ModelConfig *c);
    size_t (*act_count)(const ModelConfig *c, size_t max_batch);
    void (*init)(Model *m, Rng *init_rng);
    double (*forward)(Model *m, const Batch *b, const int32_t *targets, int training);
    void (*backward)(Model *m);
} ModelOps;

struct Model {
    const ModelOps *ops;
    ModelConfig cfg;
    size_t max_batch;
    size_t n_params;
    float *params;   /* [n_params] in the architecture's documented order */
    float *grads;    /* [n_params] */
    float *adam_m;   /* [n_params] AdamW first moment */
    float *adam_v;   /* [n_params] AdamW second moment */
    size_t n_acts;
    float *acts;     /* [n_acts] activations and activation gradients */
    float *scores;   /* [max_batch][E] raw expert scores (logits), in acts */
    float *aux_scores; /* [max_batch][ops->n_aux][E] auxiliary heads' logits, in
                          acts; NULL when n_aux is 0 */
    Rng rng;         /* dropout stream; part of the training state */
    uint64_t adam_step; /* AdamW updates applied so far */
    /* the last forward, for backward */
    Batch batch;
    const int32_t *targets; /* [n][K] or NULL */
    int training;
    int can_backward;       /* a forward with targets ran since the last backward */
};

/* Builds a model for batches of up to max_batch rows with the pinned
 * initialisation of SPEC 5 drawn from cfg->seed. ERR_USAGE for a bad
 * configuration or an unknown architecture; ERR_RUNTIME when memory
 * runs out. */
int model_create(const ModelConfig *cfg, size_t max_batch, Model **out, Err *e);
void model_free(Model *m);

size_t model_param_count(const Model *m);

/* Runs the model on b (training: dropout on, masks drawn from m->rng).
 * With targets ([n][K] expert ids in gate order) *loss is the mean loss and
 * backward becomes possible; without, *loss is NAN. loss may be NULL.
 * ERR_USAGE when n is 0 or above max_batch; ERR_INPUT naming the row when a
 * layer or expert id is out of range; ERR_RUNTIME when the loss is not
 * finite (SPEC 5: the run halts, never a silent zero). */
int model_forward(Model *m, const Batch *b, const int32_t *targets, int training, double *loss,
                  Err *e);

/* Expert scores of the last forward's rows: [n][E] (raw logits; garbage on
 * padding rows). */
const float *model_scores(const Model *m);

/* Auxiliary heads of the model (ops->n_aux; 0 for most architectures). */
int model_n_aux(const Model *m);
/* Their scores for the last forward's rows: [n][n_aux][E] logits, entry j
 * scoring the experts of token t+1+j (future.csv's hit1, recall_K, cover_K
 * per offset). NULL when the model has none. */
const float *model_aux_scores(const Model *m);

void model_zero_grad(Model *m);

/* Adds the gradient of the last forward's loss into the gradient block.
 * ERR_USAGE unless a forward with targets came before. */
int model_backward(Model *m, Err *e);

/* Clips the gradient to cfg.clip (global L2 norm), then one AdamW step at
 * learning rate lr. *grad_norm (may be NULL) gets the norm before clipping.
 * A non-finite norm is ERR_RUNTIME and changes nothing. */
int model_update(Model *m, float lr, double *grad_norm, Err *e);

/* The flat blocks, for checkpoints: n_params raw floats each; the caller
 * owns framing, checksums, validation and the file. */
typedef enum { MODEL_PARAMS = 0, MODEL_ADAM_M, MODEL_ADAM_V } ModelBlock;
float *model_block(Model *m, ModelBlock which);

#endif
