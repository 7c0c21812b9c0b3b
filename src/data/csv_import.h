/*
 * csv_import.h: CSV routing traces -> trace set (SPEC 4.2, moespec-traces(5)).
 *
 * Columns by name in any order: seq, pos, layer (required integers), token
 * (optional), e0..e{K-1} (required expert ids), w0..w{K-1} (optional gate
 * weights), h0..h{D-1} (optional hidden state). One row per (seq, pos,
 * layer), rows in any order, several files concatenated as one set. Every
 * row is held in memory until the set is written (rows x (32 + 6K + 4D)
 * bytes). Errors are ERR_INPUT "FILE:LINE:COLUMN: what", LINE being the
 * first line of the record; nothing is written unless everything is valid.
 *
 * Not here: the trace-set layout (traceset_write.c), option parsing
 * (ui/cmd_import.c).
 */
#ifndef MOESPEC_DATA_CSV_IMPORT_H
#define MOESPEC_DATA_CSV_IMPORT_H

#include <stddef.h>

#include "data/traceset.h"
#include "util/err.h"

typedef struct CsvImport CsvImport;

/* An empty import for E experts (1 <= E <= 65535). */
int csvimp_new(int E, CsvImport **out, Err *e);
void csvimp_free(CsvImport *ci);

/* Parses one CSV file (or an in-memory one named `name`) and keeps its rows.
 * Every file must have the same columns (in any order). */
int csvimp_feed_file(CsvImport *ci, const char *path, Err *e);
int csvimp_feed_buffer(CsvImport *ci, const char *name, const char *buf, size_t n, Err *e);

/* Sorts the rows and checks the set is complete: no duplicate (seq, pos,
 * layer), every token has layers 0..L-1, every sequence positions 0..T-1,
 * one token id per (seq, pos). Fills *h (dtype f32) on success. */
int csvimp_finish(CsvImport *ci, HiddenPoint point, TraceHeader *h, Err *e);

/* What csvimp_write adds beside the traces: a router.safetensors file to
 * check against the set's E, L, D and copy in (NULL: none; the path is
 * kept, not copied), and the size of one expert's weights (0: unknown). */
void csvimp_set_extras(CsvImport *ci, const char *router_path, uint64_t expert_bytes);

/* csvimp_finish, then writes the set to dir atomically. */
int csvimp_write(CsvImport *ci, HiddenPoint point, const char *dir, Err *e);

/* The whole import: nfiles CSV files -> dir. */
int csv_import(const char *const *files, int nfiles, int E, HiddenPoint point,
               const char *dir, Err *e);

#endif
