/* opts.c: parsing option values; see opts.h. */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stop_signal.h"
#include "util/interrupt.h"

int opt_long(const char *opt, const char *val, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end != '\0') {
        fprintf(stderr, "moespec: %s: '%s' is not an integer\n", opt, val);
        return -1;
    }
    if (v < min || v > max) {
        fprintf(stderr, "moespec: %s: %ld is out of range [%ld, %ld]\n", opt, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int opt_double(const char *opt, const char *val, double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(val, &end);
    if (errno || end == val || *end != '\0' || !isfinite(v)) {
        fprintf(stderr, "moespec: %s: '%s' is not a finite number\n", opt, val);
        return -1;
    }
    if (v < min || v > max) {
        fprintf(stderr, "moespec: %s: %g is out of range [%g, %g]\n", opt, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int opt_nonempty(const char *what, const char *val)
{
    if (val[0])
        return 0;
    fprintf(stderr, "moespec: %s: an empty path\n", what);
    return -1;
}

int opt_path(const char *opt, const char *val, char *dst, size_t size)
{
    size_t n = strlen(val);
    if (opt_nonempty(opt, val)) /* not "unset": '' must not quietly mean the demo set */
        return -1;
    if (n >= size) {
        fprintf(stderr, "moespec: %s: path too long\n", opt);
        return -1;
    }
    memcpy(dst, val, n + 1);
    return 0;
}

int opt_report(const Err *e)
{
    fprintf(stderr, "moespec: %s\n", e->msg);
    int sig = interrupt_pending(); /* a write that gave up for a signal: SPEC 9's status */
    return sig ? stop_signal_status(sig) : e->code;
}

int opt_usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "moespec: %s%s%s\nTry 'moespec %s%s--help' for more information.\n",
            cmd ? cmd : "", cmd ? ": " : "", what, cmd ? cmd : "", cmd ? " " : "");
    return ERR_USAGE;
}
