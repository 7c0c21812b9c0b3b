/*
 * eval_row.h: plain data the runs and the screens share: a run's state and
 * one evaluation (a row of metrics.csv). No pointers, nothing to free, so a
 * snapshot copies them as bytes.
 *
 * Not here: how a run reaches them (run.h), how they are drawn (ui/).
 */
#ifndef MOESPEC_TRAIN_EVAL_ROW_H
#define MOESPEC_TRAIN_EVAL_ROW_H

#include <stdint.h>

typedef enum { RUN_RUNNING = 0, RUN_PAUSED, RUN_HALTED, RUN_DONE } RunState;

const char *run_state_name(RunState s); /* "RUNNING", ... (snapshot.c) */

/* One evaluation: a row of metrics.csv. */
typedef struct EvalRow {
    int64_t step;
    double epoch;          /* steps / steps per epoch */
    int64_t samples;       /* training samples seen */
    double train_loss;     /* mean since the previous row (NaN if no step) */
    double val_loss;       /* the model's own loss on the validation samples */
    double val_ce, hit1, hit5, hit10, hit15, hit20, recall_K, cover_K, cover_2K, exact;
    double lr;             /* learning rate of the last step */
    double samples_per_s;  /* training samples / training seconds since the previous row */
    double wall_s;         /* seconds since the run started */
} EvalRow;

#endif
