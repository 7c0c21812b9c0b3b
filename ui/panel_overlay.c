/*
 * panel_overlay.c: the two modal screens drawn over the dashboard: the key
 * help (`?`, printed from the key table, any key closes it) and the quit
 * prompt. Their keys are handled by keys_dispatch.
 */
#include "panels.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"

/* A cleared, framed box of w x h in the middle of the canvas. */
static Rect centred_box(Canvas *c, int w, int h, const char *title, const Glyphs *g)
{
    if (w > c->w) w = c->w;
    if (h > c->h) h = c->h;
    Rect r = {(c->w - w) / 2, (c->h - h) / 2, w, h};
    canvas_fill(c, r, " ", ROLE_NORMAL);
    return canvas_box(c, r, title, g);
}

void panel_help_draw(Canvas *c, const DashView *v)
{
    size_t n;
    const KeyBinding *t = keys_table(&n);
    int label_w = 5, text_w = 0;
    for (size_t i = 0; i < n; i++) {
        int lw = canvas_text_width(keys_label(&t[i], v->g));
        int hw = canvas_text_width(t[i].help);
        if (lw > label_w) label_w = lw;
        if (hw > text_w) text_w = hw;
    }
    /* every key, then the closing line: 24 rows hold it (80x24) */
    Rect in = centred_box(c, label_w + text_w + 7, (int)n + 3, "keys", v->g);
    for (size_t i = 0; i < n && (int)i < in.h - 1; i++) {
        int y = in.y + (int)i;
        canvas_text(c, in.x + 1, y, label_w, ROLE_KEY, keys_label(&t[i], v->g), NULL);
        canvas_text(c, in.x + label_w + 3, y, in.w - label_w - 3, ROLE_NORMAL, t[i].help, v->g);
    }
    canvas_text(c, in.x + 1, in.y + in.h - 1, in.w - 1, ROLE_DIM, "any key closes this help",
                v->g);
}

void panel_prompt_draw(Canvas *c, const DashView *v)
{
    static const char question[] = "Quit with unsaved runs? (y/n)";
    static const char why[] = "(n, then c or C, saves them first)";
    Rect in = centred_box(c, (int)strlen(why) + 4, 4, "quit", v->g);
    canvas_text(c, in.x + 1, in.y, in.w - 1, ROLE_MESSAGE, question, v->g);
    canvas_text(c, in.x + 1, in.y + 1, in.w - 1, ROLE_DIM, why, v->g);
}
