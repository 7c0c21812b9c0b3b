/*
 * panel_coverage.c: coverage vs k at the latest evaluation (SPEC 3): cover@k,
 * recall@k and hit@k for k = 1..E, with the chance (sparse dots) and
 * frequency-baseline (dots) curves of cover and recall, the gate baseline's
 * (dots in its own colour) when the set has router matrices, and a k cursor
 * (left/right keys) whose values are read off above the chart together
 * with the memory share k/E (the experts kept resident).
 */
#include "panels.h"

#include <stdio.h>
#include <string.h>

#include "chart.h"

/* ".412" for 0.412. */
static void short_share(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.3f", v);
    if (buf[0] == '0' && buf[1] == '.')
        memmove(buf, buf + 1, strlen(buf));
}

/* The cursor's values: one line when short of room, else two (adding
 * chance and frequency; spelled out when wide). */
static int readout(Canvas *c, Rect in, const DashView *v, const Snapshot *s,
                   const RunSnapshot *rs)
{
    int k = v->k < 1 ? 1 : v->k > s->E ? s->E : v->k, i = k - 1;
    double share = 100.0 * k / s->E;
    int lines = in.h >= 9 ? 2 : 1, wide = in.w >= 47;
    char head[64], a[16], b[16], d[16], e[16];
    if (wide)
        snprintf(head, sizeof head, "k=%d k/E=%.1f%% ", k, share);
    else
        snprintf(head, sizeof head, "k=%d %.0f%% ", k, share);
    int x = in.x, y = in.y;
    x += canvas_text(c, x, y, in.w, ROLE_CURSOR, head, NULL);
    static const char *names[3] = {"cover", "recall", "hit"};
    const double val[3] = {snap_rate(rs, SNAP_COVER)[i], snap_rate(rs, SNAP_RECALL)[i], snap_rate(rs, SNAP_HIT)[i]};
    for (int j = 0; j < 3; j++) {
        if (wide) {
            snprintf(a, sizeof a, "%.3f", val[j]);
        } else {
            short_share(a, sizeof a, val[j]);
        }
        x += canvas_printf(c, x, y, in.x + in.w - x, ROLE_SERIES0 + j, "%s %s ", names[j], a);
    }
    if (lines < 2)
        return 1;
    x = in.x;
    y++;
    if (in.w >= 64) {
        x += canvas_printf(c, x, y, in.w, ROLE_CHANCE, "chance cover %.3f recall %.3f",
                           snap_baseline(s, SNAP_CHANCE, SNAP_COVER)[i], snap_baseline(s, SNAP_CHANCE, SNAP_RECALL)[i]);
        x += canvas_printf(c, x, y, in.x + in.w - x, ROLE_NORMAL, " %s ", v->g->sep);
        x += canvas_printf(c, x, y, in.x + in.w - x, ROLE_FREQ, "freq cover %.3f recall %.3f",
                      snap_baseline(s, SNAP_FREQUENCY, SNAP_COVER)[i], snap_baseline(s, SNAP_FREQUENCY, SNAP_RECALL)[i]);
        if (s->has_gate && in.w >= 98) {
            x += canvas_printf(c, x, y, in.x + in.w - x, ROLE_NORMAL, " %s ", v->g->sep);
            canvas_printf(c, x, y, in.x + in.w - x, ROLE_GATE, "gate cover %.3f recall %.3f",
                          snap_baseline(s, SNAP_GATE, SNAP_COVER)[i],
                          snap_baseline(s, SNAP_GATE, SNAP_RECALL)[i]);
        }
        return 2;
    }
    short_share(a, sizeof a, snap_baseline(s, SNAP_CHANCE, SNAP_COVER)[i]);
    short_share(b, sizeof b, snap_baseline(s, SNAP_CHANCE, SNAP_RECALL)[i]);
    short_share(d, sizeof d, snap_baseline(s, SNAP_FREQUENCY, SNAP_COVER)[i]);
    short_share(e, sizeof e, snap_baseline(s, SNAP_FREQUENCY, SNAP_RECALL)[i]);
    x += canvas_printf(c, x, y, in.w, ROLE_CHANCE, "chance %s/%s ", a, b);
    x += canvas_printf(c, x, y, in.x + in.w - x, ROLE_FREQ, "freq %s/%s ", d, e);
    if (s->has_gate) {
        short_share(a, sizeof a, snap_baseline(s, SNAP_GATE, SNAP_COVER)[i]);
        short_share(b, sizeof b, snap_baseline(s, SNAP_GATE, SNAP_RECALL)[i]);
        x += canvas_printf(c, x, y, in.x + in.w - x, ROLE_GATE, "gate %s/%s ", a, b);
    }
    if (in.x + in.w - x >= 14) /* the hint whole or not at all */
        canvas_text(c, x, y, in.x + in.w - x, ROLE_DIM, "(cover/recall)", NULL);
    return 2;
}

void panel_coverage_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s)
{
    const RunSnapshot *rs = dash_shown_run(v, s);
    char title[80];
    snprintf(title, sizeof title, "coverage vs k (%s %s cursor)", v->g->left, v->g->right);
    Rect in = canvas_box(c, r, title, v->g);
    if (in.w < 8 || in.h < 3)
        return;
    if (!rs || !rs->has_eval) {
        canvas_text(c, in.x + 1, in.y, in.w - 1, ROLE_DIM, "waiting for the first evaluation",
                    v->g);
        return;
    }
    const int E = s->E;
    int used = readout(c, in, v, s, rs);
    double *x = dash_scratch(v, (size_t)E);
    if (!x)
        return;
    for (int k = 1; k <= E; k++)
        x[k - 1] = k;
    Axes ax = {1, E, 0, 1, 0};
    Series series[] = {
        {x, snap_baseline(s, SNAP_CHANCE, SNAP_COVER), E, ROLE_CHANCE, LINE_SPARSE, '.'},
        {x, snap_baseline(s, SNAP_CHANCE, SNAP_RECALL), E, ROLE_CHANCE, LINE_SPARSE, '.'},
        {x, snap_baseline(s, SNAP_FREQUENCY, SNAP_COVER), E, ROLE_FREQ, LINE_DOTTED, ':'},
        {x, snap_baseline(s, SNAP_FREQUENCY, SNAP_RECALL), E, ROLE_FREQ, LINE_DOTTED, ':'},
        {x, snap_baseline(s, SNAP_GATE, SNAP_COVER), E, ROLE_GATE, LINE_DOTTED, 'g'},
        {x, snap_baseline(s, SNAP_GATE, SNAP_RECALL), E, ROLE_GATE, LINE_DOTTED, 'g'},
        {x, snap_rate(rs, SNAP_HIT), E, ROLE_SERIES2, LINE_SOLID, 'o'},
        {x, snap_rate(rs, SNAP_RECALL), E, ROLE_SERIES1, LINE_SOLID, '+'},
        {x, snap_rate(rs, SNAP_COVER), E, ROLE_SERIES0, LINE_SOLID, '*'},
    };
    int ns = (int)(sizeof series / sizeof series[0]);
    if (!s->has_gate) { /* drop the two gate curves */
        memmove(&series[4], &series[6], (size_t)(ns - 6) * sizeof series[0]);
        ns -= 2;
    }
    Rect plot = chart_frame(c, (Rect){in.x, in.y + used, in.w, in.h - used}, &ax, "k", v->g);
    chart_lines(c, plot, series, ns, &ax, v->g);
    chart_cursor(c, plot, v->k, &ax, ROLE_CURSOR, v->g);
}
