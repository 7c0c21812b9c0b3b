/* trainer.c: the worker thread and its flags; see trainer.h. */
#include "train/trainer.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PUBLISH_INTERVAL_S 0.1

struct Trainer {
    TrainConfig cfg;
    TrainData data;
    Run runs[ARCH_COUNT];
    int n_runs;
    int64_t last_checkpoint_step[ARCH_COUNT];
    SnapshotBox box;
    Snapshot staging;          /* the worker's own, published by copy */
    pthread_t thread;
    int started;
    atomic_int stop;
    atomic_int paused[ARCH_COUNT];
    int rc;                    /* the worker's status */
    Err err;
};

int trainer_create(const TrainConfig *c, Trainer **out, Err *e)
{
    *out = NULL;
    Trainer *t = calloc(1, sizeof *t);
    if (!t)
        return err_set(e, ERR_RUNTIME, "out of memory");
    t->cfg = *c;
    openblas_set_num_threads(c->threads > 0 ? c->threads : 1);
    int rc = train_data_open(c, &t->data, e);
    const TraceHeader *h = &t->data.h;
    if (!rc)
        rc = snapshot_box_init(&t->box, h->E, h->K, h->L, h->D, e);
    if (!rc)
        rc = snapshot_init(&t->staging, h->E, h->K, h->L, h->D, e);
    for (int i = 0; !rc && i < c->n_archs; i++) {
        rc = run_create(c, &t->data, c->archs[i], &t->runs[i], e);
        if (!rc)
            t->n_runs++;
    }
    if (rc) {
        trainer_free(t);
        return rc;
    }
    Snapshot *s = &t->staging;
    s->n_runs = t->n_runs;
    memcpy(s->freq_hit, t->data.base_freq.hit, (size_t)h->E * sizeof(double));
    memcpy(s->freq_recall, t->data.base_freq.recall, (size_t)h->E * sizeof(double));
    memcpy(s->freq_cover, t->data.base_freq.cover, (size_t)h->E * sizeof(double));
    *out = t;
    return ERR_OK;
}

void trainer_free(Trainer *t)
{
    if (!t)
        return;
    if (t->started) {
        trainer_request_stop(t);
        pthread_join(t->thread, NULL);
    }
    for (int i = 0; i < t->n_runs; i++)
        run_free(&t->runs[i]);
    if (t->box.snap.E)
        snapshot_box_destroy(&t->box);
    snapshot_free(&t->staging);
    train_data_close(&t->data);
    free(t);
}

static int publish(Trainer *t, int finished)
{
    Snapshot *s = &t->staging;
    const TraceHeader *h = &t->data.h;
    for (int i = 0; i < t->n_runs; i++)
        if (snapshot_fill_run(&s->runs[i], &t->runs[i], t->last_checkpoint_step[i], h->E, h->L,
                              &t->err))
            return ERR_RUNTIME;
    s->finished = finished;
    s->worker_rc = t->rc;
    memcpy(s->worker_msg, t->err.msg, sizeof s->worker_msg);
    return snapshot_publish(&t->box, s, &t->err);
}

static void nap(double seconds)
{
    struct timespec ts = {0, (long)(seconds * 1e9)};
    nanosleep(&ts, NULL);
}

/* One round: a step of every runnable run. Returns the number of runs that
 * are neither DONE nor HALTED, or -1 on an error that stops the worker. */
static int train_round(Trainer *t, int *stepped, int *changed)
{
    int alive = 0;
    *stepped = *changed = 0;
    for (int i = 0; i < t->n_runs && !atomic_load(&t->stop); i++) {
        Run *r = &t->runs[i];
        if (r->state == RUN_DONE || r->state == RUN_HALTED)
            continue;
        alive++;
        RunState want = atomic_load(&t->paused[i]) ? RUN_PAUSED : RUN_RUNNING;
        *changed |= r->state != want;
        r->state = want;
        if (want == RUN_PAUSED)
            continue;
        int64_t evals = r->n_hist;
        int rc = run_step(r, &t->data, &t->err);
        if (rc && r->state != RUN_HALTED) {
            t->rc = rc;
            return -1;
        }
        err_clear(&t->err);
        (*stepped)++;
        *changed |= r->n_hist != evals || r->state != want;
    }
    return alive;
}

static void *trainer_main(void *arg)
{
    Trainer *t = arg;
    double last_publish = 0.0;
    while (!atomic_load(&t->stop)) {
        int stepped, changed;
        int alive = train_round(t, &stepped, &changed);
        if (alive <= 0)
            break;
        double now = run_now();
        if (changed || now - last_publish >= PUBLISH_INTERVAL_S) {
            if (publish(t, 0)) {
                t->rc = ERR_RUNTIME;
                break;
            }
            last_publish = now;
        }
        if (!stepped)
            nap(0.02); /* everything paused: idle without spinning */
    }
    int rc = t->rc;
    if (publish(t, 1) && !rc)
        t->rc = ERR_RUNTIME;
    return NULL;
}

int trainer_start(Trainer *t, Err *e)
{
    if (publish(t, 0))
        return err_set(e, ERR_RUNTIME, "%s", t->err.msg);
    if (pthread_create(&t->thread, NULL, trainer_main, t) != 0)
        return err_set(e, ERR_RUNTIME, "cannot start the training thread");
    t->started = 1;
    return ERR_OK;
}

void trainer_request_stop(Trainer *t) { atomic_store(&t->stop, 1); }

void trainer_set_paused(Trainer *t, int i, int paused)
{
    for (int j = 0; j < t->n_runs; j++)
        if (i < 0 || i == j)
            atomic_store(&t->paused[j], paused);
}

int trainer_is_paused(Trainer *t, int i)
{
    return i >= 0 && i < t->n_runs && atomic_load(&t->paused[i]);
}

int trainer_join(Trainer *t, Err *e)
{
    if (t->started) {
        pthread_join(t->thread, NULL);
        t->started = 0;
    }
    if (t->rc && e)
        *e = t->err;
    return t->rc;
}

SnapshotBox *trainer_box(Trainer *t) { return &t->box; }
int trainer_n_runs(const Trainer *t) { return t->n_runs; }
const Run *trainer_run(const Trainer *t, int i) { return &t->runs[i]; }
const TrainData *trainer_data(const Trainer *t) { return &t->data; }
const TrainConfig *trainer_config(const Trainer *t) { return &t->cfg; }
