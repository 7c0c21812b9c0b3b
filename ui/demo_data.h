/*
 * demo_data.h: the built-in demo trace set (SPEC 9): generated once from the
 * `demo` profile into $XDG_CACHE_HOME/moespec/demo-VERSION (else
 * ~/.cache/moespec/...) and reused. The generator writes into a temporary
 * sibling and renames, so two programs starting at once both end up with
 * one whole set.
 */
#ifndef MOESPEC_UI_DEMO_DATA_H
#define MOESPEC_UI_DEMO_DATA_H

#include <stddef.h>

#include "util/err.h"

/* Fills path with the demo set's directory, generating it when missing
 * (a progress bar on stderr when it is a terminal). */
int demo_data_ensure(char *path, size_t size, Err *e);

#endif
