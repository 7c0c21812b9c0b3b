/*
 * shard.c: encoding, decoding and verifying one trace shard (see shard.h).
 * Every check names the shard and the byte offset of what it rejects, and
 * no check reads outside the buffer whatever the header claims: sizes are
 * computed with overflow checks and compared with the real size first.
 */
#include "data/shard.h"

#include <stdlib.h>
#include <string.h>


static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* a * b into *out; -1 on overflow */
static int mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b && a > UINT64_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

/* Appends a section of `bytes` at the 64-aligned end *pos; -1 on overflow. */
static int place(uint64_t *pos, uint64_t bytes, uint64_t *off)
{
    uint64_t at = *pos;
    if (bytes > UINT64_MAX - at - SHARD_ALIGN)
        return -1;
    *off = at;
    *pos = (at + bytes + SHARD_ALIGN - 1) / SHARD_ALIGN * SHARD_ALIGN;
    return 0;
}

int shard_layout(ShardHeader *sh)
{
    const TraceHeader *h = &sh->h;
    uint64_t rows, ids, hid, pos = SHARD_HEADER_BYTES;
    size_t elt = h->dtype == DTYPE_F16 ? 2 : 4;
    if (sh->n_seqs == UINT64_MAX || mul_ok(sh->n_seqs + 1, 8, &ids) ||
        place(&pos, ids, &sh->seqtab_off))
        return -1;
    if (mul_ok(sh->n_tokens, 4, &ids) || place(&pos, ids, &sh->tokens_off))
        return -1;
    if (mul_ok(sh->n_tokens, (uint64_t)h->L, &rows) || mul_ok(rows, (uint64_t)h->K, &ids))
        return -1;
    if (mul_ok(ids, 2, &hid) || place(&pos, hid, &sh->experts_off))
        return -1;
    sh->weights_off = 0;
    if (h->has_weights && (mul_ok(ids, 4, &hid) || place(&pos, hid, &sh->weights_off)))
        return -1;
    sh->hidden_off = 0;
    if (h->D > 0 && (mul_ok(rows, (uint64_t)h->D, &hid) || mul_ok(hid, elt, &hid) ||
                     place(&pos, hid, &sh->hidden_off)))
        return -1;
    sh->file_bytes = pos;
    return 0;
}

void shard_header_encode(const ShardHeader *sh, unsigned char out[SHARD_HEADER_BYTES])
{
    const TraceHeader *h = &sh->h;
    memset(out, 0, SHARD_HEADER_BYTES);
    memcpy(out + SHOFF_MAGIC, SHARD_MAGIC, 8);
    put32(out + SHOFF_VERSION, SHARD_VERSION);
    put32(out + SHOFF_HEADER_BYTES, SHARD_HEADER_BYTES);
    put32(out + SHOFF_E, (uint32_t)h->E);
    put32(out + SHOFF_K, (uint32_t)h->K);
    put32(out + SHOFF_L, (uint32_t)h->L);
    put32(out + SHOFF_D, (uint32_t)h->D);
    put32(out + SHOFF_POINT, (uint32_t)h->point);
    put32(out + SHOFF_DTYPE, (uint32_t)h->dtype);
    put32(out + SHOFF_FLAGS, (h->has_weights ? SHARD_FLAG_WEIGHTS : 0u) |
                                 (h->has_tokens ? SHARD_FLAG_TOKENS : 0u));
    put32(out + SHOFF_INDEX, sh->index);
    put64(out + SHOFF_FIRST_SEQ, sh->first_seq);
    put64(out + SHOFF_N_SEQS, sh->n_seqs);
    put64(out + SHOFF_N_TOKENS, sh->n_tokens);
    put64(out + SHOFF_SEQTAB, sh->seqtab_off);
    put64(out + SHOFF_TOKENS, sh->tokens_off);
    put64(out + SHOFF_EXPERTS, sh->experts_off);
    put64(out + SHOFF_WEIGHTS, sh->weights_off);
    put64(out + SHOFF_HIDDEN, sh->hidden_off);
    put64(out + SHOFF_FILE_BYTES, sh->file_bytes);
    put64(out + SHOFF_CHECKSUM, sh->checksum);
}

