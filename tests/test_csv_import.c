/*
 * test_csv_import.c: `moespec import` semantics (src/data/csv_import.c,
 * csv_rows.c; SPEC 4.2): a valid import reads back exactly; every error
 * class is ERR_INPUT (exit 3) naming FILE:LINE:COLUMN, and leaves nothing.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

#include "data/csv_import.h"
#include "data/traceset.h"
#include "traceset_ref.h"

#define HEAD "seq,pos,layer,token,e0,e1,w0,w1,h0,h1\n"

typedef struct Case {
    char tmp[4096];
    char file[4200], file2[4200], out[4200];
    Err e;
} Case;

static void case_init(Case *c, const char *tag)
{
    memset(c, 0, sizeof *c);
    snprintf(c->tmp, sizeof c->tmp, "%s", test_tmpdir(tag));
    snprintf(c->file, sizeof c->file, "%s/a.csv", c->tmp);
    snprintf(c->file2, sizeof c->file2, "%s/b.csv", c->tmp);
    snprintf(c->out, sizeof c->out, "%s/out", c->tmp);
}

/* Imports text as a.csv (and text2 as b.csv when given) with E experts. */
static int run_import(Case *c, const char *text, const char *text2, int E)
{
    spit(c->file, text, strlen(text));
    const char *files[2] = {c->file, c->file2};
    if (text2)
        spit(c->file2, text2, strlen(text2));
    return csv_import(files, text2 ? 2 : 1, E, HIDDEN_ROUTER_INPUT, c->out, &c->e);
}

/* Asserts the import fails with exit 3, a message containing want, and no output. */
static void expect_error(const char *tag, const char *text, const char *text2, int E,
                         const char *want)
{
    Case c;
    case_init(&c, tag);
    int rc = run_import(&c, text, text2, E);
    if (rc != ERR_INPUT || !strstr(c.e.msg, want))
        print_error("want '%s'\n got %d '%s'\n", want, rc, c.e.msg);
    assert_int_equal(rc, ERR_INPUT);
    assert_non_null(strstr(c.e.msg, want));
    assert_int_equal(count_entries(c.tmp), text2 ? 2 : 1); /* the inputs only */
    rm_rf(c.tmp);
}

/* Ensure that a valid file, rows shuffled and columns reordered, reads back exactly. */
static void test_import_round_trip(void **state)
{
    (void)state;
    const char *text =
        "h1,e1,layer,pos,seq,e0,w1,w0,token,h0\r\n"
        "2,2,1,0,7,3,0.3,0.7,5,-0.5\r\n"
        "1e-3,2,0,0,7,1,0.4,0.6,5,0.5\r\n"
        "4,0,1,1,7,1,0.5,0.5,8,3.25\r\n"
        "\r\n"
        "\"4\",\"1\",0,1,7,0,0.5,0.5,8,3\r\n"
        "0,3,0,0,-2,2,0.1,0.9,11,0\r\n"
        "0,2,1,0,-2,1,0.2,0.8,11,0";
    Case c;
    case_init(&c, "csv-ok");
    assert_int_equal(run_import(&c, text, NULL, 4), 0);
    TraceSet *ts;
    assert_int_equal(traceset_open(c.out, 0, &ts, &c.e), 0);
    const TraceHeader *h = traceset_header(ts);
    TraceHeader want = {4, 2, 2, 2, HIDDEN_ROUTER_INPUT, DTYPE_F32, 1, 1};
    assert_memory_equal(h, &want, sizeof want);
    assert_int_equal(traceset_n_seqs(ts), 2);
    assert_int_equal(traceset_load_group(ts, 0, &c.e), 0);
    TraceSeqView v;
    /* sequences in increasing seq id: -2 (one token), then 7 (two tokens) */
    assert_int_equal(traceset_seq(ts, 0, &v, &c.e), 0);
    assert_int_equal(v.T, 1);
    assert_int_equal(v.tokens[0], 11);
    uint16_t ids0[4] = {2, 3, 1, 2};
    assert_memory_equal(v.experts, ids0, sizeof ids0);
    assert_int_equal(traceset_seq(ts, 1, &v, &c.e), 0);
    assert_int_equal(v.T, 2);
    int32_t tok[2] = {5, 8};
    uint16_t ids1[8] = {1, 2, 3, 2, 0, 1, 1, 0};
    float w1[8] = {0.6f, 0.4f, 0.7f, 0.3f, 0.5f, 0.5f, 0.5f, 0.5f};
    float h1[8] = {0.5f, 1e-3f, -0.5f, 2.0f, 3.0f, 4.0f, 3.25f, 4.0f};
    assert_memory_equal(v.tokens, tok, sizeof tok);
    assert_memory_equal(v.experts, ids1, sizeof ids1);
    assert_close(v.weights, w1, 8, 0.0, 0.0);
    assert_close((const float *)v.hidden, h1, 8, 0.0, 0.0);
    traceset_close(ts);
    rm_rf(c.tmp);
}

