/* trainer.c: the worker thread: turns, evaluations, checkpoints, exports,
 * and carrying out control.h's commands; see trainer.h. */
#include "train/trainer.h"

#include "train/checkpoint.h"
#include "nn/blas.h"
#include "train/export.h"
#include "train/publish.h"
#include "train/sim_live.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PUBLISH_INTERVAL_S 0.1

struct Trainer {
    TrainConfig cfg;
    TrainData data;
    SimLive *live;             /* SPEC 11's live simulation (data.live borrows it) */
    Run runs[TRAIN_MAX_RUNS];
    int n_runs;
    int64_t last_checkpoint_step[TRAIN_MAX_RUNS];
    int torn_run;              /* a run that failed after its update (in its
                                  evaluation): not at a step boundary, -1 none */
    double busy_s[TRAIN_MAX_RUNS]; /* compute seconds each run has had */
    SnapshotBox box;
    SnapshotBuf staging;       /* the worker's own, published by copy */
    TrainControl control;
    pthread_t thread;
    int started;
    int rc;                    /* the worker's status */
    Err err;
    char message[1100];        /* last event for the status line */
    uint64_t message_seq;      /* bumped with each new message */
    /* checkpoints: settings fixed before start */
    char checkpoint_dir[TRAIN_PATH_MAX];
    int64_t checkpoint_every;  /* 0 = never */
    int64_t stop_at;           /* 0 = never */
    int stopped[TRAIN_MAX_RUNS]; /* reached --stop-at: no more steps here */
    int linger;
    char version[64];
    char cmdline[4096];
};

_Static_assert(TRAIN_MAX_RUNS <= SNAPSHOT_MAX_RUNS, "every run has a snapshot slot");

int trainer_create(const TrainConfig *c, Trainer **out, Err *e)
{
    *out = NULL;
    Trainer *t = calloc(1, sizeof *t);
    if (!t)
        return err_set(e, ERR_RUNTIME, "out of memory");
    t->cfg = *c;
    t->torn_run = -1;
    snprintf(t->checkpoint_dir, sizeof t->checkpoint_dir, "%s", CHECKPOINT_DEFAULT_DIR);
    control_init(&t->control, 0);
    blas_set_threads(c->threads);
    int rc = snapshot_box_init(&t->box, e);
    if (!rc)
        rc = train_data_open(c, &t->data, e);
    if (!rc && !(rc = sim_live_open(&t->data, &t->cfg, &t->live, e)))
        t->data.live = t->live;
    for (int i = 0; !rc && i < c->n_archs; i++) {
        rc = run_create(c, &t->data, c->archs[i], &t->runs[i], e);
        if (!rc)
            t->n_runs++;
    }
    control_set_runs(&t->control, t->n_runs);
    if (rc) {
        trainer_free(t);
        return rc;
    }
    *out = t;
    return ERR_OK;
}

void trainer_free(Trainer *t)
{
    if (!t)
        return;
    if (t->started) {
        control_request_stop(&t->control);
        pthread_join(t->thread, NULL);
    }
    for (int i = 0; i < t->n_runs; i++)
        run_free(&t->runs[i]);
    snapshot_box_destroy(&t->box);
    snapshot_buf_free(&t->staging);
    sim_live_free(t->live);
    train_data_close(&t->data);
    control_destroy(&t->control);
    free(t);
}

void trainer_set_export_info(Trainer *t, const char *version, const char *cmdline)
{
    snprintf(t->version, sizeof t->version, "%s", version);
    snprintf(t->cmdline, sizeof t->cmdline, "%s", cmdline);
}

void trainer_set_checkpoints(Trainer *t, const char *dir, int64_t every, int64_t stop_at)
{
    if (dir)
        snprintf(t->checkpoint_dir, sizeof t->checkpoint_dir, "%s", dir);
    t->checkpoint_every = every;
    t->stop_at = stop_at;
}

