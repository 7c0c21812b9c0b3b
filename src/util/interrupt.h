/*
 * interrupt.h: a stop request from a signal, for the long writes of the
 * core (a trace set being generated or imported) to poll: they give up
 * between sequences, and their atomic directory is removed, so an
 * interrupted gen, import or demo build leaves nothing behind.
 *
 * The handler that catches the signal (ui/stop_signal.c) records it here:
 * the core never installs handlers itself. Not here: the training's own
 * stop (train/control.h), which checkpoints instead of giving up.
 */
#ifndef MOESPEC_UTIL_INTERRUPT_H
#define MOESPEC_UTIL_INTERRUPT_H

/* Records sig (async-signal-safe: one lock-free atomic store). */
void interrupt_note(int sig);
/* The first signal noted, or 0. */
int interrupt_pending(void);

#endif
