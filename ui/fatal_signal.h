/*
 * fatal_signal.h: the terminal given back when the process dies of a fatal
 * signal while the dashboard owns it (htop's CRT_handleSIGSEGV): SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT, SIGTRAP, SIGSYS, SIGXCPU and
 * SIGXFSZ, the signals whose default action is to dump core.
 *
 * The handler may use async-signal-safe calls only, and curses' endwin is
 * not one (it allocates, and the crash may be inside curses or malloc). So
 * crt.c hands over, while curses is still healthy, everything the handler
 * needs as plain data: the terminal's modes from before curses, and the
 * bytes that leave curses' screen (attributes off, keypad off, alternate
 * screen left, cursor shown), taken from terminfo. The handler writes those
 * bytes, sets the modes back (tcsetattr), copies the stderr held in its
 * temporary file to the real stderr with a note naming the signal, and
 * re-raises the signal with its default action, so the process still dies
 * of it: status 128 + N as the shell sees it, and a core dump where the
 * system makes them.
 *
 * Not here: SIGINT, SIGTERM and SIGHUP, which end the dashboard in order
 * (stop_signal.c, dashboard.c); curses itself (crt.c).
 */
#ifndef MOESPEC_UI_FATAL_SIGNAL_H
#define MOESPEC_UI_FATAL_SIGNAL_H

#include <stddef.h>
#include <termios.h>

#define FATAL_RESTORE_MAX 256 /* bytes of terminal strings kept */

typedef struct FatalRescue {
    int tty_fd;                  /* the terminal curses draws on */
    const struct termios *mode;  /* its modes before curses, or NULL */
    const char *restore;         /* bytes that leave curses' screen */
    size_t restore_len;          /* at most FATAL_RESTORE_MAX */
    int held_fd;                 /* the file stderr is held in, or -1 */
    int stderr_fd;               /* the real stderr while held, or -1 */
} FatalRescue;

/* Copies r and installs the handlers (the previous ones are kept). */
void fatal_signal_arm(const FatalRescue *r);
/* Puts the previous handlers back; a handler already running does nothing
 * more to the terminal. */
void fatal_signal_disarm(void);
/* The fatal signal named s without its "SIG" ("segv", "SEGV", "abrt"...),
 * or 0: for the dashboard's crash test hook. */
int fatal_signal_from_name(const char *s);

#endif
