/*
 * panel_compare.c: the compare view (`v`): every run of the invocation
 * overlaid in one colour (ASCII: its key digit) per run: val_ce (the loss
 * that compares across architectures; log scale with `l`) and hit@1, plus
 * hit@5 and hit@10 when there is room; under them one summary row per run
 * at its latest evaluation, and the chance and frequency baselines.
 * For baselines exact = cover@K (with |P| = |T| = K the two coincide).
 */
#include "panels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

enum { CMP_VAL_CE = -1 }; /* a chart's metric: this, or an index into cmp_hit_k */
static const int cmp_hit_k[] = {1, 5, 10};

static double row_metric(const EvalRow *row, int metric)
{
    switch (metric) {
    case CMP_VAL_CE: return row->val_ce;
    case 0: return row->hit1;
    case 1: return row->hit5;
    default: return row->hit10;
    }
}

/* The chart's axes over every run's history; returns the evaluations. */
static int64_t compare_axes(const Snapshot *s, int metric, int log_y, Axes *ax)
{
    int64_t total = 0;
    double x1 = 1, lo = (double)INFINITY, hi = -(double)INFINITY;
    for (int i = 0; i < s->n_runs; i++) {
        const RunSnapshot *rs = &s->runs[i];
        total += rs->n_hist;
        for (int64_t j = 0; j < rs->n_hist; j++) {
            double y = row_metric(&snap_hist(rs)[j], metric);
            x1 = fmax(x1, (double)snap_hist(rs)[j].step);
            if (isfinite(y) && (!log_y || y > 0)) {
                lo = fmin(lo, y);
                hi = fmax(hi, y);
            }
        }
    }
    *ax = (Axes){0, x1, 0, 1, 0};
    if (metric == CMP_VAL_CE) { /* hit rates keep 0..1 */
        if (!(lo <= hi)) {
            lo = 0.1;
            hi = 1;
        }
        double pad = log_y ? 1.1 : hi > lo ? 0.05 * (hi - lo) : 0.05 * fabs(lo) + 1e-3;
        *ax = (Axes){0, x1, log_y ? lo / pad : lo - pad, log_y ? hi * pad : hi + pad, log_y};
    }
    return total;
}

/* One chart of metric for every run, with the latest values above it. */
static void compare_chart(Canvas *c, Rect r, DashView *v, const Snapshot *s, int metric)
{
    char title[48];
    if (metric == CMP_VAL_CE)
        snprintf(title, sizeof title, "val_ce%s", v->log_y ? " (log scale, l)" : " (l: log)");
    else
        snprintf(title, sizeof title, "hit@%d (chance . freq :)", cmp_hit_k[metric]);
    Rect in = canvas_box(c, r, title, v->g);
    if (in.w < 10 || in.h < 3)
        return;
    Axes ax;
    int64_t total = compare_axes(s, metric, v->log_y, &ax);
    double *buf = total ? dash_scratch(v, (size_t)total * 2 + 6) : NULL;
    if (!buf) {
        canvas_text(c, in.x + 1, in.y, in.w - 1, ROLE_DIM, "waiting for the first evaluation",
                    v->g);
        return;
    }
    Series series[SNAPSHOT_MAX_RUNS + 2];
    int ns = 0;
    double *ends = buf + total * 2, *ch = ends + 2, *fr = ch + 2;
    if (metric != CMP_VAL_CE) {
        int k = cmp_hit_k[metric] > s->E ? s->E : cmp_hit_k[metric];
        ends[0] = ax.x0;
        ends[1] = ax.x1;
        ch[0] = ch[1] = snap_baseline(s, SNAP_CHANCE, SNAP_HIT)[k - 1];
        fr[0] = fr[1] = snap_baseline(s, SNAP_FREQUENCY, SNAP_HIT)[k - 1];
        series[ns++] = (Series){ends, ch, 2, ROLE_CHANCE, LINE_SPARSE, '.'};
        series[ns++] = (Series){ends, fr, 2, ROLE_FREQ, LINE_DOTTED, ':'};
    }
    int x = in.x;
    double *at = buf;
    for (int i = 0; i < s->n_runs; i++) {
        const RunSnapshot *rs = &s->runs[i];
        double *xs = at, *ys = at + rs->n_hist;
        at += 2 * rs->n_hist;
        panel_hist_steps(rs, xs);
        for (int64_t j = 0; j < rs->n_hist; j++)
            ys[j] = row_metric(&snap_hist(rs)[j], metric);
        series[ns++] = (Series){xs, ys, (int)rs->n_hist, ROLE_SERIES0 + i, LINE_SOLID,
                                (char)DASH_RUN_KEY(i)};
        char val[24];
        fmt_share(val, sizeof val, rs->n_hist ? ys[rs->n_hist - 1] : (double)NAN);
        x += canvas_printf(c, x, in.y, in.x + in.w - x, ROLE_SERIES0 + i, "%c %s %s  ",
                           DASH_RUN_KEY(i), rs->name, val);
    }
    Rect plot = chart_frame(c, (Rect){in.x, in.y + 1, in.w, in.h - 1}, &ax, "step", v->g);
    chart_lines(c, plot, series, ns, &ax, v->g);
}

