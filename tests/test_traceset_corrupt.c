/*
 * test_traceset_corrupt.c: every corruption class of a trace set is
 * ERR_INPUT (exit 3) with "FILE:WHERE: what" naming the file: truncated
 * shard, flipped byte, bad magic, wrong version, manifest/shard
 * disagreement, expert id out of range or repeated, NaN hidden state, bad
 * token id, bad sequence table, bad manifest. Content errors are planted
 * with a valid checksum ("resealed") so the content checks themselves are
 * what must catch them.
 */
#include <unistd.h>

#include "test_util.h"

#include "data/manifest.h"
#include "data/shard.h"
#include "data/traceset.h"
#include "traceset_ref.h"

static const TraceHeader H = {12, 3, 4, 5, HIDDEN_ROUTER_INPUT, DTYPE_F16, 1, 1};

typedef struct Fixture {
    char tmp[4096], dir[4200], shard0[4300], shard1[4300], manifest[4300];
    RefSet *ref;
} Fixture;

static int fixture_setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    snprintf(f->tmp, sizeof f->tmp, "%s", test_tmpdir("ts-corrupt"));
    snprintf(f->dir, sizeof f->dir, "%s/set", f->tmp);
    snprintf(f->shard0, sizeof f->shard0, "%s/shard-0000.bin", f->dir);
    snprintf(f->shard1, sizeof f->shard1, "%s/shard-0001.bin", f->dir);
    snprintf(f->manifest, sizeof f->manifest, "%s/manifest", f->dir);
    f->ref = ref_make(H, 12, 6, 11);
    Err e = {0};
    if (ref_write(f->ref, f->dir, 1500, &e))
        return -1;
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    Fixture *f = *state;
    rm_rf(f->tmp);
    ref_free(f->ref);
    free(f);
    return 0;
}

/* Replaces the first occurrence of from by to in a text file. */
static void edit_text(const char *path, const char *from, const char *to)
{
    size_t n;
    char *t = (char *)slurp(path, &n);
    char *at = strstr(t, from);
    assert_non_null(at);
    size_t nf = strlen(from), nt = strlen(to);
    char *out = malloc(n - nf + nt + 1);
    memcpy(out, t, (size_t)(at - t));
    memcpy(out + (at - t), to, nt);
    memcpy(out + (at - t) + nt, at + nf, n - (size_t)(at - t) - nf);
    spit(path, out, n - nf + nt);
    free(out);
    free(t);
}

/* Recomputes a shard's checksum after an edit and updates header and manifest. */
static void reseal(const char *shard, const char *manifest)
{
    size_t n;
    unsigned char *b = slurp(shard, &n);
    uint64_t old, sum = shard_checksum(b, n);
    memcpy(&old, b + SHOFF_CHECKSUM, 8);
    memcpy(b + SHOFF_CHECKSUM, &sum, 8);
    spit(shard, b, n);
    char from[17], to[17];
    snprintf(from, sizeof from, "%016llx", (unsigned long long)old);
    snprintf(to, sizeof to, "%016llx", (unsigned long long)sum);
    edit_text(manifest, from, to);
    free(b);
}

/* Applies fn-free byte edits: value of `size` bytes at offset. */
static void poke(const char *path, size_t off, const void *v, size_t size)
{
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_true(off + size <= n);
    memcpy(b + off, v, size);
    spit(path, b, n);
    free(b);
}

static ShardHeader header_of(const char *path)
{
    size_t n;
    unsigned char *b = slurp(path, &n);
    ShardHeader sh;
    Err e = {0};
    assert_int_equal(shard_header_decode(b, n, path, &sh, &e), 0);
    free(b);
    return sh;
}

/* Opens the set and loads every group; returns the first error. */
static int read_all(const char *dir, Err *e)
{
    TraceSet *ts;
    int rc = traceset_open(dir, 1, &ts, e);
    for (int g = 0; !rc && g < traceset_n_groups(ts); g++)
        rc = traceset_load_group(ts, g, e);
    if (ts)
        traceset_close(ts);
    return rc;
}

/* want is "FILE:WHERE: what" with FILE relative to the set directory. */
static void expect_input_error(const Fixture *f, const char *want)
{
    Err e = {0};
    int rc = read_all(f->dir, &e);
    char full[8400];
    snprintf(full, sizeof full, "%s/%s", f->dir, want);
    if (rc != ERR_INPUT || strncmp(e.msg, full, strlen(full)))
        print_error("want '%s'\n got %d '%s'\n", full, rc, e.msg);
    assert_int_equal(rc, ERR_INPUT);
    assert_true(strncmp(e.msg, full, strlen(full)) == 0);
}

/* Ensure that the untouched fixture reads, so each test below fails for its corruption only. */
static void test_fixture_is_valid(void **state)
{
    Fixture *f = *state;
    Err e = {0};
    assert_int_equal(read_all(f->dir, &e), 0);
    ref_check(f->ref, f->dir, 1);
}

