/*
 * panel_confusion.c: the confusion heatmap (SPEC 3): rows are the true
 * primary expert, columns the predicted top-1, each row shaded by its share
 * of the row's samples; all layers by default, one layer with `[` `]`.
 * Below it: recall@K per true expert as a one-row bar strip (by expert id),
 * the experts with the lowest recall@K, and the share on the diagonal.
 *
 * With colour under Unicode, a cell holds two rows (upper and lower half
 * blocks); otherwise one row, in shade glyphs. When E experts do not fit,
 * experts are binned b to a cell (counts summed), and the title says so.
 */
#include "panels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

int confusion_bin(const int64_t *counts, int E, int b, double *out)
{
    int n = (E + b - 1) / b;
    memset(out, 0, (size_t)n * (size_t)n * sizeof *out);
    for (int t = 0; t < E; t++)
        for (int p = 0; p < E; p++)
            out[(t / b) * n + p / b] += (double)counts[(size_t)t * (size_t)E + (size_t)p];
    for (int i = 0; i < n; i++) {
        double total = 0;
        for (int j = 0; j < n; j++)
            total += out[i * n + j];
        for (int j = 0; total > 0 && j < n; j++)
            out[i * n + j] /= total;
    }
    return n;
}

void expert_recall_bin(const double *recall, const int64_t *needed, int E, int b, double *out)
{
    int n = (E + b - 1) / b;
    for (int i = 0; i < n; i++) {
        double hit = 0, need = 0;
        for (int e = i * b; e < E && e < (i + 1) * b; e++)
            if (needed[e] > 0) {
                hit += recall[e] * (double)needed[e];
                need += (double)needed[e];
            }
        out[i] = need > 0 ? hit / need : (double)NAN;
    }
}

/* A round tick spacing (in experts) at least min_span wide. */
static int tick_step(int min_span)
{
    static const int steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] >= min_span)
            return steps[i];
    return 1000;
}

/* The first multiple of step in [lo, hi), or -1. */
static int multiple_in(int lo, int hi, int step)
{
    int m = (lo + step - 1) / step * step;
    return m < hi ? m : -1;
}

/* Expert ids over the columns, b experts to a bin, sx cells to a bin. */
static void column_labels(Canvas *c, int x, int y, int w, int n, int b, int sx, int E)
{
    int digits = E > 100 ? 3 : E > 10 ? 2 : 1;
    int step = tick_step((digits + 1) * b / sx > 0 ? (digits + 1) * b / sx : 1), next = x;
    for (int j = 0; j < n && j * sx < w; j++) {
        int id = multiple_in(j * b, (j + 1) * b, step);
        if (id >= 0 && x + j * sx >= next)
            next = x + j * sx + canvas_printf(c, x + j * sx, y, w - j * sx, ROLE_AXIS, "%d", id) + 1;
    }
}

/* Expert ids down the rows: a character row holds per half rows, each
 * matrix row (b experts) sy half rows. Each tick is labelled once. */
static void row_labels(Canvas *c, int x, int y, int rows, int per, int sy, int b, int lw,
                       int E)
{
    int step = tick_step(2 * per * b / sy > 0 ? 2 * per * b / sy : 1), last = -1;
    for (int r = 0; r < rows; r++) {
        int lo = r * per / sy * b, hi = ((r + 1) * per - 1) / sy * b + b;
        int id = multiple_in(lo, hi < E ? hi : E, step);
        if (id >= 0 && id != last)
            canvas_printf(c, x, y + r, lw, ROLE_AXIS, "%*d", lw, id);
        if (id >= 0)
            last = id;
    }
}

/* "rc: recall@K per expert; lowest e17 0.12 ..." (experts with needed > 0),
 * which also explains the strip labelled rc above it. */
static void lowest_recall(Canvas *c, int x, int y, int w, const double *recall,
                          const int64_t *needed, int E, int K, double *taken)
{
    int at = x + canvas_printf(c, x, y, w, ROLE_DIM, w >= 60 ? "rc: recall@%d per expert; lowest"
                                                             : "rc lowest@%d:", K);
    for (int e = 0; e < E; e++)
        taken[e] = needed[e] > 0 ? 0 : 1;
    for (;;) {
        int best = -1;
        for (int e = 0; e < E; e++)
            if (taken[e] == 0 && (best < 0 || recall[e] < recall[best]))
                best = e;
        if (best < 0)
            return;
        char item[32];
        snprintf(item, sizeof item, " e%d %.2f", best, recall[best]);
        if (at + (int)strlen(item) > x + w)
            return;
        at += canvas_text(c, at, y, -1, recall[best] < 0.5 ? ROLE_ERROR : ROLE_NORMAL, item,
                          NULL);
        taken[best] = 1;
    }
}

/* The share on the diagonal (predicted top-1 = true primary) and the key
 * to the shading. */
static void heat_legend(Canvas *c, int x, int y, int w, const DashView *v,
                        const int64_t *counts, int E)
{
    static const char *bounds[] = {"", "<=.05", "<=.15", "<=.4", ">.4"};
    int64_t on = 0, total = 0;
    for (int t = 0; t < E; t++)
        for (int p = 0; p < E; p++) {
            total += counts[(size_t)t * (size_t)E + (size_t)p];
            on += t == p ? counts[(size_t)t * (size_t)E + (size_t)p] : 0;
        }
    double diag = total ? (double)on / (double)total : 0.0;
    int at = x + canvas_printf(c, x, y, w, ROLE_DIM, "top-1 = primary %.1f%%  row share:",
                               100.0 * diag);
    for (int l = 1; l < HEAT_LEVELS && at + 6 <= x + w; l++) {
        at += canvas_text(c, at, y, 1, ROLE_DIM, " ", NULL);
        at += canvas_text(c, at, y, 1, canvas_heat_role(l, 0),
                          v->color && v->g->unicode ? v->g->upper_half : v->g->shade[l], NULL);
        at += canvas_text(c, at, y, -1, ROLE_DIM, bounds[l], NULL);
    }
}

