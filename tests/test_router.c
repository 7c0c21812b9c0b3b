/*
 * test_router.c: router.safetensors (src/data/router.c) and its place in a
 * trace set: the writer's image reads back exactly; F16 and BF16 decode;
 * every error class (missing tensor, wrong shape, wrong dtype, offsets out
 * of range, overlapping, a size that does not match, NaN, Inf, header length
 * beyond the file or the cap, bad JSON) is ERR_INPUT naming the file and the
 * tensor; the trace writer checks the file against the set and the reader
 * verifies its checksum. Error images are made by editing a valid image's
 * JSON header with libjansson, so each case changes one thing.
 */
#include <jansson.h>
#include <unistd.h>

#include "test_util.h"

#include "data/router.h"
#include "data/traceset.h"
#include "traceset_ref.h"

enum { TL = 2, TE = 4, TD = 3 };

static void fill(Router *r)
{
    for (size_t i = 0; i < (size_t)r->L * r->E * r->D; i++)
        r->weight[i] = 0.25f * (float)((int)(i * 7 % 9) - 4);
    for (size_t i = 0; i < (size_t)r->L * r->E; i++)
        r->bias[i] = 0.5f * (float)i;
    r->n_bias = r->L;
    snprintf(r->source, sizeof r->source, "test_router");
}

static unsigned char *valid_image(size_t *len)
{
    Router r;
    Err e = {0};
    unsigned char *buf;
    assert_int_equal(router_alloc(&r, TL, TE, TD, &e), 0);
    fill(&r);
    assert_int_equal(router_encode(&r, &buf, len, &e), 0);
    router_free(&r);
    return buf;
}

typedef void (*EditFn)(json_t *root, unsigned char *data, size_t n);

/* A valid image with its header edited by fn (data may be edited in place). */
static unsigned char *edited_image(EditFn fn, size_t *len)
{
    size_t n;
    unsigned char *img = valid_image(&n);
    uint64_t hlen;
    memcpy(&hlen, img, 8);
    json_error_t je;
    json_t *root = json_loadb((const char *)img + 8, (size_t)hlen, 0, &je);
    assert_non_null(root);
    size_t dn = n - 8 - (size_t)hlen;
    unsigned char *data = img + 8 + hlen;
    fn(root, data, dn);
    char *h = json_dumps(root, JSON_COMPACT);
    size_t hn = strlen(h);
    unsigned char *out = malloc(8 + hn + dn);
    uint64_t h64 = hn;
    memcpy(out, &h64, 8);
    memcpy(out + 8, h, hn);
    memcpy(out + 8 + hn, data, dn);
    *len = 8 + hn + dn;
    free(h);
    json_decref(root);
    free(img);
    return out;
}

static void expect_error(const unsigned char *img, size_t len, const char *msg)
{
    Router r;
    Err e = {0};
    int rc = router_parse(img, len, "R.safetensors", TL, TE, TD, &r, &e);
    if (rc != ERR_INPUT || !strstr(e.msg, msg))
        print_error("rc %d msg '%s', want '%s'\n", rc, e.msg, msg);
    assert_int_equal(rc, ERR_INPUT);
    assert_non_null(strstr(e.msg, msg));
    assert_null(r.weight);
}

static void expect_edit_error(EditFn fn, const char *msg)
{
    size_t len;
    unsigned char *img = edited_image(fn, &len);
    expect_error(img, len, msg);
    free(img);
}

static json_t *tensor(json_t *root, const char *name) { return json_object_get(root, name); }

/* Ensure that what router_encode writes parses back to the same router. */
static void test_roundtrip(void **state)
{
    (void)state;
    Router want, got;
    Err e = {0};
    size_t len;
    assert_int_equal(router_alloc(&want, TL, TE, TD, &e), 0);
    fill(&want);
    unsigned char *img = valid_image(&len);
    uint64_t hlen;
    memcpy(&hlen, img, 8);
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(router_parse(img, len, "R", TL, TE, TD, &got, &e), 0);
    assert_memory_equal(got.weight, want.weight, sizeof(float) * TL * TE * TD);
    assert_memory_equal(got.bias, want.bias, sizeof(float) * TL * TE);
    assert_int_equal(got.n_bias, TL);
    assert_string_equal(got.source, "test_router");
    /* the wrong expected shape is an error naming the tensor */
    Router other;
    assert_int_equal(router_parse(img, len, "R", TL, TE, TD + 1, &other, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "R: tensor layers.0.router.weight: shape [4, 3], expected "
                           "[4, 4]"));
    assert_int_equal(router_parse(img, len, "R", TL + 1, TE, TD, &other, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "R: tensor layers.2.router.weight: missing"));
    router_free(&got);
    router_free(&want);
    free(img);
}

