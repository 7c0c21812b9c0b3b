/*
 * progress_bar.h: the one-line progress bar of long jobs on stderr (drawn
 * only when stderr is a terminal, so logs stay clean).
 */
#ifndef MOESPEC_UI_PROGRESS_BAR_H
#define MOESPEC_UI_PROGRESS_BAR_H

#include <stdint.h>

typedef struct ProgressBar {
    const char *label; /* "gen", "demo", ... */
    const char *unit;  /* "sequences" */
    int tty;
    int shown;         /* last percentage drawn, -1 = none */
} ProgressBar;

void progress_bar_init(ProgressBar *p, const char *label, const char *unit);
/* A callback for long jobs: ctx is a ProgressBar. Clears the line at the end. */
void progress_bar_update(void *ctx, int64_t done, int64_t total);

#endif
