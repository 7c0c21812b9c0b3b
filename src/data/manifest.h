/*
 * manifest.h: the text manifest of a trace set (moespec-traces(5)).
 *
 *   moespec-traces 2            magic word and format version (1 or 2)
 *   E = 60                      key = value lines, each key exactly once
 *   ...
 *   expert_bytes = N            version 2, optional: bytes of one expert
 *   router = router.safetensors BYTES CHECKSUM   version 2, optional
 *   shard = shard-0000.bin SEQS TOKENS BYTES CHECKSUM
 *
 * Version 1 manifests (no router, no expert_bytes) stay readable; the writer
 * writes version 1 when neither optional line is present, so a set without
 * routers reads in older moespec too.
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
#define MANIFEST_VERSION 2       /* the newest written; 1 is still read */
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
    int has_router;                     /* a router.safetensors line */
    uint64_t router_bytes, router_checksum;
    int router_line;                    /* manifest line, for messages */
    uint64_t expert_bytes;              /* 0 = not recorded */
} Manifest;

/* Parses text[0..len) read from the file `name`; on failure ERR_INPUT
 * "name:LINE: what" and m holds nothing to free. */
int manifest_parse(const char *text, size_t len, const char *name, Manifest *m, Err *e);
/* Writes m in the format above; 0, or -1 with errno set. */
int manifest_write(FILE *f, const Manifest *m);
void manifest_free(Manifest *m);

#endif
