/* keys.c: the dashboard's key table and its actions; see keys.h. */
#include "keys.h"

#include <curses.h>

static int run_alive(const RunSnapshot *rs)
{
    return rs->state == RUN_RUNNING || rs->state == RUN_PAUSED;
}

static unsigned act_pause_shown(DashView *v, const Snapshot *s)
{
    const RunSnapshot *rs = dash_shown_run(v, s);
    if (!rs)
        return 0;
    if (!run_alive(rs)) {
        dash_note(v, 0, "%s is %s: nothing to pause", rs->name, run_state_name(rs->state));
        return KEYS_REDRAW;
    }
    return KEYS_PAUSE_SHOWN | KEYS_REDRAW;
}

static unsigned act_pause_all(DashView *v, const Snapshot *s)
{
    (void)v;
    for (int i = 0; i < s->n_runs; i++)
        if (run_alive(&s->runs[i]))
            return KEYS_PAUSE_ALL | KEYS_REDRAW;
    dash_note(v, 0, "no run is training: nothing to pause");
    return KEYS_REDRAW;
}

static unsigned show_arch(DashView *v, const Snapshot *s, Arch a)
{
    for (int i = 0; i < s->n_runs; i++)
        if (s->runs[i].arch == a) {
            int changed = v->run != i;
            v->run = i;
            return changed ? KEYS_REDRAW : 0;
        }
    return 0; /* that run is not in this invocation: nothing */
}

static unsigned act_show_simple(DashView *v, const Snapshot *s) { return show_arch(v, s, ARCH_SIMPLE); }
static unsigned act_show_hybrid(DashView *v, const Snapshot *s) { return show_arch(v, s, ARCH_HYBRID); }
static unsigned act_show_complex(DashView *v, const Snapshot *s) { return show_arch(v, s, ARCH_COMPLEX); }

static unsigned act_next_run(DashView *v, const Snapshot *s)
{
    if (s->n_runs < 2)
        return 0;
    v->run = (v->run + 1) % s->n_runs;
    return KEYS_REDRAW;
}

static unsigned act_checkpoint_shown(DashView *v, const Snapshot *s)
{
    return dash_shown_run(v, s) ? KEYS_CHECKPOINT_SHOWN | KEYS_REDRAW : 0;
}

static unsigned act_checkpoint_all(DashView *v, const Snapshot *s)
{
    (void)v;
    return s->n_runs > 0 ? KEYS_CHECKPOINT_ALL | KEYS_REDRAW : 0;
}

static unsigned act_export(DashView *v, const Snapshot *s)
{
    (void)v;
    (void)s;
    return KEYS_EXPORT | KEYS_REDRAW;
}

static unsigned act_compare(DashView *v, const Snapshot *s)
{
    (void)s;
    v->screen = v->screen == SCREEN_COMPARE ? SCREEN_MAIN : SCREEN_COMPARE;
    return KEYS_REDRAW;
}

static unsigned act_k_left(DashView *v, const Snapshot *s)
{
    (void)s;
    if (v->k <= 1)
        return 0;
    v->k--;
    return KEYS_REDRAW;
}

static unsigned act_k_right(DashView *v, const Snapshot *s)
{
    if (v->k >= s->E)
        return 0;
    v->k++;
    return KEYS_REDRAW;
}

/* Layers cycle all, 0, 1, ..., L-1, all. */
static unsigned act_layer_prev(DashView *v, const Snapshot *s)
{
    v->layer = v->layer < 0 ? s->L - 1 : v->layer - 1;
    return KEYS_REDRAW;
}

static unsigned act_layer_next(DashView *v, const Snapshot *s)
{
    v->layer = v->layer + 1 >= s->L ? -1 : v->layer + 1;
    return KEYS_REDRAW;
}

static unsigned act_log(DashView *v, const Snapshot *s)
{
    (void)s;
    v->log_y = !v->log_y;
    return KEYS_REDRAW;
}

static unsigned act_help(DashView *v, const Snapshot *s)
{
    (void)s;
    v->help = 1;
    return KEYS_REDRAW;
}

static unsigned act_quit(DashView *v, const Snapshot *s)
{
    for (int i = 0; i < s->n_runs; i++)
        if (s->runs[i].steps_since_checkpoint > 0) {
            v->confirm_quit = 1;
            return KEYS_REDRAW;
        }
    return KEYS_QUIT;
}

/* SPEC 7's keys, in its order. */
static const KeyBinding table[] = {
    {' ', "space", "pause/resume the shown run", "pause", act_pause_shown},
    {'P', "P", "pause/resume all runs", NULL, act_pause_all},
    {'1', "1", "show the simple run (if it is training)", NULL, act_show_simple},
    {'2', "2", "show the hybrid run (if it is training)", NULL, act_show_hybrid},
    {'3', "3", "show the complex run (if it is training)", NULL, act_show_complex},
    {'\t', "Tab", "show the next run", "run", act_next_run},
    {'c', "c", "checkpoint the shown run (RUN.ckpt in --checkpoint-dir)", NULL,
     act_checkpoint_shown},
    {'C', "C", "checkpoint all runs", NULL, act_checkpoint_all},
    {'e', "e", "export CSV for all runs (new directory in --export)", "export",
     act_export},
    {'v', "v", "compare view: all runs overlaid, one row per run", "compare", act_compare},
    {KEY_LEFT, NULL, "move the k cursor left (coverage)", NULL, act_k_left},
    {KEY_RIGHT, NULL, "move the k cursor right (coverage)", NULL, act_k_right},
    {'[', "[", "previous layer (confusion: all, 0 .. L-1)", NULL, act_layer_prev},
    {']', "]", "next layer (confusion)", NULL, act_layer_next},
    {'l', "l", "log scale for the loss", "log", act_log},
    {'?', "?", "this help (any key closes it)", "help", act_help},
    {'q', "q", "quit (asks first while a run has unsaved steps)", "quit", act_quit},
    {KEYS_CTRL_C, "^C", "as q; at the quit question: quit at once, no checkpoints", NULL,
     act_quit},
};

const KeyBinding *keys_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const KeyBinding *keys_find(int key)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].key == key)
            return &table[i];
    return NULL;
}

const char *keys_label(const KeyBinding *b, const Glyphs *g)
{
    if (b->label)
        return b->label;
    return b->key == KEY_LEFT ? g->left : g->right;
}

unsigned keys_dispatch(DashView *v, const Snapshot *s, int key)
{
    if (key == KEYS_CTRL_C)
        return keys_interrupt(v, s);
    if (v->help) {
        v->help = 0;
        return KEYS_REDRAW;
    }
    if (v->confirm_quit) {
        v->confirm_quit = 0;
        return key == 'y' || key == 'Y' ? KEYS_QUIT : KEYS_REDRAW;
    }
    const KeyBinding *b = keys_find(key);
    return b ? b->action(v, s) : 0;
}

unsigned keys_interrupt(DashView *v, const Snapshot *s)
{
    if (v->confirm_quit)
        return KEYS_ABORT;
    v->help = 0;
    return act_quit(v, s) | KEYS_REDRAW;
}
