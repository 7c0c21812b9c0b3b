/*
 * opts.h: command-line value parsing shared by the subcommands.
 *
 * Each parser checks the whole string and the range, prints
 * "moespec: OPTION: 'VALUE' is not ..." with a hint on failure and returns
 * -1; the caller then exits 2. Messages go to stderr: this is the command
 * layer, the only place allowed to print.
 */
#ifndef MOESPEC_UI_OPTS_H
#define MOESPEC_UI_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

int opt_long(const char *opt, const char *val, long min, long max, long *out);
int opt_double(const char *opt, const char *val, double min, double max, double *out);
/* Copies the path val into dst[size] ("moespec: OPTION: path too long"
 * when it does not fit). */
int opt_path(const char *opt, const char *val, char *dst, size_t size);
/* -1 (after "moespec: WHAT: an empty path") when val is "": '' is never
 * "not given" and never the current directory; else 0. */
int opt_nonempty(const char *what, const char *val);

/* "moespec: msg" on stderr; returns e->code, or SPEC 9's status for the
 * signal (130, 143, 129) when a stop signal made the work give up. */
int opt_report(const Err *e);

/* "moespec: CMD: unknown option ... / Try 'moespec CMD --help'." and 2. */
int opt_usage_error(const char *cmd, const char *what);

#endif