/* The shape fields: each in range, else an error at its offset. */
static int decode_shape(const unsigned char *b, const char *name, TraceHeader *h, Err *e)
{
    uint32_t E = get32(b + SHOFF_E), K = get32(b + SHOFF_K), L = get32(b + SHOFF_L);
    uint32_t D = get32(b + SHOFF_D), point = get32(b + SHOFF_POINT);
    uint32_t dtype = get32(b + SHOFF_DTYPE), flags = get32(b + SHOFF_FLAGS);
    if (E < 1 || E > SHARD_MAX_E)
        return err_set(e, ERR_INPUT, "%s:%d: E = %u out of range [1, %d]", name, SHOFF_E, E,
                       SHARD_MAX_E);
    if (K < 1 || K > E)
        return err_set(e, ERR_INPUT, "%s:%d: K = %u out of range [1, E = %u]", name, SHOFF_K,
                       K, E);
    if (L < 1 || L > SHARD_MAX_L)
        return err_set(e, ERR_INPUT, "%s:%d: L = %u out of range [1, %d]", name, SHOFF_L, L,
                       SHARD_MAX_L);
    if (D > SHARD_MAX_D)
        return err_set(e, ERR_INPUT, "%s:%d: D = %u out of range [0, %d]", name, SHOFF_D, D,
                       SHARD_MAX_D);
    if (point > HIDDEN_LAYER_INPUT)
        return err_set(e, ERR_INPUT, "%s:%d: unknown hidden point code %u", name,
                       SHOFF_POINT, point);
    if (dtype > DTYPE_F16)
        return err_set(e, ERR_INPUT, "%s:%d: unknown dtype code %u", name, SHOFF_DTYPE, dtype);
    if (flags & ~(SHARD_FLAG_WEIGHTS | SHARD_FLAG_TOKENS))
        return err_set(e, ERR_INPUT, "%s:%d: unknown flags 0x%x", name, SHOFF_FLAGS, flags);
    h->E = (int)E;
    h->K = (int)K;
    h->L = (int)L;
    h->D = (int)D;
    h->point = (HiddenPoint)point;
    h->dtype = (HiddenDtype)dtype;
    h->has_weights = (flags & SHARD_FLAG_WEIGHTS) != 0;
    h->has_tokens = (flags & SHARD_FLAG_TOKENS) != 0;
    return 0;
}

/* The stored offsets must be exactly the canonical layout of the counts. */
static int check_layout(const unsigned char *b, size_t size, const char *name,
                        ShardHeader *sh, Err *e)
{
    ShardHeader want = *sh;
    if (sh->n_seqs == 0)
        return err_set(e, ERR_INPUT, "%s:%d: shard holds no sequences", name, SHOFF_N_SEQS);
    if (sh->n_tokens < sh->n_seqs)
        return err_set(e, ERR_INPUT, "%s:%d: %llu tokens for %llu sequences", name,
                       SHOFF_N_TOKENS, (unsigned long long)sh->n_tokens,
                       (unsigned long long)sh->n_seqs);
    if (shard_layout(&want))
        return err_set(e, ERR_INPUT, "%s:%d: sizes overflow (%llu tokens)", name,
                       SHOFF_N_TOKENS, (unsigned long long)sh->n_tokens);
    static const struct { int off; size_t field; } offs[] = {
        {SHOFF_SEQTAB, offsetof(ShardHeader, seqtab_off)},
        {SHOFF_TOKENS, offsetof(ShardHeader, tokens_off)},
        {SHOFF_EXPERTS, offsetof(ShardHeader, experts_off)},
        {SHOFF_WEIGHTS, offsetof(ShardHeader, weights_off)},
        {SHOFF_HIDDEN, offsetof(ShardHeader, hidden_off)},
        {SHOFF_FILE_BYTES, offsetof(ShardHeader, file_bytes)},
    };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        uint64_t got = get64(b + offs[i].off), exp;
        memcpy(&exp, (const char *)&want + offs[i].field, sizeof exp);
        if (got != exp)
            return err_set(e, ERR_INPUT, "%s:%d: section offset %llu, the layout needs %llu",
                           name, offs[i].off, (unsigned long long)got,
                           (unsigned long long)exp);
    }
    *sh = want;
    if (size < sh->file_bytes)
        return err_set(e, ERR_INPUT, "%s:%zu: truncated: %zu bytes, the header says %llu",
                       name, size, size, (unsigned long long)sh->file_bytes);
    if (size > sh->file_bytes)
        return err_set(e, ERR_INPUT, "%s:%llu: %llu bytes after the end of the shard", name,
                       (unsigned long long)sh->file_bytes,
                       (unsigned long long)(size - sh->file_bytes));
    return 0;
}

int shard_header_decode(const unsigned char *b, size_t size, const char *name,
                        ShardHeader *sh, Err *e)
{
    if (size < SHARD_HEADER_BYTES)
        return err_set(e, ERR_INPUT, "%s:%zu: truncated: %zu bytes, a shard header needs %u",
                       name, size, size, SHARD_HEADER_BYTES);
    if (memcmp(b + SHOFF_MAGIC, SHARD_MAGIC, 8) != 0)
        return err_set(e, ERR_INPUT, "%s:0: bad magic: not a moespec trace shard", name);
    uint32_t version = get32(b + SHOFF_VERSION);
    if (version != SHARD_VERSION)
        return err_set(e, ERR_INPUT, "%s:%d: shard format version %u, this moespec reads %u",
                       name, SHOFF_VERSION, version, SHARD_VERSION);
    if (get32(b + SHOFF_HEADER_BYTES) != SHARD_HEADER_BYTES)
        return err_set(e, ERR_INPUT, "%s:%d: header size %u, version 1 has %u", name,
                       SHOFF_HEADER_BYTES, get32(b + SHOFF_HEADER_BYTES), SHARD_HEADER_BYTES);
    memset(sh, 0, sizeof *sh);
    int rc = decode_shape(b, name, &sh->h, e);
    if (rc)
        return rc;
    sh->index = get32(b + SHOFF_INDEX);
    sh->first_seq = get64(b + SHOFF_FIRST_SEQ);
    sh->n_seqs = get64(b + SHOFF_N_SEQS);
    sh->n_tokens = get64(b + SHOFF_N_TOKENS);
    sh->checksum = get64(b + SHOFF_CHECKSUM);
    return check_layout(b, size, name, sh, e);
}
