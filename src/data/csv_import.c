/*
 * csv_import.c: from the rows of csv_rows.c to a trace set (see
 * csv_import.h): sort by (seq, pos, layer), check completeness, assemble
 * each sequence in the [T][L] order tracewriter takes, write atomically.
 */
#include "data/csv_import.h"

#include <stdlib.h>
#include <string.h>

#include "data/csv_rows.h"

int csvimp_new(int E, CsvImport **out, Err *e)
{
    *out = NULL;
    if (E < 1 || E > 65535)
        return err_set(e, ERR_USAGE, "--experts %d out of range [1, 65535]", E);
    CsvImport *ci = calloc(1, sizeof *ci);
    if (!ci)
        return err_set(e, ERR_RUNTIME, "out of memory");
    ci->E = E;
    ci->max_layer = -1;
    *out = ci;
    return 0;
}

void csvimp_free(CsvImport *ci)
{
    if (!ci)
        return;
    for (int i = 0; i < ci->n_files; i++)
        free(ci->files[i]);
    free(ci->files);
    free(ci->rows);
    free(ci->order);
    free(ci);
}

/* qsort has no context argument: sort (key, index) pairs instead. */
typedef struct SortKey {
    int64_t seq, pos;
    int32_t layer;
    uint32_t file, line;
    size_t index;
} SortKey;

static int cmp_key(const void *pa, const void *pb)
{
    const SortKey *a = pa, *b = pb;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    if (a->file != b->file) /* duplicates: the earlier one first */
        return a->file < b->file ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static int sort_rows(CsvImport *ci, Err *e)
{
    SortKey *k = malloc(ci->n_rows * sizeof *k);
    free(ci->order);
    ci->order = malloc(ci->n_rows * sizeof *ci->order);
    if (!k || !ci->order) {
        free(k);
        return err_set(e, ERR_RUNTIME, "out of memory sorting %zu rows", ci->n_rows);
    }
    for (size_t i = 0; i < ci->n_rows; i++) {
        const RowHead *r = ROW(ci, i);
        k[i] = (SortKey){r->seq, r->pos, r->layer, r->file, r->line, i};
    }
    qsort(k, ci->n_rows, sizeof *k, cmp_key);
    for (size_t i = 0; i < ci->n_rows; i++)
        ci->order[i] = k[i].index;
    free(k);
    return 0;
}

#define AT(r) ci->files[(r)->file], (long)(r)->line

/* Row i of the sorted order against the one before it (prev, or NULL at
 * the start): the next layer, the next position or a new sequence. */
static int check_step(const CsvImport *ci, const RowHead *prev, const RowHead *r, int L, Err *e)
{
    int new_seq = !prev || r->seq != prev->seq;
    int new_pos = new_seq || r->pos != prev->pos;
    if (!new_pos && r->layer == prev->layer)
        return err_set(e, ERR_INPUT, "%s:%ld:layer: duplicate row for seq %lld pos %lld layer "
                       "%d (first at %s:%ld)", AT(r), (long long)r->seq, (long long)r->pos,
                       r->layer, AT(prev));
    if (prev && new_pos && prev->layer != L - 1)
        return err_set(e, ERR_INPUT, "%s:%ld:layer: seq %lld pos %lld has no row for layer %d "
                       "(L = %d)", AT(prev), (long long)prev->seq, (long long)prev->pos,
                       prev->layer + 1, L);
    int want_layer = new_pos ? 0 : prev->layer + 1;
    if (r->layer != want_layer)
        return err_set(e, ERR_INPUT, "%s:%ld:layer: seq %lld pos %lld has no row for layer %d "
                       "(L = %d)", AT(r), (long long)r->seq, (long long)r->pos, want_layer, L);
    int64_t want_pos = new_seq ? 0 : prev->pos + (new_pos ? 1 : 0);
    if (r->pos != want_pos)
        return err_set(e, ERR_INPUT, "%s:%ld:pos: seq %lld has no position %lld (positions "
                       "must be 0..T-1 without gaps)", AT(r), (long long)r->seq,
                       (long long)want_pos);
    if (!new_pos && r->token != prev->token)
        return err_set(e, ERR_INPUT, "%s:%ld:token: token id %ld differs from %ld for the same "
                       "seq %lld pos %lld (%s:%ld)", AT(r), (long)r->token, (long)prev->token,
                       (long long)r->seq, (long long)r->pos, AT(prev));
    return 0;
}

int csvimp_finish(CsvImport *ci, HiddenPoint point, TraceHeader *h, Err *e)
{
    if (ci->n_rows == 0)
        return err_set(e, ERR_INPUT, "%s:2: no data rows after the header",
                       ci->n_files ? ci->files[0] : "(no files)");
    int rc = sort_rows(ci, e);
    if (rc)
        return rc;
    const int L = ci->max_layer + 1;
    const RowHead *prev = NULL;
    for (size_t i = 0; i < ci->n_rows && !rc; i++) {
        const RowHead *r = ROW(ci, ci->order[i]);
        rc = check_step(ci, prev, r, L, e);
        prev = r;
    }
    if (!rc && prev && prev->layer != L - 1)
        rc = err_set(e, ERR_INPUT, "%s:%ld:layer: seq %lld pos %lld has no row for layer %d "
                     "(L = %d)", AT(prev), (long long)prev->seq, (long long)prev->pos,
                     prev->layer + 1, L);
    if (rc)
        return rc;
    *h = (TraceHeader){ci->E, ci->K, L, ci->D, point, DTYPE_F32, ci->has_weights,
                       ci->has_tokens};
    return 0;
}

/* Sequence arrays, grown to the longest sequence. */
typedef struct SeqBuf {
    int32_t *tokens;
    uint16_t *experts;
    float *weights, *hidden;
    size_t cap_tokens;
} SeqBuf;

static int seqbuf_fit(SeqBuf *b, const TraceHeader *h, size_t T)
{
    if (T <= b->cap_tokens)
        return 0;
    size_t rows = T * (size_t)h->L;
    free(b->tokens);
    free(b->experts);
    free(b->weights);
    free(b->hidden);
    b->tokens = malloc(T * sizeof *b->tokens);
    b->experts = malloc(rows * (size_t)h->K * sizeof *b->experts);
    b->weights = malloc(rows * (size_t)h->K * sizeof *b->weights);
    b->hidden = malloc(rows * (size_t)h->D * sizeof *b->hidden + 1);
    b->cap_tokens = T;
    return b->tokens && b->experts && b->weights && b->hidden ? 0 : -1;
}

/* Sorted rows [a, a + T*L) hold one sequence in [T][L] order. */
static int add_sequence(CsvImport *ci, TraceWriter *w, const TraceHeader *h, SeqBuf *b,
                        size_t a, size_t T, Err *e)
{
    const size_t K = (size_t)h->K, D = (size_t)h->D, L = (size_t)h->L;
    if (seqbuf_fit(b, h, T))
        return err_set(e, ERR_RUNTIME, "out of memory for a sequence of %zu tokens", T);
    for (size_t j = 0; j < T * L; j++) {
        RowHead *r = ROW(ci, ci->order[a + j]);
        if (j % L == 0)
            b->tokens[j / L] = r->token;
        memcpy(b->experts + j * K, ROW_IDS(ci, r), K * sizeof *b->experts);
        if (h->has_weights)
            memcpy(b->weights + j * K, ROW_W(ci, r), K * sizeof *b->weights);
        memcpy(b->hidden + j * D, ROW_H(ci, r), D * sizeof *b->hidden);
    }
    TraceSeq s = {(int)T, b->tokens, b->experts, h->has_weights ? b->weights : NULL, b->hidden};
    return tracewriter_add_seq(w, &s, e);
}

void csvimp_set_extras(CsvImport *ci, const char *router_path, uint64_t expert_bytes)
{
    ci->router_path = router_path;
    ci->expert_bytes = expert_bytes;
}

/* The router file, checked against the set's shape, goes in first. */
static int add_router(CsvImport *ci, TraceWriter *w, Err *e)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    tracewriter_set_expert_bytes(w, ci->expert_bytes);
    if (!ci->router_path)
        return 0;
    int rc = router_file_read(ci->router_path, &buf, &len, e);
    if (!rc)
        rc = tracewriter_set_router(w, buf, len, ci->router_path, e);
    free(buf);
    return rc;
}

