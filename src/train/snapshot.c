/* snapshot.c: publishing and reading the trainer's picture; see snapshot.h. */
#include "train/snapshot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/chance.h"

static int run_snapshot_alloc(RunSnapshot *rs, int E, int L)
{
    size_t per_layer = (size_t)(L + 1) * (size_t)E;
    rs->hit = calloc((size_t)E, sizeof *rs->hit);
    rs->recall = calloc((size_t)E, sizeof *rs->recall);
    rs->cover = calloc((size_t)E, sizeof *rs->cover);
    rs->confusion = calloc(per_layer * (size_t)E, sizeof *rs->confusion);
    rs->expert_recall = calloc(per_layer, sizeof *rs->expert_recall);
    rs->needed = calloc(per_layer, sizeof *rs->needed);
    return rs->hit && rs->recall && rs->cover && rs->confusion && rs->expert_recall &&
           rs->needed;
}

static void run_snapshot_free(RunSnapshot *rs)
{
    free(rs->hist);
    free(rs->hit);
    free(rs->recall);
    free(rs->cover);
    free(rs->confusion);
    free(rs->expert_recall);
    free(rs->needed);
    memset(rs, 0, sizeof *rs);
}

int snapshot_init(Snapshot *s, int E, int K, int L, int D, Err *e)
{
    memset(s, 0, sizeof *s);
    s->E = E;
    s->K = K;
    s->L = L;
    s->D = D;
    int ok = 1;
    double **curves[] = {&s->chance_hit, &s->chance_recall, &s->chance_cover,
                         &s->freq_hit, &s->freq_recall, &s->freq_cover};
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        ok &= (*curves[i] = calloc((size_t)E, sizeof(double))) != NULL;
    for (int r = 0; r < SNAPSHOT_MAX_RUNS; r++)
        ok &= run_snapshot_alloc(&s->runs[r], E, L);
    if (!ok) {
        snapshot_free(s);
        return err_set(e, ERR_RUNTIME, "out of memory for a snapshot");
    }
    for (int k = 1; k <= E; k++) {
        s->chance_hit[k - 1] = metrics_chance_hit(E, K, k);
        s->chance_recall[k - 1] = metrics_chance_recall(E, K, k);
        s->chance_cover[k - 1] = metrics_chance_cover(E, K, k);
    }
    return ERR_OK;
}

void snapshot_free(Snapshot *s)
{
    for (int r = 0; r < SNAPSHOT_MAX_RUNS; r++)
        run_snapshot_free(&s->runs[r]);
    free(s->chance_hit);
    free(s->chance_recall);
    free(s->chance_cover);
    free(s->freq_hit);
    free(s->freq_recall);
    free(s->freq_cover);
    memset(s, 0, sizeof *s);
}

static int hist_reserve(RunSnapshot *rs, int64_t n)
{
    if (n <= rs->cap_hist)
        return 1;
    int64_t cap = rs->cap_hist ? rs->cap_hist : 64;
    while (cap < n)
        cap *= 2;
    EvalRow *p = realloc(rs->hist, (size_t)cap * sizeof *p);
    if (!p)
        return 0;
    rs->hist = p;
    rs->cap_hist = cap;
    return 1;
}

/* Copies a run's fields and arrays; the shapes are the snapshot's. */
static int run_snapshot_copy(RunSnapshot *d, const RunSnapshot *s, int E, int L)
{
    if (!hist_reserve(d, s->n_hist))
        return 0;
    RunSnapshot keep = *d; /* d's own buffers */
    *d = *s;
    d->hist = keep.hist;
    d->cap_hist = keep.cap_hist;
    d->hit = keep.hit;
    d->recall = keep.recall;
    d->cover = keep.cover;
    d->confusion = keep.confusion;
    d->expert_recall = keep.expert_recall;
    d->needed = keep.needed;
    size_t per_layer = (size_t)(L + 1) * (size_t)E;
    if (s->n_hist)
        memcpy(d->hist, s->hist, (size_t)s->n_hist * sizeof *d->hist);
    memcpy(d->hit, s->hit, (size_t)E * sizeof *d->hit);
    memcpy(d->recall, s->recall, (size_t)E * sizeof *d->recall);
    memcpy(d->cover, s->cover, (size_t)E * sizeof *d->cover);
    memcpy(d->confusion, s->confusion, per_layer * (size_t)E * sizeof *d->confusion);
    memcpy(d->expert_recall, s->expert_recall, per_layer * sizeof *d->expert_recall);
    memcpy(d->needed, s->needed, per_layer * sizeof *d->needed);
    return 1;
}