static void to_half(json_t *root, unsigned char *data, size_t n, const char *dtype, int bf)
{
    /* every tensor becomes 2-byte values packed at the start of the data */
    size_t at = 0;
    float f;
    char name[64];
    for (int l = 0; l < TL; l++)
        for (int w = 0; w < 2; w++) {
            snprintf(name, sizeof name, "layers.%d.router.%s", l, w ? "bias" : "weight");
            json_t *t = tensor(root, name);
            json_int_t b = json_integer_value(json_array_get(json_object_get(t, "data_offsets"), 0));
            json_int_t en = json_integer_value(json_array_get(json_object_get(t, "data_offsets"), 1));
            size_t count = (size_t)(en - b) / 4, start = at;
            for (size_t i = 0; i < count; i++) {
                memcpy(&f, data + b + 4 * i, 4);
                uint32_t u;
                memcpy(&u, &f, 4);
                uint16_t h = bf ? (uint16_t)(u >> 16) : f32_to_f16(f);
                memcpy(data + at, &h, 2); /* at <= b: never overwrites unread values */
                at += 2;
            }
            json_object_set_new(t, "dtype", json_string(dtype));
            json_object_set_new(t, "data_offsets", json_pack("[II]", (json_int_t)start,
                                                             (json_int_t)at));
        }
    assert_true(at <= n);
}

static void edit_f16(json_t *root, unsigned char *data, size_t n) { to_half(root, data, n, "F16", 0); }
static void edit_bf16(json_t *root, unsigned char *data, size_t n) { to_half(root, data, n, "BF16", 1); }

/* Ensure that F16 and BF16 tensors decode to the values they hold (the
 * test values are exact in both). */
static void test_half_dtypes(void **state)
{
    (void)state;
    EditFn fns[2] = {edit_f16, edit_bf16};
    Router want;
    Err e = {0};
    assert_int_equal(router_alloc(&want, TL, TE, TD, &e), 0);
    fill(&want);
    for (int i = 0; i < 2; i++) {
        size_t len;
        unsigned char *img = edited_image(fns[i], &len);
        Router got;
        assert_int_equal(router_parse(img, len, "R", TL, TE, TD, &got, &e), 0);
        assert_close(got.weight, want.weight, TL * TE * TD, 0.0, 0.0);
        assert_close(got.bias, want.bias, TL * TE, 0.0, 0.0);
        router_free(&got);
        free(img);
    }
    router_free(&want);
}

static void edit_missing(json_t *root, unsigned char *d, size_t n)
{
    json_object_del(root, "layers.1.router.weight");
}
static void edit_shape(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(tensor(root, "layers.0.router.weight"), "shape", json_pack("[ii]", 3, 4));
}
static void edit_rank(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(tensor(root, "layers.1.router.bias"), "shape", json_pack("[ii]", 4, 1));
}
static void edit_dtype(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(tensor(root, "layers.0.router.bias"), "dtype", json_string("F64"));
}
static void edit_range(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(tensor(root, "layers.1.router.bias"), "data_offsets",
                        json_pack("[II]", (json_int_t)n - 8, (json_int_t)n + 8));
}
static void edit_overlap(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(tensor(root, "layers.0.router.bias"), "data_offsets",
                        json_pack("[ii]", 0, 16));
}
static void edit_size(json_t *root, unsigned char *d, size_t n)
{
    /* a shorter range inside its own: in range, no overlap, wrong size */
    json_t *off = json_object_get(tensor(root, "layers.1.router.bias"), "data_offsets");
    json_int_t b = json_integer_value(json_array_get(off, 0));
    json_object_set_new(tensor(root, "layers.1.router.bias"), "data_offsets",
                        json_pack("[II]", b, b + 12));
}
static void edit_negative(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(tensor(root, "layers.0.router.weight"), "data_offsets",
                        json_pack("[ii]", -4, 44));
}
static void put_value(json_t *root, unsigned char *d, const char *name, int i, float v)
{
    json_t *off = json_object_get(tensor(root, name), "data_offsets");
    json_int_t b = json_integer_value(json_array_get(off, 0));
    memcpy(d + b + 4 * i, &v, 4);
}
static void edit_nan(json_t *root, unsigned char *d, size_t n)
{
    put_value(root, d, "layers.1.router.weight", 5, NAN);
}
static void edit_inf(json_t *root, unsigned char *d, size_t n)
{
    put_value(root, d, "layers.0.router.bias", 2, -INFINITY);
}
static void edit_metadata(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(json_object_get(root, "__metadata__"), "n", json_integer(3));
}
static void edit_entry(json_t *root, unsigned char *d, size_t n)
{
    json_object_set_new(root, "stray", json_string("x"));
}

