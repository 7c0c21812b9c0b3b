/* crt.c: curses start/restore, colour roles, glyphs, drawing; see crt.h. */
#include "crt.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "fatal_signal.h"

/* What each role looks like: colours, and the attribute alone without them. */
typedef struct RoleStyle {
    short fg, bg;        /* -1: the terminal's default */
    attr_t color_attr;
    attr_t mono_attr;
} RoleStyle;

static const RoleStyle role_styles[ROLE_HEAT] = {
    [ROLE_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [ROLE_DIM] = {-1, -1, A_DIM, A_DIM},
    [ROLE_TITLE] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [ROLE_FRAME] = {COLOR_BLUE, -1, A_NORMAL, A_NORMAL},
    [ROLE_AXIS] = {-1, -1, A_DIM, A_DIM},
    [ROLE_STATUS] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_TAB] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE},
    [ROLE_KEY] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [ROLE_RUNNING] = {COLOR_BLACK, COLOR_GREEN, A_BOLD, A_BOLD},
    [ROLE_PAUSED] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD},
    [ROLE_HALTED] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_DONE] = {COLOR_BLACK, COLOR_WHITE, A_BOLD, A_BOLD},
    [ROLE_MESSAGE] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [ROLE_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [ROLE_BAR] = {COLOR_GREEN, COLOR_BLACK, A_NORMAL, A_NORMAL},
    [ROLE_SERIES0] = {COLOR_GREEN, -1, A_NORMAL, A_BOLD},
    [ROLE_SERIES1] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES2] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES3] = {COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERIES4] = {COLOR_RED, -1, A_NORMAL, A_NORMAL},
    [ROLE_CHANCE] = {-1, -1, A_DIM, A_DIM},
    [ROLE_FREQ] = {COLOR_BLUE, -1, A_BOLD, A_NORMAL},
    [ROLE_GATE] = {COLOR_MAGENTA, -1, A_BOLD, A_UNDERLINE},
    [ROLE_CURSOR] = {COLOR_WHITE, -1, A_BOLD, A_BOLD},
};

/* Heat levels 0..4: none, then cold to hot. */
static const short heat_colors[HEAT_LEVELS] = {-1, COLOR_BLUE, COLOR_CYAN, COLOR_YELLOW,
                                               COLOR_RED};

/* A heat cell: two levels share it as foreground over background when both
 * are set (upper half block), else the set one is the foreground. */
static RoleStyle heat_style(int role)
{
    int top = (role - ROLE_HEAT) / HEAT_LEVELS, bottom = (role - ROLE_HEAT) % HEAT_LEVELS;
    RoleStyle st = {-1, -1, A_NORMAL, top == HEAT_LEVELS - 1 ? A_BOLD : A_NORMAL};
    if (top && bottom) {
        st.fg = heat_colors[top];
        st.bg = heat_colors[bottom];
    } else {
        st.fg = heat_colors[top ? top : bottom];
    }
    return st;
}

static int want_color(void)
{
    const char *no = getenv("NO_COLOR"); /* no-color.org: set and not empty */
    if (no && *no)
        return 0;
    return has_colors();
}

static void setup_roles(Crt *c)
{
    c->color = want_color();
    if (c->color) {
        start_color(); /* COLOR_PAIRS is known from here on */
        use_default_colors();
        c->color = COLOR_PAIRS > ROLE_COUNT;
    }
    for (int r = 0; r < ROLE_COUNT; r++) {
        RoleStyle st = r < ROLE_HEAT ? role_styles[r] : heat_style(r);
        c->pair[r] = 0;
        c->attr[r] = c->color ? st.color_attr : st.mono_attr;
        if (c->color && (st.fg >= 0 || st.bg >= 0)) {
            c->pair[r] = (short)(r + 1);
            init_pair(c->pair[r], st.fg, st.bg);
        }
    }
}

/* stderr goes to a temporary file until crt_restore. */
static void hold_stderr(Crt *c)
{
    c->held_fd = -1;
    fflush(stderr);
    if (!(c->held = tmpfile()))
        return;
    c->held_fd = dup(STDERR_FILENO);
    if (c->held_fd < 0 || dup2(fileno(c->held), STDERR_FILENO) < 0) {
        if (c->held_fd >= 0)
            close(c->held_fd);
        c->held_fd = -1;
        fclose(c->held);
        c->held = NULL;
    }
}

