/*
 * panel_deploy.c: the deployment view (`d`, SPEC 11): the live simulation
 * of the shown run and the baselines against the cache size C per layer.
 * Two charts, hit rate and stall ms per token against C, carry the shown
 * run (prefetch under lru), lru and belady without prediction (the
 * reference lines: no prediction, and the optimum without prefetch) and
 * the frequency baseline; a cursor on C (left/right) reads every figure off
 * in the table below, one row per predictor and policy; the last rows give
 * the smallest k that reaches each cover@k level.
 */
#include "panels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

/* The line of a name in the snapshot's reference lines, or -1. */
static int line_index(const DeploySnapshot *ds, const char *name)
{
    for (int i = 0; i < ds->n_lines; i++)
        if (!strcmp(ds->line[i], name))
            return i;
    return -1;
}

int panel_deploy_cursor(const DashView *v, const Snapshot *s)
{
    int n = s->deploy.n_caches;
    return n < 1 ? 0 : v->cache_i < 0 ? 0 : v->cache_i >= n ? n - 1 : v->cache_i;
}

static double cell_value(const DeployCell *c, int stall)
{
    return stall ? c->stall_ms : c->hit;
}

/* One chart of hit (stall = 0) or stall ms per token against C. */
static void deploy_chart(Canvas *c, Rect r, DashView *v, const Snapshot *s,
                         const RunSnapshot *rs, int run_i, int stall)
{
    const DeploySnapshot *ds = &s->deploy;
    Rect in = canvas_box(c, r, stall ? "stall ms/token vs cache C" : "hit rate vs cache C", v->g);
    const int n = ds->n_caches;
    if (in.w < 12 || in.h < 4 || n < 1)
        return;
    double *buf = dash_scratch(v, (size_t)n * 5);
    if (!buf)
        return;
    double *x = buf, *y[4] = {buf + n, buf + 2 * n, buf + 3 * n, buf + 4 * n};
    static const char *refs[3] = {"lru", "belady", "frequency"};
    static const int roles[3] = {ROLE_CHANCE, ROLE_GATE, ROLE_FREQ};
    static const LineStyle styles[3] = {LINE_SPARSE, LINE_SOLID, LINE_DOTTED};
    static const char marks[3] = {'l', 'b', 'f'};
    Series series[4];
    int ns = 0;
    double hi = 0.0;
    for (int i = 0; i < n; i++)
        x[i] = ds->caches[i];
    for (int j = 0; j < 3; j++) {
        int li = line_index(ds, refs[j]);
        if (li < 0)
            continue;
        for (int i = 0; i < n; i++)
            hi = fmax(hi, y[ns][i] = cell_value(&ds->cell[li][i], stall));
        series[ns] = (Series){x, y[ns], n, roles[j], styles[j], marks[j]};
        ns++;
    }
    if (rs->has_deploy) {
        for (int i = 0; i < n; i++)
            hi = fmax(hi, y[ns][i] = cell_value(&rs->deploy[0][i], stall));
        series[ns] = (Series){x, y[ns], n, ROLE_SERIES0 + run_i, LINE_SOLID,
                              (char)DASH_RUN_KEY(run_i)};
        ns++;
    }
    /* legend: what each line is, in its colour (ASCII: its mark) */
    int lx = in.x;
    if (rs->has_deploy)
        lx += canvas_printf(c, lx, in.y, in.x + in.w - lx, ROLE_SERIES0 + run_i, "%c %s+lru  ",
                            (char)DASH_RUN_KEY(run_i), rs->name);
    for (int j = 0; j < 3; j++)
        if (line_index(ds, refs[j]) >= 0)
            lx += canvas_printf(c, lx, in.y, in.x + in.w - lx, roles[j], "%c %s  ", marks[j],
                                refs[j]);
    Axes ax = {x[0], x[n - 1], 0.0, stall ? (hi > 0 ? hi * 1.05 : 1.0) : 1.0, 0};
    Rect plot = chart_frame(c, (Rect){in.x, in.y + 1, in.w, in.h - 1}, &ax, "C", v->g);
    chart_lines(c, plot, series, ns, &ax, v->g);
    chart_cursor(c, plot, x[panel_deploy_cursor(v, s)], &ax, ROLE_CURSOR, v->g);
}

