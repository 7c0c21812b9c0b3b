/*
 * shard_verify.c: the first-read check of a shard (see shard.h): checksum,
 * then contents. The scan for non-finite hidden values rides along with the
 * checksum, chunk by chunk while the chunk is in cache, so verifying costs
 * one pass over the shard; its finding is reported only once the checksum
 * has matched (a corrupt shard is reported as corrupt, not as a NaN).
 */
#include "data/shard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/checksum.h"

enum { VERIFY_CHUNK = 16384 }; /* hidden bytes hashed, then scanned, per step */

static void hash_header(TraceHash *st, const unsigned char *buf)
{
    unsigned char head[SHARD_HEADER_BYTES];
    memcpy(head, buf, sizeof head);
    memset(head + SHOFF_CHECKSUM, 0, 8);
    tracehash_update(st, head, sizeof head);
}

uint64_t shard_checksum(const unsigned char *buf, size_t size)
{
    TraceHash st;
    tracehash_init(&st);
    hash_header(&st, buf);
    tracehash_update(&st, buf + SHARD_HEADER_BYTES, size - SHARD_HEADER_BYTES);
    return tracehash_final(&st);
}

/* 1 if every f16 (elt 2) or f32 (elt 4) value in p[0..n) is finite. Adding
 * one to the lowest exponent bit of each lane carries into the lane's sign
 * bit exactly when the exponent is all ones (Inf/NaN). Four independent
 * accumulators keep the loop from waiting on one OR chain. The hidden
 * section starts 64-aligned in a page-aligned mapping, so p is 8-aligned. */
static int all_finite(const unsigned char *p, size_t n, size_t elt)
{
    const uint64_t mask = elt == 2 ? UINT64_C(0x7C007C007C007C00) : UINT64_C(0x7F8000007F800000);
    const uint64_t lsb = elt == 2 ? UINT64_C(0x0400040004000400) : UINT64_C(0x0080000000800000);
    const uint64_t sign = elt == 2 ? UINT64_C(0x8000800080008000) : UINT64_C(0x8000000080000000);
    const uint64_t *q = (const uint64_t *)(const void *)p; /* p is 8-aligned */
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;
    for (; i + 4 <= n / 8; i += 4) {
        a0 |= (q[i] & mask) + lsb;
        a1 |= (q[i + 1] & mask) + lsb;
        a2 |= (q[i + 2] & mask) + lsb;
        a3 |= (q[i + 3] & mask) + lsb;
    }
    for (; i < n / 8; i++)
        a0 |= (q[i] & mask) + lsb;
    uint64_t acc = a0 | a1 | a2 | a3;
    i *= 8;
    const uint32_t exp1 = (uint32_t)(mask & (elt == 2 ? 0xffffu : 0xffffffffu));
    for (; i + elt <= n; i += elt) {
        uint32_t v = 0;
        memcpy(&v, p + i, elt);
        if ((v & exp1) == exp1)
            return 0;
    }
    return (acc & sign) == 0;
}

/* Hashes the shard; *bad_hidden gets the offset of the first chunk of the
 * hidden section holding a non-finite value, or 0 if none. Each chunk is
 * scanned right after it is hashed, while it is still in L1. */
static uint64_t hash_and_scan(const unsigned char *buf, const ShardHeader *sh,
                              uint64_t *bad_hidden)
{
    TraceHash st;
    tracehash_init(&st);
    hash_header(&st, buf);
    *bad_hidden = 0;
    uint64_t pos = SHARD_HEADER_BYTES;
    if (sh->hidden_off) {
        const size_t elt = sh->h.dtype == DTYPE_F16 ? 2 : 4;
        uint64_t end = sh->hidden_off + sh->n_tokens * (uint64_t)sh->h.L * (uint64_t)sh->h.D * elt;
        tracehash_update(&st, buf + pos, sh->hidden_off - pos);
        for (pos = sh->hidden_off; pos < end; pos += VERIFY_CHUNK) {
            size_t n = end - pos < VERIFY_CHUNK ? (size_t)(end - pos) : VERIFY_CHUNK;
            tracehash_update(&st, buf + pos, n);
            if (!*bad_hidden && !all_finite(buf + pos, n, elt))
                *bad_hidden = pos;
        }
        pos = end;
    }
    tracehash_update(&st, buf + pos, sh->file_bytes - pos);
    return tracehash_final(&st);
}

