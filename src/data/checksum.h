/*
 * checksum.h: the 64-bit shard checksum of moespec-traces(5).
 *
 * Four independent xxHash64-style lanes over 32-byte blocks, merged and
 * finalised with the length: fast enough that verifying a shard costs about
 * as much as reading it from the page cache, and every single-block change
 * changes the digest (each round is a bijection of its lane). It is a
 * corruption check, not a cryptographic hash.
 *
 * Not here: where the checksum sits in a shard (shard.h).
 */
#ifndef MOESPEC_DATA_CHECKSUM_H
#define MOESPEC_DATA_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

typedef struct TraceHash {
    uint64_t lane[4];
    uint64_t total;       /* bytes fed so far */
    unsigned char tail[32];
    size_t ntail;         /* bytes waiting in tail (< 32) */
} TraceHash;

void tracehash_init(TraceHash *st);
/* Feeds n bytes of any length. */
void tracehash_update(TraceHash *st, const void *p, size_t n);
uint64_t tracehash_final(const TraceHash *st);

/* One-shot digest of a buffer. */
uint64_t tracehash(const void *p, size_t n);

#endif