/* Ensure that a truncated shard is named with its size. */
static void test_truncated_shard(void **state)
{
    Fixture *f = *state;
    size_t n;
    unsigned char *b = slurp(f->shard1, &n);
    spit(f->shard1, b, n - 64);
    free(b);
    char want[200];
    snprintf(want, sizeof want, "shard-0001.bin:%zu: truncated: %zu bytes, the manifest", n - 64,
             n - 64);
    expect_input_error(f, want);
    spit(f->shard1, "MOESH", 5);
    expect_input_error(f, "shard-0001.bin:5: truncated");
}

/* Ensure that one flipped byte anywhere in the data fails the checksum, naming the shard. */
static void test_flipped_byte(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard1);
    size_t n;
    unsigned char *orig = slurp(f->shard1, &n);
    uint64_t offs[] = {sh.tokens_off, sh.experts_off + 1, sh.weights_off + 2,
                       sh.hidden_off + 5, sh.file_bytes - 1};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        unsigned char *b = malloc(n);
        memcpy(b, orig, n);
        b[offs[i]] ^= 0x10;
        spit(f->shard1, b, n);
        free(b);
        expect_input_error(f, "shard-0001.bin:120: checksum mismatch");
    }
    /* the sequence table is read and checked at open, before any checksum */
    unsigned char *b = malloc(n);
    memcpy(b, orig, n);
    b[sh.seqtab_off + 3] ^= 0x10;
    spit(f->shard1, b, n);
    free(b);
    expect_input_error(f, "shard-0001.bin:128: first sequence starts at token 268435456, not 0");
    spit(f->shard1, orig, n);
    free(orig);
}

/* Ensure that a bad magic number is reported at offset 0. */
static void test_bad_magic(void **state)
{
    Fixture *f = *state;
    poke(f->shard0, 0, "NOTSHARD", 8);
    expect_input_error(f, "shard-0000.bin:0: bad magic");
}

/* Ensure that an unknown shard or manifest version is refused as such. */
static void test_wrong_version(void **state)
{
    Fixture *f = *state;
    uint32_t v = 2;
    poke(f->shard0, SHOFF_VERSION, &v, 4);
    expect_input_error(f, "shard-0000.bin:8: shard format version 2, this moespec reads 1");
    v = 1;
    poke(f->shard0, SHOFF_VERSION, &v, 4);
    edit_text(f->manifest, "moespec-traces 1", "moespec-traces 9");
    expect_input_error(f, "manifest:1: manifest version '9'");
}

/* Ensure that manifest and shard headers disagreeing (shape, counts, checksum) is refused. */
static void test_manifest_disagrees(void **state)
{
    Fixture *f = *state;
    edit_text(f->manifest, "E = 12", "E = 13");
    expect_input_error(f, "shard-0000.bin:16: header says E 12, the manifest");
    edit_text(f->manifest, "E = 13", "E = 12");
    edit_text(f->manifest, "dtype = f16", "dtype = f32");
    expect_input_error(f, "shard-0000.bin:36: header says dtype code 1, the manifest");
    edit_text(f->manifest, "dtype = f32", "dtype = f16");
    ShardHeader sh = header_of(f->shard0);
    char from[64], to[64];
    snprintf(from, sizeof from, "%016llx", (unsigned long long)sh.checksum);
    snprintf(to, sizeof to, "%016llx", (unsigned long long)(sh.checksum ^ 1));
    edit_text(f->manifest, from, to);
    expect_input_error(f, "shard-0000.bin:120: header says checksum");
    edit_text(f->manifest, to, from);
    /* the header's own count edited: the manifest disagrees */
    uint64_t seqs = sh.n_seqs + 1;
    poke(f->shard0, SHOFF_N_SEQS, &seqs, 8);
    char want[200];
    snprintf(want, sizeof want, "shard-0000.bin:56: header says sequences %llu, the manifest",
             (unsigned long long)seqs);
    expect_input_error(f, want);
    seqs = sh.n_tokens; /* a longer sequence table: the sections move */
    assert_true((seqs + 1) * 8 + 128 > 192);
    poke(f->shard0, SHOFF_N_SEQS, &seqs, 8);
    expect_input_error(f, "shard-0000.bin:80: section offset");
}

/* Ensure that an expert id >= E, with a valid checksum, is named with seq, token, layer. */
static void test_expert_id_out_of_range(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard1);
    uint16_t bad = 12;
    size_t row = 1 * 4 + 2, off = sh.experts_off + (row * 3 + 1) * 2; /* token 1 layer 2, k 1 */
    poke(f->shard1, off, &bad, 2);
    reseal(f->shard1, f->manifest);
    char want[200];
    snprintf(want, sizeof want, "shard-0001.bin:%zu: expert id 12 out of range (E=12) at seq "
             "%llu token 1 layer 2", off, (unsigned long long)sh.first_seq);
    expect_input_error(f, want);
}

/* Ensure that an expert id repeated within one row is refused. */
static void test_expert_id_repeated(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard0);
    size_t n;
    unsigned char *b = slurp(f->shard0, &n);
    uint16_t first;
    memcpy(&first, b + sh.experts_off, 2);
    free(b);
    poke(f->shard0, sh.experts_off + 4, &first, 2);
    reseal(f->shard0, f->manifest);
    char want[200];
    snprintf(want, sizeof want, "shard-0000.bin:%llu: expert id %u repeated (E=12) at seq 0 "
             "token 0 layer 0", (unsigned long long)sh.experts_off + 4, (unsigned)first);
    expect_input_error(f, want);
}

