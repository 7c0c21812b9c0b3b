/*
 * err.h: how the core reports failure without printing or exiting.
 *
 * Every fallible core function takes an Err* as its last argument, fills it
 * with a class (which is also the process exit status the command layer will
 * use) and a message of the form "FILE:WHERE: what", and returns the class.
 * The command layer (ui/) prints "moespec: <msg>" and exits with the class.
 */
#ifndef MOESPEC_UTIL_ERR_H
#define MOESPEC_UTIL_ERR_H

#include <stddef.h>

enum {
    ERR_OK = 0,
    ERR_RUNTIME = 1, /* output unwritable, disk full, HALTED run */
    ERR_USAGE = 2,   /* bad option or value, no terminal */
    ERR_INPUT = 3    /* named input missing, unreadable, malformed, mismatched */
};

typedef struct Err {
    int code;       /* one of ERR_*, 0 when nothing failed */
    char msg[1024]; /* "FILE:WHERE: what", no trailing newline */
} Err;

/* Sets *e (when e is not NULL) and returns code, so callers can write
 * `return err_set(e, ERR_INPUT, "%s:%zu: bad magic", path, off);`. */
int err_set(Err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like err_set, appending ": strerror(errnum)". */
int err_sys(Err *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void err_clear(Err *e);

#endif