/* Where row `row` ([token][layer] order) lies: set-wide sequence, position. */
static void locate_row(const unsigned char *buf, const ShardHeader *sh, uint64_t row,
                       unsigned long long *seq, unsigned long long *t, int *layer)
{
    uint64_t tok = row / (uint64_t)sh->h.L, lo = 0, hi = sh->n_seqs;
    const unsigned char *tab = buf + sh->seqtab_off;
    while (hi - lo > 1) { /* last sequence whose offset is <= tok */
        uint64_t mid = lo + (hi - lo) / 2, off;
        memcpy(&off, tab + mid * 8, 8);
        if (off <= tok)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t start;
    memcpy(&start, tab + lo * 8, 8);
    *seq = (unsigned long long)(sh->first_seq + lo);
    *t = (unsigned long long)(tok - start);
    *layer = (int)(row % (uint64_t)sh->h.L);
}

int shard_check_seqtab(const unsigned char *tab, const ShardHeader *sh, const char *name,
                       Err *e)
{
    uint64_t prev = 0;
    for (uint64_t i = 0; i <= sh->n_seqs; i++) {
        uint64_t off, at = sh->seqtab_off + i * 8;
        memcpy(&off, tab + i * 8, 8);
        if (i == 0 && off != 0)
            return err_set(e, ERR_INPUT, "%s:%llu: first sequence starts at token %llu, not 0",
                           name, (unsigned long long)at, (unsigned long long)off);
        if (i > 0 && (off <= prev || off - prev > INT32_MAX))
            return err_set(e, ERR_INPUT, "%s:%llu: sequence %llu has length %lld",
                           name, (unsigned long long)at,
                           (unsigned long long)(sh->first_seq + i - 1),
                           (long long)(off - prev));
        if (i == sh->n_seqs && off != sh->n_tokens)
            return err_set(e, ERR_INPUT, "%s:%llu: sequences end at token %llu, the header "
                           "says %llu tokens", name, (unsigned long long)at,
                           (unsigned long long)off, (unsigned long long)sh->n_tokens);
        prev = off;
    }
    return 0;
}

static int check_tokens(const unsigned char *buf, const ShardHeader *sh, const char *name,
                        Err *e)
{
    const unsigned char *p = buf + sh->tokens_off;
    for (uint64_t i = 0; i < sh->n_tokens; i++) {
        int32_t tok;
        memcpy(&tok, p + i * 4, 4);
        if (tok < -1 || (!sh->h.has_tokens && tok != -1)) {
            unsigned long long seq, t;
            int layer;
            locate_row(buf, sh, i * (uint64_t)sh->h.L, &seq, &t, &layer);
            return err_set(e, ERR_INPUT, "%s:%llu: token id %ld at seq %llu token %llu%s", name,
                           (unsigned long long)(sh->tokens_off + i * 4), (long)tok, seq, t,
                           sh->h.has_tokens ? " is below -1" : " in a set without token ids");
        }
    }
    return 0;
}

/* Expert ids: each < E, none twice in one (token, layer) row. A stamp per
 * expert (the row that last used it) makes the duplicate test O(K). */
static int check_experts(const unsigned char *buf, const ShardHeader *sh, const char *name,
                         Err *e)
{
    const uint16_t E = (uint16_t)sh->h.E;
    const size_t K = (size_t)sh->h.K;
    const uint64_t rows = sh->n_tokens * (uint64_t)sh->h.L;
    const uint16_t *ids = (const uint16_t *)(const void *)(buf + sh->experts_off);
    uint32_t *stamp = calloc((size_t)E, sizeof *stamp);
    if (!stamp)
        return err_set(e, ERR_RUNTIME, "%s: out of memory", name);
    uint32_t cur = 0;
    int rc = 0;
    for (uint64_t r = 0; r < rows && !rc; r++) {
        if (++cur == 0) { /* wrapped: restart the stamps */
            memset(stamp, 0, (size_t)E * sizeof *stamp);
            cur = 1;
        }
        for (size_t k = 0; k < K; k++) {
            uint16_t id = ids[r * K + k];
            const char *what = id >= E ? "out of range" : stamp[id] == cur ? "repeated" : NULL;
            if (what) {
                unsigned long long seq, t;
                int layer;
                locate_row(buf, sh, r, &seq, &t, &layer);
                rc = err_set(e, ERR_INPUT, "%s:%llu: expert id %u %s (E=%d) at seq %llu token "
                             "%llu layer %d", name,
                             (unsigned long long)(sh->experts_off + (r * K + k) * 2),
                             (unsigned)id, what, sh->h.E, seq, t, layer);
                break;
            }
            stamp[id] = cur;
        }
    }
    free(stamp);
    return rc;
}

static int check_weights(const unsigned char *buf, const ShardHeader *sh, const char *name,
                         Err *e)
{
    const uint64_t n = sh->n_tokens * (uint64_t)sh->h.L * (uint64_t)sh->h.K;
    const float *w = (const float *)(const void *)(buf + sh->weights_off);
    for (uint64_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) {
            unsigned long long seq, t;
            int layer;
            locate_row(buf, sh, i / (uint64_t)sh->h.K, &seq, &t, &layer);
            return err_set(e, ERR_INPUT, "%s:%llu: gate weight is NaN or Inf at seq %llu token "
                           "%llu layer %d", name,
                           (unsigned long long)(sh->weights_off + i * 4), seq, t, layer);
        }
    }
    return 0;
}

