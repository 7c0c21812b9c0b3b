/*
 * crt.h: the terminal while the dashboard owns it (htop's CRT.c): curses
 * start and restore, the colour-role table (colour pairs, or monochrome
 * attributes when the terminal has no colours or NO_COLOR is set), the
 * glyph set (Unicode under a UTF-8 locale, ASCII otherwise), the key tick,
 * and copying a finished Canvas to the screen.
 *
 * While curses is up, stderr is held in a temporary file and written out
 * after the terminal is restored, so nothing scribbles over the screen.
 * Also while it is up, a fatal signal (SIGSEGV, SIGABRT, ...) gives the
 * terminal back before the process dies (fatal_signal.c, armed here with
 * what it needs, because curses cannot be called from a signal handler).
 *
 * Not here: what is drawn (panels), the loop and signals (dashboard.c).
 */
#ifndef MOESPEC_UI_CRT_H
#define MOESPEC_UI_CRT_H

#include <stdio.h>

#include "canvas.h"
#include "util/err.h"

#define CRT_TICK_MS 100 /* the longest a key read waits: the dashboard's ticker */

typedef struct Crt {
    int active;             /* curses owns the terminal */
    int color;              /* colour pairs in use */
    const Glyphs *g;        /* Unicode or ASCII */
    int held_fd;            /* the real stderr while held, else -1 */
    FILE *held;             /* stderr's stand-in while curses is up */
    void *screen;           /* the curses SCREEN */
    unsigned long attr[ROLE_COUNT]; /* curses attributes per role */
    short pair[ROLE_COUNT];         /* colour pair per role (0: none) */
} Crt;

/* Sets the locale (numbers stay in the C locale), picks the glyphs, starts
 * curses on stdin/stdout, sets the modes and colours, holds stderr, arms
 * the fatal-signal rescue.
 * ERR_USAGE when the terminal type is unusable; c is then inactive. */
int crt_init(Crt *c, Err *e);
/* Gives the terminal back (idempotent): curses ended, the rescue disarmed,
 * stderr released and what was held copied to it. Does not block on a
 * terminal that has hung up (writes to it fail). */
void crt_restore(Crt *c);
/* The terminal's size now. */
void crt_size(const Crt *c, int *w, int *h);
/* The next key, KEY_RESIZE, or ERR after CRT_TICK_MS without one. */
int crt_key(Crt *c);
/* 1 when the terminal has hung up (its ssh connection or terminal window
 * is gone), whether or not a SIGHUP reached this process. */
int crt_hung_up(const Crt *c);
/* Shows the canvas (same size as the terminal; extra cells are skipped). */
void crt_draw(Crt *c, const Canvas *cv);

#endif