int trainer_check_checkpoint_dir(const Trainer *t, Err *e)
{
    for (int i = 0; i < t->n_runs; i++) {
        char path[TRAIN_PATH_MAX + 32];
        struct stat st;
        int rc = checkpoint_path(t->checkpoint_dir, t->runs[i].name, path, sizeof path, e);
        if (rc)
            return rc;
        if (stat(path, &st) != 0) /* none there (or no directory yet: the write says) */
            continue;
        Checkpoint ck;
        Err why;
        if (checkpoint_load(path, &ck, &why))
            return err_set(e, ERR_USAGE, "%s: a checkpoint that cannot be read is there (%s); "
                           "--overwrite replaces it", path, why.msg);
        rc = checkpoint_check_same_run(&ck, path, &t->runs[i], &t->cfg, &t->data, e);
        checkpoint_free(&ck);
        if (rc) {
            size_t n = strlen(e->msg);
            snprintf(e->msg + n, sizeof e->msg - n, "; --overwrite replaces it");
            return rc;
        }
    }
    return ERR_OK;
}

int trainer_resume(Trainer *t, const Checkpoint *const *cks, const char *const *paths, Err *e)
{
    for (int i = 0; i < t->n_runs; i++) {
        int rc = checkpoint_check_data(cks[i], paths[i], &t->data, e);
        if (!rc)
            rc = checkpoint_restore(cks[i], paths[i], &t->runs[i], e);
        /* The fingerprint says the data is the same; the cursor is still the
         * file's word, and the batcher indexes with it. */
        if (!rc && !batcher_cursor_valid(t->data.views[t->runs[i].view].train,
                                         t->runs[i].mcfg.seed, &t->runs[i].cursor))
            rc = err_set(e, ERR_INPUT, "%s:%zu: data cursor (epoch %lld, group position %lld, "
                         "offset %lld) is not a position of this trace set's training split",
                         paths[i], cks[i]->cursor_at, (long long)cks[i]->cursor.epoch,
                         (long long)cks[i]->cursor.group_pos, (long long)cks[i]->cursor.offset);
        if (!rc)
            rc = run_refresh_tables(&t->runs[i], &t->data, e);
        if (rc)
            return rc;
        t->last_checkpoint_step[i] = t->runs[i].step;
    }
    return ERR_OK;
}

/* Writes run i's checkpoint into the checkpoint directory (created when
 * missing); *path gets the file. */
static int save_checkpoint(Trainer *t, int i, char *path, size_t size, Err *e)
{
    if (mkdir(t->checkpoint_dir, 0777) != 0 && errno != EEXIST)
        return err_sys(e, ERR_RUNTIME, errno, "%s", t->checkpoint_dir);
    int rc = checkpoint_path(t->checkpoint_dir, t->runs[i].name, path, size, e);
    if (!rc)
        rc = checkpoint_save(path, &t->runs[i], &t->cfg, &t->data, e);
    if (!rc)
        t->last_checkpoint_step[i] = t->runs[i].step;
    return rc;
}

/* Checkpoints the runs of mask and says so in the snapshot's message.
 * fatal: a failure also stops the worker (automatic checkpoints: a run that
 * cannot be saved should not go on as if it were). */
static int checkpoint_runs(Trainer *t, int mask, int fatal)
{
    char path[TRAIN_PATH_MAX + 32];
    size_t used = 0;
    int rc = ERR_OK;
    Err e;
    err_clear(&e);
    for (int i = 0; i < t->n_runs && !rc; i++) {
        if (!(mask & (1 << i)))
            continue;
        if ((rc = save_checkpoint(t, i, path, sizeof path, &e)))
            break;
        int n = snprintf(t->message + used, sizeof t->message - used, "%s%s",
                         used ? ", " : "checkpoint ", path);
        used += n > 0 && (size_t)n < sizeof t->message - used ? (size_t)n : 0;
    }
    if (rc) {
        snprintf(t->message, sizeof t->message, "checkpoint failed: %.1000s", e.msg);
        if (fatal && !t->rc) {
            t->rc = rc;
            t->err = e;
        }
    }
    t->message_seq++;
    return rc;
}

