/*
 * stop_signal.h: SIGINT and SIGTERM as a flag the interfaces poll (the
 * handler only records the signal; nothing else is safe there), and the
 * exit status SPEC 9 gives each.
 */
#ifndef MOESPEC_UI_STOP_SIGNAL_H
#define MOESPEC_UI_STOP_SIGNAL_H

/* Installs the handlers (before curses starts, so it leaves them alone). */
void stop_signal_install(void);
/* The signal caught so far, or 0. */
int stop_signal_caught(void);
/* 130 after SIGINT, 143 after SIGTERM. */
int stop_signal_status(int sig);

#endif