/* Ensure that several files are one set, and a set without token, weights or hidden imports. */
static void test_import_two_files_minimal(void **state)
{
    (void)state;
    Case c;
    case_init(&c, "csv-two");
    assert_int_equal(run_import(&c, "seq,pos,layer,e0\n0,0,0,59\n0,1,0,3\n",
                                "layer,e0,pos,seq\n0,7,0,1\n", 60), 0);
    TraceSet *ts;
    assert_int_equal(traceset_open(c.out, 0, &ts, &c.e), 0);
    const TraceHeader *h = traceset_header(ts);
    assert_true(h->K == 1 && h->L == 1 && h->D == 0 && !h->has_tokens && !h->has_weights);
    assert_int_equal(traceset_n_seqs(ts), 2);
    assert_int_equal(traceset_n_tokens(ts), 3);
    assert_int_equal(traceset_load_group(ts, 0, &c.e), 0);
    TraceSeqView v;
    assert_int_equal(traceset_seq(ts, 0, &v, &c.e), 0);
    assert_true(v.tokens[0] == -1 && v.tokens[1] == -1 && v.experts[0] == 59);
    assert_null(v.weights);
    assert_null(v.hidden);
    traceset_close(ts);
    rm_rf(c.tmp);
}

/* Ensure that a missing required column is named (seq, pos, layer, e_k). */
static void test_error_missing_column(void **state)
{
    (void)state;
    expect_error("csv-mc1", "seq,layer,e0\n0,0,1\n", NULL, 4, "a.csv:1:pos: missing required column");
    expect_error("csv-mc2", "seq,pos,layer\n0,0,0\n", NULL, 4, "a.csv:1:e0: missing required column");
    expect_error("csv-mc3", "seq,pos,layer,e0,e2\n0,0,0,1,2\n", NULL, 4,
                 "a.csv:1:e1: missing required column");
    expect_error("csv-mc4", "seq,pos,layer,e0,e1,w0\n0,0,0,1,2,1\n", NULL, 4, "a.csv:1:w1: missing column");
    expect_error("csv-mc5", "seq,pos,layer,e0,h1\n0,0,0,1,2\n", NULL, 4, "a.csv:1:h0: missing column");
    expect_error("csv-mc6", "seq,pos,layer,e0,bogus\n0,0,0,1,2\n", NULL, 4,
                 "a.csv:1:column 5: unknown column 'bogus'");
    expect_error("csv-mc7", "seq,pos,layer,e0,pos\n0,0,0,1,2\n", NULL, 4,
                 "a.csv:1:pos: column appears twice (columns 2 and 5)");
    expect_error("csv-mc8", "seq,pos,layer,e0,e1\n0,0,0,1,2\n", NULL, 1,
                 "a.csv:1:e1: 2 expert columns (K) but only 1 experts");
    expect_error("csv-mc9", "", NULL, 4, "a.csv:1: empty file: a header row is required");
    expect_error("csv-mc10", "seq,pos,layer,e0\n", NULL, 4, "a.csv:2: no data rows");
    expect_error("csv-mc11", "seq,pos,layer,e0\n0,0,0,1\n", "seq,pos,layer,e0,token\n1,0,0,1,3\n",
                 4, "b.csv:1: columns differ from");
}