#define TABLE_W 68 /* the columns below; then one spark cell per cache size */

/* One row at cache index i of cells [n_caches], and its hit rate over
 * every C as a spark strip when there is room. */
static void cell_row(Canvas *c, Rect r, int y, int role, const char *who, const char *policy,
                     const DeployCell *cells, int i, const Snapshot *s, const Glyphs *g)
{
    const DeployCell *d = &cells[i];
    char prec[16] = "-";
    if (!isnan(d->precision))
        snprintf(prec, sizeof prec, "%.3f", d->precision);
    canvas_printf(c, r.x, y, r.w, role, "%-10.10s %-6s %6.3f %6s %9.1f %8.2f %8.2f %7.3f", who,
                  policy, d->hit, prec, d->bytes_per_token / 1e6, d->stall_ms, d->tpot_ms,
                  d->speedup);
    int n = s->deploy.n_caches;
    if (r.w < TABLE_W + 1 + n)
        return;
    double hit[SNAP_SIM_CACHES];
    for (int j = 0; j < n; j++)
        hit[j] = cells[j].hit;
    chart_spark(c, r.x + TABLE_W + 1, y, hit, n, role, g);
    canvas_put(c, r.x + TABLE_W + 1 + i, y, g->spark[1 + (int)lround(fmin(1, fmax(0, hit[i])) * 7.0)],
               ROLE_CURSOR);
}

/* The rows at the cursor; returns the rows used. */
static int deploy_table(Canvas *c, Rect r, const DashView *v, const Snapshot *s,
                        const RunSnapshot *rs, int run_i)
{
    const DeploySnapshot *ds = &s->deploy;
    int i = panel_deploy_cursor(v, s), y = r.y, end = r.y + r.h;
    canvas_printf(c, r.x, y++, r.w, ROLE_CURSOR, "C = %d of E = %d resident per layer (%.0f%%)",
                  ds->caches[i], s->E, 100.0 * ds->caches[i] / s->E);
    canvas_printf(c, r.x, y, r.w, ROLE_TITLE, "%-10s %-6s %6s %6s %9s %8s %8s %7s",
                  "predictor", "policy", "hit", "prec", "MB/token", "stall ms", "TPOT ms",
                  "speedup");
    if (r.w >= TABLE_W + 1 + ds->n_caches)
        canvas_printf(c, r.x + TABLE_W + 1, y, r.w - TABLE_W - 1, ROLE_TITLE, "hit %d..%d",
                      ds->caches[0], ds->caches[ds->n_caches - 1]);
    y++;
    if (rs->has_deploy)
        for (int p = 0; p < 2 && y < end; p++)
            cell_row(c, r, y++, ROLE_SERIES0 + run_i, rs->name, p ? "lfu" : "lru",
                     rs->deploy[p], i, s, v->g);
    else if (y < end)
        canvas_printf(c, r.x, y++, r.w, ROLE_DIM, "%-10.10s waiting for its first evaluation",
                      rs->name);
    for (int pass = 0; pass < 2; pass++) /* baselines with prefetch, then policies alone */
        for (int l = 0; l < ds->n_lines && y < end; l++)
            if ((ds->line_prefetch[l] > 0) == !pass)
                cell_row(c, r, y++, pass ? ROLE_DIM : ROLE_FREQ, pass ? "-" : ds->line[l],
                         pass ? ds->line[l] : "lru", ds->cell[l], i, s, v->g);
    return y - r.y;
}