int snapshot_copy(Snapshot *dst, const Snapshot *src, Err *e)
{
    const int E = src->E, L = src->L;
    for (int r = 0; r < src->n_runs; r++)
        if (!hist_reserve(&dst->runs[r], src->runs[r].n_hist))
            return err_set(e, ERR_RUNTIME, "out of memory copying a snapshot");
    dst->seq = src->seq;
    dst->n_runs = src->n_runs;
    dst->finished = src->finished;
    dst->worker_rc = src->worker_rc;
    memcpy(dst->worker_msg, src->worker_msg, sizeof dst->worker_msg);
    memcpy(dst->message, src->message, sizeof dst->message);
    dst->message_seq = src->message_seq;
    for (int r = 0; r < src->n_runs; r++)
        run_snapshot_copy(&dst->runs[r], &src->runs[r], E, L);
    size_t bytes = (size_t)E * sizeof(double);
    memcpy(dst->chance_hit, src->chance_hit, bytes);
    memcpy(dst->chance_recall, src->chance_recall, bytes);
    memcpy(dst->chance_cover, src->chance_cover, bytes);
    memcpy(dst->freq_hit, src->freq_hit, bytes);
    memcpy(dst->freq_recall, src->freq_recall, bytes);
    memcpy(dst->freq_cover, src->freq_cover, bytes);
    return ERR_OK;
}

int snapshot_fill_run(RunSnapshot *rs, const Run *r, int64_t last_checkpoint_step, int E,
                      int L, Err *e)
{
    if (!hist_reserve(rs, r->n_hist))
        return err_set(e, ERR_RUNTIME, "out of memory for a snapshot");
    memcpy(rs->name, r->name, sizeof rs->name);
    rs->arch = r->arch;
    rs->state = r->state;
    rs->params = model_param_count(r->model);
    rs->step = r->step;
    rs->planned_steps = r->planned_steps;
    rs->steps_since_checkpoint = r->step - last_checkpoint_step;
    rs->epoch = r->steps_per_epoch ? (double)r->step / (double)r->steps_per_epoch : 0.0;
    rs->wall_s = run_now() - r->start_time;
    memcpy(rs->message, r->message, sizeof rs->message);
    rs->n_hist = r->n_hist;
    if (r->n_hist)
        memcpy(rs->hist, r->hist, (size_t)r->n_hist * sizeof *rs->hist);
    rs->samples_per_s = (double)NAN;
    rs->eta_s = (double)NAN;
    if (r->n_hist)
        rs->samples_per_s = r->hist[r->n_hist - 1].samples_per_s;
    /* By the wall clock, not samples_per_s: the runs share the machine, so a
     * run advances at its share of the training rate. */
    if (r->step > 0)
        rs->eta_s = (double)(r->planned_steps - r->step) * rs->wall_s / (double)r->step;
    rs->has_eval = r->n_hist > 0;
    if (rs->has_eval) {
        const MetricsResult *m = &r->last;
        size_t per_layer = (size_t)(L + 1) * (size_t)E;
        memcpy(rs->hit, m->hit, (size_t)E * sizeof *rs->hit);
        memcpy(rs->recall, m->recall, (size_t)E * sizeof *rs->recall);
        memcpy(rs->cover, m->cover, (size_t)E * sizeof *rs->cover);
        memcpy(rs->confusion, m->confusion, per_layer * (size_t)E * sizeof *rs->confusion);
        memcpy(rs->expert_recall, m->expert_recall_K, per_layer * sizeof *rs->expert_recall);
        memcpy(rs->needed, m->needed, per_layer * sizeof *rs->needed);
    }
    return ERR_OK;
}

int snapshot_box_init(SnapshotBox *b, int E, int K, int L, int D, Err *e)
{
    int rc = snapshot_init(&b->snap, E, K, L, D, e);
    if (rc)
        return rc;
    if (pthread_mutex_init(&b->lock, NULL) != 0) {
        snapshot_free(&b->snap);
        return err_set(e, ERR_RUNTIME, "cannot create the snapshot lock");
    }
    return ERR_OK;
}

void snapshot_box_destroy(SnapshotBox *b)
{
    pthread_mutex_destroy(&b->lock);
    snapshot_free(&b->snap);
}

int snapshot_publish(SnapshotBox *b, const Snapshot *src, Err *e)
{
    pthread_mutex_lock(&b->lock);
    uint64_t next = b->snap.seq + 1;
    int rc = snapshot_copy(&b->snap, src, e);
    b->snap.seq = next;
    pthread_mutex_unlock(&b->lock);
    return rc;
}

int snapshot_read(SnapshotBox *b, Snapshot *dst)
{
    int changed = 0;
    pthread_mutex_lock(&b->lock);
    if (b->snap.seq != dst->seq)
        changed = snapshot_copy(dst, &b->snap, NULL) == ERR_OK ? 1 : -1;
    pthread_mutex_unlock(&b->lock);
    return changed;
}
