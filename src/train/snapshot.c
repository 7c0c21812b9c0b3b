/* snapshot.c: the flat snapshot block, its copy and its box; see snapshot.h. */
#include "train/snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *run_state_name(RunState s)
{
    static const char *const names[] = {"RUNNING", "PAUSED", "HALTED", "DONE"};
    return (unsigned)s < 4 ? names[s] : "?";
}

const double snap_cover_levels[SNAP_COVER_LEVELS] = {0.50, 0.90, 0.95, 0.99};

#define AT(base, off) ((void *)((char *)(base) + (off)))
#define AT_CONST(base, off) ((const void *)((const char *)(base) + (off)))

const EvalRow *snap_hist(const RunSnapshot *rs) { return AT_CONST(rs, rs->at_hist); }
const double *snap_rate(const RunSnapshot *rs, SnapRate w) { return AT_CONST(rs, rs->at_rate[w]); }
const double *snap_expert_recall(const RunSnapshot *rs) { return AT_CONST(rs, rs->at_expert_recall); }
const int64_t *snap_confusion(const RunSnapshot *rs) { return AT_CONST(rs, rs->at_confusion); }
const int64_t *snap_needed(const RunSnapshot *rs) { return AT_CONST(rs, rs->at_needed); }
const double *snap_baseline(const Snapshot *s, SnapBaseline b, SnapRate w)
{
    return AT_CONST(s, s->at_baseline[b][w]);
}

EvalRow *snap_hist_mut(RunSnapshot *rs) { return AT(rs, rs->at_hist); }
double *snap_rate_mut(RunSnapshot *rs, SnapRate w) { return AT(rs, rs->at_rate[w]); }
double *snap_expert_recall_mut(RunSnapshot *rs) { return AT(rs, rs->at_expert_recall); }
int64_t *snap_confusion_mut(RunSnapshot *rs) { return AT(rs, rs->at_confusion); }
int64_t *snap_needed_mut(RunSnapshot *rs) { return AT(rs, rs->at_needed); }
double *snap_baseline_mut(Snapshot *s, SnapBaseline b, SnapRate w)
{
    return AT(s, s->at_baseline[b][w]);
}

void snapshot_buf_free(SnapshotBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->cap = 0;
}

static int buf_reserve(SnapshotBuf *b, size_t bytes, Err *e)
{
    if (bytes <= b->cap)
        return ERR_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < bytes && cap <= SIZE_MAX / 2)
        cap *= 2;
    if (cap < bytes)
        return err_set(e, ERR_RUNTIME, "snapshot of %zu bytes is too large", bytes);
    Snapshot *p = realloc(b->s, cap);
    if (!p)
        return err_set(e, ERR_RUNTIME, "out of memory for a snapshot of %zu bytes", bytes);
    b->s = p;
    b->cap = cap;
    return ERR_OK;
}

int snapshot_copy(SnapshotBuf *b, const Snapshot *src, Err *e)
{
    int rc = buf_reserve(b, src->bytes, e);
    if (!rc)
        memcpy(b->s, src, src->bytes);
    return rc;
}

/* Bytes of n elements of size each, rounded up to 8 so that every array
 * of the block stays aligned for int64 and double. */
static size_t span(size_t n, size_t size)
{
    return (n * size + 7) / 8 * 8;
}

int snapshot_layout(SnapshotBuf *b, int E, int K, int L, int D, int n_runs,
                    const int64_t *n_hist, Err *e)
{
    if (E < 1 || E > 65536 || K < 1 || L < 1 || L > 65536 || n_runs < 0 ||
        n_runs > SNAPSHOT_MAX_RUNS)
        return err_set(e, ERR_USAGE, "snapshot: bad shape E=%d K=%d L=%d runs=%d", E, K, L,
                       n_runs);
    for (int r = 0; r < n_runs; r++)
        if (n_hist[r] < 0 || n_hist[r] > ((int64_t)1 << 40) / (int64_t)sizeof(EvalRow))
            return err_set(e, ERR_USAGE, "snapshot: run %d has %lld evaluations", r,
                           (long long)n_hist[r]);
    const size_t per_layer = (size_t)(L + 1) * (size_t)E;
    size_t bytes = span(1, sizeof(Snapshot)) + 3 * SNAP_N_BASELINES * span((size_t)E, sizeof(double));
    for (int r = 0; r < n_runs; r++)
        bytes += 3 * span((size_t)E, sizeof(double)) + span(per_layer, sizeof(double)) +
                 span(per_layer * (size_t)E, sizeof(int64_t)) +
                 span(per_layer, sizeof(int64_t)) + span((size_t)n_hist[r], sizeof(EvalRow));
    int rc = buf_reserve(b, bytes, e);
    if (rc)
        return rc;
    Snapshot *s = b->s;
    memset(s, 0, bytes);
    s->bytes = bytes;
    s->E = E;
    s->K = K;
    s->L = L;
    s->D = D;
    s->n_runs = n_runs;
    size_t at = span(1, sizeof(Snapshot));
    for (int base = 0; base < SNAP_N_BASELINES; base++)
        for (int w = 0; w < 3; w++, at += span((size_t)E, sizeof(double)))
            s->at_baseline[base][w] = at;
    for (int r = 0; r < n_runs; r++) {
        RunSnapshot *rs = &s->runs[r];
        size_t self = (size_t)((char *)rs - (char *)s); /* offsets are from rs */
        rs->n_hist = n_hist[r];
        for (int w = 0; w < 3; w++, at += span((size_t)E, sizeof(double)))
            rs->at_rate[w] = at - self;
        rs->at_expert_recall = at - self;
        at += span(per_layer, sizeof(double));
        rs->at_confusion = at - self;
        at += span(per_layer * (size_t)E, sizeof(int64_t));
        rs->at_needed = at - self;
        at += span(per_layer, sizeof(int64_t));
        rs->at_hist = at - self;
        at += span((size_t)n_hist[r], sizeof(EvalRow));
    }
    return ERR_OK;
}

int snapshot_box_init(SnapshotBox *b, Err *e)
{
    memset(b, 0, sizeof *b);
    if (pthread_mutex_init(&b->lock, NULL) != 0)
        return err_set(e, ERR_RUNTIME, "cannot create the snapshot lock");
    return ERR_OK;
}

void snapshot_box_destroy(SnapshotBox *b)
{
    pthread_mutex_destroy(&b->lock);
    snapshot_buf_free(&b->buf);
}

int snapshot_publish(SnapshotBox *b, const Snapshot *src, Err *e)
{
    pthread_mutex_lock(&b->lock);
    uint64_t next = (b->buf.s ? b->buf.s->seq : 0) + 1;
    int rc = snapshot_copy(&b->buf, src, e);
    if (!rc)
        b->buf.s->seq = next;
    pthread_mutex_unlock(&b->lock);
    return rc;
}

int snapshot_read(SnapshotBox *b, SnapshotBuf *dst)
{
    int changed = 0;
    pthread_mutex_lock(&b->lock);
    const Snapshot *src = b->buf.s;
    if (src && (!dst->s || src->seq != dst->s->seq))
        changed = snapshot_copy(dst, src, NULL) == ERR_OK ? 1 : -1;
    pthread_mutex_unlock(&b->lock);
    return changed;
}
