/*
 * router.c: reading and writing router.safetensors (see router.h).
 *
 * Reading goes in three passes over a file image held in memory: the header
 * length is bounded (file size, ROUTER_HEADER_MAX); the JSON header is
 * parsed by libjansson and every entry's shape, dtype and data_offsets are
 * checked and the offsets sorted to find overlaps; then the tensors the
 * trace set needs are looked up by name, checked against [E, D] / [E] and
 * converted to f32, each value checked finite. The host is little-endian
 * (configure refuses others), so an F32 value is its 4 bytes as stored.
 * Not here: the trace set's manifest line and checksum (traceset_*.c).
 */
#include "data/router.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/file_read.h"
#include <unistd.h>

#include "data/traceset.h"
#include "util/atomic_file.h"

typedef enum { RDT_F32, RDT_F16, RDT_BF16, RDT_OTHER } RouterDtype;

static const char *const dtype_names[] = {"F32", "F16", "BF16"};
static const size_t dtype_size[] = {4, 2, 2};

/* One tensor entry of the header, checked for shape and offsets. */
typedef struct Entry {
    const char *name;    /* key in the JSON object (owned by it) */
    RouterDtype dtype;
    int rank;
    uint64_t shape[2];   /* first two dims (rank <= 2 for the ones we use) */
    uint64_t begin, end; /* data_offsets, relative to the data area */
} Entry;

int router_alloc(Router *r, int L, int E, int D, Err *e)
{
    memset(r, 0, sizeof *r);
    size_t n = (size_t)L * (size_t)E;
    if (L < 1 || E < 1 || D < 1 || n > SIZE_MAX / sizeof(float) / (size_t)D)
        return err_set(e, ERR_INPUT, "router: impossible shape L=%d E=%d D=%d", L, E, D);
    r->weight = calloc(n * (size_t)D, sizeof *r->weight);
    r->bias = calloc(n, sizeof *r->bias);
    if (!r->weight || !r->bias) {
        router_free(r);
        return err_set(e, ERR_RUNTIME, "router: out of memory for %d x %d x %d", L, E, D);
    }
    r->L = L;
    r->E = E;
    r->D = D;
    return 0;
}

void router_free(Router *r)
{
    free(r->weight);
    free(r->bias);
    memset(r, 0, sizeof *r);
}

static int dims_from_json(const json_t *shape, Entry *t)
{
    if (!json_is_array(shape) || json_array_size(shape) > 8)
        return -1;
    t->rank = (int)json_array_size(shape);
    for (size_t i = 0; i < json_array_size(shape); i++) {
        const json_t *v = json_array_get(shape, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return -1;
        if (i < 2)
            t->shape[i] = (uint64_t)json_integer_value(v);
    }
    return 0;
}

/* Checks one header entry's form and offsets; fills *t. */
static int entry_check(const char *file, const char *name, const json_t *v, uint64_t data_len,
                       Entry *t, Err *e)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    const json_t *dt = json_object_get(v, "dtype"), *sh = json_object_get(v, "shape");
    const json_t *off = json_object_get(v, "data_offsets");
    if (!json_is_object(v) || !json_is_string(dt) || !sh || !off)
        return err_set(e, ERR_INPUT, "%s: tensor %.100s: not an object with dtype, shape and "
                       "data_offsets", file, name);
    t->dtype = RDT_OTHER;
    for (int i = 0; i < 3; i++)
        if (!strcmp(json_string_value(dt), dtype_names[i]))
            t->dtype = (RouterDtype)i;
    if (dims_from_json(sh, t))
        return err_set(e, ERR_INPUT, "%s: tensor %.100s: shape is not a list of at most 8 "
                       "non-negative integers", file, name);
    const json_t *b = json_array_get(off, 0), *en = json_array_get(off, 1);
    if (!json_is_array(off) || json_array_size(off) != 2 || !json_is_integer(b) ||
        !json_is_integer(en) || json_integer_value(b) < 0 ||
        json_integer_value(en) < json_integer_value(b))
        return err_set(e, ERR_INPUT, "%s: tensor %.100s: data_offsets is not [BEGIN, END] "
                       "with 0 <= BEGIN <= END", file, name);
    t->begin = (uint64_t)json_integer_value(b);
    t->end = (uint64_t)json_integer_value(en);
    if (t->end > data_len)
        return err_set(e, ERR_INPUT, "%s: tensor %.100s: data_offsets [%" PRIu64 ", %" PRIu64
                       "] out of range: the data area has %" PRIu64 " bytes", file, name,
                       t->begin, t->end, data_len);
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    const Entry *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1
         : x->end < y->end ? -1 : x->end > y->end;
}