int csvimp_write(CsvImport *ci, HiddenPoint point, const char *dir, Err *e)
{
    TraceHeader h;
    int rc = csvimp_finish(ci, point, &h, e);
    TraceWriter *w = NULL;
    if (!rc)
        rc = tracewriter_open(dir, &h, 0, &w, e);
    if (rc)
        return rc;
    if ((rc = add_router(ci, w, e))) {
        tracewriter_abort(w);
        return rc;
    }
    SeqBuf b = {0};
    size_t a = 0;
    while (!rc && a < ci->n_rows) {
        const RowHead *first = ROW(ci, ci->order[a]);
        size_t end = a;
        while (end < ci->n_rows && ROW(ci, ci->order[end])->seq == first->seq)
            end++;
        rc = add_sequence(ci, w, &h, &b, a, (end - a) / (size_t)h.L, e);
        a = end;
    }
    free(b.tokens);
    free(b.experts);
    free(b.weights);
    free(b.hidden);
    if (rc) {
        tracewriter_abort(w);
        return rc;
    }
    return tracewriter_commit(w, e);
}

int csv_import(const char *const *files, int nfiles, int E, HiddenPoint point,
               const char *dir, Err *e)
{
    CsvImport *ci;
    int rc = csvimp_new(E, &ci, e);
    for (int i = 0; !rc && i < nfiles; i++)
        rc = csvimp_feed_file(ci, files[i], e);
    if (!rc)
        rc = csvimp_write(ci, point, dir, e);
    csvimp_free(ci);
    return rc;
}
