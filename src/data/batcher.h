/*
 * batcher.h: the samples of a trace set, in batches, for training and for
 * evaluation.
 *
 * A sample is (sequence, token t, input layer l) with l + lookahead < L
 * (SPEC 2). A Batcher serves the sequences selected by a mask (the training
 * or the validation split) either in shuffled epochs (training: the shard
 * groups in a shuffled order, the samples of a group shuffled within it) or
 * in storage order (evaluation, optionally a fixed random subset).
 *
 * The unit of shuffling is a window of `window` consecutive tokens of one
 * sequence at one layer (window 1: a single sample, for the per-token
 * models). The windowed models predict every position of their window, so a
 * sequence is cut into consecutive windows and every token is a sample
 * exactly once per epoch; a sequence's last window may be short, and its
 * missing rows are padding (valid = 0) at the end of the window.
 *
 * The order of every epoch is a pure function of (seed, epoch), so the whole
 * position is the small BatchCursor: a checkpoint stores it and resumes the
 * exact same batches. Batches are copied (f16 -> f32) into a SampleBatch
 * the caller owns, so no pointer into a shard outlives a call.
 *
 * Not here: the split itself (data/split.h), models, metrics.
 */
#ifndef MOESPEC_DATA_BATCHER_H
#define MOESPEC_DATA_BATCHER_H

#include <stdint.h>

#include "data/traceset.h"
#include "util/err.h"

#define BATCH_MAX_AUX 16 /* future tokens whose targets a batch may carry */

/* One batch of samples. Every row says which sample it is (sequence,
 * position, token id, input layer), so a consumer of scores (the metrics,
 * the deployment simulation to come) needs nothing but the batch. */
typedef struct SampleBatch {
    int cap;          /* rows allocated */
    int n;            /* rows filled (whole windows) */
    int D, K;
    int window;       /* rows per window (1 for the per-token models) */
    int n_aux;        /* future tokens per row in aux (0: aux not filled) */
    int aux_cap;      /* n_aux allocated */
    float *x;         /* [cap][D] hidden state at the input layer, f32 (0 on padding) */
    int64_t *seq;     /* [cap] sequence index in the trace set */
    int32_t *pos;     /* [cap] token position t in the sequence (the window's on padding) */
    int32_t *token;   /* [cap] token id, -1 when the set has none (and on padding) */
    int32_t *layer;   /* [cap] input layer l */
    int32_t *targets; /* [cap][K] experts at layer l + lookahead, gate order; -1 on padding */
    int32_t *prev;    /* [cap][K] previous token's targets (same layers), -1 at t = 0 */
    int32_t *aux;     /* [cap][n_aux][K] targets of tokens t+1..t+n_aux, -1 past the
                         end; filled only for a batcher opened with n_aux > 0 */
    uint8_t *valid;   /* [cap] 0 on the padding rows of a sequence's last window */
    int n_valid;      /* rows with valid = 1 */
} SampleBatch;

/* cap rows of hidden size D and K experts, with room for aux_cap future
 * tokens per row (0 when no batcher fills them). */
int sample_batch_alloc(SampleBatch *b, int cap, int D, int K, int aux_cap, Err *e);
void sample_batch_free(SampleBatch *b);

typedef struct BatchCursor {
    int64_t epoch;     /* completed epochs */
    int64_t group_pos; /* position in this epoch's group order */
    int64_t offset;    /* samples of that group already served */
} BatchCursor;

typedef struct Batcher Batcher;

/* 1 when c can be a cursor of b's training epochs under seed: a group
 * position inside the epoch's order and an offset within that group's
 * samples (a restored cursor indexes with both). */
int batcher_cursor_valid(const Batcher *b, uint64_t seed, const BatchCursor *c);

/* seq_mask[s] != 0 selects sequence s (NULL = all). batch is the samples
 * per training batch (rounded down to whole windows, at least one window);
 * window is the rows per unit (1 = per token); n_aux the future tokens
 * whose targets every row carries (0..BATCH_MAX_AUX; the batches then need
 * aux_cap >= n_aux). Fails with ERR_INPUT when nothing is selected or a
 * sequence is too long to index. */
int batcher_open(TraceSet *ts, const uint8_t *seq_mask, int lookahead, int batch, int window,
                 int n_aux, Batcher **out, Err *e);
/* Rows a SampleBatch needs for this batcher's batches. */
int batcher_batch_rows(const Batcher *b);
void batcher_free(Batcher *b);

int64_t batcher_n_samples(const Batcher *b);
/* Training batches per epoch (a group's last batch may be short). */
int64_t batcher_steps_per_epoch(const Batcher *b);

/* The next training batch of the shuffled epochs after *c; advances *c.
 * *epoch_done is set when the batch was the last of its epoch. */
int batcher_next_train(Batcher *b, uint64_t seed, BatchCursor *c, SampleBatch *out,
                       int *epoch_done, Err *e);

/* Evaluation restricted to about max_samples samples (whole windows) drawn
 * once from seed (0 or more than the total = all); kept in storage order. */
int batcher_limit_eval(Batcher *b, int64_t max_samples, uint64_t seed, Err *e);
int64_t batcher_n_eval(const Batcher *b); /* samples (valid rows) evaluated */
/* The evaluation batch starting at sample *pos (storage order); advances
 * *pos; out->n == 0 when all were served. */
int batcher_next_eval(Batcher *b, int64_t *pos, SampleBatch *out, Err *e);

#endif