/* Ensure that a record with too few or too many cells is named by its first line. */
static void test_error_cell_count(void **state)
{
    (void)state;
    expect_error("csv-cc1", HEAD "0,0,0,1,1,2,0.5,0.5,1,2\n0,0,1,1,1,2,0.5,0.5,1\n", NULL, 4,
                 "a.csv:3:h1: missing cell: the record has 9 cells, the header has 10");
    expect_error("csv-cc2", HEAD "0,0,0,1,1,2,0.5,0.5,1,2,7\n", NULL, 4,
                 "a.csv:2:column 11: too many cells: the header has 10 columns");
    /* a quoted cell spanning lines 2-3: the next record is line 4 */
    expect_error("csv-cc3", "seq,pos,layer,token,e0,e1\n0,0,0,\"1\n\",2,3\n0,1,0,5,2\n", NULL, 4,
                 "a.csv:2:token: '1?' is not an integer");
    expect_error("csv-cc4", "seq,pos,layer,e0,e1\n\"0\n\n\",0,0,1,2\n0,1,0,1\n", NULL, 4,
                 "a.csv:2:seq: '0?\?' is not an integer");
}

/* Ensure that a later record after a multi-line quoted one gets its own first line. */
static void test_error_line_after_quoted(void **state)
{
    (void)state;
    expect_error("csv-lq", "seq,pos,layer,e0,e1\r\n0,0,0,\"1\r\n\",2\r\n", NULL, 4,
                 "a.csv:2:e0: '1?\?' is not an integer");
    expect_error("csv-lq2", "seq,pos,layer,e0,e1,h0\n0,0,0,1,2,\"1\n\"\n", NULL, 4,
                 "a.csv:2:h0: '1?' is not a number");
    expect_error("csv-lq3", "seq,pos,layer,e0,e1\n\"0\",\"0\",\"0\",\"1\",\"2\"\n\"0\",\"1\",\"0\",\"1\",\"1\"\n",
                 NULL, 4, "a.csv:3:e1: expert id 1 repeated (also in e0)");
    expect_error("csv-lq4", "seq,pos,layer,e0,e1\n0,0,0,\"1\",2\n\n\n0,1,0,1,9\n", NULL, 4,
                 "a.csv:5:e1: expert id 9 out of range [0, 4)");
    expect_error("csv-lq5", "seq,pos,\"lay\ner\",e0,e1\n0,0,0,1,2\n0,1,0,1,9\n", NULL, 4,
                 "a.csv:1:column 3: unknown column 'lay?er'");
    expect_error("csv-lq6", "seq,pos,\"layer\",e0,e1\n0,0,\"0\"\"\",1,2\n", NULL, 4,
                 "a.csv:2:layer: '0\"' is not an integer");
}

/* Ensure that non-numbers are refused per column type (integers for ids). */
static void test_error_non_number(void **state)
{
    (void)state;
    expect_error("csv-nn1", HEAD "0,x,0,1,1,2,0.5,0.5,1,2\n", NULL, 4, "a.csv:2:pos: 'x' is not an integer");
    expect_error("csv-nn2", HEAD "0,0,0,1,1.0,2,0.5,0.5,1,2\n", NULL, 4,
                 "a.csv:2:e0: '1.0' is not an integer");
    expect_error("csv-nn3", HEAD "0,0,0,1,1,2,0.5,,1,2\n", NULL, 4, "a.csv:2:w1: '' is not a number");
    expect_error("csv-nn4", HEAD "0,0,0,1,1,2,0.5,0.5,1,2x\n", NULL, 4, "a.csv:2:h1: '2x' is not a number");
    expect_error("csv-nn5", HEAD "0,0,0,-2,1,2,0.5,0.5,1,2\n", NULL, 4,
                 "a.csv:2:token: token id -2 out of range [-1, 2147483647]");
    expect_error("csv-nn6", HEAD "0,0,-1,1,1,2,0.5,0.5,1,2\n", NULL, 4,
                 "a.csv:2:layer: layer -1 out of range [0, 65534]");
    expect_error("csv-nn7", HEAD "99999999999999999999,0,0,1,1,2,0.5,0.5,1,2\n", NULL, 4,
                 "a.csv:2:seq: '99999999999999999999' is not an integer");
}

