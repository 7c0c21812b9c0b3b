/*
 * headless.h: training without curses (SPEC 7 `--headless`): the trainer's
 * worker thread trains while this thread reads its snapshots and prints one
 * progress line per evaluation on stderr (format in moespec(1)); SIGINT,
 * SIGTERM and SIGHUP stop the worker between steps, with a checkpoint per run.
 */
#ifndef MOESPEC_UI_HEADLESS_H
#define MOESPEC_UI_HEADLESS_H

#include <stdio.h>

#include "train/worker.h"

/* Runs t to the end (or a signal). Returns the exit status: 0, 1 when a run
 * HALTED or the worker failed (or a signal's checkpoint could not be
 * written), 130/143/129 after SIGINT/SIGTERM/SIGHUP. log may be NULL. */
int headless_run(Trainer *t, FILE *log);

/* One progress line (no newline) for an evaluation row of run rs. */
void headless_format_row(char *buf, size_t size, const RunSnapshot *rs, const EvalRow *row,
                         int K);

#endif
