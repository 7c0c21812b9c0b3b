/*
 * snapshot.h: the plain-data picture of the trainer that the user interfaces
 * draw from (SPEC 7, DESIGN "one batch, end to end").
 *
 * A Snapshot is ONE block of bytes: this header (the runs' scalar fields
 * included) followed by its arrays, which the header locates by byte
 * offsets, never by pointers. Copying a snapshot is therefore one memcpy of
 * `bytes`, and a copy is as valid as the original. The worker lays out and
 * fills a block (publish.h), publishes it into a SnapshotBox (mutex held
 * only for the copy) and bumps a sequence number; a reader copies the box
 * into its own SnapshotBuf when the number changed and then reads its copy
 * without any lock.
 *
 * Everything here is plain data: no model, batcher or metric type is
 * reachable from it, so the screens link against this and control.h only.
 *
 * Not here: how a run trains (run.h), filling from runs (publish.h),
 * drawing (ui/).
 */
#ifndef MOESPEC_TRAIN_SNAPSHOT_H
#define MOESPEC_TRAIN_SNAPSHOT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "train/eval_row.h"
#include "util/err.h"

#define SNAPSHOT_MAX_RUNS 8

/* ---- the live deployment simulation (SPEC 11), plain numbers ---- */
#define SNAP_SIM_CACHES 16  /* cache sizes replayed (SIM_MAX_LIST) */
#define SNAP_SIM_LINES 8    /* lru, lfu, belady, static; frequency, repeat, gate, oracle */
#define SNAP_COVER_LEVELS 4 /* smallest k for cover@k >= 50, 90, 95, 99 % */
extern const double snap_cover_levels[SNAP_COVER_LEVELS];

typedef enum { DEPLOY_OFF = 0, DEPLOY_WAITING, DEPLOY_ON } DeployState;

/* One replay's figures (a deploy.csv row's numbers). */
typedef struct DeployCell {
    double hit, precision, bytes_per_token, stall_ms, tpot_ms, speedup;
} DeployCell;

typedef struct DeploySnapshot {
    DeployState state;      /* WAITING: the fixed rows are not replayed yet */
    char why_off[256];      /* OFF: why */
    int n_caches, caches[SNAP_SIM_CACHES];
    int prefetch, lookahead;
    int64_t tokens, seqs;   /* replayed */
    double expert_mb, link_gbps, layer_ms, fetch_ms;
    double prepare_s;       /* seconds the fixed rows took */
    int n_lines;
    char line[SNAP_SIM_LINES][16];      /* a policy alone, or a baseline */
    int line_prefetch[SNAP_SIM_LINES];  /* 0: the policy alone; else M, under lru */
    DeployCell cell[SNAP_SIM_LINES][SNAP_SIM_CACHES];
} DeploySnapshot;

typedef struct RunSnapshot {
    char name[16];
    char arch[16];          /* the architecture's name (its table row) */
    char loss[48];          /* what it trains on, from the table */
    RunState state;
    size_t params;
    int64_t step, planned_steps, steps_since_checkpoint;
    double epoch;
    double samples_per_s;   /* of the latest evaluation interval */
    double eta_s;           /* wall seconds left at the run's pace so far (it shares
                               the machine with the other runs); NaN before a step */
    double wall_s;
    char message[512];
    int64_t n_hist;         /* evaluations so far */
    int has_eval;           /* the tables below hold an evaluation */
    int has_deploy;         /* deploy holds the live simulation of deploy_step */
    int64_t deploy_step;
    DeployCell deploy[2][SNAP_SIM_CACHES]; /* lru, lfu with the run's prefetch */
    double sim_s, busy_s;   /* seconds of live simulation, of compute in all */
    int cover_k[SNAP_COVER_LEVELS]; /* smallest k per level, 0 before an evaluation */
    /* byte offsets of the arrays from this RunSnapshot (read them through
     * the accessors below). They are relative to where the RunSnapshot sits
     * in its block, so never copy a RunSnapshot out by value: take a
     * pointer into the Snapshot. */
    size_t at_hist;          /* EvalRow [n_hist] */
    size_t at_rate[3];       /* double [E] hit, recall, cover at k = index + 1 */
    size_t at_expert_recall; /* double [L+1][E] recall_K per expert, index L = all */
    size_t at_confusion;     /* int64 [L+1][E][E] */
    size_t at_needed;        /* int64 [L+1][E] */
} RunSnapshot;