/* Ensure that expert ids outside [0, E) and repeated ids in a row are refused. */
static void test_error_expert_ids(void **state)
{
    (void)state;
    expect_error("csv-id1", "seq,pos,layer,e0,e1,e2\n0,0,0,1,2,3\n0,1,0,1,2,61\n", NULL, 60,
                 "a.csv:3:e2: expert id 61 out of range [0, 60)");
    expect_error("csv-id2", "seq,pos,layer,e0,e1,e2\n0,0,0,1,-1,3\n", NULL, 60,
                 "a.csv:2:e1: expert id -1 out of range [0, 60)");
    expect_error("csv-id3", "seq,pos,layer,e0,e1,e2\n0,0,0,7,2,7\n", NULL, 60,
                 "a.csv:2:e2: expert id 7 repeated (also in e0)");
}

/* Ensure that NaN and Inf (also by overflow) are refused in weights and hidden states. */
static void test_error_nan_inf(void **state)
{
    (void)state;
    expect_error("csv-nan1", HEAD "0,0,0,1,1,2,nan,0.5,1,2\n", NULL, 4, "a.csv:2:w0: 'nan' is NaN or Inf");
    expect_error("csv-nan2", HEAD "0,0,0,1,1,2,0.5,0.5,-inf,2\n", NULL, 4, "a.csv:2:h0: '-inf' is NaN or Inf");
    expect_error("csv-nan3", HEAD "0,0,0,1,1,2,0.5,0.5,1,1e999\n", NULL, 4, "a.csv:2:h1: '1e999' is NaN or Inf");
    expect_error("csv-nan4", HEAD "0,0,0,1,1,2,0.5,0.5,1,-1e39\n", NULL, 4,
                 "a.csv:2:h1: '-1e39' is NaN or Inf as a 32-bit float");
}

/* Ensure that a repeated (seq, pos, layer) is named with both places, across files too. */
static void test_error_duplicate_row(void **state)
{
    (void)state;
    expect_error("csv-dup1", "seq,pos,layer,e0\n0,0,0,1\n0,0,1,1\n0,0,0,2\n", NULL, 4,
                 "a.csv:4:layer: duplicate row for seq 0 pos 0 layer 0 (first at ");
    expect_error("csv-dup2", "seq,pos,layer,e0\n0,0,0,1\n", "e0,seq,layer,pos\n\n3,0,0,0\n", 4,
                 "b.csv:3:layer: duplicate row for seq 0 pos 0 layer 0 (first at ");
}

/* Ensure that missing layers and positions are named. */
static void test_error_missing_layer_or_position(void **state)
{
    (void)state;
    expect_error("csv-ml1", "seq,pos,layer,e0\n0,0,0,1\n0,0,2,1\n0,0,1,1\n5,0,0,1\n5,0,2,1\n", NULL, 4,
                 "a.csv:6:layer: seq 5 pos 0 has no row for layer 1 (L = 3)");
    expect_error("csv-ml2", "seq,pos,layer,e0\n0,0,0,1\n0,0,1,1\n3,0,0,1\n", NULL, 4,
                 "a.csv:4:layer: seq 3 pos 0 has no row for layer 1 (L = 2)");
    expect_error("csv-ml3", "seq,pos,layer,e0\n3,0,1,1\n3,0,0,1\n3,1,1,1\n", NULL, 4,
                 "a.csv:4:layer: seq 3 pos 1 has no row for layer 0 (L = 2)");
    expect_error("csv-mp1", "seq,pos,layer,e0\n0,0,0,1\n0,2,0,1\n", NULL, 4,
                 "a.csv:3:pos: seq 0 has no position 1 (positions must be 0..T-1");
    expect_error("csv-mp2", "seq,pos,layer,e0\n0,1,0,1\n0,2,0,1\n", NULL, 4,
                 "a.csv:2:pos: seq 0 has no position 0");
    expect_error("csv-tok", "seq,pos,layer,token,e0\n0,0,0,4,1\n0,0,1,5,1\n", NULL, 4,
                 "a.csv:3:token: token id 5 differs from 4 for the same seq 0 pos 0");
}

