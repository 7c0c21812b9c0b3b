/*
 * checksum.c: the shard checksum (see checksum.h). Lanes read
 * little-endian 64-bit words through memcpy, so any alignment works and
 * the compiler turns it into plain loads on x86-64.
 */
#include "data/checksum.h"

#include <string.h>

#define P1 UINT64_C(0x9E3779B185EBCA87)
#define P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P3 UINT64_C(0x165667B19E3779F9)
#define P4 UINT64_C(0x85EBCA77C2B2AE63)

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t hash_round(uint64_t acc, uint64_t w)
{
    acc += w * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Feeds whole 32-byte blocks; returns the bytes consumed. */
static size_t hash_blocks(uint64_t lane[4], const unsigned char *p, size_t n)
{
    uint64_t a = lane[0], b = lane[1], c = lane[2], d = lane[3];
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a = hash_round(a, load64(p + i));
        b = hash_round(b, load64(p + i + 8));
        c = hash_round(c, load64(p + i + 16));
        d = hash_round(d, load64(p + i + 24));
    }
    lane[0] = a;
    lane[1] = b;
    lane[2] = c;
    lane[3] = d;
    return i;
}

void tracehash_init(TraceHash *st)
{
    st->lane[0] = P1 + P2;
    st->lane[1] = P2;
    st->lane[2] = 0;
    st->lane[3] = (uint64_t)0 - P1;
    st->total = 0;
    st->ntail = 0;
}

void tracehash_update(TraceHash *st, const void *data, size_t n)
{
    const unsigned char *p = data;
    st->total += n;
    if (st->ntail) {
        size_t take = 32 - st->ntail < n ? 32 - st->ntail : n;
        memcpy(st->tail + st->ntail, p, take);
        st->ntail += take;
        p += take;
        n -= take;
        if (st->ntail < 32)
            return;
        hash_blocks(st->lane, st->tail, 32);
        st->ntail = 0;
    }
    size_t done = hash_blocks(st->lane, p, n);
    memcpy(st->tail, p + done, n - done);
    st->ntail = n - done;
}

static uint64_t merge_lane(uint64_t h, uint64_t lane)
{
    h ^= hash_round(0, lane);
    return h * P1 + P4;
}

uint64_t tracehash_final(const TraceHash *st)
{
    const uint64_t *v = st->lane;
    uint64_t h = rotl64(v[0], 1) + rotl64(v[1], 7) + rotl64(v[2], 12) + rotl64(v[3], 18);
    for (int i = 0; i < 4; i++)
        h = merge_lane(h, v[i]);
    h += st->total;
    /* the tail, 8 bytes then 1 byte at a time */
    size_t i = 0;
    for (; i + 8 <= st->ntail; i += 8) {
        h ^= hash_round(0, load64(st->tail + i));
        h = rotl64(h, 27) * P1 + P4;
    }
    for (; i < st->ntail; i++) {
        h ^= st->tail[i] * (uint64_t)0x27D4EB2F165667C5;
        h = rotl64(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

uint64_t tracehash(const void *p, size_t n)
{
    TraceHash st;
    tracehash_init(&st);
    tracehash_update(&st, p, n);
    return tracehash_final(&st);
}
