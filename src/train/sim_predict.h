/*
 * sim_predict.h: ranked guesses [tokens][L][M] of a trained run or of the
 * gate for every replayed step (t, l') with l' >= Δ, from the score pass.
 * Steps a scorer cannot reach (l' < Δ) are left as they are: the replay
 * never reads them.
 */
#ifndef MOESPEC_TRAIN_SIM_PREDICT_H
#define MOESPEC_TRAIN_SIM_PREDICT_H

#include <stdint.h>

#include "data/traceset.h"
#include "train/run.h"
#include "train/score.h"
#include "train/sim_trace.h"
#include "train/train_config.h"
#include "util/err.h"

/* The score-pass sink behind both: maps each valid row (sequence, position,
 * input layer l) of a replayed sequence to its target step (t, l + Δ) and
 * keeps the M best experts there; filled counts the steps written. */
typedef struct SimTopSink {
    const SimReplay *rp;
    int lookahead, M;
    uint16_t *top;           /* [tokens][L][M] */
    int64_t filled;
} SimTopSink;
int sim_sink_top(void *ctx, const Scored *s, Err *e);

/* The run's guesses at its own lookahead (c: its settings), through a
 * score pass of its own over the replayed sequences. */
int sim_predict_run(TraceSet *ts, const SimReplay *rp, const TrainConfig *c, Run *r, int M,
                    uint16_t *top, Err *e);
/* The gate (ts's router matrices) at lookahead Δ. */
int sim_predict_gate(TraceSet *ts, const SimReplay *rp, int lookahead, int M, uint16_t *top,
                     Err *e);

#endif