/* Ensure that malformed CSV (a stray quote) and a missing file are input errors. */
static void test_error_malformed_and_missing_file(void **state)
{
    (void)state;
    expect_error("csv-mf1", "seq,pos,layer,e0\n0,0,0,1\n0,1,0,\"1\"x\n", NULL, 4,
                 "a.csv:3:e0: malformed CSV");
    expect_error("csv-mf2", "seq,pos,layer,e0\n0,0,0,\"1\n", NULL, 4,
                 "unterminated quoted cell (the record starts on line 2)");
    Case c;
    case_init(&c, "csv-nofile");
    const char *files[1] = {c.file};
    assert_int_equal(csv_import(files, 1, 4, HIDDEN_UNKNOWN, c.out, &c.e), ERR_INPUT);
    assert_non_null(strstr(c.e.msg, "a.csv: No such file"));
    rm_rf(c.tmp);
}

/* A string of n copies of c (heap). */
static char *repeat_char(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Ensure that input with no end in sight stops at the caps, naming them:
 * one cell of 10 MB (data and header), a record of over 32 MiB of short
 * cells, a header cell holding a NUL. */
static void test_error_caps(void **state)
{
    (void)state;
    char *big = repeat_char('7', 10u << 20);
    size_t n = strlen(big) + 64;
    char *text = malloc(n);
    snprintf(text, n, "seq,pos,layer,e0\n0,0,0,%s\n", big);
    expect_error("csv-cap1", text, NULL, 4, "a.csv:2:e0: a cell longer than 4096 bytes (the limit)");
    snprintf(text, n, "seq,pos,%s\n", big);
    expect_error("csv-cap2", text, NULL, 4, "a.csv:1:column 3: a cell longer than 4096 bytes");
    /* the limit is exact: 4096 bytes pass (plain and quoted), 4097 do not */
    for (int q = 0; q < 2; q++) {
        char cell[4200];
        memset(cell, '0', 4095);
        cell[4095] = '1';
        cell[4096] = '\0';
        snprintf(text, n, "seq,pos,layer,e0\n0,0,0,%s%s%s\n", q ? "\"" : "", cell, q ? "\"" : "");
        CsvImport *ci = NULL;
        Err e = {0};
        assert_int_equal(csvimp_new(4, &ci, &e), 0);
        assert_int_equal(csvimp_feed_buffer(ci, "a.csv", text, strlen(text), &e), 0);
        csvimp_free(ci);
        memmove(cell + 1, cell, 4097); /* 4097 bytes */
        snprintf(text, n, "seq,pos,layer,e0\n0,0,0,%s%s%s\n", q ? "\"" : "", cell, q ? "\"" : "");
        assert_int_equal(csvimp_new(4, &ci, &e), 0);
        assert_int_equal(csvimp_feed_buffer(ci, "a.csv", text, strlen(text), &e), ERR_INPUT);
        assert_non_null(strstr(e.msg, "a.csv:2:e0: a cell longer than 4096 bytes"));
        csvimp_free(ci);
    }
    free(text);
    free(big);
    /* a data line of many cells stops at "too many cells" first, so the
     * record cap is shown with a header that is itself endless: 40 MiB */
    size_t rec = (40u << 20);
    char *wide = malloc(rec + 64);
    size_t w = (size_t)snprintf(wide, 64, "seq,pos,layer,e0");
    for (; w + 4 < rec; w += 3)
        memcpy(wide + w, ",h1", 3); /* repeats would be an error only at the record's end */
    memcpy(wide + w, "\n", 2);
    expect_error("csv-cap3", wide, NULL, 4, "a.csv:1: a record longer than 32 MiB (the limit)");
    free(wide);
    Case c;
    case_init(&c, "csv-nul");
    static const char nul_head[] = "seq,pos,layer,e0\0x\n0,0,0,1\n";
    spit(c.file, nul_head, sizeof nul_head - 1);
    const char *files[1] = {c.file};
    assert_int_equal(csv_import(files, 1, 4, HIDDEN_UNKNOWN, c.out, &c.e), ERR_INPUT);
    assert_non_null(strstr(c.e.msg, "a.csv:1:column 4: unknown column 'e0?x'"));
    rm_rf(c.tmp);
}

/* Ensure that a header of 10^6 columns (h0..h999995) is read and checked,
 * repeats and gaps found by name (the check sorts once: the old pairwise
 * search took seconds at 10^5 columns). */
static void test_wide_header(void **state)
{
    (void)state;
    enum { D = 1000000 - 4 };
    size_t cap = (size_t)D * 9 + 64;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap, "seq,pos,layer,e0");
    for (int d = 0; d < D; d++)
        n += (size_t)snprintf(text + n, cap - n, ",h%d", d);
    text[n++] = '\n';
    CsvImport *ci = NULL;
    Err e = {0};
    assert_int_equal(csvimp_new(4, &ci, &e), 0);
    assert_int_equal(csvimp_feed_buffer(ci, "wide.csv", text, n, &e), 0);
    csvimp_free(ci);
    /* the same header with h500000 spelled h7 at its place: a repeat, and
     * the gap it leaves */
    char *at = strstr(text, ",h500000,");
    assert_non_null(at);
    memcpy(at, ",h7     ", 8);
    memmove(at + 3, at + 8, n - (size_t)(at + 8 - text));
    n -= 5;
    assert_int_equal(csvimp_new(4, &ci, &e), 0);
    assert_int_equal(csvimp_feed_buffer(ci, "wide.csv", text, n, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "wide.csv:1:h7: column appears twice (columns 12 and 500005)"));
    csvimp_free(ci);
    free(text);
}

