/*
 * checkpoint.h: a run's whole training state in one file, RUN.ckpt (SPEC 8;
 * the byte layout is in moespec-traces(5), CHECKPOINTS).
 *
 * A checkpoint holds what decides the run's future (hyperparameters, model
 * configuration, parameters, AdamW moments and step, the dropout RNG, the
 * data cursor, the step counters, the train-loss accumulators of the open
 * evaluation interval) and what it has measured (the metric history, the
 * best evaluation), plus the fingerprint of the trace set it trained on.
 * The validation split, the --val-samples subset and the baselines are pure
 * functions of data, seed and options, so they are rebuilt, not stored:
 * resuming continues exactly where the run stopped.
 *
 * Files are written whole through atomic_file (temporary, fsync, rename,
 * fsync of the directory) and verified whole when loaded (magic, version,
 * size, checksum, ranges, finite values): any fault is ERR_INPUT
 * "FILE:OFFSET: what".
 *
 * Not here: when checkpoints are written (trainer.c), option conflicts
 * (ui/cmd_train.c).
 */
#ifndef MOESPEC_TRAIN_CHECKPOINT_H
#define MOESPEC_TRAIN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "train/dataset.h"
#include "train/run.h"
#include "train/train_config.h"
#include "util/err.h"

#define CHECKPOINT_MAGIC "MOESPECK"
/* Version 2 added the model's rank after the model configuration; version
 * 1 files (no rank: 0, full rank) still load. */
#define CHECKPOINT_VERSION 2u
#define CHECKPOINT_DEFAULT_DIR "./moespec-checkpoints"

typedef struct Checkpoint {
    Arch arch;
    /* The invocation's settings as they were for this run: n_archs = 1,
     * archs[0] = arch, lr[arch] its rate (the other rates unused); data and
     * val_data the paths it trained on (information: the fingerprints
     * decide); threads as used (not a hyperparameter). */
    TrainConfig cfg;
    ModelConfig mcfg;
    int E, K, L, D;                 /* shape of the trace set */
    uint64_t fingerprint;           /* of --data */
    uint64_t val_fingerprint;       /* of --val-data, 0 without */
    RunState state;                 /* RUNNING (also for a paused run), HALTED or DONE */
    int64_t planned_steps, steps_per_epoch, step, samples;
    BatchCursor cursor;
    size_t cursor_at;               /* its offset in the file (for messages) */
    double last_lr;
    double loss_sum;                /* the open evaluation interval */
    int64_t loss_n, interval_samples;
    double interval_train_s;
    double wall_s;                  /* seconds the run had been going */
    int64_t best_step;
    double best_recall_K;
    Rng rng;
    uint64_t adam_step;
    size_t n_params;
    float *params, *adam_m, *adam_v; /* [n_params] each */
    int64_t n_hist;
    EvalRow *hist;
} Checkpoint;

/* DIR/NAME.ckpt into out; ERR_RUNTIME when it does not fit. */
int checkpoint_path(const char *dir, const char *run_name, char *out, size_t size, Err *e);

/* Writes r's state to path atomically (the previous file stays whole on
 * any failure). c and d are the invocation the run belongs to. ERR_RUNTIME
 * naming the file on failure. */
int checkpoint_save(const char *path, const Run *r, const TrainConfig *c, const TrainData *d,
                    Err *e);

/* Reads and verifies a checkpoint. ERR_INPUT "path:OFFSET: what" for a
 * missing, short, corrupt or foreign file; *ck is zeroed on failure. */
int checkpoint_load(const char *path, Checkpoint *ck, Err *e);
/* The same checks on a file image buf[0..n) already in memory (what
 * checkpoint_load does once it has read path; the fuzz target's entry).
 * path names it in messages. */
int checkpoint_parse(const unsigned char *buf, size_t n, const char *path, Checkpoint *ck,
                     Err *e);
void checkpoint_free(Checkpoint *ck);

/* ERR_INPUT unless d holds the trace set(s) ck was trained on (same
 * fingerprint; with --val-data, the same validation set too). */
int checkpoint_check_data(const Checkpoint *ck, const char *path, const TrainData *d, Err *e);

/* SPEC 8: a fresh run must not replace a checkpoint of another run. 0 when
 * ck is of run r as this invocation sets it up (same trace sets, model and
 * settings c); else ERR_USAGE "path: holds a run of ... (what differs)". */
int checkpoint_check_same_run(const Checkpoint *ck, const char *path, const Run *r,
                              const TrainConfig *c, const TrainData *d, Err *e);

/* Puts ck's training state into r, a run made by run_create from ck's
 * settings on the same data. ERR_INPUT naming path when the run's model
 * does not match the checkpoint's. The latest evaluation's tables are not
 * stored: run_refresh_tables rebuilds them. */
int checkpoint_restore(const Checkpoint *ck, const char *path, Run *r, Err *e);

#endif
