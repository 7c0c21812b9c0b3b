/*
 * dashboard.c: the dashboard's loop (htop's ScreenManager): read a key
 * (waiting at most CRT_TICK_MS: the ticker), turn it into view changes and
 * trainer commands through the key table, copy the trainer's snapshot when
 * it changed, draw from that copy. Resizes are handled here and only here.
 *
 * SIGINT and SIGTERM only set a flag (no curses in a signal handler); the
 * loop sees it within one tick, restores the terminal and stops the worker.
 * Fatal signals restore the terminal from crt.c's rescue (fatal_signal.c).
 * Messages shown while curses owns the screen also go to the --log file,
 * with one line per evaluation in the headless format.
 */
#include "dashboard.h"

#include <curses.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "fatal_signal.h"
#include "headless.h"
#include "keys.h"
#include "stop_signal.h"
#include "panels.h"

typedef struct Dash {
    Trainer *t;
    const DashboardOptions *o;
    Crt crt;
    Canvas canvas;
    DashView view;
    Snapshot snap;                       /* our copy: everything is drawn from it */
    uint64_t message_seq;                /* the last trainer message taken */
    int64_t logged[SNAPSHOT_MAX_RUNS];   /* evaluations written to the log */
    RunState state[SNAPSHOT_MAX_RUNS];   /* last seen, to log changes */
    int finish_seen;
    int crash_sig;                       /* the test hook's signal, or 0 */
} Dash;

