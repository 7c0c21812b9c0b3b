/*
 * fuzz_csv.c: libFuzzer target for the CSV importer: the first input byte
 * sets E (1..256), the rest is one CSV file, parsed and checked exactly as
 * `moespec import` does (csvimp_feed_buffer, csvimp_finish) without
 * writing a set. Built with clang -fsanitize=fuzzer (make fuzz);
 * fuzz/replay.c feeds the committed corpus to it in `make check`.
 */
#include <stddef.h>
#include <stdint.h>

#include "data/csv_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int E = 1 + data[0];
    CsvImport *ci;
    Err e = {0};
    if (csvimp_new(E, &ci, &e))
        return 0;
    TraceHeader h;
    if (!csvimp_feed_buffer(ci, "fuzz.csv", (const char *)data + 1, size - 1, &e))
        csvimp_finish(ci, HIDDEN_UNKNOWN, &h, &e);
    csvimp_free(ci);
    return 0;
}