typedef struct Column {
    const char *head; /* "@K" / "@2K" are replaced by the numbers */
    int width;
} Column;

/* In order of importance: columns that do not fit are left out. */
static const Column columns[] = {
    {"run", 10}, {"state", 8}, {"step", 20}, {"val_ce", 8}, {"hit1", 7}, {"hit5", 7},
    {"hit10", 7}, {"recall@K", 10}, {"cover@K", 9}, {"cover@2K", 10}, {"exact", 7},
    {"epoch", 7}, {"params", 10}, {"best recall@K", 14}, {"samples/s", 10}, {"arch", 8},
};
enum { N_COLUMNS = sizeof columns / sizeof columns[0] };

/* The text of column j for run rs (NULL: a baseline row named base). */
static void cell_text(char *buf, size_t size, int j, const Snapshot *s, const RunSnapshot *rs,
                      const char *base)
{
    const int E = s->E, K = s->K, K2 = 2 * K > E ? E : 2 * K;
    const EvalRow *e = rs && rs->n_hist ? &snap_hist(rs)[rs->n_hist - 1] : NULL;
    const double *hit = base && base[0] == 'c' ? snap_baseline(s, SNAP_CHANCE, SNAP_HIT) : snap_baseline(s, SNAP_FREQUENCY, SNAP_HIT);
    const double *rec = base && base[0] == 'c' ? snap_baseline(s, SNAP_CHANCE, SNAP_RECALL) : snap_baseline(s, SNAP_FREQUENCY, SNAP_RECALL);
    const double *cov = base && base[0] == 'c' ? snap_baseline(s, SNAP_CHANCE, SNAP_COVER) : snap_baseline(s, SNAP_FREQUENCY, SNAP_COVER);
    double val = (double)NAN;
    buf[0] = '\0';
    switch (j) {
    case 0: snprintf(buf, size, "%s", rs ? rs->name : base); return;
    case 1: snprintf(buf, size, "%s", rs ? run_state_name(rs->state) : ""); return;
    case 2:
        if (rs)
            snprintf(buf, size, "%lld/%lld", (long long)rs->step, (long long)rs->planned_steps);
        return;
    case 3: val = e ? e->val_ce : (double)NAN; break;
    case 4: val = e ? e->hit1 : rs ? (double)NAN : hit[0]; break;
    case 5: val = e ? e->hit5 : rs ? (double)NAN : hit[(5 > E ? E : 5) - 1]; break;
    case 6: val = e ? e->hit10 : rs ? (double)NAN : hit[(10 > E ? E : 10) - 1]; break;
    case 7: val = e ? e->recall_K : rs ? (double)NAN : rec[K - 1]; break;
    case 8: val = e ? e->cover_K : rs ? (double)NAN : cov[K - 1]; break;
    case 9: val = e ? e->cover_2K : rs ? (double)NAN : cov[K2 - 1]; break;
    case 10: val = e ? e->exact : rs ? (double)NAN : cov[K - 1]; break;
    case 11: if (rs) snprintf(buf, size, "%.2f", rs->epoch); return;
    case 12: if (rs) snprintf(buf, size, "%zu", rs->params); return;
    case 13:
        if (rs && rs->n_hist) {
            int64_t best = 0;
            for (int64_t i = 1; i < rs->n_hist; i++)
                if (snap_hist(rs)[i].recall_K > snap_hist(rs)[best].recall_K)
                    best = i;
            snprintf(buf, size, "%.3f@%lld", snap_hist(rs)[best].recall_K,
                     (long long)snap_hist(rs)[best].step);
        }
        return;
    case 14: if (rs) fmt_rate(buf, size, rs->samples_per_s); return;
    default: snprintf(buf, size, "%s", rs ? rs->arch : "baseline"); return;
    }
    if (!isnan(val))
        snprintf(buf, size, "%.4f", val);
}