static void log_line(Dash *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_line(Dash *d, const char *fmt, ...)
{
    if (!d->o->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->o->log, fmt, ap);
    va_end(ap);
    fputc('\n', d->o->log);
    fflush(d->o->log);
}

/* Takes what is new in a fresh snapshot: the trainer's message, finished
 * evaluations and state changes (logged), a failed worker. */
static void on_snapshot(Dash *d)
{
    const Snapshot *s = &d->snap;
    if (s->message_seq != d->message_seq) {
        d->message_seq = s->message_seq;
        dash_note(&d->view, strstr(s->message, " failed: ") != NULL, "%s", s->message);
        log_line(d, "moespec: %s", s->message);
    }
    for (int i = 0; i < s->n_runs; i++) {
        const RunSnapshot *rs = &s->runs[i];
        char line[1024];
        for (; d->logged[i] < rs->n_hist; d->logged[i]++) {
            headless_format_row(line, sizeof line, rs, &rs->hist[d->logged[i]], s->K);
            log_line(d, "%s", line);
        }
        if (rs->state != d->state[i]) {
            d->state[i] = rs->state;
            log_line(d, "%s: %s at step %lld/%lld%s%s", rs->name, run_state_name(rs->state),
                     (long long)rs->step, (long long)rs->planned_steps,
                     rs->message[0] ? ": " : "", rs->message);
        }
    }
    if (s->finished && !d->finish_seen) {
        d->finish_seen = 1;
        if (s->worker_rc) {
            dash_note(&d->view, 1, "training stopped: %s", s->worker_msg);
            log_line(d, "moespec: training stopped: %s", s->worker_msg);
        }
    }
}

/* Carries out what the key table asked of the trainer. */
static void run_commands(Dash *d, unsigned flags)
{
    DashView *v = &d->view;
    const Snapshot *s = &d->snap;
    if ((flags & KEYS_PAUSE_SHOWN) && v->run < s->n_runs) {
        int pause = !trainer_is_paused(d->t, v->run);
        trainer_set_paused(d->t, v->run, pause);
        dash_note(v, 0, "%s %s", pause ? "pausing" : "resuming", s->runs[v->run].name);
    }
    if (flags & KEYS_PAUSE_ALL) {
        int pause = 0;
        for (int i = 0; i < s->n_runs; i++) {
            RunState st = s->runs[i].state;
            if ((st == RUN_RUNNING || st == RUN_PAUSED) && !trainer_is_paused(d->t, i))
                pause = 1;
        }
        trainer_set_paused(d->t, -1, pause);
        dash_note(v, 0, "%s all runs", pause ? "pausing" : "resuming");
    }
    if ((flags & KEYS_CHECKPOINT_SHOWN) && v->run < s->n_runs) {
        trainer_request_checkpoint(d->t, v->run);
        dash_note(v, 0, "writing the checkpoint of %s ...", s->runs[v->run].name);
    }
    if (flags & KEYS_CHECKPOINT_ALL) {
        trainer_request_checkpoint(d->t, -1);
        dash_note(v, 0, "writing the checkpoints of all runs ...");
    }
    if (flags & KEYS_EXPORT) {
        trainer_request_export(d->t, d->o->export_dir);
        dash_note(v, 0, "exporting CSV files into %s ...", d->o->export_dir);
    }
}

/* The one place a new terminal size is taken. */
static void on_resize(Dash *d)
{
    int w, h;
    crt_size(&d->crt, &w, &h);
    if (w != d->canvas.w || h != d->canvas.h)
        canvas_resize(&d->canvas, w, h); /* on failure the old size stays */
}

/* Until q (and y), a signal, or an error; returns the exit status. */
static int dash_loop(Dash *d)
{
    SnapshotBox *box = trainer_box(d->t);
    int dirty = 1;
    for (;;) {
        if (stop_signal_caught())
            return stop_signal_status(stop_signal_caught());
        int ch = crt_key(&d->crt);
        if (ch == KEY_RESIZE) {
            on_resize(d);
            dirty = 1;
        } else if (ch != ERR) {
            unsigned flags = keys_dispatch(&d->view, &d->snap, ch);
            if (flags & KEYS_QUIT)
                return 0;
            run_commands(d, flags);
            dirty |= flags != 0;
        }
        int r = snapshot_read(box, &d->snap);
        if (r < 0) {
            log_line(d, "moespec: out of memory copying the trainer's snapshot");
            fprintf(stderr, "moespec: out of memory copying the trainer's snapshot\n");
            return 1;
        }
        if (r == 1) {
            on_snapshot(d);
            dirty = 1;
        }
        if (dirty) {
            dash_render(&d->canvas, &d->view, &d->snap);
            crt_draw(&d->crt, &d->canvas);
            dirty = 0;
            if (d->crash_sig)
                raise(d->crash_sig);
        }
    }
}

/* The snapshot's shape, read under the box's lock. */
static int snapshot_for(Trainer *t, Snapshot *s, Err *e)
{
    SnapshotBox *box = trainer_box(t);
    pthread_mutex_lock(&box->lock);
    int E = box->snap.E, K = box->snap.K, L = box->snap.L, D = box->snap.D;
    pthread_mutex_unlock(&box->lock);
    return snapshot_init(s, E, K, L, D, e);
}

static void log_final(Dash *d)
{
    for (int i = 0; i < d->snap.n_runs; i++) {
        const RunSnapshot *rs = &d->snap.runs[i];
        log_line(d, "%s: %s at step %lld/%lld", rs->name, run_state_name(rs->state),
                 (long long)rs->step, (long long)rs->planned_steps);
    }
}

int dashboard_run(Trainer *t, const DashboardOptions *o)
{
    Dash d;
    memset(&d, 0, sizeof d);
    d.t = t;
    d.o = o;
    /* A test hook, not for users: raise this fatal signal ("segv", "abrt",
     * ...) after the first frame, to test the terminal's rescue. */
    d.crash_sig = fatal_signal_from_name(getenv("MOESPEC_TEST_CRASH"));
    Err e;
    err_clear(&e);
    if (snapshot_for(t, &d.snap, &e)) {
        fprintf(stderr, "moespec: %s\n", e.msg);
        return 1;
    }
    stop_signal_install();
    int status = crt_init(&d.crt, &e);
    if (status) {
        fprintf(stderr, "moespec: %s\n", e.msg);
        snapshot_free(&d.snap);
        return status;
    }
    int w, h;
    crt_size(&d.crt, &w, &h);
    dash_view_init(&d.view, d.crt.g, d.crt.color, d.snap.K);
    if (canvas_init(&d.canvas, w, h))
        status = err_set(&e, ERR_RUNTIME, "out of memory for the screen");
    else if (!(status = trainer_start(t, 1, &e)))
        status = dash_loop(&d);
    crt_restore(&d.crt);
    trainer_request_stop(t);
    Err je;
    err_clear(&je);
    if (trainer_join(t, &je)) {
        fprintf(stderr, "moespec: %s\n", je.msg);
        if (!status)
            status = 1;
    }
    if (e.msg[0])
        fprintf(stderr, "moespec: %s\n", e.msg);
    snapshot_read(trainer_box(t), &d.snap);
    log_final(&d);
    if (stop_signal_caught()) {
        const char *msg = "moespec: stopped by a signal; no checkpoint written (the dashboard "
                          "writes them on c, C, --checkpoint-every and --stop-at)";
        fprintf(stderr, "%s\n", msg);
        log_line(&d, "%s", msg);
    }
    canvas_free(&d.canvas);
    dash_view_free(&d.view);
    snapshot_free(&d.snap);
    return status;
}
