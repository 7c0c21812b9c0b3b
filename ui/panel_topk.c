/*
 * panel_topk.c: hit@1/5/10/15/20 over training (SPEC 3 "dashboard
 * curves"), with the chance level (sparse dots) and the frequency baseline
 * (dots) of each k as horizontal lines (and the gate baseline, when the
 * set has router matrices), and a legend of the latest values.
 * k > E reads as k = E.
 */
#include "panels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

#define N_TOPK 5
static const int topk_k[N_TOPK] = {1, 5, 10, 15, 20};
static const char topk_mark[N_TOPK] = {'o', '*', '+', 'x', '#'};

static double row_hit(const EvalRow *row, int i)
{
    switch (i) {
    case 0: return row->hit1;
    case 1: return row->hit5;
    case 2: return row->hit10;
    case 3: return row->hit15;
    default: return row->hit20;
    }
}

static int clamp_k(int k, int E) { return k > E ? E : k; }

/* ".412" for 0.412: the legend's short form. */
static void short_share(char *buf, size_t size, double v, int digits)
{
    if (isnan(v)) {
        snprintf(buf, size, "-");
        return;
    }
    if (v >= 1.0) {
        snprintf(buf, size, "1");
        return;
    }
    snprintf(buf, size, "%.*f", digits, v);
    if (buf[0] == '0' && buf[1] == '.')
        memmove(buf, buf + 1, strlen(buf));
}

/* Four rows: names, latest, chance, frequency; a fifth, gate, when the set
 * has router matrices (the reference an engineer reads first, so it costs
 * the chart a row rather than going missing at 120x40). Returns the rows
 * used. */
static int legend_table(Canvas *c, Rect in, const DashView *v, const Snapshot *s,
                        const EvalRow *last)
{
    static const char *rows[] = {"latest", "chance", "freq", "gate"};
    static const SnapBaseline base[] = {SNAP_CHANCE, SNAP_CHANCE, SNAP_FREQUENCY, SNAP_GATE};
    static const int role[] = {ROLE_NORMAL, ROLE_CHANCE, ROLE_FREQ, ROLE_GATE};
    int n_rows = s->has_gate ? 4 : 3;
    canvas_text(c, in.x, in.y, 7, ROLE_DIM, "k", NULL);
    for (int i = 0; i < N_TOPK; i++) {
        char name[16];
        if (v->g->unicode)
            snprintf(name, sizeof name, "hit@%d", topk_k[i]);
        else
            snprintf(name, sizeof name, "%c @%d", topk_mark[i], topk_k[i]);
        canvas_printf(c, in.x + 7 + i * 8, in.y, 8, ROLE_SERIES0 + i, "%8s", name);
    }
    for (int r = 0; r < n_rows; r++) {
        canvas_text(c, in.x, in.y + 1 + r, 7, role[r], rows[r], NULL);
        for (int i = 0; i < N_TOPK; i++) {
            int k = clamp_k(topk_k[i], s->E);
            double val = r == 0 ? row_hit(last, i) : snap_baseline(s, base[r], SNAP_HIT)[k - 1];
            char buf[16];
            fmt_share(buf, sizeof buf, val);
            canvas_printf(c, in.x + 7 + i * 8, in.y + 1 + r, 8, ROLE_NORMAL, "%8s", buf);
        }
    }
    return 1 + n_rows;
}

/* One row of the latest values only. */
static int legend_line(Canvas *c, Rect in, const DashView *v, const EvalRow *last)
{
    int x = in.x;
    for (int i = 0; i < N_TOPK && x < in.x + in.w; i++) {
        char name[16], val[16];
        if (v->g->unicode)
            snprintf(name, sizeof name, "@%d", topk_k[i]);
        else
            snprintf(name, sizeof name, "%c%d", topk_mark[i], topk_k[i]);
        short_share(val, sizeof val, row_hit(last, i), 2);
        x += canvas_text(c, x, in.y, in.x + in.w - x, ROLE_SERIES0 + i, name, NULL);
        x += canvas_printf(c, x, in.y, in.x + in.w - x, ROLE_NORMAL, " %s ", val);
    }
    return 1;
}

void panel_topk_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s)
{
    const RunSnapshot *rs = dash_shown_run(v, s);
    Rect in = canvas_box(c, r, s->has_gate ? (r.w >= 52 ? "hit@k: top-k hit rate (chance . freq : gate g)"
                                                        : "hit@k (chance . freq : gate g)")
                             : r.w >= 44 ? "hit@k: top-k hit rate (chance . freq :)"
                                         : "hit@k (chance . freq :)", v->g);
    if (in.w < 8 || in.h < 3)
        return;
    if (!rs || rs->n_hist < 1) {
        canvas_text(c, in.x + 1, in.y, in.w - 1, ROLE_DIM, "waiting for the first evaluation",
                    v->g);
        return;
    }
    int64_t n = rs->n_hist;
    const EvalRow *last = &snap_hist(rs)[n - 1];
    int used = in.h >= 12 && in.w >= 47 ? legend_table(c, in, v, s, last)
                                         : legend_line(c, in, v, last);
    double *x = dash_scratch(v, (size_t)n * (N_TOPK + 1) + 3 * 2 * N_TOPK + 2);
    if (!x)
        return;
    panel_hist_steps(rs, x);
    Axes ax = {0, x[n - 1] > 0 ? x[n - 1] : 1, 0, 1, 0};
    double *ends = x + n * (N_TOPK + 1);   /* {x0, x1} of the level lines */
    double *levels = ends + 2;             /* [3 N_TOPK][2]: chance, freq, gate */
    ends[0] = ax.x0;
    ends[1] = ax.x1;
    Series series[4 * N_TOPK];
    int ns = 0;
    for (int i = 0; i < N_TOPK; i++) {
        int k = clamp_k(topk_k[i], s->E);
        double *ch = levels + 6 * i, *fr = ch + 2, *ga = ch + 4;
        ch[0] = ch[1] = snap_baseline(s, SNAP_CHANCE, SNAP_HIT)[k - 1];
        fr[0] = fr[1] = snap_baseline(s, SNAP_FREQUENCY, SNAP_HIT)[k - 1];
        ga[0] = ga[1] = snap_baseline(s, SNAP_GATE, SNAP_HIT)[k - 1];
        series[ns++] = (Series){ends, ch, 2, ROLE_CHANCE, LINE_SPARSE, '.'};
        series[ns++] = (Series){ends, fr, 2, ROLE_FREQ, LINE_DOTTED, ':'};
        if (s->has_gate)
            series[ns++] = (Series){ends, ga, 2, ROLE_GATE, LINE_DOTTED, 'g'};
    }
    for (int i = 0; i < N_TOPK; i++) {
        double *y = x + n * (i + 1);
        for (int64_t j = 0; j < n; j++)
            y[j] = row_hit(&snap_hist(rs)[j], i);
        series[ns++] = (Series){x, y, (int)n, ROLE_SERIES0 + i, LINE_SOLID, topk_mark[i]};
    }
    Rect plot = chart_frame(c, (Rect){in.x, in.y + used, in.w, in.h - used}, &ax, "step", v->g);
    chart_lines(c, plot, series, ns, &ax, v->g);
}
