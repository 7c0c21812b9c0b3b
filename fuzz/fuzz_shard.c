/*
 * fuzz_shard.c: libFuzzer target for the trace-set reader's parsers: the
 * first input byte, modulo 3, picks what the rest is:
 *   0  a shard file, checked as the reader checks it on first load
 *      (header decode, layout, checksum, contents);
 *   1  the same with its checksum recomputed first, so the fuzzer reaches
 *      the content checks behind the checksum;
 *   2  a manifest (manifest_parse).
 * Built with clang -fsanitize=fuzzer (make fuzz); fuzz/replay.c feeds the
 * committed corpus to the same entry point in `make check`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/manifest.h"
#include "data/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_one_shard(const unsigned char *data, size_t size, int reseal)
{
    /* the reader's buffer is a page-aligned mapping; give the same alignment */
    unsigned char *buf = aligned_alloc(64, (size + 63) / 64 * 64 + 64);
    if (!buf)
        return;
    memcpy(buf, data, size);
    if (reseal && size >= SHARD_HEADER_BYTES) {
        uint64_t sum = shard_checksum(buf, size);
        memcpy(buf + SHOFF_CHECKSUM, &sum, 8);
    }
    ShardHeader sh;
    Err e = {0};
    if (!shard_header_decode(buf, size, "fuzz", &sh, &e))
        shard_verify(buf, size, &sh, "fuzz", &e);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 3;
    data++;
    size--;
    if (mode < 2) {
        fuzz_one_shard(data, size, mode == 1);
    } else {
        Manifest m;
        Err e = {0};
        if (!manifest_parse((const char *)data, size, "fuzz", &m, &e))
            manifest_free(&m);
    }
    return 0;
}