/* Names the first non-finite hidden value at or after byte `from`. */
static int report_hidden(const unsigned char *buf, const ShardHeader *sh, uint64_t from,
                         const char *name, Err *e)
{
    const size_t elt = sh->h.dtype == DTYPE_F16 ? 2 : 4;
    const uint64_t n = sh->n_tokens * (uint64_t)sh->h.L * (uint64_t)sh->h.D;
    for (uint64_t i = (from - sh->hidden_off) / elt; i < n; i++) {
        const unsigned char *p = buf + sh->hidden_off + i * elt;
        int finite;
        if (elt == 2) {
            uint16_t v;
            memcpy(&v, p, 2);
            finite = (v & 0x7c00u) != 0x7c00u;
        } else {
            float v;
            memcpy(&v, p, 4);
            finite = isfinite(v);
        }
        if (!finite) {
            unsigned long long seq, t;
            int layer;
            locate_row(buf, sh, i / (uint64_t)sh->h.D, &seq, &t, &layer);
            return err_set(e, ERR_INPUT, "%s:%llu: hidden value is NaN or Inf at seq %llu "
                           "token %llu layer %d", name,
                           (unsigned long long)(sh->hidden_off + i * elt), seq, t, layer);
        }
    }
    return 0;
}

int shard_verify(const unsigned char *buf, size_t size, const ShardHeader *sh,
                 const char *name, Err *e)
{
    uint64_t bad_hidden;
    if (size != sh->file_bytes)
        return err_set(e, ERR_INPUT, "%s:%zu: %zu bytes, the header says %llu", name, size,
                       size, (unsigned long long)sh->file_bytes);
    uint64_t sum = hash_and_scan(buf, sh, &bad_hidden);
    if (sum != sh->checksum)
        return err_set(e, ERR_INPUT, "%s:%d: checksum mismatch (stored %016llx, contents hash "
                       "to %016llx): the shard is corrupt", name, SHOFF_CHECKSUM,
                       (unsigned long long)sh->checksum, (unsigned long long)sum);
    int rc = shard_check_seqtab(buf + sh->seqtab_off, sh, name, e);
    if (!rc)
        rc = check_tokens(buf, sh, name, e);
    if (!rc)
        rc = check_experts(buf, sh, name, e);
    if (!rc && sh->weights_off)
        rc = check_weights(buf, sh, name, e);
    if (!rc && bad_hidden)
        rc = report_hidden(buf, sh, bad_hidden, name, e);
    return rc;
}
