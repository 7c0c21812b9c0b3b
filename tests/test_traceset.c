/*
 * test_traceset.c: the trace-set format (src/data/traceset*.c, shard*.c,
 * manifest.c, f16.c, checksum.c): f16 conversion, the checksum, write ->
 * read round trips in f16 and f32, groups, and atomic writing. Corruption
 * classes are in test_traceset_corrupt.c.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

#include "data/checksum.h"
#include "data/manifest.h"
#include "data/traceset.h"
#include "traceset_ref.h"

static const TraceHeader H_F32 = {12, 3, 4, 5, HIDDEN_ROUTER_INPUT, DTYPE_F32, 1, 1};

/* Ensure that every finite f16 survives f16 -> f32 -> f16 and Inf/NaN keep their class. */
static void test_f16_round_trip_all(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = f16_to_f32((uint16_t)h);
        uint16_t back = f32_to_f16(f);
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu)) {
            assert_true(isnan(f) && (back & 0x7c00u) == 0x7c00u && (back & 0x3ffu));
            continue;
        }
        assert_int_equal(back, h);
        /* the value itself, from the definition of binary16 */
        int ex = (int)(h >> 10 & 0x1f), m = (int)(h & 0x3ff);
        double want = ex == 0x1f ? (double)INFINITY : ex == 0 ? ldexp(m, -24) : ldexp(1024 + m, ex - 25);
        assert_true((double)f == (h & 0x8000u ? -want : want));
    }
    assert_true(f16_to_f32(0x3c00) == 1.0f && f16_to_f32(0xc000) == -2.0f);
    assert_true(isinf(f16_to_f32(0x7c00)) && f16_to_f32(0xfc00) < 0.0f);
    assert_true(f16_to_f32(0x8000) == 0.0f && signbit(f16_to_f32(0x8000)));
    /* the bulk conversion agrees bit for bit with the scalar one on every input */
    uint16_t *all = malloc(65536 * sizeof *all);
    float *got = malloc(65536 * sizeof *got);
    for (uint32_t h = 0; h < 65536; h++)
        all[h] = (uint16_t)h;
    f16_to_f32_n(all + 3, got + 3, 65533); /* an unaligned start and a tail */
    for (uint32_t h = 3; h < 65536; h++) {
        float one = f16_to_f32((uint16_t)h);
        assert_memory_equal(&got[h], &one, sizeof one);
    }
    free(all);
    free(got);
    assert_true(f16_to_f32(0x0001) == 0x1p-24f && f16_to_f32(0x7bff) == 65504.0f);
}