/* Runs pending checkpoint requests in the worker, between steps. */
static void serve_checkpoints(Trainer *t)
{
    int mask = control_take_checkpoints(&t->control);
    if (mask)
        checkpoint_runs(t, mask, 0);
}

/* The runs with steps since their last checkpoint (a signal's stop). */
static int unsaved_runs(const Trainer *t)
{
    int mask = 0;
    for (int i = 0; i < t->n_runs; i++)
        if (t->runs[i].step != t->last_checkpoint_step[i])
            mask |= 1 << i;
    return mask;
}

/* A new YYYYmmdd-HHMMSS[-N] directory name under parent (not yet created). */
static int export_target(const char *parent, char *out, size_t size, Err *e)
{
    if (mkdir(parent, 0777) != 0 && errno != EEXIST)
        return err_sys(e, ERR_RUNTIME, errno, "%s", parent);
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int n = 0; n < 1000; n++) {
        struct stat st;
        int len = n ? snprintf(out, size, "%s/%s-%d", parent, stamp, n)
                    : snprintf(out, size, "%s/%s", parent, stamp);
        if (len < 0 || (size_t)len >= size)
            return err_set(e, ERR_RUNTIME, "%s: export path too long", parent);
        if (stat(out, &st) != 0)
            return ERR_OK;
    }
    return err_set(e, ERR_RUNTIME, "%s: no free export directory name", parent);
}

/* Runs a pending export request in the worker, between steps. */
static void serve_export(Trainer *t)
{
    char parent[CONTROL_PATH_MAX], dir[CONTROL_PATH_MAX + 64];
    if (!control_take_export(&t->control, parent, sizeof parent))
        return;
    const Run *runs[TRAIN_MAX_RUNS];
    for (int i = 0; i < t->n_runs; i++)
        runs[i] = &t->runs[i];
    ExportInfo info = {t->version, t->cmdline};
    Err e;
    err_clear(&e);
    if (export_target(parent, dir, sizeof dir, &e) ||
        export_write(dir, &t->cfg, &t->data, runs, t->n_runs, &info, &e))
        snprintf(t->message, sizeof t->message, "export failed: %.1000s", e.msg);
    else
        snprintf(t->message, sizeof t->message, "exported to %.1000s", dir);
    t->message_seq++;
}

static int publish(Trainer *t, int finished)
{
    PublishStatus st = {finished, t->rc, t->err.msg, t->message, t->message_seq,
                        t->last_checkpoint_step, t->busy_s};
    Err e; /* the worker's first error stays the one it reports */
    err_clear(&e);
    if (!publish_build(&t->staging, &t->data, t->runs, t->n_runs, &st, &e) &&
        !snapshot_publish(&t->box, t->staging.s, &e))
        return ERR_OK;
    if (!t->rc)
        t->err = e;
    return ERR_RUNTIME;
}

static void nap(double seconds)
{
    struct timespec ts = {0, (long)(seconds * 1e9)};
    nanosleep(&ts, NULL);
}

/* --stop-at: run i writes its checkpoint and takes no more steps in this
 * invocation; its plan is unchanged, so a resume goes on from here. */
static int stop_run(Trainer *t, int i)
{
    Run *r = &t->runs[i];
    t->stopped[i] = 1;
    r->state = RUN_PAUSED;
    if (checkpoint_runs(t, 1 << i, 1))
        return -1;
    snprintf(r->message, sizeof r->message, "stopped at step %lld (--stop-at); %.400s",
             (long long)r->step, t->message);
    return 0;
}

/* One turn: brings every run's state in line with its pause flag, then
 * steps the runnable run that has had the least compute time so far, so
 * the runs share the threads by time, not by steps (a complex step costs
 * many simple ones, and the simple run must not wait on it). Which run goes
 * next changes only timing: each run's own steps are the same in any
 * order. Returns the runs that are neither DONE nor HALTED, or -1 on an
 * error that stops the worker. */
