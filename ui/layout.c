/*
 * layout.c: the view's state helpers and dash_render, which places the
 * panels for the canvas's size (SPEC 7): at DASH_FULL_W x DASH_FULL_H and
 * above, the loss, hit@k and coverage charts in a column beside the full
 * confusion heatmap; below that, a compact 2 x 2 grid whose heatmap bins
 * experts; under DASH_MIN_W x DASH_MIN_H, a note asking for more room.
 */
#include "panels.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dash_view_init(DashView *v, const Glyphs *g, int color, int K)
{
    memset(v, 0, sizeof *v);
    v->g = g;
    v->color = color;
    v->k = K > 0 ? K : 1;
    v->layer = -1;
}

void dash_view_free(DashView *v)
{
    free(v->scratch);
    v->scratch = NULL;
    v->scratch_n = 0;
}

double *dash_scratch(DashView *v, size_t n)
{
    if (n <= v->scratch_n)
        return v->scratch;
    double *p = realloc(v->scratch, n * sizeof *p);
    if (!p)
        return NULL;
    v->scratch = p;
    v->scratch_n = n;
    return p;
}

void dash_note(DashView *v, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->note, sizeof v->note, fmt, ap);
    va_end(ap);
    v->note_error = error;
}

const RunSnapshot *dash_shown_run(const DashView *v, const Snapshot *s)
{
    if (s->n_runs < 1)
        return NULL;
    int i = v->run >= 0 && v->run < s->n_runs ? v->run : 0;
    return &s->runs[i];
}

void panel_hist_steps(const RunSnapshot *rs, double *x)
{
    for (int64_t i = 0; i < rs->n_hist; i++)
        x[i] = (double)snap_hist(rs)[i].step;
}

int dash_layout_full(int w, int h) { return w >= DASH_FULL_W && h >= DASH_FULL_H; }

/* Left column of charts, heatmap on the right, as wide as it needs. */
static void layout_full(Canvas *c, Rect b, DashView *v, const Snapshot *s)
{
    int right = s->E + 10;
    if (right < 40) right = 40;
    if (right > b.w - 52) right = b.w - 52;
    Rect left = {b.x, b.y, b.w - right, b.h};
    int loss_h = b.h * 30 / 100, topk_h = b.h * 38 / 100;
    panel_loss_draw(c, (Rect){left.x, left.y, left.w, loss_h}, v, s);
    panel_topk_draw(c, (Rect){left.x, left.y + loss_h, left.w, topk_h}, v, s);
    panel_coverage_draw(c, (Rect){left.x, left.y + loss_h + topk_h, left.w,
                                  b.h - loss_h - topk_h}, v, s);
    panel_confusion_draw(c, (Rect){b.x + left.w, b.y, right, b.h}, v, s);
}

/* Two columns of two panels; the heatmap bins experts to fit. */
static void layout_compact(Canvas *c, Rect b, DashView *v, const Snapshot *s)
{
    int lw = b.w / 2, th = b.h / 2;
    panel_loss_draw(c, (Rect){b.x, b.y, lw, th}, v, s);
    panel_topk_draw(c, (Rect){b.x, b.y + th, lw, b.h - th}, v, s);
    panel_coverage_draw(c, (Rect){b.x + lw, b.y, b.w - lw, th}, v, s);
    panel_confusion_draw(c, (Rect){b.x + lw, b.y + th, b.w - lw, b.h - th}, v, s);
}

void dash_render(Canvas *c, DashView *v, const Snapshot *s)
{
    canvas_clear(c);
    if (c->w < DASH_MIN_W || c->h < DASH_MIN_H) {
        canvas_printf(c, 0, 0, c->w, ROLE_MESSAGE, "terminal %dx%d is too small", c->w, c->h);
        canvas_printf(c, 0, 1, c->w, ROLE_MESSAGE, "the dashboard needs %dx%d", DASH_MIN_W,
                      DASH_MIN_H);
        canvas_printf(c, 0, 2, c->w, ROLE_DIM, "q quits");
        if (v->confirm_quit)
            canvas_printf(c, 0, 3, c->w, ROLE_MESSAGE, "Quit with unsaved runs? (y/n)");
        return;
    }
    if (v->run >= s->n_runs)
        v->run = 0;
    panel_status_draw(c, (Rect){0, 0, c->w, 2}, v, s);
    panel_hints_draw(c, (Rect){0, c->h - 1, c->w, 1}, v);
    Rect body = {0, 2, c->w, c->h - 3};
    if (s->n_runs < 1)
        canvas_text(c, 2, body.y + 1, body.w - 2, ROLE_DIM, "waiting for the trainer", v->g);
    else if (v->screen == SCREEN_COMPARE)
        panel_compare_draw(c, body, v, s);
    else if (v->screen == SCREEN_DEPLOY)
        panel_deploy_draw(c, body, v, s);
    else if (dash_layout_full(c->w, c->h))
        layout_full(c, body, v, s);
    else
        layout_compact(c, body, v, s);
    if (v->help)
        panel_help_draw(c, v);
    else if (v->confirm_quit)
        panel_prompt_draw(c, v);
}
