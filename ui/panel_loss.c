/*
 * panel_loss.c: the loss panel: train loss (the mean since the previous
 * evaluation) and validation loss over steps, each raw (dim) and smoothed
 * (an exponential moving average over evaluations), linear or log scale
 * (`l`). The smoothing is display only: nothing exported uses it.
 */
#include "panels.h"

#include <math.h>
#include <stdio.h>

#include "chart.h"

#define SMOOTH_ALPHA 0.3 /* weight of the newest evaluation */

/* out[i] = EMA of y[0..i], skipping NaNs (NaN until the first number). */
static void smooth(const double *y, double *out, int64_t n)
{
    double m = (double)NAN;
    for (int64_t i = 0; i < n; i++) {
        if (!isnan(y[i]))
            m = isnan(m) ? y[i] : SMOOTH_ALPHA * y[i] + (1 - SMOOTH_ALPHA) * m;
        out[i] = m;
    }
}

/* The y range of the finite (and, for log, positive) values, with room. */
static void y_range(const double *y, int64_t n, int log_y, double *lo, double *hi)
{
    double a = (double)INFINITY, b = -(double)INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(y[i]) && (!log_y || y[i] > 0)) {
            if (y[i] < a) a = y[i];
            if (y[i] > b) b = y[i];
        }
    if (a > b) {
        a = log_y ? 0.1 : 0.0;
        b = 1.0;
    }
    if (log_y) {
        *lo = a / 1.1;
        *hi = b * 1.1;
    } else {
        double pad = b > a ? 0.05 * (b - a) : (fabs(a) > 0 ? 0.5 * fabs(a) : 1.0);
        *lo = a - pad;
        *hi = b + pad;
    }
}

static void legend(Canvas *c, Rect in, const DashView *v, double tr, double trs, double va,
                   double vas)
{
    int x = in.x, w = in.w;
    int wide = w >= 44;
    x += canvas_text(c, x, in.y, w, ROLE_SERIES0, "train", NULL);
    x += canvas_printf(c, x, in.y, in.x + w - x, ROLE_NORMAL, wide ? " %.4f (smoothed %.4f)  "
                                                                   : " %.3f~%.3f ", tr, trs);
    x += canvas_text(c, x, in.y, in.x + w - x, ROLE_SERIES1, "val", NULL);
    canvas_printf(c, x, in.y, in.x + w - x, ROLE_NORMAL, wide ? " %.4f (smoothed %.4f)"
                                                              : " %.3f~%.3f", va, vas);
    (void)v;
}

void panel_loss_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s)
{
    const RunSnapshot *rs = dash_shown_run(v, s);
    Rect in = canvas_box(c, r, v->log_y ? "loss (log scale, l)" : "loss (l: log scale)", v->g);
    if (in.w < 8 || in.h < 3)
        return;
    if (!rs || rs->n_hist < 1) {
        canvas_text(c, in.x + 1, in.y, in.w - 1, ROLE_DIM, "waiting for the first evaluation",
                    v->g);
        return;
    }
    int64_t n = rs->n_hist;
    double *x = dash_scratch(v, (size_t)n * 5);
    if (!x) {
        canvas_text(c, in.x, in.y, in.w, ROLE_ERROR, "out of memory", v->g);
        return;
    }
    double *tr = x + n, *trs = x + 2 * n, *va = x + 3 * n, *vas = x + 4 * n;
    panel_hist_steps(rs, x);
    for (int64_t i = 0; i < n; i++) {
        tr[i] = rs->hist[i].train_loss;
        va[i] = rs->hist[i].val_loss;
    }
    smooth(tr, trs, n);
    smooth(va, vas, n);
    legend(c, in, v, tr[n - 1], trs[n - 1], va[n - 1], vas[n - 1]);
    Axes ax = {0, x[n - 1] > 0 ? x[n - 1] : 1, 0, 1, v->log_y};
    double lo1, hi1, lo2, hi2;
    y_range(tr, n, v->log_y, &lo1, &hi1);
    y_range(va, n, v->log_y, &lo2, &hi2);
    ax.y0 = fmin(lo1, lo2);
    ax.y1 = fmax(hi1, hi2);
    Rect plot = chart_frame(c, (Rect){in.x, in.y + 1, in.w, in.h - 1}, &ax, "step", v->g);
    int nn = (int)n;
    Series series[] = {
        {x, tr, nn, ROLE_DIM, LINE_SOLID, ','},
        {x, va, nn, ROLE_DIM, LINE_SOLID, ','},
        {x, trs, nn, ROLE_SERIES0, LINE_SOLID, '*'},
        {x, vas, nn, ROLE_SERIES1, LINE_SOLID, '+'},
    };
    chart_lines(c, plot, series, 4, &ax, v->g);
}
