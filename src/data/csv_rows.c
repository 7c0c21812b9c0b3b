/*
 * csv_rows.c: reading CSV trace files into the row table of a CsvImport
 * (see csv_import.h, csv_rows.h). libcsv (strict RFC 4180) splits records
 * and cells; we feed it one line at a time so that every record is named by
 * the line it starts on, even when a quoted cell spans lines. Each cell is
 * checked as it arrives (number syntax, ranges, NaN/Inf); a record's
 * repeated expert ids are checked when it ends. The first error stops the
 * file.
 */
#include "data/csv_rows.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "util/file_read.h"
#include "util/interrupt.h"

typedef struct Parse {
    CsvImport *ci;
    const char *name;        /* file name for messages */
    uint32_t file;           /* index in ci->files */
    Err *e;
    int rc;
    long line;               /* line of the segment being fed (1-based) */
    long rec_line;           /* first line of the current record */
    size_t rec_bytes;        /* bytes of the current record fed so far */
    int in_record;           /* bytes of an unfinished record were fed */
    int record_ended;        /* a record ended during the current segment */
    int header_done;
    CsvColumn *cols;         /* [n_cols]: the header's columns, in file order */
    int n_cols, cap_cols;
    int col;                 /* cells seen in the current record */
    unsigned char *row;      /* the record being filled, ci->stride bytes */
} Parse;

static const char *const fixed_names[] = {"seq", "pos", "layer", "token"};

/* A column's name as the header spells it. */
static const char *column_name(const CsvColumn *c, char buf[16])
{
    if (c->role < COL_E)
        return fixed_names[c->role];
    snprintf(buf, 16, "%c%d", c->role == COL_E ? 'e' : c->role == COL_W ? 'w' : 'h', c->index);
    return buf;
}

/* Where the current cell is, for messages: its column's name, or "column
 * N" in the header and past the header's columns. */
static const char *cell_where(const Parse *p, char buf[32])
{
    if (p->header_done && p->col < p->n_cols)
        return column_name(&p->cols[p->col], buf);
    snprintf(buf, 32, "column %d", p->col + 1);
    return buf;
}