/* Ensure that each malformed tensor is ERR_INPUT naming the file and the tensor. */
static void test_tensor_errors(void **state)
{
    (void)state;
    expect_edit_error(edit_missing, "R.safetensors: tensor layers.1.router.weight: missing");
    expect_edit_error(edit_shape, "R.safetensors: tensor layers.0.router.weight: shape [3, 4], "
                      "expected [4, 3]");
    expect_edit_error(edit_rank, "R.safetensors: tensor layers.1.router.bias: shape [4, 1], "
                      "expected [4]");
    expect_edit_error(edit_dtype, "R.safetensors: tensor layers.0.router.bias: dtype F64, "
                      "expected F32, F16 or BF16");
    expect_edit_error(edit_range, "R.safetensors: tensor layers.1.router.bias: data_offsets");
    expect_edit_error(edit_range, "out of range: the data area has");
    expect_edit_error(edit_overlap, "R.safetensors: tensor layers.0.router.");
    expect_edit_error(edit_overlap, "overlap those of tensor layers.0.router.");
    expect_edit_error(edit_size, "R.safetensors: tensor layers.1.router.bias: data_offsets");
    expect_edit_error(edit_size, "hold 12 bytes, F32 [E] needs 16");
    expect_edit_error(edit_negative, "R.safetensors: tensor layers.0.router.weight: "
                      "data_offsets is not [BEGIN, END]");
    expect_edit_error(edit_nan, "R.safetensors: tensor layers.1.router.weight: element 5 is NaN");
    expect_edit_error(edit_inf, "R.safetensors: tensor layers.0.router.bias: element 2 is "
                      "infinite");
    expect_edit_error(edit_metadata, "R.safetensors: header: __metadata__ value 'n' is not a "
                      "string");
    expect_edit_error(edit_entry, "R.safetensors: tensor stray: not an object");
}

/* Ensure that a header length beyond the file or the cap, a short file and
 * bad JSON are ERR_INPUT naming the file. */
static void test_header_errors(void **state)
{
    (void)state;
    size_t len;
    unsigned char *img = valid_image(&len);
    uint64_t h = len - 7; /* one byte more than there is */
    memcpy(img, &h, 8);
    expect_error(img, len, "R.safetensors: header: header length");
    expect_error(img, len, "exceeds the file's");
    h = (uint64_t)ROUTER_HEADER_MAX + 1;
    memcpy(img, &h, 8);
    expect_error(img, len, "exceeds the cap of 104857600 bytes (100 MiB)");
    h = UINT64_MAX;
    memcpy(img, &h, 8);
    expect_error(img, len, "R.safetensors: header: header length");
    expect_error(img, 5, "R.safetensors: header: 5 bytes, shorter than the 8-byte");
    static const char *const bad[] = {"{\"a\":", "[1,2]", "{\"a\":1,\"a\":2}"};
    static const char *const msg[] = {"header: JSON at byte", "header: not a JSON object",
                                      "header: JSON at byte"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(bad[i]);
        h = n;
        memcpy(img, &h, 8);
        memcpy(img + 8, bad[i], n);
        expect_error(img, 8 + n, msg[i]);
    }
    free(img);
}

