/*
 * panels.h: the dashboard's screen state (DashView) and its panels (SPEC 7):
 * status line, key hints, loss, hit@k, coverage-vs-k, confusion, compare
 * view, and the help and quit overlays.
 *
 * Each panel draws one rectangle of a Canvas from the dashboard's own copy
 * of a Snapshot and the view; none takes a lock, touches the trainer or
 * curses, or keeps anything between frames but the view's scratch buffer.
 * dash_render (layout.c) places them for the terminal's size.
 *
 * Not here: keys (keys.c), the terminal (crt.c), the loop (dashboard.c).
 */
#ifndef MOESPEC_UI_PANELS_H
#define MOESPEC_UI_PANELS_H

#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "train/snapshot.h"

typedef enum DashScreen { SCREEN_MAIN = 0, SCREEN_COMPARE, SCREEN_DEPLOY } DashScreen;

/* The smallest terminal the dashboard draws into, and where the full
 * layout (every panel, the whole heatmap) starts. */
#define DASH_MIN_W 60
#define DASH_MIN_H 20
#define DASH_FULL_W 120
#define DASH_FULL_H 40

typedef struct DashView {
    const Glyphs *g;
    int color;           /* colour roles in use (heatmap in half blocks) */
    int run;             /* the shown run: index into the snapshot's runs */
    DashScreen screen;
    int k;               /* coverage cursor, 1..E */
    int cache_i;         /* deployment cursor: index into the snapshot's caches */
    int layer;           /* confusion layer, -1 = all layers */
    int log_y;           /* loss axes on a log scale */
    int help;            /* the key table is open */
    int confirm_quit;    /* "Quit with unsaved runs? (y/n)" is open */
    int pressed;         /* the key being handled, for a binding of a range (1..9) */
    char note[1200];     /* the latest message for the status line */
    int note_error;      /* ... and whether it reports a failure */
    double *scratch;     /* panels' working numbers, grown on demand */
    size_t scratch_n;
} DashView;

/* The key that shows run i (SPEC 7: 1..9 in --arch order). */
#define DASH_RUN_KEY(i) ('1' + (i))

void dash_view_init(DashView *v, const Glyphs *g, int color, int K);
void dash_view_free(DashView *v);
/* At least n doubles of scratch (previous contents lost), or NULL. */
double *dash_scratch(DashView *v, size_t n);
/* Sets the status line's message. */
void dash_note(DashView *v, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The whole screen for the canvas's size. */
void dash_render(Canvas *c, DashView *v, const Snapshot *s);
/* Whether a w x h terminal gets the full layout. */
int dash_layout_full(int w, int h);

/* Two rows: the shown run's line, then the run list and the message. */
void panel_status_draw(Canvas *c, Rect r, const DashView *v, const Snapshot *s);
/* One row of key hints, from the key table. */
void panel_hints_draw(Canvas *c, Rect r, const DashView *v);
void panel_loss_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s);
void panel_topk_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s);
void panel_coverage_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s);
void panel_confusion_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s);
void panel_compare_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s);
void panel_deploy_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s);
/* The deployment cursor's cache index, clamped to the snapshot's caches. */
int panel_deploy_cursor(const DashView *v, const Snapshot *s);
/* Overlays, centred on the canvas. */
void panel_help_draw(Canvas *c, const DashView *v);
void panel_prompt_draw(Canvas *c, const DashView *v);

/* Shared by panels and tested on their own. */
void fmt_duration(char *buf, size_t size, double seconds); /* "1h02m", "4m05s", "--" */
void fmt_rate(char *buf, size_t size, double per_s);       /* "950", "12.3k", "1.20M" */
void fmt_share(char *buf, size_t size, double v);          /* "0.412", "-" for NaN */
/* The history's steps as doubles into x [n] (for chart x axes). */
void panel_hist_steps(const RunSnapshot *rs, double *x);
/* Sums counts [E][E] into b x b blocks and divides each block row by its
 * total: out [n][n] row shares, n = ceil(E / b) returned. A row with no
 * counts is all 0. */
int confusion_bin(const int64_t *counts, int E, int b, double *out);
/* Per block of b experts: recall weighted by needed (NaN where none is
 * needed). out [ceil(E / b)]. */
void expert_recall_bin(const double *recall, const int64_t *needed, int E, int b,
                       double *out);
/* The shown run's snapshot, or NULL while the snapshot has no runs. */
const RunSnapshot *dash_shown_run(const DashView *v, const Snapshot *s);

#endif