/* A cell as it may be quoted in a message: at most 40 printable chars. */
static const char *cell_text(char *buf, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < cap && i < 40; i++)
        buf[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (len > 40 && n + 4 < cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static int cell_error(Parse *p, const char *what, const char *s, size_t len)
{
    char txt[64], nm[16];
    p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: '%s' %s", p->name, p->rec_line,
                    column_name(&p->cols[p->col], nm), cell_text(txt, sizeof txt, s, len), what);
    return p->rc;
}

static int parse_int(Parse *p, const char *s, size_t len, long long lo, long long hi,
                     const char *range_what, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = len ? strtoll(s, &end, 10) : 0;
    if (!len || errno || end != s + len)
        return cell_error(p, "is not an integer", s, len);
    if (v < lo || v > hi) {
        char nm[16];
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: %s %lld out of range [%lld, %lld%s",
                        p->name, p->rec_line, column_name(&p->cols[p->col], nm), range_what, v, lo,
                        p->cols[p->col].role == COL_E ? hi + 1 : hi,
                        p->cols[p->col].role == COL_E ? ")" : "]");
        return p->rc;
    }
    *out = v;
    return 0;
}

static int parse_real(Parse *p, const char *s, size_t len, float *out)
{
    char *end = NULL;
    double v = len ? strtod(s, &end) : 0.0;
    if (!len || end != s + len)
        return cell_error(p, "is not a number", s, len);
    if (isnan(v) || isinf(v))
        return cell_error(p, "is NaN or Inf", s, len);
    if (fabs(v) > (double)FLT_MAX)
        return cell_error(p, "is NaN or Inf as a 32-bit float (beyond 3.4e38)", s, len);
    *out = (float)v;
    return 0;
}

/* Stores one data cell into p->row. */
static void data_cell(Parse *p, const char *s, size_t len)
{
    CsvImport *ci = p->ci;
    const CsvColumn *c = &p->cols[p->col];
    RowHead *r = (RowHead *)(void *)p->row;
    long long v = 0;
    switch (c->role) {
    case COL_SEQ:
        if (!parse_int(p, s, len, INT64_MIN, INT64_MAX, "sequence", &v))
            r->seq = v;
        break;
    case COL_POS:
        if (!parse_int(p, s, len, 0, CSV_MAX_POS, "position", &v))
            r->pos = v;
        break;
    case COL_LAYER:
        if (!parse_int(p, s, len, 0, CSV_MAX_LAYER, "layer", &v))
            r->layer = (int32_t)v;
        break;
    case COL_TOKEN:
        if (!parse_int(p, s, len, -1, INT32_MAX, "token id", &v))
            r->token = (int32_t)v;
        break;
    case COL_E:
        if (!parse_int(p, s, len, 0, ci->E - 1, "expert id", &v))
            ROW_IDS(ci, r)[c->index] = (uint16_t)v;
        break;
    case COL_W:
        parse_real(p, s, len, &ROW_W(ci, r)[c->index]);
        break;
    default:
        parse_real(p, s, len, &ROW_H(ci, r)[c->index]);
    }
}


/* "e12" (len bytes, not NUL-terminated) -> role COL_E, index 12; canonical
 * decimals only ("e01" is unknown), and a NUL anywhere is no name. */
static int column_role(const char *name, size_t len, CsvColumn *c)
{
    if (!len || len > 9 || memchr(name, '\0', len))
        return -1;
    for (int i = 0; i < 4; i++)
        if (strlen(fixed_names[i]) == len && !memcmp(name, fixed_names[i], len)) {
            c->role = i;
            c->index = 0;
            return 0;
        }
    const char *d = name + 1;
    size_t nd = len - 1;
    if ((name[0] != 'e' && name[0] != 'w' && name[0] != 'h') || !nd || (d[0] == '0' && nd > 1))
        return -1;
    int v = 0;
    for (size_t i = 0; i < nd; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        v = v * 10 + (d[i] - '0'); /* at most 8 digits: no overflow */
    }
    c->role = name[0] == 'e' ? COL_E : name[0] == 'w' ? COL_W : COL_H;
    c->index = v;
    return 0;
}

static int header_error(Parse *p, const char *col, const char *what)
{
    p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: %s", p->name, p->rec_line, col, what);
    return p->rc;
}

/* A column and where it stands, for sorting the header by (role, index). */
typedef struct ColKey {
    int role, index, at;
} ColKey;

static int colkey_cmp(const void *pa, const void *pb)
{
    const ColKey *a = pa, *b = pb;
    if (a->role != b->role)
        return a->role < b->role ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* One role's columns in the sorted, duplicate-free keys: how many, the
 * largest index (-1: none), and the first index of 0..max that is missing
 * (max + 1: none). */
typedef struct Family {
    int n, max, gap;
} Family;

static Family family_of(const ColKey *k, int n, int role)
{
    Family f = {0, -1, 0};
    for (int i = 0; i < n; i++)
        if (k[i].role == role) {
            if (f.gap == f.n && k[i].index == f.n)
                f.gap = f.n + 1;
            f.max = k[i].index;
            f.n++;
        }
    return f;
}

/* The first repeated column in file order, as "columns J and I": the sort
 * puts each repeat right after the earlier column of its name. Linear
 * after the sort, so a header of 10^6 columns is checked in O(n log n). */
static int header_repeats(Parse *p, const ColKey *k)
{
    int dup = -1, first = -1;
    for (int i = 1, g = 0; i < p->n_cols; i++) {
        if (k[i].role != k[g].role || k[i].index != k[g].index)
            g = i;
        else if (dup < 0 || k[i].at < dup)
            dup = k[i].at, first = k[g].at;
    }
    if (dup < 0)
        return 0;
    char nm[16];
    p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: column appears twice (columns %d and %d)",
                    p->name, p->rec_line, column_name(&p->cols[dup], nm), first + 1, dup + 1);
    return p->rc;
}

/* Checks each family is complete and takes K, D and the optional columns. */
static int header_families(Parse *p, const ColKey *k, int *K, int *D, int *has_w, int *has_tok)
{
    for (int r = COL_SEQ; r <= COL_LAYER; r++)
        if (!family_of(k, p->n_cols, r).n)
            return header_error(p, fixed_names[r], "missing required column");
    Family fe = family_of(k, p->n_cols, COL_E), fw = family_of(k, p->n_cols, COL_W),
           fh = family_of(k, p->n_cols, COL_H);
    int maxe = fe.max, maxw = fw.max, maxh = fh.max;
    char nm[24];
    if (maxe < 0 || fe.gap <= maxe) {
        snprintf(nm, sizeof nm, "e%d", maxe < 0 ? 0 : fe.gap);
        return header_error(p, nm, "missing required column (expert ids are e0..e{K-1})");
    }
    int kw = fw.gap <= maxw ? fw.gap : maxw + 1; /* first bad w: missing, or past e */
    if (maxe + 1 < kw)
        kw = maxe + 1;
    if (kw <= maxw) {
        snprintf(nm, sizeof nm, "w%d", kw);
        return header_error(p, nm, kw > maxe ? "gate weight column without an expert column"
                                             : "missing column (gate weights w0..w{K-1} "
                                               "come with e0..e{K-1})");
    }
    if (maxw >= 0 && maxw < maxe) {
        snprintf(nm, sizeof nm, "w%d", maxe);
        return header_error(p, nm, "missing column (gate weights w0..w{K-1} come with "
                                   "e0..e{K-1})");
    }
    if (fh.gap <= maxh) {
        snprintf(nm, sizeof nm, "h%d", fh.gap);
        return header_error(p, nm, "missing column (hidden state is h0..h{D-1})");
    }
    if (maxe + 1 > p->ci->E) {
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:e%d: %d expert columns (K) but only %d "
                        "experts (--experts)", p->name, p->rec_line, maxe, maxe + 1, p->ci->E);
        return p->rc;
    }
    if (maxh + 1 > (1 << 24))
        return header_error(p, "h", "more than 2^24 hidden columns");
    *K = maxe + 1;
    *D = maxh + 1;
    *has_w = maxw >= 0;
    *has_tok = family_of(k, p->n_cols, COL_TOKEN).n > 0;
    return 0;
}

