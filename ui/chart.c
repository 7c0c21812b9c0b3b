/* chart.c: line charts, heatmaps and bars drawn into a Canvas; see chart.h. */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int chart_map(double v, double v0, double v1, int n, int log_scale)
{
    if (n < 1 || isnan(v))
        return -1;
    if (log_scale) {
        if (v <= 0 || v0 <= 0 || v1 <= 0)
            return -1;
        v = log10(v);
        v0 = log10(v0);
        v1 = log10(v1);
    }
    if (!(v1 > v0))
        return (n - 1) / 2;
    double t = (v - v0) / (v1 - v0);
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    return (int)lround(t * (double)(n - 1));
}

void chart_resolution(const Glyphs *g, int *dots_x, int *dots_y)
{
    *dots_x = 2;
    *dots_y = g->unicode ? 4 : 1;
}

/* "%.3g" without a trailing exponent mess for the usual ranges. */
static void format_label(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else if (fabs(v) >= 1e5 || (v != 0 && fabs(v) < 1e-3))
        snprintf(buf, size, "%.1e", v);
    else
        snprintf(buf, size, "%.3g", v);
}

/* Steps and k are whole numbers: written out in full. */
static void format_x_label(char *buf, size_t size, double v)
{
    if (v == floor(v) && fabs(v) < 1e12)
        snprintf(buf, size, "%.0f", v);
    else
        format_label(buf, size, v);
}

Rect chart_frame(Canvas *c, Rect r, const Axes *ax, const char *x_label, const Glyphs *g)
{
    char top[32], mid[32], bottom[32], left[32], right[32];
    double m = ax->log_y && ax->y0 > 0 && ax->y1 > 0 ? sqrt(ax->y0 * ax->y1)
                                                      : (ax->y0 + ax->y1) / 2;
    format_label(top, sizeof top, ax->y1);
    format_label(mid, sizeof mid, m);
    format_label(bottom, sizeof bottom, ax->y0);
    int lw = (int)strlen(top);
    if ((int)strlen(mid) > lw) lw = (int)strlen(mid);
    if ((int)strlen(bottom) > lw) lw = (int)strlen(bottom);
    Rect plot = {r.x + lw + 1, r.y, r.w - lw - 1, r.h - 1};
    if (plot.w < 2 || plot.h < 1)
        return (Rect){r.x, r.y, 0, 0};
    canvas_printf(c, r.x, plot.y, lw, ROLE_AXIS, "%*s", lw, top);
    if (plot.h >= 3)
        canvas_printf(c, r.x, plot.y + (plot.h - 1) / 2, lw, ROLE_AXIS, "%*s", lw, mid);
    canvas_printf(c, r.x, plot.y + plot.h - 1, lw, ROLE_AXIS, "%*s", lw, bottom);
    for (int y = plot.y; y < plot.y + plot.h; y++)
        canvas_put(c, plot.x - 1, y, g->vline, ROLE_AXIS);
    int yb = r.y + r.h - 1;
    format_x_label(left, sizeof left, ax->x0);
    format_x_label(right, sizeof right, ax->x1);
    canvas_text(c, plot.x, yb, plot.w, ROLE_AXIS, left, NULL);
    int rw = (int)strlen(right);
    canvas_text(c, plot.x + plot.w - rw, yb, rw, ROLE_AXIS, right, NULL);
    if (x_label) {
        int xw = canvas_text_width(x_label);
        int room = plot.w - (int)strlen(left) - rw - 2;
        if (xw <= room)
            canvas_text(c, plot.x + (plot.w - xw) / 2, yb, xw, ROLE_AXIS, x_label, NULL);
    }
    return plot;
}

/* Braille dot bit of dot (dx 0..1, dy 0..3 from the top) of a cell. */
static unsigned braille_bit(int dx, int dy)
{
    static const unsigned bits[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    return bits[dx][dy];
}

/* The dots of a cell's braille glyph (0 when it holds anything else). */
static unsigned braille_bits_of(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == 0xe2 && u[1] >= 0xa0 && u[1] <= 0xa3 && u[2] >= 0x80 && u[2] <= 0xbf &&
        !u[3])
        return ((unsigned)(u[1] - 0xa0) << 6) | (unsigned)(u[2] - 0x80);
    return 0;
}

static void braille_glyph(unsigned bits, char out[4])
{
    out[0] = (char)0xe2;
    out[1] = (char)(0xa0 | (bits >> 6));
    out[2] = (char)(0x80 | (bits & 0x3f));
    out[3] = '\0';
}

/* Sets dot (px, py) of plot (py = 0 at the bottom). */
static void plot_dot(Canvas *c, Rect plot, int px, int py, const Series *s, const Glyphs *g)
{
    int dx, dy;
    chart_resolution(g, &dx, &dy);
    /* In dots under Unicode; in whole cells in ASCII, where a cell is one mark. */
    int period = s->style == LINE_SPARSE ? 4 : s->style == LINE_DOTTED ? 2 : 1;
    if (!g->unicode && period > 1)
        period *= dx;
    if (px % period)
        return;
    int cx = plot.x + px / dx, cy = plot.y + plot.h - 1 - py / dy;
    const Cell *cell = canvas_at(c, cx, cy);
    if (!cell || cx >= plot.x + plot.w || cy < plot.y)
        return;
    if (!g->unicode) {
        char m[2] = {s->mark ? s->mark : '*', '\0'};
        canvas_put(c, cx, cy, m, s->role);
        return;
    }
    char glyph[4];
    unsigned bits = braille_bits_of(cell->g) | braille_bit(px % dx, dy - 1 - py % dy);
    braille_glyph(bits, glyph);
    canvas_put(c, cx, cy, glyph, s->role);
}