typedef enum { SNAP_HIT = 0, SNAP_RECALL = 1, SNAP_COVER = 2 } SnapRate;
typedef enum { SNAP_CHANCE = 0, SNAP_FREQUENCY = 1, SNAP_GATE = 2 } SnapBaseline;
#define SNAP_N_BASELINES 3

typedef struct Snapshot {
    size_t bytes;           /* of the whole block, this header included */
    uint64_t seq;           /* publication number; 0 = never published */
    int E, K, L, D;
    int n_runs;
    int finished;           /* the worker has stopped */
    int worker_rc;          /* its status when finished (ERR_*) */
    char worker_msg[1024];
    char message[1100];     /* last trainer event for the status line (an export path) */
    uint64_t message_seq;   /* bumped with each new message */
    int has_gate;           /* the gate baseline is filled (router matrices) */
    size_t at_baseline[SNAP_N_BASELINES][3]; /* double [E] per baseline and rate, from
                                                the block start (gate: 0 without routers) */
    int base_cover_k[SNAP_N_BASELINES][SNAP_COVER_LEVELS];
    DeploySnapshot deploy;
    RunSnapshot runs[SNAPSHOT_MAX_RUNS];
} Snapshot;

/* ---- reading (a snapshot's arrays) ---- */
const EvalRow *snap_hist(const RunSnapshot *rs);                /* [n_hist] */
const double *snap_rate(const RunSnapshot *rs, SnapRate which); /* [E] */
const double *snap_expert_recall(const RunSnapshot *rs);        /* [L+1][E] */
const int64_t *snap_confusion(const RunSnapshot *rs);           /* [L+1][E][E] */
const int64_t *snap_needed(const RunSnapshot *rs);              /* [L+1][E] */
const double *snap_baseline(const Snapshot *s, SnapBaseline b, SnapRate which); /* [E] */

/* ---- owning a block ---- */
typedef struct SnapshotBuf {
    Snapshot *s;            /* NULL until the first copy or layout */
    size_t cap;             /* bytes allocated */
} SnapshotBuf;

void snapshot_buf_free(SnapshotBuf *b);
/* b becomes a copy of src (one memcpy), growing when needed. ERR_RUNTIME
 * when memory runs out (b keeps its old contents). */
int snapshot_copy(SnapshotBuf *b, const Snapshot *src, Err *e);

/* ---- writing (the worker, and tests that make snapshots by hand) ---- */
/* Lays out a zeroed block for n_runs runs with n_hist[i] evaluations each,
 * of shape (E, K, L, D): every field and array is 0 but the shape, n_runs,
 * the runs' n_hist and the offsets.
 * ERR_USAGE on a bad shape, ERR_RUNTIME when memory runs out. */
int snapshot_layout(SnapshotBuf *b, int E, int K, int L, int D, int n_runs,
                    const int64_t *n_hist, Err *e);
EvalRow *snap_hist_mut(RunSnapshot *rs);
double *snap_rate_mut(RunSnapshot *rs, SnapRate which);
double *snap_expert_recall_mut(RunSnapshot *rs);
int64_t *snap_confusion_mut(RunSnapshot *rs);
int64_t *snap_needed_mut(RunSnapshot *rs);
double *snap_baseline_mut(Snapshot *s, SnapBaseline b, SnapRate which);

/* ---- the box between the threads ---- */
typedef struct SnapshotBox {
    pthread_mutex_t lock;
    SnapshotBuf buf;
} SnapshotBox;

int snapshot_box_init(SnapshotBox *b, Err *e);
void snapshot_box_destroy(SnapshotBox *b);
/* Copies src into the box and gives it the next sequence number. */
int snapshot_publish(SnapshotBox *b, const Snapshot *src, Err *e);
/* Copies the box into dst when its sequence number differs from dst's;
 * returns 1 when dst changed, 0 when it was current (or nothing was
 * published yet), -1 on no memory. */
int snapshot_read(SnapshotBox *b, SnapshotBuf *dst);

#endif