/* Fixes the import's column set (first file) or checks it (later files). */
static int header_apply(Parse *p, int K, int D, int has_w, int has_tok)
{
    CsvImport *ci = p->ci;
    if (ci->have_columns) {
        if (K != ci->K || D != ci->D || has_w != ci->has_weights || has_tok != ci->has_tokens)
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld: columns differ from %s (K %d vs %d, D %d "
                            "vs %d, weights %s vs %s, token %s vs %s)", p->name, p->rec_line,
                            ci->files[0], K, ci->K, D, ci->D, has_w ? "yes" : "no",
                            ci->has_weights ? "yes" : "no", has_tok ? "yes" : "no",
                            ci->has_tokens ? "yes" : "no");
        return p->rc;
    }
    ci->K = K;
    ci->D = D;
    ci->has_weights = has_w;
    ci->has_tokens = has_tok;
    ci->off_w = (sizeof(RowHead) + (size_t)K * 2 + 3) / 4 * 4;
    ci->off_h = ci->off_w + (has_w ? (size_t)K * 4 : 0);
    ci->stride = (ci->off_h + (size_t)D * 4 + 7) / 8 * 8;
    ci->have_columns = 1;
    return 0;
}

/* The header record ended: repeats, families, then the row buffer. */
static void header_done(Parse *p)
{
    ColKey *k = malloc(((size_t)p->n_cols + 1) * sizeof *k);
    if (!k) {
        p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
        return;
    }
    for (int i = 0; i < p->n_cols; i++)
        k[i] = (ColKey){p->cols[i].role, p->cols[i].index, i};
    qsort(k, (size_t)p->n_cols, sizeof *k, colkey_cmp);
    int K = 0, D = 0, has_w = 0, has_tok = 0;
    int rc = header_repeats(p, k) || header_families(p, k, &K, &D, &has_w, &has_tok) ||
             header_apply(p, K, D, has_w, has_tok);
    free(k);
    if (rc)
        return;
    if (!(p->row = calloc(1, p->ci->stride)))
        p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
    p->header_done = 1;
}

/* A header cell is classified as it arrives: an unknown name stops the
 * file at once, and nothing but role and index is kept. */
static void header_cell(Parse *p, const char *s, size_t len)
{
    if (p->n_cols == p->cap_cols) {
        int cap = p->cap_cols ? 2 * p->cap_cols : 64;
        CsvColumn *n = realloc(p->cols, (size_t)cap * sizeof *n);
        if (!n) {
            p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
            return;
        }
        p->cols = n;
        p->cap_cols = cap;
    }
    if (column_role(s, len, &p->cols[p->n_cols])) {
        char txt[64];
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:column %d: unknown column '%s' (expected "
                        "seq, pos, layer, token, e<k>, w<k>, h<d>)", p->name, p->rec_line,
                        p->n_cols + 1, cell_text(txt, sizeof txt, s, len));
        return;
    }
    p->n_cols++;
}

