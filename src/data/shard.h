/*
 * shard.h: the byte layout of one trace shard (moespec-traces(5)) and the
 * checks a reader applies to it. Everything works on a byte buffer (the
 * mapped file, or a fuzzer's input), so the reader, the writer, the tests
 * and the fuzz target share one definition of "a valid shard".
 *
 * Layout, little-endian: a 128-byte header, then the sections in this order,
 * each starting on a 64-byte boundary, the file padded with zeros to a
 * multiple of 64:
 *   seqtab  u64[n_seqs + 1]   token offset of each sequence in the shard
 *   tokens  i32[n_tokens]     token ids, -1 = unknown
 *   experts u16[n_tokens][L][K]
 *   weights f32[n_tokens][L][K]   (only with SHARD_FLAG_WEIGHTS)
 *   hidden  f32|f16[n_tokens][L][D] (only when D > 0)
 * The checksum covers the whole file with its own field read as zero.
 *
 * Not here: files, mmap, groups (traceset_read.c), the manifest (manifest.h).
 */
#ifndef MOESPEC_DATA_SHARD_H
#define MOESPEC_DATA_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "data/traceset.h"
#include "util/err.h"

#define SHARD_MAGIC "MOESHARD"       /* 8 bytes, no terminator in the file */
#define SHARD_VERSION 1u
#define SHARD_HEADER_BYTES 128u
#define SHARD_ALIGN 64u
#define SHARD_FLAG_WEIGHTS 1u
#define SHARD_FLAG_TOKENS 2u
#define SHARD_MAX_E 65535             /* ids are u16 */
#define SHARD_MAX_L 65535
#define SHARD_MAX_D (1 << 24)

/* Byte offsets of the header fields (the "where" of header errors). */
enum {
    SHOFF_MAGIC = 0, SHOFF_VERSION = 8, SHOFF_HEADER_BYTES = 12, SHOFF_E = 16, SHOFF_K = 20,
    SHOFF_L = 24, SHOFF_D = 28, SHOFF_POINT = 32, SHOFF_DTYPE = 36, SHOFF_FLAGS = 40,
    SHOFF_INDEX = 44, SHOFF_FIRST_SEQ = 48, SHOFF_N_SEQS = 56, SHOFF_N_TOKENS = 64,
    SHOFF_SEQTAB = 72, SHOFF_TOKENS = 80, SHOFF_EXPERTS = 88, SHOFF_WEIGHTS = 96,
    SHOFF_HIDDEN = 104, SHOFF_FILE_BYTES = 112, SHOFF_CHECKSUM = 120
};

typedef struct ShardHeader {
    TraceHeader h;
    uint32_t index;          /* shard number in its set */
    uint64_t first_seq;      /* set-wide index of the first sequence */
    uint64_t n_seqs;
    uint64_t n_tokens;
    uint64_t seqtab_off, tokens_off, experts_off, weights_off, hidden_off; /* 0 = absent */
    uint64_t file_bytes;
    uint64_t checksum;
} ShardHeader;

/* Fills the offsets and file_bytes of sh for sh->h, n_seqs and n_tokens;
 * -1 if the sizes overflow 64 bits. */
int shard_layout(ShardHeader *sh);

void shard_header_encode(const ShardHeader *sh, unsigned char out[SHARD_HEADER_BYTES]);

/* Decodes a header and checks every field and the layout against the file
 * size. ERR_INPUT naming `name` and the byte offset of the bad field. */
int shard_header_decode(const unsigned char *buf, size_t size, const char *name,
                        ShardHeader *sh, Err *e);

/* Checks a whole shard held in buf (size bytes) whose header decoded to sh:
 * the checksum, then the sequence table, token ids, expert ids (< E, none
 * repeated within a row), and that weights and hidden states are finite. */
int shard_verify(const unsigned char *buf, size_t size, const ShardHeader *sh,
                 const char *name, Err *e);

/* Checks the sequence table alone (tab = its n_seqs + 1 words, wherever
 * they were read to): starts at 0, every sequence non-empty and shorter
 * than 2^31 tokens, ends at n_tokens. */
int shard_check_seqtab(const unsigned char *tab, const ShardHeader *sh, const char *name,
                       Err *e);

/* The checksum of a whole shard image (its checksum field read as zero). */
uint64_t shard_checksum(const unsigned char *buf, size_t size);

#endif
