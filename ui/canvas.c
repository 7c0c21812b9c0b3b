/* canvas.c: the off-screen cell grid and the two glyph sets; see canvas.h. */
#include "canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const Glyphs glyphs_unicode = {
    .unicode = 1,
    .hline = "\u2500", .vline = "\u2502",
    .tl = "\u250c", .tr = "\u2510", .bl = "\u2514", .br = "\u2518",
    .shade = {" ", "\u2591", "\u2592", "\u2593", "\u2588"},
    .upper_half = "\u2580", .lower_half = "\u2584",
    .bar_full = "\u2588", .bar_empty = " ",
    .bar_part = {"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"},
    .spark = {" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587",
              "\u2588"},
    .cursor = "\u2502",
    .left = "\u2190", .right = "\u2192",
    .ellipsis = "\u2026",
    .sep = "\u00b7",
};

const Glyphs glyphs_ascii = {
    .unicode = 0,
    .hline = "-", .vline = "|", .tl = "+", .tr = "+", .bl = "+", .br = "+",
    .shade = {" ", ".", ":", "+", "#"},
    .upper_half = "#", .lower_half = "#",
    .bar_full = "#", .bar_empty = "-",
    .bar_part = {"", "-", "-", "-", "-", "-", "-", "-"},
    .spark = {" ", "_", "_", ".", ".", "-", "-", "=", "#"},
    .cursor = "|",
    .left = "Left", .right = "Right",
    .ellipsis = "~",
    .sep = "|",
};

int canvas_heat_role(int top, int bottom)
{
    if (top < 0) top = 0;
    if (top >= HEAT_LEVELS) top = HEAT_LEVELS - 1;
    if (bottom < 0) bottom = 0;
    if (bottom >= HEAT_LEVELS) bottom = HEAT_LEVELS - 1;
    return ROLE_HEAT + top * HEAT_LEVELS + bottom;
}

int canvas_init(Canvas *c, int w, int h)
{
    c->w = c->h = 0;
    c->cells = NULL;
    return canvas_resize(c, w, h);
}

int canvas_resize(Canvas *c, int w, int h)
{
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    Cell *cells = calloc((size_t)w * (size_t)h, sizeof *cells);
    if (!cells)
        return -1;
    free(c->cells);
    c->cells = cells;
    c->w = w;
    c->h = h;
    canvas_clear(c);
    return 0;
}

void canvas_free(Canvas *c)
{
    free(c->cells);
    c->cells = NULL;
    c->w = c->h = 0;
}

void canvas_clear(Canvas *c)
{
    canvas_fill(c, (Rect){0, 0, c->w, c->h}, " ", ROLE_NORMAL);
}

void canvas_fill(Canvas *c, Rect r, const char *glyph, int role)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            canvas_put(c, x, y, glyph, role);
}

void canvas_put(Canvas *c, int x, int y, const char *glyph, int role)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    Cell *cell = &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
    snprintf(cell->g, sizeof cell->g, "%s", glyph);
    cell->role = (unsigned char)role;
}

const Cell *canvas_at(const Canvas *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return NULL;
    return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

/* Bytes of the UTF-8 sequence that starts with byte b (1 for a stray byte). */
static int utf8_len(unsigned char b)
{
    if (b >= 0xf0 && b < 0xf8) return 4;
    if (b >= 0xe0) return b < 0xf0 ? 3 : 1;
    if (b >= 0xc0) return 2;
    return 1;
}

int canvas_text_width(const char *s)
{
    int n = 0;
    for (size_t i = 0; s[i]; n++) {
        int len = utf8_len((unsigned char)s[i]);
        for (int j = 0; j < len && s[i]; j++)
            i++;
    }
    return n;
}

int canvas_text(Canvas *c, int x, int y, int maxw, int role, const char *s,
                const Glyphs *g)
{
    int width = canvas_text_width(s);
    int cut = maxw >= 0 && width > maxw;
    int room = cut ? maxw - (g ? 1 : 0) : width;
    int col = 0;
    for (size_t i = 0; s[i] && col < room; col++) {
        char glyph[8];
        int len = utf8_len((unsigned char)s[i]), j;
        for (j = 0; j < len && s[i]; j++)
            glyph[j] = s[i++];
        glyph[j] = '\0';
        canvas_put(c, x + col, y, glyph, role);
    }
    if (cut && g && maxw > 0)
        canvas_put(c, x + col++, y, g->ellipsis, role);
    return col;
}

int canvas_printf(Canvas *c, int x, int y, int maxw, int role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return canvas_text(c, x, y, maxw, role, buf, NULL);
}

Rect canvas_box(Canvas *c, Rect r, const char *title, const Glyphs *g)
{
    if (r.w < 2 || r.h < 2)
        return (Rect){r.x, r.y, 0, 0};
    int x1 = r.x + r.w - 1, y1 = r.y + r.h - 1;
    for (int x = r.x + 1; x < x1; x++) {
        canvas_put(c, x, r.y, g->hline, ROLE_FRAME);
        canvas_put(c, x, y1, g->hline, ROLE_FRAME);
    }
    for (int y = r.y + 1; y < y1; y++) {
        canvas_put(c, r.x, y, g->vline, ROLE_FRAME);
        canvas_put(c, x1, y, g->vline, ROLE_FRAME);
    }
    canvas_put(c, r.x, r.y, g->tl, ROLE_FRAME);
    canvas_put(c, x1, r.y, g->tr, ROLE_FRAME);
    canvas_put(c, r.x, y1, g->bl, ROLE_FRAME);
    canvas_put(c, x1, y1, g->br, ROLE_FRAME);
    if (title && r.w > 6) {
        canvas_put(c, r.x + 1, r.y, " ", ROLE_FRAME);
        int n = canvas_text(c, r.x + 2, r.y, r.w - 5, ROLE_TITLE, title, g);
        canvas_put(c, r.x + 2 + n, r.y, " ", ROLE_FRAME);
    }
    return (Rect){r.x + 1, r.y + 1, r.w - 2, r.h - 2};
}

char *canvas_row_text(const Canvas *c, int y, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int x = 0; x < c->w; x++) {
        const Cell *cell = canvas_at(c, x, y);
        size_t len = strlen(cell->g);
        if (n + len + 1 > size)
            break;
        memcpy(buf + n, cell->g, len);
        n += len;
    }
    buf[n] = '\0';
    return buf;
}
