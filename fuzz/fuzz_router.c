/*
 * fuzz_router.c: libFuzzer target for the router.safetensors reader: the
 * first input byte sets the expected shape (L = 1 + bits 0-1, E = 1 + bits
 * 2-4, D = 1 + bits 5-7), the rest is the file image, parsed and checked as
 * a trace set's router is (router_parse). Built with clang
 * -fsanitize=fuzzer (make fuzz); fuzz/replay.c feeds the committed corpus
 * (tests/corpus/router, made by tests/fixtures/make_router_corpus.py) to it
 * in `make check`.
 */
#include <stddef.h>
#include <stdint.h>

#include "data/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int L = 1 + (data[0] & 3), E = 1 + ((data[0] >> 2) & 7), D = 1 + (data[0] >> 5);
    Router r;
    Err e = {0};
    if (!router_parse(data + 1, size - 1, "fuzz.safetensors", L, E, D, &r, &e))
        router_free(&r);
    return 0;
}