static void release_stderr(Crt *c)
{
    if (c->held_fd < 0)
        return;
    fflush(stderr);
    dup2(c->held_fd, STDERR_FILENO);
    close(c->held_fd);
    c->held_fd = -1;
    rewind(c->held);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, c->held)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(c->held);
    c->held = NULL;
}

/* The bytes that leave curses' screen, gathered once by tputs (which also
 * drops terminfo's padding) for the fatal-signal path, which may not call
 * curses. */
static char rescue_bytes[FATAL_RESTORE_MAX];
static size_t rescue_len;

static int rescue_putc(int ch)
{
    if (rescue_len < sizeof rescue_bytes)
        rescue_bytes[rescue_len++] = (char)ch;
    return ch;
}

static void rescue_add(const char *capname)
{
    char *cap = tigetstr(capname);
    if (cap && cap != (char *)-1 && rescue_len + strlen(cap) < sizeof rescue_bytes)
        tputs(cap, 1, rescue_putc);
}

/* Arms fatal_signal.c with the terminal's modes from before curses (mode,
 * or NULL) and what endwin would send: attributes off, keypad off, the
 * alternate screen left, the cursor shown. */
static void arm_rescue(const Crt *c, const struct termios *mode)
{
    rescue_len = 0;
    rescue_add("sgr0");
    rescue_add("rmkx");
    rescue_add("rmcup");
    rescue_add("cnorm");
    FatalRescue r = {STDOUT_FILENO, mode, rescue_bytes, rescue_len,
                     c->held ? fileno(c->held) : -1, c->held_fd};
    fatal_signal_arm(&r);
}

int crt_init(Crt *c, Err *e)
{
    memset(c, 0, sizeof *c);
    c->held_fd = -1;
    /* The user's locale for the terminal's character set, but numbers in C:
     * the trainer's CSV export must never write a decimal comma. Set before
     * the worker thread starts (setlocale is not thread-safe). */
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    c->g = !strcmp(nl_langinfo(CODESET), "UTF-8") ? &glyphs_unicode : &glyphs_ascii;
    /* The terminal type is checked on its own first: a newterm that fails
     * leaks its half-made screen (LeakSanitizer says so); setupterm does not. */
    struct termios shell_mode;
    int have_mode = tcgetattr(STDOUT_FILENO, &shell_mode) == 0; /* before curses */
    int term_err = 0;
    SCREEN *scr = NULL;
    if (setupterm(NULL, STDOUT_FILENO, &term_err) == OK) {
        del_curterm(cur_term);
        scr = newterm(NULL, stdout, stdin);
    }
    if (!scr) {
        const char *term = getenv("TERM");
        return err_set(e, ERR_USAGE, "TERM=%s: cannot use this terminal: use --headless",
                       term ? term : "(unset)");
    }
    c->screen = scr;
    c->active = 1;
    cbreak();  /* not raw: Ctrl-C stays SIGINT, which the dashboard handles */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(CRT_TICK_MS);
    setup_roles(c);
    hold_stderr(c);
    arm_rescue(c, have_mode ? &shell_mode : NULL);
    return ERR_OK;
}

void crt_restore(Crt *c)
{
    if (!c->active)
        return;
    curs_set(1);
    endwin();
    fatal_signal_disarm(); /* the terminal is the shell's again */
    delscreen(c->screen);
    c->screen = NULL;
    c->active = 0;
    release_stderr(c);
}

void crt_size(const Crt *c, int *w, int *h)
{
    (void)c;
    *w = COLS;
    *h = LINES;
}

int crt_key(Crt *c)
{
    (void)c;
    return getch();
}

int crt_hung_up(const Crt *c)
{
    (void)c;
    struct termios t;
    return tcgetattr(STDIN_FILENO, &t) != 0 && errno == EIO; /* Linux: EIO once hung up */
}

void crt_draw(Crt *c, const Canvas *cv)
{
    for (int y = 0; y < cv->h && y < LINES; y++)
        for (int x = 0; x < cv->w && x < COLS; x++) {
            const Cell *cell = canvas_at(cv, x, y);
            attr_set((attr_t)c->attr[cell->role], c->pair[cell->role], NULL);
            mvaddstr(y, x, cell->g[0] ? cell->g : " ");
        }
    attr_set(A_NORMAL, 0, NULL);
    refresh();
}
