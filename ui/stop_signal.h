/*
 * stop_signal.h: SIGINT, SIGTERM and SIGHUP as flags the interfaces poll
 * (the handler only records the signal and makes the shutdown's writes
 * safe; nothing else is safe there), and the exit status SPEC 9 gives each.
 * Headless mode stops on any of them; the dashboard stops on SIGTERM and
 * SIGHUP and treats each SIGINT (Ctrl-C) as the q key.
 *
 * Not here: the fatal signals that end the process at once (fatal_signal.c).
 */
#ifndef MOESPEC_UI_STOP_SIGNAL_H
#define MOESPEC_UI_STOP_SIGNAL_H

/* Installs the handlers (before curses starts, so it leaves them alone);
 * sigint_stops: SIGINT ends the process as SIGTERM does (headless), else it
 * is only counted (the dashboard's Ctrl-C key). A SIGHUP ignored on entry
 * (nohup) stays ignored. Once a signal that ends the process arrives,
 * SIGPIPE and SIGTTOU are ignored: after an ssh drop the pipe's reader or
 * the terminal may be gone, and a write must fail with an error rather than
 * kill or stop the process before its checkpoints are written. */
void stop_signal_install(int sigint_stops);
/* The default actions back (a SIGHUP ignored on entry stays ignored): for
 * a phase that wanted its writes ended cleanly and is over (the demo
 * build), so that later setup ends at once on a signal, as before. */
void stop_signal_reset(void);
/* The first of SIGINT, SIGTERM and SIGHUP caught so far, or 0. */
int stop_signal_caught(void);
/* The first SIGTERM or SIGHUP caught so far, or 0. */
int stop_signal_terminating(void);
/* The SIGINTs caught since the last call. */
int stop_signal_take_interrupts(void);
/* 130 after SIGINT, 143 after SIGTERM, 129 after SIGHUP. */
int stop_signal_status(int sig);
/* "SIGINT", "SIGTERM", "SIGHUP" (else "signal"). */
const char *stop_signal_name(int sig);

#endif