/* Where the heatmap goes in a panel's inside. */
typedef struct HeatLayout {
    int half;     /* two rows to a character cell */
    int lw;       /* row-label width */
    int b;        /* experts to a bin */
    int n;        /* bins per side */
    int sx, sy;   /* cells per bin across; half rows (or rows) per bin down */
    int rows;     /* character rows of the heatmap */
} HeatLayout;

/* Bins experts until they fit beside the labels and above the `fixed`
 * lines of text, then grows the cells into the room left: up to twice as
 * wide as tall in half mode (a half row is about as tall as a column is
 * wide), square otherwise. Returns 0 when not even one bin per cell fits. */
static int heat_layout(HeatLayout *hl, int E, Rect in, int fixed, int half)
{
    int per = half ? 2 : 1;
    hl->half = half;
    hl->lw = E > 100 ? 3 : 2;
    hl->b = chart_bin_factor(E, in.w - hl->lw - 1, in.h - fixed, per);
    if (hl->b < 1)
        return 0;
    hl->n = (E + hl->b - 1) / hl->b;
    int fit_x = (in.w - hl->lw - 1) / hl->n, fit_y = (in.h - fixed) * per / hl->n;
    int sy = half ? (fit_y < fit_x ? fit_y : fit_x) : (fit_y < fit_x / 2 ? fit_y : fit_x / 2);
    hl->sy = sy < 1 ? 1 : sy > 4 ? 4 : sy;
    hl->sx = fit_x < 2 * hl->sy ? fit_x : 2 * hl->sy;
    if (hl->sx < 1)
        hl->sx = 1;
    hl->rows = (hl->n * hl->sy + per - 1) / per;
    return 1;
}

void panel_confusion_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s)
{
    const RunSnapshot *rs = dash_shown_run(v, s);
    const int E = s->E, L = s->L;
    if (v->layer >= L)
        v->layer = -1;
    char where[48], title[128];
    if (v->layer < 0)
        snprintf(where, sizeof where, "all %d layers", L);
    else
        snprintf(where, sizeof where, "layer %d of 0..%d", v->layer, L - 1);
    snprintf(title, sizeof title, "confusion%s, %s ([ ])",
             r.w >= 60 ? ": true primary x predicted top-1" : "", where);
    Rect in = canvas_box(c, r, title, v->g);
    if (in.w < 12 || in.h < 5)
        return;
    if (!rs || !rs->has_eval) {
        canvas_text(c, in.x + 1, in.y, in.w - 1, ROLE_DIM, "waiting for the first evaluation",
                    v->g);
        return;
    }
    size_t li = (size_t)(v->layer < 0 ? L : v->layer);
    const int64_t *counts = snap_confusion(rs) + li * (size_t)E * (size_t)E;
    const double *recall = snap_expert_recall(rs) + li * (size_t)E;
    const int64_t *needed = snap_needed(rs) + li * (size_t)E;
    int full = in.h >= 20;
    HeatLayout hl;
    if (!heat_layout(&hl, E, in, full ? 4 : 3, v->color && v->g->unicode)) {
        canvas_text(c, in.x, in.y, in.w, ROLE_DIM, "too small for the heatmap", v->g);
        return;
    }
    const int n = hl.n, b = hl.b, sx = hl.sx, sy = hl.sy, rows = hl.rows, lw = hl.lw;
    const int half = hl.half, per = half ? 2 : 1, hx = in.x + lw + 1;
    double *m = dash_scratch(v, (size_t)n * (size_t)n + (size_t)n + (size_t)E);
    if (!m)
        return;
    double *rec = m + (size_t)n * (size_t)n, *taken = rec + n;
    confusion_bin(counts, E, b, m);
    expert_recall_bin(recall, needed, E, b, rec);
    if (b > 1)
        canvas_printf(c, in.x, in.y, lw + 1, ROLE_DIM, "x%d", b);
    column_labels(c, hx, in.y, in.w - lw - 1, n, b, sx, E);
    row_labels(c, in.x, in.y + 1, rows, per, sy, b, lw, E);
    chart_heatmap(c, (Rect){hx, in.y + 1, n * sx, rows}, m, n, n, half, sx, sy, v->g);
    int y = in.y + 1 + rows;
    canvas_text(c, in.x, y, lw + 1, ROLE_AXIS, "rc", NULL);
    for (int j = 0; j < n * sx; j++)
        chart_spark(c, hx + j, y, &rec[j / sx], 1, ROLE_SERIES1, v->g);
    char strip[32];
    snprintf(strip, sizeof strip, "recall@%d by expert", s->K);
    if (full && hx + n * sx + 1 + (int)strlen(strip) <= in.x + in.w)
        canvas_text(c, hx + n * sx + 1, y, -1, ROLE_DIM, strip, NULL);
    lowest_recall(c, in.x, ++y, in.w, recall, needed, E, s->K, taken);
    if (!full)
        return;
    heat_legend(c, in.x, ++y, in.w, v, counts, E);
}
