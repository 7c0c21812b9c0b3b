/*
 * canvas.h: the dashboard's off-screen picture: a grid of cells, each one
 * glyph (a UTF-8 string of one column) and one colour role.
 *
 * Panels and charts draw into a Canvas; crt.c copies the finished canvas to
 * the terminal in one pass. So every draw function is pure (rectangle +
 * data in, cells out), runs without a terminal, and is unit-tested by
 * reading the cells back as text.
 *
 * Also here, because they are the canvas's vocabulary: the colour roles
 * (what a cell means, never a colour: crt.c maps roles to colour pairs or
 * to monochrome attributes) and the two glyph sets (Unicode and ASCII).
 *
 * Not here: curses (crt.c), what is drawn (chart.c, panel_*.c).
 */
#ifndef MOESPEC_UI_CANVAS_H
#define MOESPEC_UI_CANVAS_H

#include <stddef.h>

typedef struct Rect {
    int x, y, w, h; /* columns from the left, rows from the top */
} Rect;

#define HEAT_LEVELS 5 /* 0 = nothing, 1..4 = rising share */

typedef enum Role {
    ROLE_NORMAL = 0,
    ROLE_DIM,        /* secondary text, raw (unsmoothed) lines */
    ROLE_TITLE,      /* panel titles */
    ROLE_FRAME,      /* panel borders */
    ROLE_AXIS,       /* axis labels */
    ROLE_STATUS,     /* the status bar's background */
    ROLE_TAB,        /* the shown run in the run list */
    ROLE_KEY,        /* key names in the hint line and help */
    ROLE_RUNNING, ROLE_PAUSED, ROLE_HALTED, ROLE_DONE,
    ROLE_MESSAGE,    /* the last event (export path, note) */
    ROLE_ERROR,
    ROLE_BAR,        /* progress bar */
    ROLE_SERIES0, ROLE_SERIES1, ROLE_SERIES2, ROLE_SERIES3, ROLE_SERIES4,
    ROLE_CHANCE,     /* chance-level lines */
    ROLE_FREQ,       /* frequency-baseline lines */
    ROLE_GATE,       /* gate-baseline lines (sets with router matrices) */
    ROLE_CURSOR,     /* the k cursor */
    ROLE_HEAT,       /* first of HEAT_LEVELS^2 heat roles, see canvas_heat_role */
    ROLE_COUNT = ROLE_HEAT + HEAT_LEVELS * HEAT_LEVELS
} Role;

/* The role of a heatmap cell whose upper half has level top and lower half
 * level bottom (0..HEAT_LEVELS-1). For a shade glyph, bottom is 0. */
int canvas_heat_role(int top, int bottom);

/* The glyphs a drawing may use; every string is one terminal column. */
typedef struct Glyphs {
    int unicode;                 /* braille and block elements available */
    const char *hline, *vline, *tl, *tr, *bl, *br; /* frames */
    const char *shade[HEAT_LEVELS]; /* heat levels, one glyph per cell */
    const char *upper_half, *lower_half; /* two heat rows per cell (unicode) */
    const char *bar_full, *bar_empty;
    const char *bar_part[8];     /* [i] = i/8 of a cell filled; [0] unused */
    const char *spark[9];        /* one-row bars, [0] empty .. [8] full */
    const char *cursor;          /* the k cursor's column */
    const char *left, *right;    /* arrow key names */
    const char *ellipsis;
    const char *sep;             /* between status fields */
} Glyphs;

extern const Glyphs glyphs_unicode;
extern const Glyphs glyphs_ascii;

typedef struct Cell {
    char g[8];      /* UTF-8 glyph, NUL-terminated, one column */
    unsigned char role;
} Cell;

typedef struct Canvas {
    int w, h;
    Cell *cells;    /* [h][w] */
} Canvas;

/* 0, or -1 without memory (c is then empty). */
int canvas_init(Canvas *c, int w, int h);
/* Changes the size, keeping nothing; 0 or -1. */
int canvas_resize(Canvas *c, int w, int h);
void canvas_free(Canvas *c);
void canvas_clear(Canvas *c);
void canvas_fill(Canvas *c, Rect r, const char *glyph, int role);

/* Cells outside the canvas are ignored, so callers may clip lazily. */
void canvas_put(Canvas *c, int x, int y, const char *glyph, int role);
const Cell *canvas_at(const Canvas *c, int x, int y); /* NULL outside */

/* Writes UTF-8 text from (x, y), one code point per column, at most maxw
 * columns (a longer text ends in g->ellipsis when g is given). Returns
 * the columns written. */
int canvas_text(Canvas *c, int x, int y, int maxw, int role, const char *s,
                const Glyphs *g);
/* Same, printf-style. */
int canvas_printf(Canvas *c, int x, int y, int maxw, int role, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* A frame around r with the title in its top edge. Returns the inside. */
Rect canvas_box(Canvas *c, Rect r, const char *title, const Glyphs *g);

/* Code points of a UTF-8 string (its width in columns here). */
int canvas_text_width(const char *s);

/* Row y as UTF-8 text (trailing blanks kept) into buf; returns buf. */
char *canvas_row_text(const Canvas *c, int y, char *buf, size_t size);

#endif