static void cb_cell(void *s, size_t len, void *data)
{
    Parse *p = data;
    if (p->rc)
        return;
    if (len > CSV_MAX_CELL) { /* the buffer's cap lets a few bytes more through */
        char where[32];
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: a cell longer than %d bytes (the limit)",
                        p->name, p->rec_line, cell_where(p, where), CSV_MAX_CELL);
        return;
    }
    if (!p->header_done) {
        header_cell(p, s ? s : "", s ? len : 0);
    } else if (p->col >= p->n_cols) {
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:column %d: too many cells: the header has %d "
                        "columns", p->name, p->rec_line, p->col + 1, p->n_cols);
    } else {
        data_cell(p, s ? s : "", s ? len : 0);
    }
    p->col++;
}

/* A complete data record: ids distinct, then appended to the table. */
static void finish_row(Parse *p)
{
    CsvImport *ci = p->ci;
    RowHead *r = (RowHead *)(void *)p->row;
    const uint16_t *ids = ROW_IDS(ci, r);
    for (int j = 1; j < ci->K; j++)
        for (int i = 0; i < j; i++)
            if (ids[i] == ids[j]) {
                p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:e%d: expert id %u repeated (also in "
                                "e%d)", p->name, p->rec_line, j, (unsigned)ids[j], i);
                return;
            }
    if (!ci->has_tokens)
        r->token = -1;
    r->file = p->file;
    r->line = p->rec_line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)p->rec_line;
    if (ci->n_rows == ci->cap_rows) {
        size_t cap = ci->cap_rows ? 2 * ci->cap_rows : 1024;
        unsigned char *n = realloc(ci->rows, cap * ci->stride);
        if (!n) {
            p->rc = err_set(p->e, ERR_RUNTIME, "%s:%ld: out of memory for %zu rows", p->name,
                            p->rec_line, cap);
            return;
        }
        ci->rows = n;
        ci->cap_rows = cap;
    }
    memcpy(ci->rows + ci->n_rows * ci->stride, p->row, ci->stride);
    ci->n_rows++;
    if (r->layer > ci->max_layer)
        ci->max_layer = r->layer;
}

static void cb_record(int c, void *data)
{
    Parse *p = data;
    (void)c;
    p->record_ended = 1;
    if (!p->rc) {
        if (!p->header_done)
            header_done(p);
        else if (p->col < p->n_cols)
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: missing cell: the record has %d "
                            "cells, the header has %d", p->name, p->rec_line,
                            column_name(&p->cols[p->col], (char[16]){0}), p->col, p->n_cols);
        else
            finish_row(p);
    }
    p->col = 0;
}

static int is_blank(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* libcsv grows its cell buffer through this: past the cap it gets NULL
 * and stops with CSV_ENOMEM, so one endless cell costs CSV_MAX_CELL bytes,
 * not the file's size. */
static void *cell_realloc(void *q, size_t n)
{
    /* libcsv grows one byte early (it keeps room for the next byte and the
     * NUL of CSV_APPEND_NULL), and a quoted cell holds its last byte while it
     * waits for the quote: + 3 lets any cell of CSV_MAX_CELL through, and
     * cb_cell makes the limit exact */
    return n > CSV_MAX_CELL + 3 ? NULL : realloc(q, n);
}

/* Why csv_parse stopped early: the cell cap, or the CSV itself. */
static void parse_error(Parse *p, struct csv_parser *cp)
{
    char where[32];
    cell_where(p, where);
    if (csv_error(cp) == CSV_ENOMEM && csv_get_buffer_size(cp) >= CSV_MAX_CELL)
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: a cell longer than %d bytes (the limit)",
                        p->name, p->line, where, CSV_MAX_CELL);
    else if (csv_error(cp) == CSV_ENOMEM || csv_error(cp) == CSV_ETOOBIG)
        p->rc = err_set(p->e, ERR_RUNTIME, "%s:%ld:%s: out of memory", p->name, p->line, where);
    else
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: malformed CSV: %s", p->name, p->line,
                        where, csv_strerror(csv_error(cp)));
}

/* Feeds s[0..n) one line at a time (lines end in LF, CRLF or a lone CR;
 * a CR at the very end is held back by the caller until the next byte is
 * known), tracking the line each record starts on and its length (capped
 * at CSV_MAX_RECORD: a file with no line break ends in bounded time and
 * memory). */
