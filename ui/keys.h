/*
 * keys.h: the dashboard's one key table (SPEC 7): every key, its name, what
 * it does, and the action that does it. The help overlay and the hint line
 * are printed from this same table, so they cannot disagree with it.
 *
 * Actions change only the view; what must reach the trainer (pause, export,
 * checkpoint, quit) comes back as KEYS_* flags that dashboard.c carries out, so this
 * file knows neither the trainer nor the terminal (curses.h is included for
 * the key codes only).
 *
 * Not here: reading keys (dashboard.c), drawing (panels).
 */
#ifndef MOESPEC_UI_KEYS_H
#define MOESPEC_UI_KEYS_H

#include <stddef.h>

#include "panels.h"

enum {
    KEYS_REDRAW = 1,       /* the view changed */
    KEYS_QUIT = 2,         /* leave the dashboard */
    KEYS_PAUSE_SHOWN = 4,  /* toggle pause of the shown run */
    KEYS_PAUSE_ALL = 8,    /* pause every run, or resume all when all are paused */
    KEYS_EXPORT = 16,      /* export CSV for all runs */
    KEYS_CHECKPOINT_SHOWN = 32, /* checkpoint the shown run */
    KEYS_CHECKPOINT_ALL = 64,   /* checkpoint every run */
    KEYS_ABORT = 128,      /* leave at once, no checkpoints (Ctrl-C at the quit prompt) */
};

/* Ctrl-C: cbreak mode keeps it SIGINT, so it never arrives as a key; the
 * dashboard turns each SIGINT into keys_interrupt. Its row in the table
 * lists it in the help. */
#define KEYS_CTRL_C 3

typedef unsigned (*KeyAction)(DashView *v, const Snapshot *s);

typedef struct KeyBinding {
    int key;               /* getch() code */
    const char *label;     /* as shown in help ("space", "Tab", ...); NULL: the glyphs' arrow */
    const char *help;      /* what it does */
    const char *hint;      /* short word for the hint line, or NULL */
    KeyAction action;
    int key_last;          /* a range of keys key..key_last (1..9); 0: key alone */
} KeyBinding;

/* The table, n entries. */
const KeyBinding *keys_table(size_t *n);
/* The binding of key (one of its range), or NULL. */
const KeyBinding *keys_find(int key);
/* The label of b under glyph set g ("←" or "Left"). */
const char *keys_label(const KeyBinding *b, const Glyphs *g);

/* One key press: Ctrl-C as keys_interrupt, then the open overlay (help:
 * any key closes it; quit prompt: y quits, anything else returns), then the
 * table. Returns KEYS_*. */
unsigned keys_dispatch(DashView *v, const Snapshot *s, int key);
/* One Ctrl-C (SIGINT): q, with the help closed first; at the quit prompt,
 * KEYS_ABORT (a second Ctrl-C quits at once, as in most programs). */
unsigned keys_interrupt(DashView *v, const Snapshot *s);

#endif
