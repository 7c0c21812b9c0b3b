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

/* 1..9: the runs in --arch order (SPEC 7); a key past the last run does
 * nothing. */
static unsigned act_show_run(DashView *v, const Snapshot *s)
{
    int i = v->pressed - DASH_RUN_KEY(0);
    if (i < 0 || i >= s->n_runs || i == v->run)
        return 0;
    v->run = i;
    return KEYS_REDRAW;
}

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

static unsigned act_deploy(DashView *v, const Snapshot *s)
{
    (void)s;
    v->screen = v->screen == SCREEN_DEPLOY ? SCREEN_MAIN : SCREEN_DEPLOY;
    return KEYS_REDRAW;
}

/* The cursor keys move k (1..E), or in the deployment view the cache
 * size's index, by delta, clamped; 0 when it did not move. */
static unsigned move_cursor(DashView *v, const Snapshot *s, int delta)
{
    int *at = v->screen == SCREEN_DEPLOY ? &v->cache_i : &v->k;
    int lo = v->screen == SCREEN_DEPLOY ? 0 : 1;
    int hi = v->screen == SCREEN_DEPLOY ? s->deploy.n_caches - 1 : s->E;
    long to = (long)*at + delta;
    to = to < lo ? lo : to > hi ? hi : to;
    if (hi < lo || to == *at)
        return 0;
    *at = (int)to;
    return KEYS_REDRAW;
}

static unsigned act_k_left(DashView *v, const Snapshot *s) { return move_cursor(v, s, -1); }
static unsigned act_k_right(DashView *v, const Snapshot *s) { return move_cursor(v, s, 1); }
static unsigned act_k_home(DashView *v, const Snapshot *s) { return move_cursor(v, s, -(1 << 20)); }
static unsigned act_k_end(DashView *v, const Snapshot *s) { return move_cursor(v, s, 1 << 20); }
/* a page: K experts (the routed set), or two cache sizes */
static unsigned act_k_pgup(DashView *v, const Snapshot *s)
{
    return move_cursor(v, s, v->screen == SCREEN_DEPLOY ? -2 : -s->K);
}
static unsigned act_k_pgdn(DashView *v, const Snapshot *s)
{
    return move_cursor(v, s, v->screen == SCREEN_DEPLOY ? 2 : s->K);
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
    {' ', "space", "pause/resume the shown run", "pause", act_pause_shown, 0},
    {'P', "P", "pause/resume all runs", NULL, act_pause_all, 0},
    {'1', "1..9", "show run N, in --arch order (the run list's numbers)", NULL, act_show_run,
     '9'},
    {'\t', "Tab", "show the next run", "run", act_next_run, 0},
    {'c', "c", "checkpoint the shown run (RUN.ckpt in --checkpoint-dir)", NULL,
     act_checkpoint_shown, 0},
    {'C', "C", "checkpoint all runs", NULL, act_checkpoint_all, 0},
    {'e', "e", "export CSV for all runs (new directory in --export)", "export",
     act_export, 0},
    {'v', "v", "compare view: all runs overlaid, one row per run", "compare", act_compare, 0},
    {'d', "d", "deployment view: hit rate and stall against cache size C", "deploy",
     act_deploy, 0},
    {KEY_LEFT, NULL, "move the k cursor left (coverage; deployment view: C)", NULL,
     act_k_left, 0},
    {KEY_RIGHT, NULL, "move the k cursor right (coverage; deployment view: C)", NULL,
     act_k_right, 0},
    {KEY_HOME, "Home", "cursor to the first k (or C)", NULL, act_k_home, 0},
    {KEY_END, "End", "cursor to the last k (or C)", NULL, act_k_end, 0},
    {KEY_PPAGE, "PgUp", "cursor K experts left (deployment view: two sizes)", NULL,
     act_k_pgup, 0},
    {KEY_NPAGE, "PgDn", "cursor K experts right (deployment view: two sizes)", NULL,
     act_k_pgdn, 0},
    {'[', "[", "previous layer (confusion: all, 0 .. L-1)", NULL, act_layer_prev, 0},
    {']', "]", "next layer (confusion)", NULL, act_layer_next, 0},
    {'l', "l", "log scale for the loss", "log", act_log, 0},
    {'?', "?", "this help (any key closes it)", "help", act_help, 0},
    {'q', "q", "quit (asks first while a run has unsaved steps)", "quit", act_quit, 0},
    {KEYS_CTRL_C, "^C", "as q; at the quit question: quit at once, no checkpoints", NULL,
     act_quit, 0},
};

const KeyBinding *keys_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const KeyBinding *keys_find(int key)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].key == key || (table[i].key_last && key > table[i].key &&
                                    key <= table[i].key_last))
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
    v->pressed = key;
    return b ? b->action(v, s) : 0;
}

unsigned keys_interrupt(DashView *v, const Snapshot *s)
{
    if (v->confirm_quit)
        return KEYS_ABORT;
    v->help = 0;
    return act_quit(v, s) | KEYS_REDRAW;
}