/* Ensure that f32 -> f16 rounds to nearest even and overflows to Inf. */
static void test_f16_rounding(void **state)
{
    (void)state;
    assert_int_equal(f32_to_f16(1.0f + 0x1p-11f), 0x3c00);       /* tie -> even (down) */
    assert_int_equal(f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);   /* tie -> even (up) */
    assert_int_equal(f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    assert_int_equal(f32_to_f16(65519.0f), 0x7bff);
    assert_int_equal(f32_to_f16(65520.0f), 0x7c00);
    assert_int_equal(f32_to_f16(-1e10f), 0xfc00);
    assert_int_equal(f32_to_f16(0x1p-25f), 0x0000);               /* tie -> even zero */
    assert_int_equal(f32_to_f16(0x1.8p-25f), 0x0001);
    assert_int_equal(f32_to_f16(0x1p-14f), 0x0400);               /* smallest normal */
    uint16_t in[5] = {0x3c00, 0x0001, 0xfbff, 0x8000, 0x3555}, *p = in;
    float out[5];
    f16_to_f32_n(p, out, 5);
    for (int i = 0; i < 5; i++)
        assert_true(out[i] == f16_to_f32(in[i]));
}

/* Ensure that the checksum does not depend on how the input is split and sees one flipped bit. */
static void test_checksum_streaming(void **state)
{
    (void)state;
    unsigned char buf[1000];
    uint64_t seed = 7;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)rng_next(&seed);
    uint64_t whole = tracehash(buf, sizeof buf);
    for (int trial = 0; trial < 50; trial++) {
        TraceHash st;
        tracehash_init(&st);
        size_t pos = 0;
        while (pos < sizeof buf) {
            size_t n = 1 + (size_t)(rng_next(&seed) % 70);
            if (n > sizeof buf - pos)
                n = sizeof buf - pos;
            tracehash_update(&st, buf + pos, n);
            pos += n;
        }
        assert_true(tracehash_final(&st) == whole);
    }
    for (size_t bit = 0; bit < 8 * sizeof buf; bit += 37) {
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        assert_true(tracehash(buf, sizeof buf) != whole);
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    assert_true(tracehash(buf, 999) != whole);
}

/* Ensure that an f32 set with weights and tokens reads back bit for bit, over several shards. */
static void test_round_trip_f32(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-f32");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    RefSet *r = ref_make(H_F32, 40, 9, 1);
    Err e = {0};
    assert_int_equal(ref_write(r, dir, 2048, &e), 0);
    TraceSet *ts;
    assert_int_equal(traceset_open(dir, 0, &ts, &e), 0);
    assert_true(traceset_n_shards(ts) > 3);
    assert_int_equal(traceset_n_groups(ts), 1);
    traceset_close(ts);
    ref_check(r, dir, 0);
    ref_check(r, dir, 1);
    ref_check(r, dir, 3);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that an f16 set reads back as the f16 rounding of what was written. */
static void test_round_trip_f16(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-f16");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    TraceHeader h = {60, 4, 6, 33, HIDDEN_LAYER_INPUT, DTYPE_F16, 1, 1};
    RefSet *r = ref_make(h, 25, 17, 2);
    Err e = {0};
    assert_int_equal(ref_write(r, dir, 16384, &e), 0);
    ref_check(r, dir, 2);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that a routing-only set (D = 0, no weights, no token ids) round-trips with -1 tokens. */
static void test_round_trip_routing_only(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-d0");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    TraceHeader h = {65535, 8, 2, 0, HIDDEN_UNKNOWN, DTYPE_F32, 0, 0};
    RefSet *r = ref_make(h, 10, 30, 3);
    Err e = {0};
    assert_int_equal(ref_write(r, dir, 0, &e), 0);
    ref_check(r, dir, 0);
    TraceSet *ts;
    assert_int_equal(traceset_open(dir, 0, &ts, &e), 0);
    assert_int_equal(traceset_n_shards(ts), 1);
    traceset_close(ts);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that only the resident group's sequences are readable, and groups cover the set. */
static void test_groups_bound_residency(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-groups");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    RefSet *r = ref_make(H_F32, 30, 5, 4);
    Err e = {0};
    assert_int_equal(ref_write(r, dir, 1024, &e), 0);
    TraceSet *ts;
    assert_int_equal(traceset_open(dir, 2, &ts, &e), 0);
    int ng = traceset_n_groups(ts);
    assert_int_equal(ng, (traceset_n_shards(ts) + 1) / 2);
    assert_true(ng >= 2);
    TraceSeqView v;
    assert_int_equal(traceset_seq(ts, 0, &v, &e), ERR_USAGE);
    assert_int_equal(traceset_load_group(ts, ng - 1, &e), 0);
    assert_int_equal(traceset_seq(ts, 0, &v, &e), ERR_USAGE);
    assert_int_equal(traceset_seq(ts, traceset_n_seqs(ts) - 1, &v, &e), 0);
    assert_int_equal(traceset_load_group(ts, 0, &e), 0);
    assert_int_equal(traceset_seq(ts, 0, &v, &e), 0);
    assert_int_equal(traceset_seq(ts, traceset_n_seqs(ts) - 1, &v, &e), ERR_USAGE);
    assert_int_equal(traceset_load_group(ts, ng, &e), ERR_USAGE);
    traceset_release(ts);
    assert_int_equal(traceset_seq(ts, 0, &v, &e), ERR_USAGE);
    int64_t tokens = 0;
    for (int s = 0; s < r->n; s++)
        tokens += r->T[s];
    assert_int_equal(traceset_n_tokens(ts), tokens);
    traceset_close(ts);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that a shard truncated while its group is mapped is an error
 * naming it, not a SIGBUS: the read past the new end sees zeros (the
 * guard's page), traceset_check_mapped and the next traceset_seq say
 * ERR_INPUT with the shard and the offset; a fresh load of the group then
 * fails on the size before mapping; an untouched group still reads. */
static void test_truncated_while_mapped(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-trunc");
    char dir[4200], shard[4300];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    RefSet *r = ref_make(H_F32, 30, 5, 4);
    Err e = {0};
    assert_int_equal(ref_write(r, dir, 8192, &e), 0);
    TraceSet *ts;
    assert_int_equal(traceset_open(dir, 1, &ts, &e), 0);
    assert_true(traceset_n_groups(ts) >= 2);
    assert_int_equal(traceset_load_group(ts, 0, &e), 0);
    int64_t first, count;
    traceset_group_range(ts, 0, &first, &count);
    TraceSeqView v;
    assert_int_equal(traceset_seq(ts, first + count - 1, &v, &e), 0);
    assert_int_equal(traceset_check_mapped(ts, &e), 0);
    snprintf(shard, sizeof shard, "%s/shard-0000.bin", dir);
    assert_int_equal(truncate(shard, 4096), 0);
    /* the last sequence's hidden state lies past 4096 bytes: a SIGBUS read */
    volatile float sum = 0;
    size_t n = (size_t)v.T * (size_t)H_F32.L * (size_t)H_F32.D;
    for (size_t i = 0; i < n; i++)
        sum += ((const float *)(const void *)v.hidden)[i];
    (void)sum;
    assert_int_equal(traceset_check_mapped(ts, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "shard-0000.bin:"));
    assert_non_null(strstr(e.msg, "changed while in use: 4096 bytes now"));
    assert_int_equal(traceset_seq(ts, first, &v, &e), ERR_INPUT);
    assert_int_equal(traceset_load_group(ts, 1, &e), ERR_INPUT); /* reported on the way out */
    assert_int_equal(traceset_load_group(ts, 1, &e), 0);
    traceset_group_range(ts, 1, &first, &count);
    assert_int_equal(traceset_seq(ts, first, &v, &e), 0);
    assert_int_equal(traceset_check_mapped(ts, &e), 0);
    assert_int_equal(traceset_load_group(ts, 0, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "shard-0000.bin:4096: 4096 bytes now"));
    traceset_close(ts);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that the fingerprint follows content: equal for equal sets, different otherwise. */
static void test_fingerprint(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-fp");
    char a[4200], b[4200], c[4200];
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    snprintf(c, sizeof c, "%s/c", tmp);
    RefSet *r = ref_make(H_F32, 5, 5, 5);
    Err e = {0};
    assert_int_equal(ref_write(r, a, 0, &e), 0);
    assert_int_equal(ref_write(r, b, 0, &e), 0);
    r->hidden[2][3] += 1.0f;
    assert_int_equal(ref_write(r, c, 0, &e), 0);
    TraceSet *ta, *tb, *tc;
    assert_int_equal(traceset_open(a, 0, &ta, &e), 0);
    assert_int_equal(traceset_open(b, 0, &tb, &e), 0);
    assert_int_equal(traceset_open(c, 0, &tc, &e), 0);
    assert_true(traceset_fingerprint(ta) == traceset_fingerprint(tb));
    assert_true(traceset_fingerprint(ta) != traceset_fingerprint(tc));
    assert_true(traceset_bytes(ta) > 0 && traceset_bytes(ta) % 64 == 0);
    traceset_close(ta);
    traceset_close(tb);
    traceset_close(tc);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that an aborted or failing write leaves nothing behind, not even a temporary. */
static void test_writer_atomic(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-atomic");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    RefSet *r = ref_make(H_F32, 20, 5, 6);
    Err e = {0};
    TraceWriter *w;
    assert_int_equal(tracewriter_open(dir, &r->h, 1024, &w, &e), 0);
    for (int s = 0; s < 10; s++) {
        TraceSeq q = {r->T[s], r->tokens[s], r->experts[s], r->weights[s], r->hidden[s]};
        assert_int_equal(tracewriter_add_seq(w, &q, &e), 0);
    }
    assert_int_equal(count_entries(tmp), 1); /* the temporary sibling only */
    tracewriter_abort(w);
    assert_int_equal(count_entries(tmp), 0);

    /* an out-of-range id is rejected with its place; the set is never committed */
    uint16_t keep = r->experts[3][5]; /* row 1 (token 0, layer 1), k = 2 */
    r->experts[3][5] = 12;
    assert_int_equal(ref_write(r, dir, 1024, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "sequence 3 token 0 layer 1: expert id 12 out of range"));
    assert_int_equal(count_entries(tmp), 0);
    r->experts[3][5] = r->experts[3][4];
    assert_int_equal(ref_write(r, dir, 1024, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "repeated"));
    r->experts[3][5] = keep;
    r->hidden[7][0] = NAN;
    assert_int_equal(ref_write(r, dir, 1024, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "NaN or Inf"));
    assert_int_equal(count_entries(tmp), 0);

    /* f16 overflow is an error, not a silent Inf */
    r->hidden[7][0] = 1e6f;
    r->h.dtype = DTYPE_F16;
    assert_int_equal(ref_write(r, dir, 1024, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "overflows f16"));
    r->hidden[7][0] = 0.5f;
    r->h.dtype = DTYPE_F32;

    /* a non-empty target is refused (exit 1), an empty one is replaced */
    assert_int_equal(mkdir(dir, 0755), 0);
    spit(path_in(dir, "x"), "x", 1);
    assert_int_equal(ref_write(r, dir, 1024, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "not empty"));
    unlink(path_in(dir, "x"));
    assert_int_equal(ref_write(r, dir, 1024, &e), 0);
    assert_int_equal(count_entries(tmp), 1);
    ref_check(r, dir, 1);
    ref_free(r);
    rm_rf(tmp);
}

/* Ensure that a writer with nothing added commits nothing, and bad shapes are refused. */
static void test_writer_rejects_empty_and_bad_shape(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-empty");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/set", tmp);
    Err e = {0};
    TraceWriter *w;
    assert_int_equal(tracewriter_open(dir, &H_F32, 0, &w, &e), 0);
    assert_int_equal(tracewriter_commit(w, &e), ERR_INPUT);
    assert_int_equal(count_entries(tmp), 0);
    TraceHeader bad = H_F32;
    bad.K = 13;
    assert_int_equal(tracewriter_open(dir, &bad, 0, &w, &e), ERR_USAGE);
    bad = H_F32;
    bad.E = 65536;
    assert_int_equal(tracewriter_open(dir, &bad, 0, &w, &e), ERR_USAGE);
    snprintf(dir, sizeof dir, "%s/no/such/parent", tmp);
    assert_int_equal(tracewriter_open(dir, &H_F32, 0, &w, &e), ERR_RUNTIME);
    rm_rf(tmp);
}

/* Ensure that the manifest parser accepts what the writer writes and names bad lines. */
static void test_manifest_parse(void **state)
{
    (void)state;
    Manifest m = {.h = H_F32, .n_seqs = 3, .n_tokens = 10, .n_shards = 1};
    ManifestShard sh = {"shard-0000.bin", 3, 10, 4096, UINT64_C(0x0123456789abcdef), 0};
    m.shards = &sh;
    char text[2048];
    FILE *f = fmemopen(text, sizeof text, "w");
    assert_int_equal(manifest_write(f, &m), 0);
    long n = ftell(f);
    fclose(f);
    Manifest back;
    Err e = {0};
    assert_int_equal(manifest_parse(text, (size_t)n, "M", &back, &e), 0);
    assert_memory_equal(&back.h, &m.h, sizeof m.h);
    assert_int_equal(back.n_shards, 1);
    assert_true(back.shards[0].checksum == sh.checksum);
    manifest_free(&back);
    /* version 2: the optional router and expert_bytes lines round-trip */
    m.has_router = 1;
    m.router_bytes = 80;
    m.router_checksum = UINT64_C(0xfedcba9876543210);
    m.expert_bytes = 12345;
    char text2[2048];
    f = fmemopen(text2, sizeof text2, "w");
    assert_int_equal(manifest_write(f, &m), 0);
    long n2 = ftell(f);
    fclose(f);
    assert_non_null(strstr(text2, "moespec-traces 2\n"));
    assert_int_equal(manifest_parse(text2, (size_t)n2, "M", &back, &e), 0);
    assert_int_equal(back.has_router, 1);
    assert_true(back.router_bytes == 80 && back.router_checksum == m.router_checksum);
    assert_true(back.expert_bytes == 12345);
    manifest_free(&back);
    static const struct { const char *from, *to, *msg; } bad[] = {
        {"moespec-traces 1", "moespec-traces 3", "M:1: manifest version '3'"},
        {"shards = 1", "shards = 1\nrouter = router.safetensors 80 0123456789abcdef",
         "M:13: unknown key 'router'"}, /* version 1 has no router line */
        {"shards = 1", "shards = 1\nexpert_bytes = 7", "M:13: unknown key 'expert_bytes'"},
        {"moespec-traces 1", "hello", "M:1: bad magic"},
        {"E = 12", "E = 12\nE = 12", "M:3: E given twice (line 2)"},
        {"E = 12", "F = 12", "M:2: unknown key 'F'"},
        {"E = 12\n", "", "M:13: no 'E =' line"},
        {"sequences = 3", "sequences = 4", "M:10: sequences = 4 but the shards hold 3"},
        {"dtype = f32", "dtype = f64", "M:7: bad value 'f64' for dtype"},
        {"0123456789abcdef", "0123456789abcdeg", "checksum '0123456789abcdeg'"},
        {"shard-0000.bin", "../x", "bad shard file name '../x'"},
        {"K = 3", "K = 13", "impossible shape E=12 K=13"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char edited[2048];
        const char *at = strstr(text, bad[i].from);
        assert_non_null(at);
        snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, bad[i].to,
                 at + strlen(bad[i].from));
        int rc = manifest_parse(edited, strlen(edited), "M", &back, &e);
        if (rc != ERR_INPUT || !strstr(e.msg, bad[i].msg))
            print_error("case %zu: rc %d msg '%s'\n", i, rc, e.msg);
        assert_int_equal(rc, ERR_INPUT);
        assert_non_null(strstr(e.msg, bad[i].msg));
    }
}

/* Ensure that the hidden-point and dtype names parse back. */
static void test_names(void **state)
{
    (void)state;
    HiddenPoint p;
    HiddenDtype d;
    assert_int_equal(traceset_point_parse("router-input", &p), 0);
    assert_int_equal(p, HIDDEN_ROUTER_INPUT);
    assert_int_equal(traceset_point_parse("layer-input", &p), 0);
    assert_int_equal(p, HIDDEN_LAYER_INPUT);
    assert_int_equal(traceset_point_parse("unknown", &p), 0);
    assert_int_equal(p, HIDDEN_UNKNOWN);
    assert_int_equal(traceset_point_parse("router", &p), -1);
    assert_int_equal(traceset_dtype_parse("f16", &d), 0);
    assert_int_equal(d, DTYPE_F16);
    assert_int_equal(traceset_dtype_parse("bf16", &d), -1);
    assert_string_equal(traceset_point_name(HIDDEN_ROUTER_INPUT), "router-input");
    assert_string_equal(traceset_dtype_name(DTYPE_F32), "f32");
}

/* Ensure that opening a missing directory, or one without a manifest, is an input error. */
static void test_open_missing(void **state)
{
    (void)state;
    const char *tmp = test_tmpdir("ts-missing");
    TraceSet *ts;
    Err e = {0};
    assert_int_equal(traceset_open(path_in(tmp, "nope"), 0, &ts, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "nope"));
    assert_int_equal(traceset_open(tmp, 0, &ts, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "manifest"));
    rm_rf(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f16_round_trip_all),
        cmocka_unit_test(test_f16_rounding),
        cmocka_unit_test(test_checksum_streaming),
        cmocka_unit_test(test_round_trip_f32),
        cmocka_unit_test(test_round_trip_f16),
        cmocka_unit_test(test_round_trip_routing_only),
        cmocka_unit_test(test_groups_bound_residency),
        cmocka_unit_test(test_truncated_while_mapped),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_writer_atomic),
        cmocka_unit_test(test_writer_rejects_empty_and_bad_shape),
        cmocka_unit_test(test_manifest_parse),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_open_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
