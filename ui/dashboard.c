/*
 * dashboard.c: the dashboard's loop (htop's ScreenManager): read a key
 * (waiting at most CRT_TICK_MS: the ticker), turn it into view changes and
 * trainer commands through the key table, copy the trainer's snapshot when
 * it changed, draw from that copy. Resizes are handled here and only here.
 *
 * Signals only set flags (no curses in a signal handler) that the loop
 * reads every tick: each SIGINT (Ctrl-C) is the q key; SIGTERM and SIGHUP
 * (an ssh drop) ask the worker to checkpoint every run as it stops, then
 * the terminal is restored (it may be gone: nothing here waits on it) and
 * the worker joined. Fatal signals restore the terminal from crt.c's
 * rescue (fatal_signal.c).
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
    SnapshotBuf snap;                    /* our copy: everything is drawn from it */
    uint64_t message_seq;                /* the last trainer message taken */
    int64_t logged[SNAPSHOT_MAX_RUNS];   /* evaluations written to the log */
    RunState state[SNAPSHOT_MAX_RUNS];   /* last seen, to log changes */
    int finish_seen;
    int stop_sig;                        /* SIGTERM or SIGHUP that ended the loop, or 0 */
    int aborted;                         /* Ctrl-C at the quit question ended it */
    int hung_up;                         /* the terminal hung up without a SIGHUP */
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

/* SIGTERM, SIGHUP or a hung-up terminal: the worker checkpoints every run
 * as it stops (SPEC 7) while the caller restores the terminal. */
static int stop_with_checkpoints(Dash *d, int sig)
{
    d->stop_sig = sig;
    control_request_stop_with_checkpoints(trainer_control(d->t));
    return stop_signal_status(sig);
}

/* The exit status that a key's flags end the loop with, or -1. */
static int ending(Dash *d, unsigned flags)
{
    if (flags & KEYS_ABORT) {
        d->aborted = 1;
        return stop_signal_status(SIGINT);
    }
    return flags & KEYS_QUIT ? 0 : -1;
}

/* Until q (and y), Ctrl-C twice, SIGTERM or SIGHUP, or an error; returns
 * the exit status. */
static int dash_loop(Dash *d)
{
    SnapshotBox *box = trainer_box(d->t);
    int dirty = 1;
    for (;;) {
        if (stop_signal_terminating())
            return stop_with_checkpoints(d, stop_signal_terminating());
        for (int n = stop_signal_take_interrupts(); n > 0; n--) {
            int end = ending(d, keys_interrupt(&d->view, d->snap.s));
            if (end >= 0)
                return end;
            dirty = 1;
        }
        int ch = crt_key(&d->crt);
        if (ch == ERR && crt_hung_up(&d->crt)) {
            d->hung_up = 1; /* no SIGHUP came (a parent ignored or caught it) */
            return stop_with_checkpoints(d, SIGHUP);
        }
        if (ch == KEY_RESIZE) {
            on_resize(d);
            dirty = 1;
        } else if (ch != ERR) {
            unsigned flags = keys_dispatch(&d->view, d->snap.s, ch);
            int end = ending(d, flags);
            if (end >= 0)
                return end;
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
            if (d->crash_sig)
                raise(d->crash_sig);
        }
    }
}

/* After the worker ended: the message it left that was never shown (the
 * checkpoints written as it stopped), and what a signal did. */
static void say_final(Dash *d, int join_failed)
{
    const Snapshot *s = d->snap.s;
    if (!s)
        return;
    if (s->message_seq != d->message_seq && s->message[0]) {
        fprintf(stderr, "moespec: %s\n", s->message);
        log_line(d, "moespec: %s", s->message);
    }
    char why[64], msg[160];
    if (d->hung_up)
        snprintf(why, sizeof why, "the terminal hung up");
    else
        snprintf(why, sizeof why, "stopped by a signal (%s%s)",
                 stop_signal_name(d->aborted ? SIGINT : d->stop_sig),
                 d->aborted ? ", twice" : "");
    if (d->stop_sig)
        snprintf(msg, sizeof msg, "moespec: %s; %s", why,
                 join_failed ? "the checkpoints could not all be written"
                             : "every run with unsaved steps was checkpointed");
    else if (d->aborted)
        snprintf(msg, sizeof msg, "moespec: %s; no checkpoint written", why);
    else
        return;
    fprintf(stderr, "%s\n", msg);
    log_line(d, "%s", msg);
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
    /* A test hook, not for users: raise this fatal signal ("segv", "abrt",
     * ...) after the first frame, to test the terminal's rescue. */
    d.crash_sig = fatal_signal_from_name(getenv("MOESPEC_TEST_CRASH"));
    Err e;
    err_clear(&e);
    stop_signal_install(0); /* SIGINT is the q key (dash_loop) */
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
    int join_rc = trainer_join(t, &je), join_failed = join_rc != 0;
    if (join_failed) {
        fprintf(stderr, "moespec: %s\n", je.msg);
        if (!status || d.stop_sig)
            status = join_rc == ERR_INPUT ? 3 : 1; /* as headless: 3 for a shard
                                                    * truncated underneath */
    }
    if (e.msg[0])
        fprintf(stderr, "moespec: %s\n", e.msg);
    snapshot_read(trainer_box(t), &d.snap);
    say_final(&d, join_failed && join_rc != ERR_INPUT); /* ERR_INPUT: checkpointed */
    log_final(&d);
    canvas_free(&d.canvas);
    dash_view_free(&d.view);
    snapshot_buf_free(&d.snap);
    return status;
}