/* Ensure that router_write replaces a file atomically and reads back. */
static void test_write_file(void **state)
{
    (void)state;
    char tmp[4096], path[4200];
    snprintf(tmp, sizeof tmp, "%s", test_tmpdir("router"));
    snprintf(path, sizeof path, "%s/%s", tmp, ROUTER_FILE_NAME);
    Router r, back;
    Err e = {0};
    assert_int_equal(router_alloc(&r, TL, TE, TD, &e), 0);
    fill(&r);
    r.n_bias = 0; /* no bias tensors: biases read back as 0 */
    assert_int_equal(router_write(path, &r, &e), 0);
    unsigned char *buf;
    size_t len;
    assert_int_equal(router_file_read(path, &buf, &len, &e), 0);
    assert_int_equal(router_parse(buf, len, path, TL, TE, TD, &back, &e), 0);
    assert_memory_equal(back.weight, r.weight, sizeof(float) * TL * TE * TD);
    assert_int_equal(back.n_bias, 0);
    for (int i = 0; i < TL * TE; i++)
        assert_true(back.bias[i] == 0.0f);
    assert_int_equal(count_entries(tmp), 1); /* no temporary left */
    free(buf);
    router_free(&back);
    router_free(&r);
    rm_rf(tmp);
}

/* Ensure that a trace set keeps its router: the writer checks it against
 * the set, the reader verifies its checksum and size, and a routing-only set
 * takes none. */
static void test_traceset_router(void **state)
{
    (void)state;
    const TraceHeader h = {TE, 2, TL, TD, HIDDEN_ROUTER_INPUT, DTYPE_F32, 1, 1};
    char tmp[4096], dir[4200];
    snprintf(tmp, sizeof tmp, "%s", test_tmpdir("router-set"));
    snprintf(dir, sizeof dir, "%s/set", tmp);
    RefSet *ref = ref_make(h, 3, 5, 7);
    Err e = {0};
    size_t len;
    unsigned char *img = valid_image(&len);
    TraceWriter *w;
    assert_int_equal(tracewriter_open(dir, &h, 0, &w, &e), 0);
    assert_int_equal(tracewriter_set_router(w, img, len - 4, "given.safetensors", &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "given.safetensors: tensor layers.1.router.bias: data_offsets"));
    assert_int_equal(tracewriter_set_router(w, img, len, "given.safetensors", &e), 0);
    tracewriter_set_expert_bytes(w, 1234);
    for (int i = 0; i < ref->n; i++) {
        TraceSeq s = {ref->T[i], ref->tokens[i], ref->experts[i], ref->weights[i],
                      ref->hidden[i]};
        assert_int_equal(tracewriter_add_seq(w, &s, &e), 0);
    }
    assert_int_equal(tracewriter_commit(w, &e), 0);
    TraceSet *ts;
    Router r;
    assert_int_equal(traceset_open(dir, 0, &ts, &e), 0);
    assert_int_equal(traceset_has_router(ts), 1);
    assert_true(traceset_expert_bytes(ts) == 1234);
    assert_int_equal(traceset_load_router(ts, &r, &e), 0);
    assert_string_equal(r.source, "test_router");
    router_free(&r);
    traceset_close(ts);
    /* one flipped bit: the checksum names the file */
    char *rpath = path_in(dir, ROUTER_FILE_NAME);
    img[len - 1] ^= 1;
    spit(rpath, img, len);
    assert_int_equal(traceset_open(dir, 0, &ts, &e), 0); /* checked when loaded */
    assert_int_equal(traceset_load_router(ts, &r, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "/set/router.safetensors: checksum mismatch"));
    spit(path_in(dir, ROUTER_FILE_NAME), img, len - 1);
    assert_int_equal(traceset_load_router(ts, &r, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "router.safetensors: "));
    assert_non_null(strstr(e.msg, "the manifest"));
    traceset_close(ts);
    /* a routing-only set takes no router */
    const TraceHeader h0 = {TE, 2, TL, 0, HIDDEN_UNKNOWN, DTYPE_F32, 1, 1};
    snprintf(dir, sizeof dir, "%s/set0", tmp);
    assert_int_equal(tracewriter_open(dir, &h0, 0, &w, &e), 0);
    assert_int_equal(tracewriter_set_router(w, img, len, "given.safetensors", &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "routing-only"));
    tracewriter_abort(w);
    free(img);
    ref_free(ref);
    rm_rf(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_half_dtypes),
        cmocka_unit_test(test_tensor_errors),   cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_write_file),      cmocka_unit_test(test_traceset_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