static int train_round(Trainer *t, int *stepped, int *changed)
{
    int alive = 0, next = -1;
    *stepped = *changed = 0;
    for (int i = 0; i < t->n_runs; i++) {
        Run *r = &t->runs[i];
        if (r->state == RUN_DONE || r->state == RUN_HALTED || t->stopped[i])
            continue;
        if (t->stop_at > 0 && r->step >= t->stop_at) {
            if (stop_run(t, i))
                return -1;
            *changed = 1;
            continue;
        }
        alive++;
        RunState want = control_is_paused(&t->control, i) ? RUN_PAUSED : RUN_RUNNING;
        *changed |= r->state != want;
        r->state = want;
        if (want == RUN_RUNNING && (next < 0 || t->busy_s[i] < t->busy_s[next]))
            next = i;
    }
    if (next < 0 || control_stop_requested(&t->control))
        return alive;
    Run *r = &t->runs[next];
    int64_t evals = r->n_hist, step = r->step;
    double t0 = run_now();
    int rc = run_step(r, &t->data, &t->err);
    t->busy_s[next] += run_now() - t0;
    if (rc && r->state != RUN_HALTED) {
        t->rc = rc;
        if (r->step != step) /* the update happened, its evaluation did not */
            t->torn_run = next;
        return -1;
    }
    err_clear(&t->err);
    *stepped = 1;
    int due = t->checkpoint_every > 0 && r->step % t->checkpoint_every == 0;
    due |= t->stop_at > 0 && r->step == t->stop_at && r->state == RUN_DONE; /* no later turn */
    if (due && checkpoint_runs(t, 1 << next, 1))
        return -1;
    *changed |= r->n_hist != evals || r->state != RUN_RUNNING;
    return alive;
}

/* The live simulation's fixed rows, before the first step (seconds on a
 * large replay: the snapshot says so meanwhile). */
static int prepare_live(Trainer *t)
{
    int rc = sim_live_prepare(t->live, &t->err); /* NULL, off or done: nothing */
    if (rc)
        t->rc = rc;
    return rc;
}

static void *trainer_main(void *arg)
{
    Trainer *t = arg;
    double last_publish = 0.0;
    if (prepare_live(t) || publish(t, 0)) {
        publish(t, 1);
        return NULL;
    }
    while (!control_stop_requested(&t->control)) {
        int stepped, changed;
        uint64_t messages = t->message_seq;
        serve_export(t);
        serve_checkpoints(t);
        int alive = train_round(t, &stepped, &changed);
        changed |= t->message_seq != messages;
        if (alive < 0 || (alive == 0 && !t->linger))
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
    serve_checkpoints(t); /* asked for just before the stop (`c` then `q`) */
    int unsaved = unsaved_runs(t);
    if (control_checkpoint_on_stop(&t->control) && !t->rc && unsaved)
        checkpoint_runs(t, unsaved, 1);
    /* The data went bad under the runs (a shard truncated while mapped): a
     * failed batch changes neither a model nor its cursor, so each run's
     * state is its last good step; keep it for a resume on repaired data.
     * A run whose evaluation failed after its update is between steps: its
     * previous checkpoint stands. */
    if (t->torn_run >= 0)
        unsaved &= ~(1 << t->torn_run);
    if (t->rc == ERR_INPUT && unsaved)
        checkpoint_runs(t, unsaved, 0);
    if (publish(t, 1) && !t->rc)
        t->rc = ERR_RUNTIME;
    return NULL;
}

int trainer_start(Trainer *t, int linger, Err *e)
{
    t->linger = linger;
    if (publish(t, 0))
        return err_set(e, ERR_RUNTIME, "%s", t->err.msg);
    if (pthread_create(&t->thread, NULL, trainer_main, t) != 0)
        return err_set(e, ERR_RUNTIME, "cannot start the training thread");
    t->started = 1;
    return ERR_OK;
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
TrainControl *trainer_control(Trainer *t) { return &t->control; }
int trainer_n_runs(const Trainer *t) { return t->n_runs; }
const Run *trainer_run(const Trainer *t, int i) { return &t->runs[i]; }
const TrainData *trainer_data(const Trainer *t) { return &t->data; }
const TrainConfig *trainer_config(const Trainer *t) { return &t->cfg; }
