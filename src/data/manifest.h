/*
 * manifest.h: the text manifest of a trace set (moespec-traces(5)).
 *
 *   moespec-traces 1            magic word and format version
 *   E = 60                      key = value lines, each key exactly once
 *   ...
 *   shard = shard-0000.bin SEQS TOKENS BYTES CHECKSUM
 *
 * Parsing checks the syntax and that the numbers add up (shard sequences
 * and tokens sum to the totals); comparing with the shard headers is the
 * reader's job (traceset_read.c).
 */
#ifndef MOESPEC_DATA_MANIFEST_H
#define MOESPEC_DATA_MANIFEST_H

#include <stdint.h>
#include <stdio.h>

#include "data/traceset.h"
#include "util/err.h"

#define MANIFEST_NAME "manifest"
#define MANIFEST_MAGIC "moespec-traces"
#define MANIFEST_VERSION 1
#define MANIFEST_MAX_BYTES (64u << 20)
#define MANIFEST_SHARD_NAME_MAX 64

typedef struct ManifestShard {
    char name[MANIFEST_SHARD_NAME_MAX]; /* file name inside the set, no '/' */
    uint64_t n_seqs, n_tokens, bytes, checksum;
    int line;                           /* manifest line, for messages */
} ManifestShard;

typedef struct Manifest {
    TraceHeader h;
    uint64_t n_seqs, n_tokens;
    int n_shards;
    ManifestShard *shards;              /* [n_shards] */
} Manifest;

/* Parses text[0..len) read from the file `name`; on failure ERR_INPUT
 * "name:LINE: what" and m holds nothing to free. */
int manifest_parse(const char *text, size_t len, const char *name, Manifest *m, Err *e);
/* Writes m in the format above; 0, or -1 with errno set. */
int manifest_write(FILE *f, const Manifest *m);
void manifest_free(Manifest *m);

#endif