/* A file just over 1 MiB whose line ends (eol) put a CR as the last byte of
 * the first 1 MiB read chunk, ending in a bad row; checks its line number. */
static void expect_line_across_chunks(const char *eol)
{
    const size_t chunk = (size_t)1 << 20, cap = chunk + chunk / 4;
    char *text = malloc(cap + 64);
    size_t n = (size_t)snprintf(text, cap, "seq,pos,layer,e0,e1%s", eol);
    size_t row_start = n, pos = 0;
    while (n < chunk + 1000)
        n += (size_t)snprintf(text + n, cap - n, "0,%zu,0,1,2%s", pos++, eol);
    /* zero padding of the first seq shifts a CR to the chunk's last byte */
    size_t cr = chunk - 1;
    while (text[cr] != '\r')
        cr--;
    size_t pad = chunk - 1 - cr;
    memmove(text + row_start + pad, text + row_start, n - row_start);
    memset(text + row_start, '0', pad);
    n += pad;
    assert_true(text[chunk - 1] == '\r');
    n += (size_t)snprintf(text + n, cap + 64 - n, "0,%zu,0,1,9%s", pos++, eol);
    char want[100];
    snprintf(want, sizeof want, "a.csv:%zu:e1: expert id 9 out of range [0, 4)", pos + 1);
    expect_error("csv-chunk", text, NULL, 4, want);
    free(text);
}

/* Ensure that line numbers stay right when a CR (CRLF or lone CR) ends a 1 MiB read chunk. */
static void test_line_numbers_across_chunks(void **state)
{
    (void)state;
    expect_line_across_chunks("\r\n");
    expect_line_across_chunks("\r");
}

/* Ensure that an existing non-empty output directory is refused (exit 1), input untouched. */
static void test_output_exists(void **state)
{
    (void)state;
    Case c;
    case_init(&c, "csv-out");
    assert_int_equal(mkdir(c.out, 0755), 0);
    spit(path_in(c.out, "keep"), "k", 1);
    assert_int_equal(run_import(&c, "seq,pos,layer,e0\n0,0,0,1\n", NULL, 4), ERR_RUNTIME);
    assert_non_null(strstr(c.e.msg, "not empty"));
    assert_int_equal(count_entries(c.out), 1);
    rm_rf(c.tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_round_trip),
        cmocka_unit_test(test_import_two_files_minimal),
        cmocka_unit_test(test_error_missing_column),
        cmocka_unit_test(test_error_cell_count),
        cmocka_unit_test(test_error_line_after_quoted),
        cmocka_unit_test(test_error_non_number),
        cmocka_unit_test(test_error_expert_ids),
        cmocka_unit_test(test_error_nan_inf),
        cmocka_unit_test(test_error_duplicate_row),
        cmocka_unit_test(test_error_missing_layer_or_position),
        cmocka_unit_test(test_error_malformed_and_missing_file),
        cmocka_unit_test(test_line_numbers_across_chunks),
        cmocka_unit_test(test_error_caps),
        cmocka_unit_test(test_wide_header),
        cmocka_unit_test(test_output_exists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
