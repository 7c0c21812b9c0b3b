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

/* The y range of the finite (and, for log, positive) values of a and b,
 * with room above and below. */
static void y_range(const double *a, const double *b, int64_t n, int log_y, double *lo,
                    double *hi)
{
    double mn = (double)INFINITY, mx = -(double)INFINITY;
    for (int64_t i = 0; i < 2 * n; i++) {
        double y = i < n ? a[i] : b[i - n];
        if (isfinite(y) && (!log_y || y > 0)) {
            mn = fmin(mn, y);
            mx = fmax(mx, y);
        }
    }
    if (mn > mx) {
        mn = log_y ? 0.1 : 0.0;
        mx = 1.0;
    }
    if (log_y) {
        *lo = mn / 1.1;
        *hi = mx * 1.1;
    } else {
        double pad = mx > mn ? 0.05 * (mx - mn) : (fabs(mn) > 0 ? 0.05 * fabs(mn) : 1.0);
        *lo = mn - pad;
        *hi = mx + pad;
    }
}

/* "train 3.9067 (smoothed 3.9684)  val ..." as far as the width allows. */
static void legend(Canvas *c, Rect in, double tr, double trs, double va, double vas)
{
    int x = in.x, end = in.x + in.w;
    int form = in.w >= 62 ? 2 : in.w >= 42 ? 1 : 0;
    const char *name[2] = {"train", "val"};
    const double raw[2] = {tr, va}, smooth[2] = {trs, vas};
    for (int i = 0; i < 2; i++) {
        x += canvas_text(c, x, in.y, end - x, ROLE_SERIES0 + i, name[i], NULL);
        char buf[96];
        if (form == 2)
            snprintf(buf, sizeof buf, " %.4f (smoothed %.4f)  ", raw[i], smooth[i]);
        else if (form == 1)
            snprintf(buf, sizeof buf, " %.4f ~%.4f  ", raw[i], smooth[i]);
        else
            snprintf(buf, sizeof buf, " %.3f~%.3f ", raw[i], smooth[i]);
        x += canvas_text(c, x, in.y, end - x, ROLE_NORMAL, buf, NULL);
    }
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
        tr[i] = snap_hist(rs)[i].train_loss;
        va[i] = snap_hist(rs)[i].val_loss;
    }
    smooth(tr, trs, n);
    smooth(va, vas, n);
    legend(c, in, tr[n - 1], trs[n - 1], va[n - 1], vas[n - 1]);
    Axes ax = {0, x[n - 1] > 0 ? x[n - 1] : 1, 0, 1, v->log_y};
    y_range(tr, va, n, v->log_y, &ax.y0, &ax.y1);
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