static void feed_lines(Parse *p, struct csv_parser *cp, const unsigned char *s, size_t n)
{
    size_t a = 0;
    while (a < n && !p->rc) {
        size_t b = a;
        while (b < n && s[b] != '\n' && !(s[b] == '\r' && b + 1 < n && s[b + 1] != '\n'))
            b++;
        size_t end = b < n ? b + 1 : n;
        if (!p->in_record) {
            p->rec_line = p->line;
            p->rec_bytes = 0;
        }
        p->rec_bytes += end - a;
        if (p->rec_bytes > CSV_MAX_RECORD) {
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld: a record longer than %u MiB (the limit)",
                            p->name, p->rec_line, CSV_MAX_RECORD >> 20);
            return;
        }
        p->record_ended = 0;
        size_t used = csv_parse(cp, s + a, end - a, cb_cell, cb_record, p);
        if (!p->rc && used != end - a)
            parse_error(p, cp);
        p->in_record = !p->record_ended && (p->in_record || !is_blank(s + a, end - a));
        if (b < n)
            p->line++;
        a = end;
    }
}

static int parse_begin(Parse *p, CsvImport *ci, const char *name, struct csv_parser *cp, Err *e)
{
    memset(p, 0, sizeof *p);
    p->ci = ci;
    p->e = e;
    p->line = 1;
    char **files = realloc(ci->files, (size_t)(ci->n_files + 1) * sizeof *files);
    if (!files)
        return err_set(e, ERR_RUNTIME, "%s: out of memory", name);
    ci->files = files;
    if (!(files[ci->n_files] = strdup(name)))
        return err_set(e, ERR_RUNTIME, "%s: out of memory", name);
    p->file = (uint32_t)ci->n_files++;
    p->name = files[p->file];
    if (csv_init(cp, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
        return err_set(e, ERR_RUNTIME, "%s: out of memory", name);
    csv_set_realloc_func(cp, cell_realloc);
    return 0;
}

/* Ends the file: the last record without a newline, and the empty-file check. */
static int parse_end(Parse *p, struct csv_parser *cp)
{
    if (!p->rc) {
        long line = p->line;
        if (csv_fini(cp, cb_cell, cb_record, p) && !p->rc)
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld: unterminated quoted cell (the record "
                            "starts on line %ld)", p->name, line, p->rec_line);
    }
    if (!p->rc && !p->header_done)
        p->rc = err_set(p->e, ERR_INPUT, "%s:1: empty file: a header row is required", p->name);
    csv_free(cp);
    free(p->cols);
    free(p->row);
    return p->rc;
}

int csvimp_feed_buffer(CsvImport *ci, const char *name, const char *buf, size_t n, Err *e)
{
    Parse p;
    struct csv_parser cp;
    int rc = parse_begin(&p, ci, name, &cp, e);
    if (rc)
        return rc;
    feed_lines(&p, &cp, (const unsigned char *)buf, n);
    return parse_end(&p, &cp);
}

int csvimp_feed_file(CsvImport *ci, const char *path, Err *e)
{
    enum { CHUNK = 1 << 20 };
    FILE *f;
    int frc = file_open_regular(path, &f, e); /* a FIFO is refused, not waited on */
    if (frc)
        return frc;
    unsigned char *buf = malloc(CHUNK + 1);
    Parse p;
    struct csv_parser cp;
    int rc = buf ? parse_begin(&p, ci, path, &cp, e) : err_set(e, ERR_RUNTIME, "out of memory");
    if (rc) {
        free(buf);
        fclose(f);
        return rc;
    }
    size_t carry = 0; /* a CR held back from the previous chunk */
    for (;;) {
        if (interrupt_pending()) { /* a long file and a stop signal: give up */
            p.rc = err_set(e, ERR_RUNTIME, "%s: interrupted by signal %d: nothing written", path,
                           interrupt_pending());
            break;
        }
        size_t got = fread(buf + carry, 1, CHUNK, f);
        size_t n = carry + got;
        int last = got < CHUNK;
        carry = !last && n && buf[n - 1] == '\r';
        feed_lines(&p, &cp, buf, n - carry);
        if (p.rc || last)
            break;
        if (carry)
            buf[0] = '\r';
    }
    if (!p.rc && ferror(f))
        p.rc = err_sys(e, ERR_INPUT, errno, "%s", path);
    fclose(f);
    free(buf);
    return parse_end(&p, &cp);
}
