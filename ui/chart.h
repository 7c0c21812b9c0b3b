/*
 * chart.h: pure draw functions for the dashboard: line charts with several
 * series (braille dots under Unicode, two samples per column; marker
 * characters in ASCII), axis labels, heatmaps, progress bars and one-row
 * bar strips. Each takes a rectangle of a Canvas and plain numbers.
 *
 * Deliberately not here: locks, snapshots, curses, and any math beyond
 * scaling numbers to cells (panels compute what is drawn).
 */
#ifndef MOESPEC_UI_CHART_H
#define MOESPEC_UI_CHART_H

#include "canvas.h"

typedef enum LineStyle {
    LINE_SOLID,   /* every dot */
    LINE_DOTTED,  /* every second dot column: frequency baselines */
    LINE_SPARSE,  /* every fourth dot column: chance levels */
} LineStyle;

typedef struct Series {
    const double *x, *y; /* [n]; a NaN y is a gap in the line */
    int n;
    int role;
    LineStyle style;
    char mark;           /* the ASCII glyph of this series */
} Series;

typedef struct Axes {
    double x0, x1, y0, y1; /* data range mapped to the plot's edges */
    int log_y;             /* y scaled by log10 (non-positive values: gaps) */
} Axes;

/* Maps v in [v0, v1] to 0..n-1 (v0 -> 0), clamped; -1 for NaN, for n < 1,
 * or for v <= 0 under log scaling. An empty range maps to the middle. */
int chart_map(double v, double v0, double v1, int n, int log_scale);

/* Dots per cell of a chart: 2 x 4 under Unicode (braille), 2 x 1 in ASCII. */
void chart_resolution(const Glyphs *g, int *dots_x, int *dots_y);

/* Draws y labels (top, middle, bottom) on the left and x labels (x0, x1,
 * and x_label centred) on the bottom row of r; returns the plot area. */
Rect chart_frame(Canvas *c, Rect r, const Axes *ax, const char *x_label, const Glyphs *g);

/* Draws the series into plot, in order (a later series wins a shared
 * cell's colour). Consecutive points are joined. */
void chart_lines(Canvas *c, Rect plot, const Series *s, int n_series, const Axes *ax,
                 const Glyphs *g);

/* A vertical cursor at x, drawn only into cells no series used. */
void chart_cursor(Canvas *c, Rect plot, double x, const Axes *ax, int role, const Glyphs *g);

/* The heat level (0..HEAT_LEVELS-1) of a share in [0, 1]: 0 for none or
 * NaN, then (0, .05], (.05, .15], (.15, .4], (.4, 1]: the steps that tell a
 * spread row (E = 60: 1/60 each) from a peaked one. */
int chart_heat_level(double share);

/* v [rows][cols] shares in [0, 1]; half = 1 puts two rows in each cell
 * (upper and lower half blocks, needs colour), else one row per cell with
 * shade glyphs. Each matrix column takes sx cells, each matrix row sy rows
 * (half rows in half mode). Draws from r's top-left corner, clipped to r. */
void chart_heatmap(Canvas *c, Rect r, const double *v, int rows, int cols, int half, int sx,
                   int sy, const Glyphs *g);

/* The smallest bin size b such that ceil(n/b) columns fit in cols and
 * their rows (rows_per_cell to a cell) fit in rows; 0 if none does. */
int chart_bin_factor(int n, int cols, int rows, int rows_per_cell);

/* A horizontal bar of w cells filled to frac (eighths under Unicode). */
void chart_bar(Canvas *c, int x, int y, int w, double frac, int role, const Glyphs *g);

/* One row of n vertical bars for values in [0, 1] (NaN: blank; 0 still
 * shows the lowest bar, so a zero is told from a missing value). */
void chart_spark(Canvas *c, int x, int y, const double *v, int n, int role, const Glyphs *g);

#endif
