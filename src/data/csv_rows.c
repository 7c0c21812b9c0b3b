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

typedef struct Parse {
    CsvImport *ci;
    const char *name;        /* file name for messages */
    uint32_t file;           /* index in ci->files */
    Err *e;
    int rc;
    long line;               /* line of the segment being fed (1-based) */
    long rec_line;           /* first line of the current record */
    int in_record;           /* bytes of an unfinished record were fed */
    int record_ended;        /* a record ended during the current segment */
    int header_done;
    char **hnames;           /* header cells while the header is read */
    int n_hn, cap_hn;
    CsvColumn *cols;         /* [n_cols] */
    int n_cols;
    int col;                 /* cells seen in the current record */
    unsigned char *row;      /* the record being filled, ci->stride bytes */
} Parse;

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
    char txt[64];
    p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: '%s' %s", p->name, p->rec_line,
                    p->cols[p->col].name, cell_text(txt, sizeof txt, s, len), what);
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
        p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: %s %lld out of range [%lld, %lld%s",
                        p->name, p->rec_line, p->cols[p->col].name, range_what, v, lo,
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


/* "e12" -> role COL_E, index 12; canonical decimals only ("e01" is unknown). */
static int column_role(const char *name, CsvColumn *c)
{
    static const char *const fixed[] = {"seq", "pos", "layer", "token"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, fixed[i])) {
            c->role = i;
            c->index = 0;
            return 0;
        }
    const char *d = name + 1;
    if ((name[0] != 'e' && name[0] != 'w' && name[0] != 'h') || !*d ||
        (d[0] == '0' && d[1]) || strspn(d, "0123456789") != strlen(d) || strlen(d) > 8)
        return -1;
    c->role = name[0] == 'e' ? COL_E : name[0] == 'w' ? COL_W : COL_H;
    c->index = atoi(d);
    return 0;
}

/* Finds the column of role/index, or -1. */
static int find_col(const Parse *p, int role, int index)
{
    for (int i = 0; i < p->n_cols; i++)
        if (p->cols[i].role == role && p->cols[i].index == index)
            return i;
    return -1;
}

static int header_error(Parse *p, const char *col, const char *what)
{
    p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: %s", p->name, p->rec_line, col, what);
    return p->rc;
}

/* Counts e/w/h columns and checks each family is complete. */
static int header_families(Parse *p, int *K, int *D, int *has_w, int *has_tok)
{
    int maxe = -1, maxw = -1, maxh = -1;
    for (int i = 0; i < p->n_cols; i++) {
        const CsvColumn *c = &p->cols[i];
        int *m = c->role == COL_E ? &maxe : c->role == COL_W ? &maxw : c->role == COL_H ? &maxh : NULL;
        if (m && c->index > *m)
            *m = c->index;
    }
    static const char *const req[] = {"seq", "pos", "layer"};
    for (int r = 0; r < 3; r++)
        if (find_col(p, r, 0) < 0)
            return header_error(p, req[r], "missing required column");
    char nm[24];
    for (int k = 0; k <= (maxe > 0 ? maxe : 0); k++)
        if (find_col(p, COL_E, k) < 0) {
            snprintf(nm, sizeof nm, "e%d", k);
            return header_error(p, nm, "missing required column (expert ids are e0..e{K-1})");
        }
    for (int k = 0; k <= maxw; k++)
        if (find_col(p, COL_W, k) < 0 || k > maxe) {
            snprintf(nm, sizeof nm, "w%d", k);
            return header_error(p, nm, k > maxe ? "gate weight column without an expert column"
                                                : "missing column (gate weights w0..w{K-1} "
                                                  "come with e0..e{K-1})");
        }
    if (maxw >= 0 && maxw < maxe) {
        snprintf(nm, sizeof nm, "w%d", maxe);
        return header_error(p, nm, "missing column (gate weights w0..w{K-1} come with "
                                   "e0..e{K-1})");
    }
    for (int d = 0; d <= maxh; d++)
        if (find_col(p, COL_H, d) < 0) {
            snprintf(nm, sizeof nm, "h%d", d);
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
    *has_tok = find_col(p, COL_TOKEN, 0) >= 0;
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

static void header_done(Parse *p)
{
    if (!(p->cols = calloc((size_t)p->n_hn + 1, sizeof *p->cols))) {
        p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
        return;
    }
    for (int i = 0; i < p->n_hn; i++) {
        CsvColumn *c = &p->cols[i];
        snprintf(c->name, sizeof c->name, "%s", p->hnames[i]);
        if (strlen(p->hnames[i]) >= sizeof c->name || column_role(p->hnames[i], c)) {
            char txt[64];
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:column %d: unknown column '%s' (expected "
                            "seq, pos, layer, token, e<k>, w<k>, h<d>)", p->name, p->rec_line,
                            i + 1, cell_text(txt, sizeof txt, p->hnames[i], strlen(p->hnames[i])));
            return;
        }
        int j = find_col(p, c->role, c->index);
        if (j >= 0) {
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:%s: column appears twice (columns %d and "
                            "%d)", p->name, p->rec_line, c->name, j + 1, i + 1);
            return;
        }
        p->n_cols = i + 1;
    }
    int K = 0, D = 0, has_w = 0, has_tok = 0;
    if (header_families(p, &K, &D, &has_w, &has_tok) || header_apply(p, K, D, has_w, has_tok))
        return;
    if (!(p->row = calloc(1, p->ci->stride)))
        p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
    p->header_done = 1;
}

static void header_cell(Parse *p, const char *s, size_t len)
{
    if (p->n_hn == p->cap_hn) {
        int cap = p->cap_hn ? 2 * p->cap_hn : 64;
        char **n = realloc(p->hnames, (size_t)cap * sizeof *n);
        if (!n) {
            p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
            return;
        }
        p->hnames = n;
        p->cap_hn = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        p->rc = err_set(p->e, ERR_RUNTIME, "%s: out of memory", p->name);
        return;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    p->hnames[p->n_hn++] = copy;
}

static void cb_cell(void *s, size_t len, void *data)
{
    Parse *p = data;
    if (p->rc)
        return;
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
                            p->cols[p->col].name, p->col, p->n_cols);
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

/* Feeds s[0..n) one line at a time (lines end in LF, CRLF or a lone CR;
 * a CR at the very end is held back by the caller until the next byte is
 * known), tracking the line each record starts on. */
static void feed_lines(Parse *p, struct csv_parser *cp, const unsigned char *s, size_t n)
{
    size_t a = 0;
    while (a < n && !p->rc) {
        size_t b = a;
        while (b < n && s[b] != '\n' && !(s[b] == '\r' && b + 1 < n && s[b + 1] != '\n'))
            b++;
        size_t end = b < n ? b + 1 : n;
        if (!p->in_record)
            p->rec_line = p->line;
        p->record_ended = 0;
        size_t used = csv_parse(cp, s + a, end - a, cb_cell, cb_record, p);
        if (!p->rc && used != end - a)
            p->rc = err_set(p->e, ERR_INPUT, "%s:%ld:column %d: malformed CSV: %s", p->name,
                            p->line, p->col + 1, csv_strerror(csv_error(cp)));
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
    for (int i = 0; i < p->n_hn; i++)
        free(p->hnames[i]);
    free(p->hnames);
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