/* Every entry checked, then no two overlapping (sorted by offset). */
static int entries_check(const char *file, json_t *root, uint64_t data_len, Entry **out,
                         size_t *n_out, Err *e)
{
    size_t n = 0, cap = json_object_size(root);
    Entry *t = calloc(cap ? cap : 1, sizeof *t);
    const char *key;
    json_t *v;
    int rc = t ? 0 : err_set(e, ERR_RUNTIME, "%s: out of memory", file);
    json_object_foreach(root, key, v) {
        if (rc)
            break;
        if (!strcmp(key, "__metadata__"))
            continue;
        rc = entry_check(file, key, v, data_len, &t[n], e);
        if (!rc && t[n].end > t[n].begin)
            n++; /* empty tensors occupy no bytes */
    }
    if (!rc)
        qsort(t, n, sizeof *t, entry_cmp);
    for (size_t i = 1; !rc && i < n; i++)
        if (t[i].begin < t[i - 1].end)
            rc = err_set(e, ERR_INPUT, "%s: tensor %.100s: data_offsets [%" PRIu64 ", %" PRIu64
                         "] overlap those of tensor %.100s [%" PRIu64 ", %" PRIu64 "]", file,
                         t[i].name, t[i].begin, t[i].end, t[i - 1].name, t[i - 1].begin,
                         t[i - 1].end);
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    *n_out = n;
    return 0;
}

static int metadata_read(const char *file, json_t *root, Router *r, Err *e)
{
    json_t *md = json_object_get(root, "__metadata__");
    if (!md)
        return 0;
    const char *key;
    json_t *v;
    if (!json_is_object(md))
        return err_set(e, ERR_INPUT, "%s: header: __metadata__ is not an object", file);
    json_object_foreach(md, key, v) {
        if (!json_is_string(v))
            return err_set(e, ERR_INPUT, "%s: header: __metadata__ value '%.60s' is not a "
                           "string", file, key);
    }
    const json_t *src = json_object_get(md, "source");
    if (src)
        snprintf(r->source, sizeof r->source, "%s", json_string_value(src));
    return 0;
}

/* Tensor `name` of shape [d0] or [d0, d1] (d1 = 0: rank 1) into out, or
 * *found = 0 when it is absent. */
