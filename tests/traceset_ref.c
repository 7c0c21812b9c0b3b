/*
 * traceset_ref.c: helpers shared by the trace-set tests (see traceset_ref.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

#include "traceset_ref.h"

/* ---- a random trace set, kept in memory as the reference ---- */


uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static float rng_float(uint64_t *s)
{
    return (float)((double)(rng_next(s) >> 11) / 9007199254740992.0 * 8.0 - 4.0);
}

RefSet *ref_make(TraceHeader h, int n, int maxT, uint64_t seed)
{
    RefSet *r = calloc(1, sizeof *r);
    r->h = h;
    r->n = n;
    r->T = calloc((size_t)n, sizeof *r->T);
    r->tokens = calloc((size_t)n, sizeof *r->tokens);
    r->experts = calloc((size_t)n, sizeof *r->experts);
    r->weights = calloc((size_t)n, sizeof *r->weights);
    r->hidden = calloc((size_t)n, sizeof *r->hidden);
    for (int s = 0; s < n; s++) {
        int T = 1 + (int)(rng_next(&seed) % (uint64_t)maxT);
        size_t rows = (size_t)T * (size_t)h.L;
        r->T[s] = T;
        r->tokens[s] = malloc((size_t)T * sizeof(int32_t));
        r->experts[s] = malloc(rows * (size_t)h.K * sizeof(uint16_t));
        r->weights[s] = malloc(rows * (size_t)h.K * sizeof(float));
        r->hidden[s] = malloc(rows * (size_t)h.D * sizeof(float) + 1);
        for (int t = 0; t < T; t++)
            r->tokens[s][t] = h.has_tokens ? (int32_t)(rng_next(&seed) % 1000) : -1;
        for (size_t row = 0; row < rows; row++) {
            uint16_t *ids = r->experts[s] + row * (size_t)h.K;
            for (int k = 0; k < h.K; k++) { /* distinct ids */
                uint16_t id;
                int dup;
                do {
                    id = (uint16_t)(rng_next(&seed) % (uint64_t)h.E);
                    dup = 0;
                    for (int j = 0; j < k; j++)
                        dup |= ids[j] == id;
                } while (dup);
                ids[k] = id;
                r->weights[s][row * (size_t)h.K + (size_t)k] = rng_float(&seed);
            }
        }
        for (size_t i = 0; i < rows * (size_t)h.D; i++)
            r->hidden[s][i] = rng_float(&seed);
    }
    return r;
}

void ref_free(RefSet *r)
{
    for (int s = 0; s < r->n; s++) {
        free(r->tokens[s]);
        free(r->experts[s]);
        free(r->weights[s]);
        free(r->hidden[s]);
    }
    free(r->T);
    free(r->tokens);
    free(r->experts);
    free(r->weights);
    free(r->hidden);
    free(r);
}

int ref_write(const RefSet *r, const char *dir, size_t shard_bytes, Err *e)
{
    TraceWriter *w;
    int rc = tracewriter_open(dir, &r->h, shard_bytes, &w, e);
    if (rc)
        return rc;
    for (int s = 0; s < r->n; s++) {
        TraceSeq q = {r->T[s], r->tokens[s], r->experts[s], r->weights[s], r->hidden[s]};
        rc = tracewriter_add_seq(w, &q, e);
        if (rc) {
            tracewriter_abort(w);
            return rc;
        }
    }
    return tracewriter_commit(w, e);
}

/* Reads the whole set back group by group and compares with the reference;
 * hidden values are compared after the same f16 rounding the writer does. */
void ref_check(const RefSet *r, const char *dir, int per_group)
{
    TraceSet *ts;
    Err e = {0};
    int rc = traceset_open(dir, per_group, &ts, &e);
    if (rc)
        print_error("%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_memory_equal(traceset_header(ts), &r->h, sizeof r->h);
    assert_int_equal(traceset_n_seqs(ts), r->n);
    const TraceHeader *h = &r->h;
    int64_t seen = 0;
    float *row = malloc((size_t)h->D * sizeof *row + 1), *want = malloc((size_t)h->D * sizeof *want + 1);
    for (int g = 0; g < traceset_n_groups(ts); g++) {
        int64_t first, count;
        traceset_group_range(ts, g, &first, &count);
        assert_int_equal(first, seen);
        assert_int_equal(traceset_load_group(ts, g, &e), 0);
        for (int64_t s = first; s < first + count; s++) {
            TraceSeqView v;
            assert_int_equal(traceset_seq(ts, s, &v, &e), 0);
            assert_int_equal(v.T, r->T[s]);
            assert_int_equal(traceset_seq_len(ts, s), r->T[s]);
            assert_memory_equal(v.tokens, r->tokens[s], (size_t)v.T * 4);
            size_t rows = (size_t)v.T * (size_t)h->L;
            assert_memory_equal(v.experts, r->experts[s], rows * (size_t)h->K * 2);
            if (h->has_weights)
                assert_memory_equal(v.weights, r->weights[s], rows * (size_t)h->K * 4);
            else
                assert_null(v.weights);
            assert_true(((uintptr_t)v.experts % 2) == 0 && ((uintptr_t)v.tokens % 4) == 0);
            for (int t = 0; h->D > 0 && t < v.T; t++)
                for (int l = 0; l < h->L; l++) {
                    const float *src = r->hidden[s] + ((size_t)t * (size_t)h->L + (size_t)l) * (size_t)h->D;
                    for (int d = 0; d < h->D; d++)
                        want[d] = h->dtype == DTYPE_F16 ? f16_to_f32(f32_to_f16(src[d])) : src[d];
                    traceset_seq_hidden(h, &v, t, l, row);
                    assert_close(row, want, (size_t)h->D, 0.0, 0.0);
                }
            if (h->D == 0)
                assert_null(v.hidden);
        }
        seen += count;
    }
    assert_int_equal(seen, r->n);
    assert_int_equal(traceset_verify_all(ts, &e), 0);
    free(row);
    free(want);
    traceset_close(ts);
}

/* ---- file helpers ---- */

char *path_in(const char *dir, const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

void rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n + 1);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    b[*n] = 0;
    return b;
}

void spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