static void header_text(char *buf, size_t size, int j, int K)
{
    const char *h = columns[j].head, *at = strstr(h, "@2K");
    if (at)
        snprintf(buf, size, "%.*s@%d", (int)(at - h), h, 2 * K);
    else if ((at = strstr(h, "@K")))
        snprintf(buf, size, "%.*s@%d", (int)(at - h), h, K);
    else
        snprintf(buf, size, "%s", h);
}

static void summary_table(Canvas *c, Rect r, const DashView *v, const Snapshot *s)
{
    Rect in = canvas_box(c, r, "compare: one row per run, latest evaluation", v->g);
    static const char *bases[] = {"chance", "frequency"};
    int x = in.x;
    for (int j = 0; j < N_COLUMNS && x + columns[j].width <= in.x + in.w; j++) {
        char buf[64];
        header_text(buf, sizeof buf, j, s->K);
        canvas_text(c, x, in.y, columns[j].width - 1, ROLE_TITLE, buf, NULL);
        for (int i = 0; i < s->n_runs + 2 && 1 + i < in.h; i++) {
            const RunSnapshot *rs = i < s->n_runs ? &s->runs[i] : NULL;
            cell_text(buf, sizeof buf, j, s, rs, rs ? NULL : bases[i - s->n_runs]);
            int role = rs ? (j == 0 ? ROLE_SERIES0 + i : ROLE_NORMAL)
                          : (i - s->n_runs ? ROLE_FREQ : ROLE_CHANCE);
            canvas_text(c, x, in.y + 1 + i, columns[j].width - 1, role, buf, v->g);
        }
        x += columns[j].width;
    }
}

void panel_compare_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s)
{
    int table_h = s->n_runs + 5;
    int charts_h = r.h - table_h;
    summary_table(c, (Rect){r.x, r.y + charts_h, r.w, table_h}, v, s);
    if (charts_h < 6)
        return;
    int half_w = r.w / 2;
    if (charts_h >= 24) {
        int top = charts_h / 2;
        compare_chart(c, (Rect){r.x, r.y, half_w, top}, v, s, CMP_VAL_CE);
        compare_chart(c, (Rect){r.x + half_w, r.y, r.w - half_w, top}, v, s, 0);
        compare_chart(c, (Rect){r.x, r.y + top, half_w, charts_h - top}, v, s, 1);
        compare_chart(c, (Rect){r.x + half_w, r.y + top, r.w - half_w, charts_h - top}, v, s, 2);
    } else {
        compare_chart(c, (Rect){r.x, r.y, half_w, charts_h}, v, s, CMP_VAL_CE);
        compare_chart(c, (Rect){r.x + half_w, r.y, r.w - half_w, charts_h}, v, s, 0);
    }
}
