/*
 * file_read.h: a whole regular file into memory, bounded. The one reader
 * of the small files moespec parses whole (manifests, router matrices,
 * checkpoints).
 *
 * Not here: mapped shards (data/shard.c), streaming CSV (data/csv_rows.c).
 */
#ifndef MOESPEC_UTIL_FILE_READ_H
#define MOESPEC_UTIL_FILE_READ_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

/* Reads path into a fresh buffer of *len bytes plus a terminating 0 (so
 * text can be parsed in place); the caller frees *buf. ERR_INPUT naming
 * path when it is missing or unreadable, not a regular file (a FIFO, a
 * device or a directory is refused at once, never waited on), larger than
 * max_bytes (the cap is in the message), or shrinks while read;
 * ERR_RUNTIME when memory runs out. */
int file_read_all(const char *path, size_t max_bytes, unsigned char **buf, size_t *len, Err *e);

/* path opened for streaming ("rb"), refused the same way when it is not a
 * regular file (a FIFO is never waited on). *out is NULL on failure. */
int file_open_regular(const char *path, FILE **out, Err *e);

#endif