/* Bresenham between two dots. */
static void plot_segment(Canvas *c, Rect plot, int x0, int y0, int x1, int y1,
                         const Series *s, const Glyphs *g)
{
    int dx = x1 > x0 ? x1 - x0 : x0 - x1, sx = x0 < x1 ? 1 : -1;
    int dy = y1 > y0 ? y0 - y1 : y1 - y0, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        plot_dot(c, plot, x0, y0, s, g);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) { err += dy; x0 += sx; }
        if (e2 <= dx) { err += dx; y0 += sy; }
    }
}

void chart_lines(Canvas *c, Rect plot, const Series *s, int n_series, const Axes *ax,
                 const Glyphs *g)
{
    int dx, dy;
    chart_resolution(g, &dx, &dy);
    int nx = plot.w * dx, ny = plot.h * dy;
    if (plot.w < 1 || plot.h < 1)
        return;
    for (int k = 0; k < n_series; k++) {
        int have = 0, lx = 0, ly = 0;
        for (int i = 0; i < s[k].n; i++) {
            int px = chart_map(s[k].x[i], ax->x0, ax->x1, nx, 0);
            int py = chart_map(s[k].y[i], ax->y0, ax->y1, ny, ax->log_y);
            if (px < 0 || py < 0) {
                have = 0;
                continue;
            }
            if (have)
                plot_segment(c, plot, lx, ly, px, py, &s[k], g);
            else
                plot_dot(c, plot, px, py, &s[k], g);
            have = 1;
            lx = px;
            ly = py;
        }
    }
}

void chart_cursor(Canvas *c, Rect plot, double x, const Axes *ax, int role, const Glyphs *g)
{
    int dx, dy;
    chart_resolution(g, &dx, &dy);
    int px = chart_map(x, ax->x0, ax->x1, plot.w * dx, 0);
    if (px < 0)
        return;
    int cx = plot.x + px / dx;
    for (int y = plot.y; y < plot.y + plot.h; y++) {
        const Cell *cell = canvas_at(c, cx, y);
        if (cell && !strcmp(cell->g, " "))
            canvas_put(c, cx, y, g->cursor, role);
    }
}

int chart_heat_level(double share)
{
    if (!(share > 0))
        return 0;
    if (share <= 0.05) return 1;
    if (share <= 0.15) return 2;
    if (share <= 0.4) return 3;
    return 4;
}

/* The level of virtual row vr (sy to a matrix row), column j; 0 past the end. */
static int heat_at(const double *v, int rows, int cols, int vr, int sy, int j)
{
    int i = vr / sy;
    return i < rows ? chart_heat_level(v[(size_t)i * (size_t)cols + (size_t)j]) : 0;
}

void chart_heatmap(Canvas *c, Rect r, const double *v, int rows, int cols, int half, int sx,
                   int sy, const Glyphs *g)
{
    int per = half ? 2 : 1;
    if (sx < 1) sx = 1;
    if (sy < 1) sy = 1;
    for (int cy = 0; cy * per < rows * sy && cy < r.h; cy++) {
        for (int cx = 0; cx / sx < cols && cx < r.w; cx++) {
            int j = cx / sx;
            int top = heat_at(v, rows, cols, cy * per, sy, j);
            int bottom = half ? heat_at(v, rows, cols, cy * 2 + 1, sy, j) : 0;
            const char *glyph = g->shade[top];
            if (half)
                glyph = top ? g->upper_half : bottom ? g->lower_half : " ";
            canvas_put(c, r.x + cx, r.y + cy, glyph,
                       top || bottom ? canvas_heat_role(top, bottom) : ROLE_NORMAL);
        }
    }
}

int chart_bin_factor(int n, int cols, int rows, int rows_per_cell)
{
    if (n < 1 || cols < 1 || rows < 1 || rows_per_cell < 1)
        return 0;
    for (int b = 1; b <= n; b++) {
        int bins = (n + b - 1) / b;
        if (bins <= cols && (bins + rows_per_cell - 1) / rows_per_cell <= rows)
            return b;
    }
    return 0;
}

void chart_bar(Canvas *c, int x, int y, int w, double frac, int role, const Glyphs *g)
{
    if (isnan(frac)) frac = 0;
    if (frac < 0) frac = 0;
    if (frac > 1) frac = 1;
    int eighths = (int)(frac * (double)w * 8.0);
    for (int i = 0; i < w; i++) {
        int fill = eighths - i * 8;
        const char *glyph = fill >= 8 ? g->bar_full : fill <= 0 ? g->bar_empty
                                                                : g->bar_part[fill];
        canvas_put(c, x + i, y, glyph, fill > 0 ? role : ROLE_DIM);
    }
}

void chart_spark(Canvas *c, int x, int y, const double *v, int n, int role, const Glyphs *g)
{
    for (int i = 0; i < n; i++) {
        if (isnan(v[i])) {
            canvas_put(c, x + i, y, " ", ROLE_DIM);
            continue;
        }
        double t = v[i] < 0 ? 0 : v[i] > 1 ? 1 : v[i];
        canvas_put(c, x + i, y, g->spark[1 + (int)lround(t * 7.0)], role);
    }
}
