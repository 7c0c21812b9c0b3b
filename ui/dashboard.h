/*
 * dashboard.h: the live curses dashboard (SPEC 7): the trainer's worker
 * trains while this thread draws its snapshots and sends it commands.
 *
 * Not here: option parsing and the terminal check (cmd_train.c), drawing
 * (panels), the terminal itself (crt.c).
 */
#ifndef MOESPEC_UI_DASHBOARD_H
#define MOESPEC_UI_DASHBOARD_H

#include <stdio.h>

#include "train/worker.h"

typedef struct DashboardOptions {
    const char *export_dir; /* parent of the `e` exports (SPEC 8 default ./moespec-export) */
    FILE *log;              /* keeps the messages shown while curses owns the screen, or NULL */
} DashboardOptions;

/* Starts t's worker (lingering, so `e` works after every run ended) and
 * runs the dashboard until the user quits or a signal arrives. The caller
 * has checked that stdin and stdout are a terminal. Restores the terminal
 * on every path; returns the exit status: 0 after q (and y) or Ctrl-C (and
 * y), 1 when the worker failed (or a checkpoint of SIGTERM/SIGHUP could not
 * be written), 2 when the terminal is unusable, 130 after Ctrl-C at the
 * quit question, 143/129 after SIGTERM/SIGHUP (every run checkpointed).
 * t is joined when this returns. */
int dashboard_run(Trainer *t, const DashboardOptions *o);

#endif
