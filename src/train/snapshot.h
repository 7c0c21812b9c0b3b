/*
 * snapshot.h: the plain-data picture of the trainer that the user interfaces
 * draw from (SPEC 7, DESIGN "one batch, end to end").
 *
 * The worker publishes into a SnapshotBox (mutex held only for the copy) and
 * bumps a sequence number; a reader copies the box into its own Snapshot
 * when the number changed and then reads its copy without any lock. Every
 * array is owned by the Snapshot that holds it; snapshot_copy grows the
 * destination's arrays as needed, so the reader allocates only when the
 * history outgrows what it has.
 *
 * Not here: how a run trains (run.h) or how anything is drawn (ui/).
 */
#ifndef MOESPEC_TRAIN_SNAPSHOT_H
#define MOESPEC_TRAIN_SNAPSHOT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "train/run.h"
#include "util/err.h"

#define SNAPSHOT_MAX_RUNS ARCH_COUNT

typedef struct RunSnapshot {
    char name[16];
    Arch arch;
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
    EvalRow *hist;          /* [n_hist] */
    int has_eval;           /* the tables below hold an evaluation */
    double *hit, *recall, *cover;  /* [E] at k = index + 1, latest evaluation */
    int64_t *confusion;     /* [L+1][E][E], index L = all layers */
    double *expert_recall;  /* [L+1][E] recall_K per expert */
    int64_t *needed;        /* [L+1][E] */
    int64_t cap_hist;       /* allocated rows of hist */
} RunSnapshot;

typedef struct Snapshot {
    uint64_t seq;           /* publication number; 0 = never published */
    int E, K, L, D;
    int n_runs;
    int finished;           /* the worker has stopped */
    int worker_rc;          /* its status when finished (ERR_*) */
    char worker_msg[1024];
    char message[1100];     /* last trainer event for the status line (an export path) */
    uint64_t message_seq;   /* bumped with each new message */
    RunSnapshot runs[SNAPSHOT_MAX_RUNS];
    /* baselines, per k at index k - 1 */
    double *chance_hit, *chance_recall, *chance_cover;  /* [E] */
    double *freq_hit, *freq_recall, *freq_cover;        /* [E] */
} Snapshot;

int snapshot_init(Snapshot *s, int E, int K, int L, int D, Err *e);
void snapshot_free(Snapshot *s);
/* dst (initialised, same shape) becomes a copy of src. ERR_RUNTIME when
 * memory for a longer history runs out (dst keeps its old contents). */
int snapshot_copy(Snapshot *dst, const Snapshot *src, Err *e);
/* Fills a run's part from the run (the worker's side). */
int snapshot_fill_run(RunSnapshot *rs, const Run *r, int64_t last_checkpoint_step, int E,
                      int L, Err *e);

typedef struct SnapshotBox {
    pthread_mutex_t lock;
    Snapshot snap;
} SnapshotBox;

int snapshot_box_init(SnapshotBox *b, int E, int K, int L, int D, Err *e);
void snapshot_box_destroy(SnapshotBox *b);
/* Copies src into the box and gives it the next sequence number. */
int snapshot_publish(SnapshotBox *b, const Snapshot *src, Err *e);
/* Copies the box into dst when its sequence number differs from dst's;
 * returns 1 when dst changed, 0 when it was current, -1 on no memory. */
int snapshot_read(SnapshotBox *b, Snapshot *dst);

#endif
