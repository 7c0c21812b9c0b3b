/*
 * panel_status.c: the status line (the shown run: name, architecture,
 * state in capitals, epoch, step, samples/s, ETA, progress bar; then the
 * run list and the last message), the key-hint line, and the number
 * formats the panels share.
 */
#include "panels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "keys.h"

void fmt_duration(char *buf, size_t size, double s)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, size, "--");
        return;
    }
    long t = lround(s);
    if (t >= 3600)
        snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, size, "%lds", t);
}

void fmt_rate(char *buf, size_t size, double r)
{
    if (!isfinite(r) || r < 0)
        snprintf(buf, size, "--");
    else if (r >= 999.5e3)
        snprintf(buf, size, "%.2fM", r / 1e6);
    else if (r >= 999.5)
        snprintf(buf, size, "%.1fk", r / 1e3);
    else
        snprintf(buf, size, "%.0f", r);
}

void fmt_share(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.3f", v);
}

static int state_role(RunState st)
{
    switch (st) {
    case RUN_RUNNING: return ROLE_RUNNING;
    case RUN_PAUSED: return ROLE_PAUSED;
    case RUN_HALTED: return ROLE_HALTED;
    default: return ROLE_DONE;
    }
}

/* Text with its start cut off when too wide, so a path's end stays. */
static void text_keep_end(Canvas *c, int x, int y, int maxw, int role, const char *s,
                          const Glyphs *g)
{
    int width = canvas_text_width(s);
    if (maxw <= 0)
        return;
    if (width <= maxw) {
        canvas_text(c, x, y, maxw, role, s, NULL);
        return;
    }
    int skip = width - maxw + 1;
    const char *p = s;
    while (*p && skip > 0) {
        p++;
        while (((unsigned char)*p & 0xc0) == 0x80)
            p++;
        skip--;
    }
    canvas_text(c, x, y, 1, role, g->ellipsis, NULL);
    canvas_text(c, x + 1, y, maxw - 1, role, p, NULL);
}

/* Row one: the shown run. Drops detail until it fits the width. */
static void status_run_line(Canvas *c, Rect r, const DashView *v, const RunSnapshot *rs)
{
    char prefix[128], suffix[256], rate[32], eta[32];
    const char *sep = v->g->sep;
    fmt_rate(rate, sizeof rate, rs->samples_per_s);
    fmt_duration(eta, sizeof eta, rs->state == RUN_DONE ? 0.0 : rs->eta_s);
    double frac = rs->planned_steps > 0 ? (double)rs->step / (double)rs->planned_steps : 0;
    for (int detail = 2; detail >= 0; detail--) {
        if (detail == 2) {
            snprintf(prefix, sizeof prefix, " run %s (%s, %zu params) ", rs->name,
                     rs->arch, rs->params);
            snprintf(suffix, sizeof suffix, " %s epoch %.2f %s step %lld/%lld %s %s samples/s %s ETA %s ",
                     sep, rs->epoch, sep, (long long)rs->step, (long long)rs->planned_steps,
                     sep, rate, sep, eta);
        } else if (detail == 1) {
            snprintf(prefix, sizeof prefix, " %s (%s) ", rs->name, rs->arch);
            snprintf(suffix, sizeof suffix, " epoch %.2f step %lld/%lld %s/s ETA %s ",
                     rs->epoch, (long long)rs->step, (long long)rs->planned_steps, rate, eta);
        } else {
            snprintf(prefix, sizeof prefix, " %s ", rs->name);
            snprintf(suffix, sizeof suffix, " ep %.1f step %lld %s/s ETA %s ", rs->epoch,
                     (long long)rs->step, rate, eta);
        }
        int need = canvas_text_width(prefix) + (int)strlen(run_state_name(rs->state)) +
                   canvas_text_width(suffix) + 12;
        if (need <= r.w || detail == 0)
            break;
    }
    int x = r.x;
    x += canvas_text(c, x, r.y, r.x + r.w - x, ROLE_STATUS, prefix, v->g);
    x += canvas_text(c, x, r.y, r.x + r.w - x, state_role(rs->state), run_state_name(rs->state),
                     v->g);
    x += canvas_text(c, x, r.y, r.x + r.w - x, ROLE_STATUS, suffix, v->g);
    int bar_w = r.x + r.w - x - 7;
    if (bar_w >= 4) {
        canvas_text(c, x, r.y, 1, ROLE_STATUS, "[", NULL);
        chart_bar(c, x + 1, r.y, bar_w, frac, ROLE_BAR, v->g);
        canvas_printf(c, x + 1 + bar_w, r.y, 6, ROLE_STATUS, "] %3.0f%%", 100.0 * frac);
    }
}

/* Row two: the runs of this invocation, then the message. */
static void status_runs_line(Canvas *c, Rect r, const DashView *v, const Snapshot *s)
{
    int x = r.x + 1;
    for (int i = 0; i < s->n_runs; i++) {
        const RunSnapshot *rs = &s->runs[i];
        char tab[48];
        /* a run that is not training says so: the shown one says it above */
        if (rs->state == RUN_RUNNING || i == v->run)
            snprintf(tab, sizeof tab, "%c %s", DASH_RUN_KEY(i), rs->name);
        else
            snprintf(tab, sizeof tab, "%c %s (%s)", DASH_RUN_KEY(i), rs->name,
                     rs->state == RUN_PAUSED ? "paused" : rs->state == RUN_DONE ? "done"
                                                                               : "halted");
        x += canvas_text(c, x, r.y, r.x + r.w - x, i == v->run ? ROLE_TAB : ROLE_NORMAL, tab,
                         v->g);
        x++;
    }
    if (s->n_runs) {
        canvas_text(c, x, r.y, r.x + r.w - x, ROLE_FRAME, v->g->vline, NULL);
        x += 2;
    }
    const RunSnapshot *rs = dash_shown_run(v, s);
    if (rs && rs->state == RUN_HALTED && rs->message[0]) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s HALTED: %s", rs->name, rs->message);
        text_keep_end(c, x, r.y, r.x + r.w - x, ROLE_ERROR, msg, v->g);
    } else {
        text_keep_end(c, x, r.y, r.x + r.w - x, v->note_error ? ROLE_ERROR : ROLE_MESSAGE,
                      v->note, v->g);
    }
}

void panel_status_draw(Canvas *c, Rect r, const DashView *v, const Snapshot *s)
{
    canvas_fill(c, (Rect){r.x, r.y, r.w, 1}, " ", ROLE_STATUS);
    const RunSnapshot *rs = dash_shown_run(v, s);
    if (rs)
        status_run_line(c, r, v, rs);
    else
        canvas_text(c, r.x + 1, r.y, r.w - 1, ROLE_STATUS, "moespec: starting", v->g);
    if (r.h >= 2)
        status_runs_line(c, (Rect){r.x, r.y + 1, r.w, 1}, v, s);
}

void panel_hints_draw(Canvas *c, Rect r, const DashView *v)
{
    size_t n;
    const KeyBinding *t = keys_table(&n);
    int x = r.x + 1;
    for (size_t i = 0; i < n && x < r.x + r.w; i++) {
        if (!t[i].hint)
            continue;
        const char *label = keys_label(&t[i], v->g);
        int need = canvas_text_width(label) + 1 + (int)strlen(t[i].hint) + 2;
        if (x + need > r.x + r.w)
            break;
        x += canvas_text(c, x, r.y, -1, ROLE_KEY, label, NULL) + 1;
        x += canvas_text(c, x, r.y, -1, ROLE_DIM, t[i].hint, NULL) + 2;
    }
}
