/*
 * dashboard.c: the dashboard's loop (htop's ScreenManager): read a key
 * (waiting at most CRT_TICK_MS: the ticker), turn it into view changes and
 * trainer commands through the key table, copy the trainer's snapshot when
 * it changed, draw from that copy. Resizes are handled here and only here.
 *
 * SIGINT and SIGTERM only set a flag (no curses in a signal handler); the
 * loop sees it within one tick, restores the terminal and stops the worker.
 * Messages shown while curses owns the screen also go to the --log file,
 * with one line per evaluation in the headless format.
 */
#include "dashboard.h"

#include <curses.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "crt.h"
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
    SnapshotBuf snap;                    /* our copy: everything is drawn from it */
    uint64_t message_seq;                /* the last trainer message taken */
    int64_t logged[SNAPSHOT_MAX_RUNS];   /* evaluations written to the log */
    RunState state[SNAPSHOT_MAX_RUNS];   /* last seen, to log changes */
    int finish_seen;
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
    const Snapshot *s = d->snap.s;
    if (s->message_seq != d->message_seq) {
        d->message_seq = s->message_seq;
        dash_note(&d->view, strstr(s->message, " failed: ") != NULL, "%s", s->message);
        log_line(d, "moespec: %s", s->message);
    }
    for (int i = 0; i < s->n_runs; i++) {
        const RunSnapshot *rs = &s->runs[i];
        char line[1024];
        for (; d->logged[i] < rs->n_hist; d->logged[i]++) {
            headless_format_row(line, sizeof line, rs, &snap_hist(rs)[d->logged[i]], s->K);
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
    const Snapshot *s = d->snap.s;
    TrainControl *ctl = trainer_control(d->t);
    if ((flags & KEYS_PAUSE_SHOWN) && v->run < s->n_runs) {
        int pause = !control_is_paused(ctl, v->run);
        control_set_paused(ctl, v->run, pause);
        dash_note(v, 0, "%s %s", pause ? "pausing" : "resuming", s->runs[v->run].name);
    }
    if (flags & KEYS_PAUSE_ALL) {
        int pause = 0;
        for (int i = 0; i < s->n_runs; i++) {
            RunState st = s->runs[i].state;
            if ((st == RUN_RUNNING || st == RUN_PAUSED) && !control_is_paused(ctl, i))
                pause = 1;
        }
        control_set_paused(ctl, -1, pause);
        dash_note(v, 0, "%s all runs", pause ? "pausing" : "resuming");
    }
    if ((flags & KEYS_CHECKPOINT_SHOWN) && v->run < s->n_runs) {
        control_request_checkpoint(ctl, v->run);
        dash_note(v, 0, "writing the checkpoint of %s ...", s->runs[v->run].name);
    }
    if (flags & KEYS_CHECKPOINT_ALL) {
        control_request_checkpoint(ctl, -1);
        dash_note(v, 0, "writing the checkpoints of all runs ...");
    }
    if (flags & KEYS_EXPORT) {
        control_request_export(ctl, d->o->export_dir);
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
            unsigned flags = keys_dispatch(&d->view, d->snap.s, ch);
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
            dash_render(&d->canvas, &d->view, d->snap.s);
            crt_draw(&d->crt, &d->canvas);
            dirty = 0;
        }
    }
}

static void log_final(Dash *d)
{
    for (int i = 0; d->snap.s && i < d->snap.s->n_runs; i++) {
        const RunSnapshot *rs = &d->snap.s->runs[i];
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
    Err e;
    err_clear(&e);
    stop_signal_install();
    int status = crt_init(&d.crt, &e);
    if (status) {
        fprintf(stderr, "moespec: %s\n", e.msg);
        return status;
    }
    int w, h;
    crt_size(&d.crt, &w, &h);
    /* trainer_start publishes before it returns: the first read has a snapshot */
    if (!(status = trainer_start(t, 1, &e)) && snapshot_read(trainer_box(t), &d.snap) != 1)
        status = err_set(&e, ERR_RUNTIME, "no snapshot from the trainer");
    if (!status) {
        dash_view_init(&d.view, d.crt.g, d.crt.color, d.snap.s->K);
        if (canvas_init(&d.canvas, w, h))
            status = err_set(&e, ERR_RUNTIME, "out of memory for the screen");
        else
            status = dash_loop(&d);
    }
    crt_restore(&d.crt);
    control_request_stop(trainer_control(t));
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
    snapshot_buf_free(&d.snap);
    return status;
}