static int tensor_read(const char *file, json_t *root, const unsigned char *data,
                       const char *name, uint64_t d0, uint64_t d1, float *out, int *found,
                       Err *e)
{
    const json_t *v = json_object_get(root, name);
    *found = v != NULL;
    if (!v)
        return 0;
    Entry t;
    int rc = entry_check(file, name, v, UINT64_MAX, &t, e); /* range checked before */
    if (rc)
        return rc;
    if (t.dtype == RDT_OTHER)
        return err_set(e, ERR_INPUT, "%s: tensor %s: dtype %.20s, expected F32, F16 or BF16",
                       file, name, json_string_value(json_object_get(v, "dtype")));
    int rank = d1 ? 2 : 1;
    if (t.rank != rank || t.shape[0] != d0 || (rank == 2 && t.shape[1] != d1)) {
        char got[96] = "[", want[48];
        const json_t *sh = json_object_get(v, "shape");
        for (size_t i = 0; i < json_array_size(sh) && strlen(got) < 70; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%" JSON_INTEGER_FORMAT,
                     i ? ", " : "", json_integer_value(json_array_get(sh, i)));
        strcat(got, "]");
        if (rank == 2)
            snprintf(want, sizeof want, "[%" PRIu64 ", %" PRIu64 "]", d0, d1);
        else
            snprintf(want, sizeof want, "[%" PRIu64 "]", d0);
        return err_set(e, ERR_INPUT, "%s: tensor %s: shape %s, expected %s", file, name, got,
                       want);
    }
    uint64_t count = d0 * (d1 ? d1 : 1), bytes = count * dtype_size[t.dtype];
    if (t.end - t.begin != bytes)
        return err_set(e, ERR_INPUT, "%s: tensor %s: data_offsets [%" PRIu64 ", %" PRIu64
                       "] hold %" PRIu64 " bytes, %s %s needs %" PRIu64, file, name, t.begin,
                       t.end, t.end - t.begin, dtype_names[t.dtype], rank == 2 ? "[E, D]"
                       : "[E]", bytes);
    const unsigned char *p = data + t.begin;
    for (uint64_t i = 0; i < count; i++) {
        float f;
        uint16_t h;
        if (t.dtype == RDT_F32) {
            memcpy(&f, p + 4 * i, 4);
        } else {
            memcpy(&h, p + 2 * i, 2);
            if (t.dtype == RDT_F16) {
                f = f16_to_f32(h);
            } else {
                uint32_t u = (uint32_t)h << 16;
                memcpy(&f, &u, 4);
            }
        }
        if (!isfinite(f))
            return err_set(e, ERR_INPUT, "%s: tensor %s: element %" PRIu64 " is %s", file, name,
                           i, isnan(f) ? "NaN" : "infinite");
        out[i] = f;
    }
    return 0;
}

static int layers_read(const char *file, json_t *root, const unsigned char *data, Router *r,
                       Err *e)
{
    char name[64];
    int rc = 0, found;
    for (int l = 0; !rc && l < r->L; l++) {
        snprintf(name, sizeof name, "layers.%d.router.weight", l);
        rc = tensor_read(file, root, data, name, (uint64_t)r->E, (uint64_t)r->D,
                         r->weight + (size_t)l * r->E * r->D, &found, e);
        if (!rc && !found)
            rc = err_set(e, ERR_INPUT, "%s: tensor %s: missing (the trace set has %d layers)",
                         file, name, r->L);
        snprintf(name, sizeof name, "layers.%d.router.bias", l);
        if (!rc)
            rc = tensor_read(file, root, data, name, (uint64_t)r->E, 0,
                             r->bias + (size_t)l * r->E, &found, e);
        r->n_bias += !rc && found;
    }
    return rc;
}