static void cover_rows(Canvas *c, Rect r, const DashView *v, const Snapshot *s,
                       const RunSnapshot *rs, int run_i)
{
    int y = r.y;
    canvas_printf(c, r.x, y++, r.w, ROLE_TITLE, "smallest k for cover@k >= 50%% 90%% 95%% 99%%");
    const int *ks[3] = {rs->cover_k, s->base_cover_k[SNAP_FREQUENCY], s->base_cover_k[SNAP_GATE]};
    const char *who[3] = {rs->name, "frequency", "gate"};
    int roles[3] = {ROLE_SERIES0 + run_i, ROLE_FREQ, ROLE_GATE};
    int x = r.x;
    for (int j = 0; j < 3; j++) {
        if ((j == 0 && !rs->has_eval) || (j == 2 && !s->has_gate))
            continue;
        char part[64];
        snprintf(part, sizeof part, "%s %d %d %d %d", who[j], ks[j][0], ks[j][1], ks[j][2],
                 ks[j][3]);
        if (x > r.x && x + canvas_text_width(part) + 3 > r.x + r.w) {
            x = r.x;
            if (++y >= r.y + r.h)
                return;
        }
        if (x > r.x)
            x += canvas_printf(c, x, y, r.x + r.w - x, ROLE_NORMAL, " %s ", v->g->sep);
        x += canvas_text(c, x, y, r.x + r.w - x, roles[j], part, NULL);
    }
}

/* The line above the charts: what is replayed, the cost model, the cost. */
static void deploy_head(Canvas *c, Rect r, const DashView *v, const Snapshot *s,
                        const RunSnapshot *rs)
{
    const DeploySnapshot *ds = &s->deploy;
    char share[64] = "";
    if (rs->busy_s > 0 && rs->has_deploy)
        snprintf(share, sizeof share, " %s sim %.1f%% of %s's time", v->g->sep,
                 100.0 * rs->sim_s / rs->busy_s, rs->name);
    char a[160], b[160];
    snprintf(a, sizeof a, "replay %lld val tokens %s %.4g MB/expert, %.4g GB/s (fetch %.3g ms), "
             "%.3g ms/layer", (long long)ds->tokens, v->g->sep, ds->expert_mb, ds->link_gbps,
             ds->fetch_ms, ds->layer_ms);
    snprintf(b, sizeof b, "prefetch %d, lookahead %d, at step %lld%s", ds->prefetch,
             ds->lookahead, (long long)rs->deploy_step, share);
    if (r.h >= 2) {
        canvas_text(c, r.x, r.y, r.w, ROLE_NORMAL, a, NULL);
        canvas_text(c, r.x, r.y + 1, r.w, ROLE_NORMAL, b, NULL);
    } else {
        canvas_printf(c, r.x, r.y, r.w, ROLE_NORMAL, "%s %s %s", a, v->g->sep, b);
    }
}

void panel_deploy_draw(Canvas *c, Rect r, DashView *v, const Snapshot *s)
{
    const DeploySnapshot *ds = &s->deploy;
    const RunSnapshot *rs = dash_shown_run(v, s);
    if (!rs)
        return;
    int run_i = (int)(rs - s->runs);
    if (ds->state != DEPLOY_ON) {
        canvas_printf(c, r.x + 1, r.y + 1, r.w - 2, ROLE_MESSAGE, "deployment view: %s",
                      ds->state == DEPLOY_OFF ? ds->why_off
                                              : "replaying the policies and baselines ...");
        return;
    }
    int head_h = r.w >= 150 ? 1 : 2, table_h = 4 + ds->n_lines, cover_h = 2;
    deploy_head(c, (Rect){r.x, r.y, r.w, head_h}, v, s, rs);
    int charts_h = r.h - head_h - table_h - cover_h;
    if (charts_h < 8) /* too low for charts: the table's spark strips stand in */
        charts_h = 0;
    if (charts_h) {
        int half = r.w / 2;
        deploy_chart(c, (Rect){r.x, r.y + head_h, half, charts_h}, v, s, rs, run_i, 0);
        deploy_chart(c, (Rect){r.x + half, r.y + head_h, r.w - half, charts_h}, v, s, rs,
                     run_i, 1);
    }
    int y = r.y + head_h + charts_h;
    deploy_table(c, (Rect){r.x + 1, y, r.w - 2, table_h}, v, s, rs, run_i);
    cover_rows(c, (Rect){r.x + 1, y + table_h, r.w - 2, cover_h}, v, s, rs, run_i);
}