/* Ensure that a NaN or Inf hidden value (f16) and a NaN gate weight are refused. */
static void test_non_finite_values(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard0);
    size_t n;
    unsigned char *orig = slurp(f->shard0, &n);
    char *morig = (char *)slurp(f->manifest, &n);
    size_t mlen = strlen(morig);
    uint16_t inf = 0x7c00;
    size_t at = sh.hidden_off + 2 * (5 * 4 + 3); /* token 1 layer 0 d 3 */
    poke(f->shard0, at, &inf, 2);
    reseal(f->shard0, f->manifest);
    char want[200];
    snprintf(want, sizeof want, "shard-0000.bin:%zu: hidden value is NaN or Inf at seq 0 token 1 "
             "layer 0", at);
    expect_input_error(f, want);
    spit(f->shard0, orig, sh.file_bytes);
    spit(f->manifest, morig, mlen);
    float nan = NAN;
    poke(f->shard0, sh.weights_off + 4 * 13, &nan, 4); /* row 4: token 1 layer 0 */
    reseal(f->shard0, f->manifest);
    snprintf(want, sizeof want, "shard-0000.bin:%llu: gate weight is NaN or Inf at seq 0 token 1 "
             "layer 0", (unsigned long long)sh.weights_off + 52);
    expect_input_error(f, want);
    free(orig);
    free(morig);
}

/* Ensure that a token id below -1 and a broken sequence table are refused. */
static void test_bad_token_and_seqtab(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard0);
    int32_t tok = -7;
    poke(f->shard0, sh.tokens_off, &tok, 4);
    reseal(f->shard0, f->manifest);
    char want[200];
    snprintf(want, sizeof want, "shard-0000.bin:%llu: token id -7 at seq 0 token 0 is below -1",
             (unsigned long long)sh.tokens_off);
    expect_input_error(f, want);
    uint64_t zero = 0;
    poke(f->shard0, sh.seqtab_off + 8, &zero, 8); /* sequence 0 becomes empty */
    reseal(f->shard0, f->manifest);
    snprintf(want, sizeof want, "shard-0000.bin:%llu: sequence 0 has length 0",
             (unsigned long long)sh.seqtab_off + 8);
    expect_input_error(f, want);
}

/* Ensure that a missing shard file and a manifest with a wrong total are refused. */
static void test_missing_shard_and_bad_totals(void **state)
{
    Fixture *f = *state;
    edit_text(f->manifest, "sequences = 12", "sequences = 13");
    expect_input_error(f, "manifest:10: sequences = 13 but the shards hold 12");
    edit_text(f->manifest, "sequences = 13", "sequences = 12");
    unlink(f->shard1);
    expect_input_error(f, "shard-0001.bin: No such file");
}

/* Ensure that a forged manifest claiming huge counts is an input error, not an allocation. */
static void test_forged_counts(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard0);
    char text[1024];
    snprintf(text, sizeof text,
             "moespec-traces 1\nE = 12\nK = 3\nL = 4\nD = 5\nhidden_point = router-input\n"
             "dtype = f16\nweights = yes\ntoken_ids = yes\nsequences = 1000000000000000\n"
             "tokens = 1000000000000000\nshards = 1\n"
             "shard = shard-0000.bin 1000000000000000 1000000000000000 %llu %016llx\n",
             (unsigned long long)sh.file_bytes, (unsigned long long)sh.checksum);
    spit(f->manifest, text, strlen(text));
    expect_input_error(f, "manifest:13: 1000000000000000 sequences of 1000000000000000 tokens "
                          "cannot fit in");
}

/* Ensure that info-style verification (verify_all) finds a corrupt shard not yet loaded. */
static void test_verify_all_finds_corruption(void **state)
{
    Fixture *f = *state;
    ShardHeader sh = header_of(f->shard1);
    uint8_t x = 0xff;
    poke(f->shard1, sh.hidden_off + 7, &x, 1);
    TraceSet *ts;
    Err e = {0};
    assert_int_equal(traceset_open(f->dir, 1, &ts, &e), 0);
    assert_int_equal(traceset_load_group(ts, 0, &e), 0);
    assert_int_equal(traceset_verify_all(ts, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "shard-0001.bin:120: checksum mismatch"));
    TraceSeqView v;
    assert_int_equal(traceset_seq(ts, 0, &v, &e), 0); /* the resident group is untouched */
    traceset_close(ts);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fixture_is_valid),
        T(test_truncated_shard),
        T(test_flipped_byte),
        T(test_bad_magic),
        T(test_wrong_version),
        T(test_manifest_disagrees),
        T(test_expert_id_out_of_range),
        T(test_expert_id_repeated),
        T(test_non_finite_values),
        T(test_bad_token_and_seqtab),
        T(test_missing_shard_and_bad_totals),
        T(test_forged_counts),
        T(test_verify_all_finds_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