int router_parse(const void *buf, size_t len, const char *name, int L, int E, int D,
                 Router *out, Err *e)
{
    const unsigned char *p = buf;
    uint64_t hlen = 0;
    memset(out, 0, sizeof *out);
    if (len < 8)
        return err_set(e, ERR_INPUT, "%s: header: %zu bytes, shorter than the 8-byte header "
                       "length", name, len);
    memcpy(&hlen, p, 8);
    if (hlen > ROUTER_HEADER_MAX)
        return err_set(e, ERR_INPUT, "%s: header: header length %" PRIu64 " exceeds the cap "
                       "of %u bytes (100 MiB)", name, hlen, ROUTER_HEADER_MAX);
    if (hlen > len - 8)
        return err_set(e, ERR_INPUT, "%s: header: header length %" PRIu64 " exceeds the "
                       "file's %zu bytes after the length", name, hlen, len - 8);
    json_error_t je;
    json_t *root = json_loadb((const char *)p + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return err_set(e, ERR_INPUT, "%s: header: JSON at byte %d: %s", name, 8 + je.position,
                       je.text);
    Entry *ent = NULL;
    size_t n_ent = 0;
    int rc = 0;
    if (!json_is_object(root))
        rc = err_set(e, ERR_INPUT, "%s: header: not a JSON object", name);
    if (!rc)
        rc = entries_check(name, root, (uint64_t)(len - 8 - hlen), &ent, &n_ent, e);
    if (!rc)
        rc = router_alloc(out, L, E, D, e);
    if (!rc)
        rc = metadata_read(name, root, out, e);
    if (!rc)
        rc = layers_read(name, root, p + 8 + hlen, out, e);
    free(ent);
    json_decref(root);
    if (rc)
        router_free(out);
    return rc;
}

int router_file_read(const char *path, unsigned char **buf, size_t *len, Err *e)
{
    return file_read_all(path, ROUTER_FILE_MAX, buf, len, e);
}

/* {"dtype":"F32","shape":[...],"data_offsets":[a,b]} */
static json_t *entry_json(uint64_t d0, uint64_t d1, uint64_t *at)
{
    uint64_t bytes = d0 * (d1 ? d1 : 1) * 4;
    json_t *shape = d1 ? json_pack("[II]", (json_int_t)d0, (json_int_t)d1)
                       : json_pack("[I]", (json_int_t)d0);
    json_t *v = json_pack("{s:s, s:o, s:[II]}", "dtype", "F32", "shape", shape,
                          "data_offsets", (json_int_t)*at, (json_int_t)(*at + bytes));
    *at += bytes;
    return v;
}

static char *header_json(const Router *r)
{
    json_t *root = json_object();
    uint64_t at = 0;
    char name[64];
    int bad = !root || json_object_set_new(root, "__metadata__",
                                           json_pack("{s:s}", "source", r->source));
    for (int l = 0; !bad && l < r->L; l++) {
        snprintf(name, sizeof name, "layers.%d.router.weight", l);
        bad = json_object_set_new(root, name, entry_json((uint64_t)r->E, (uint64_t)r->D, &at));
        snprintf(name, sizeof name, "layers.%d.router.bias", l);
        if (!bad && r->n_bias > 0)
            bad = json_object_set_new(root, name, entry_json((uint64_t)r->E, 0, &at));
    }
    char *s = bad ? NULL : json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

int router_encode(const Router *r, unsigned char **buf, size_t *len, Err *e)
{
    *buf = NULL;
    *len = 0;
    char *hdr = header_json(r);
    if (!hdr)
        return err_set(e, ERR_RUNTIME, "%s: out of memory for the header", ROUTER_FILE_NAME);
    size_t hlen = (strlen(hdr) + 7) & ~(size_t)7;
    size_t w = (size_t)r->L * r->E * r->D, b = r->n_bias > 0 ? (size_t)r->L * r->E : 0;
    size_t total = 8 + hlen + 4 * (w + b);
    unsigned char *p = malloc(total);
    if (!p) {
        free(hdr);
        return err_set(e, ERR_RUNTIME, "%s: out of memory for %zu bytes", ROUTER_FILE_NAME,
                       total);
    }
    uint64_t h64 = hlen;
    memcpy(p, &h64, 8);
    memset(p + 8, ' ', hlen);
    memcpy(p + 8, hdr, strlen(hdr));
    free(hdr);
    unsigned char *d = p + 8 + hlen;
    for (int l = 0; l < r->L; l++) {
        size_t n = (size_t)r->E * r->D;
        memcpy(d, r->weight + (size_t)l * n, 4 * n);
        d += 4 * n;
        if (b) {
            memcpy(d, r->bias + (size_t)l * r->E, 4 * (size_t)r->E);
            d += 4 * (size_t)r->E;
        }
    }
    *buf = p;
    *len = total;
    return 0;
}

int router_write(const char *path, const Router *r, Err *e)
{
    unsigned char *buf;
    size_t len;
    AtomicFile af;
    int rc = router_encode(r, &buf, &len, e);
    if (rc)
        return rc;
    rc = atomic_file_open(path, &af, e);
    if (!rc) {
        if (fwrite(buf, 1, len, af.fp) != len)
            af.errnum = errno;
        rc = atomic_file_commit(&af, e);
    }
    free(buf);
    return rc;
}
