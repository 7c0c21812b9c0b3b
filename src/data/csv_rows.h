/*
 * csv_rows.h: internals shared by csv_rows.c (libcsv callbacks: header,
 * cells, records -> row table) and csv_import.c (sort, completeness,
 * writing). Not a public interface: use csv_import.h.
 */
#ifndef MOESPEC_DATA_CSV_ROWS_H
#define MOESPEC_DATA_CSV_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "data/csv_import.h"

#define CSV_MAX_LAYER 65534        /* L <= 65535 */
#define CSV_MAX_POS INT32_MAX - 1  /* T fits an int */
/* Input caps, so that a file with no line break or one endless cell ends
 * with an error in bounded memory (moespec-traces(5), CSV): no valid cell
 * is longer than a number (about 25 bytes) or a column name; a record of
 * 10^6 hidden columns at full float precision takes about 16 MiB of text.
 * A header holds at most 32 MiB / 3 columns of 8 bytes each (CsvColumn). */
#define CSV_MAX_CELL 4096
#define CSV_MAX_RECORD (32u << 20)

/* What a column holds. */
enum { COL_SEQ, COL_POS, COL_LAYER, COL_TOKEN, COL_E, COL_W, COL_H };

/* Names are canonical ("e2", never "e02"), so role and index give the
 * name back (column_name in csv_rows.c) and a column costs 8 bytes: a header of
 * millions of columns stays small. */
typedef struct CsvColumn {
    int role;        /* COL_* */
    int index;       /* k of e_k / w_k, d of h_d */
} CsvColumn;

/* The fixed head of a stored row; experts, weights, hidden follow. */
typedef struct RowHead {
    int64_t seq, pos;
    int32_t layer, token;
    uint32_t file, line;   /* where it came from, for messages */
} RowHead;

struct CsvImport {
    int E;
    /* the column set, fixed by the first file */
    int have_columns;
    int K, D, has_weights, has_tokens;
    size_t off_w, off_h, stride;  /* row layout: head, u16 ids, f32 weights, f32 hidden */
    /* files fed so far (names kept for messages) */
    char **files;
    int n_files;
    /* rows */
    unsigned char *rows;
    size_t n_rows, cap_rows;
    int max_layer;
    /* sorted order (csvimp_finish) */
    size_t *order;
    /* copied into the set by csvimp_write (csvimp_set_extras) */
    const char *router_path;      /* router.safetensors to copy in, or NULL */
    uint64_t expert_bytes;        /* 0 = unknown */
};

#define ROW(ci, i) ((RowHead *)(void *)((ci)->rows + (size_t)(i) * (ci)->stride))
#define ROW_IDS(ci, r) ((uint16_t *)(void *)((unsigned char *)(r) + sizeof(RowHead)))
#define ROW_W(ci, r) ((float *)(void *)((unsigned char *)(r) + (ci)->off_w))
#define ROW_H(ci, r) ((float *)(void *)((unsigned char *)(r) + (ci)->off_h))

#endif
