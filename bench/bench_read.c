/*
 * bench_read.c: trace-set read throughput from the page cache (GB/s).
 *
 * Writes a random set (default 1 GiB: E=60, K=4, L=24, D=2048, f16, 64 MiB
 * shards), reads it once to warm the page cache, then times, best of 5:
 *   reference  read(2) of every shard file into a 1 MiB buffer;
 *   scan       mmap of every shard and a plain 64-bit sum over it (the
 *              ceiling for any mmap reader: page mapping + one pass);
 *   first read traceset_open + traceset_load_group of every group: mapping
 *              plus the first-read verification (checksum, ids, finite
 *              values) that every trainer run pays once per shard;
 *   reload     traceset_load_group again on an opened, verified set, and
 *              every hidden row converted to f32 (traceset_seq_hidden), as
 *              the batcher reads it.
 * and prints each as GB/s of shard bytes with its ratio to the reference.
 * Not a test: `make bench`, then bench/bench_read [--mb N] [--dir DIR].
 */
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "data/traceset.h"

enum { REPS = 5 };

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random sequences of 256 tokens until about mb MiB are written. */
static int write_set(const char *dir, long mb, Err *e)
{
    const TraceHeader h = {60, 4, 24, 2048, HIDDEN_ROUTER_INPUT, DTYPE_F16, 1, 1};
    const int T = 256;
    const size_t rows = (size_t)T * (size_t)h.L;
    const size_t seq_bytes = rows * ((size_t)h.D * 2 + (size_t)h.K * 6) + (size_t)T * 4;
    long n_seqs = (long)(((size_t)mb << 20) / seq_bytes) + 1;
    int32_t *tok = malloc((size_t)T * sizeof *tok);
    uint16_t *ids = malloc(rows * (size_t)h.K * sizeof *ids);
    float *w = malloc(rows * (size_t)h.K * sizeof *w);
    float *hid = malloc(rows * (size_t)h.D * sizeof *hid);
    TraceWriter *tw = NULL;
    uint64_t s = 42;
    int rc = !tok || !ids || !w || !hid ? err_set(e, ERR_RUNTIME, "out of memory")
                                        : tracewriter_open(dir, &h, (size_t)64 << 20, &tw, e);
    for (long q = 0; !rc && q < n_seqs; q++) {
        for (int t = 0; t < T; t++)
            tok[t] = (int32_t)(rng(&s) % 32000);
        for (size_t r = 0; r < rows; r++)
            for (int k = 0; k < h.K; k++) { /* K distinct ids: a random start, stride 7 */
                ids[r * 4 + (size_t)k] = (uint16_t)((rng(&s) % 8 + (uint64_t)k * 15) % 60);
                w[r * 4 + (size_t)k] = 0.25f;
            }
        for (size_t i = 0; i < rows * (size_t)h.D; i++)
            hid[i] = (float)((int64_t)(rng(&s) >> 40) - (1 << 23)) * 0x1p-22f;
        TraceSeq seq = {T, tok, ids, w, hid};
        rc = tracewriter_add_seq(tw, &seq, e);
    }
    if (tw)
        rc = rc ? (tracewriter_abort(tw), rc) : tracewriter_commit(tw, e);
    free(tok);
    free(ids);
    free(w);
    free(hid);
    return rc;
}

static char *shard_path(const char *dir, int i)
{
    static char buf[4400];
    snprintf(buf, sizeof buf, "%s/shard-%04d.bin", dir, i);
    return buf;
}

static double time_read(const char *dir, int n_shards)
{
    static char buf[1 << 20];
    double t0 = bench_now_s();
    for (int i = 0; i < n_shards; i++) {
        int fd = open(shard_path(dir, i), O_RDONLY);
        while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
            ;
        if (fd >= 0)
            close(fd);
    }
    return bench_now_s() - t0;
}

static double time_scan(const char *dir, int n_shards, uint64_t *sink)
{
    double t0 = bench_now_s();
    for (int i = 0; i < n_shards; i++) {
        int fd = open(shard_path(dir, i), O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st))
            continue;
        const uint64_t *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (p == MAP_FAILED)
            continue;
        uint64_t acc = 0;
        for (size_t j = 0; j < (size_t)st.st_size / 8; j++)
            acc += p[j];
        *sink += acc;
        munmap((void *)(uintptr_t)p, (size_t)st.st_size);
    }
    return bench_now_s() - t0;
}

static double time_first_read(const char *dir, Err *e, int *rc)
{
    double t0 = bench_now_s();
    TraceSet *ts;
    *rc = traceset_open(dir, 1, &ts, e);
    for (int g = 0; !*rc && g < traceset_n_groups(ts); g++)
        *rc = traceset_load_group(ts, g, e);
    double t = bench_now_s() - t0;
    if (ts)
        traceset_close(ts);
    return t;
}

/* Reload of a verified set, every hidden row converted to f32. */
static double time_reload(TraceSet *ts, float *row, double *sink, Err *e, int *rc)
{
    const TraceHeader *h = traceset_header(ts);
    double t0 = bench_now_s();
    for (int g = 0; !*rc && g < traceset_n_groups(ts); g++) {
        int64_t first, count;
        traceset_group_range(ts, g, &first, &count);
        traceset_release(ts);
        *rc = traceset_load_group(ts, g, e);
        for (int64_t q = first; !*rc && q < first + count; q++) {
            TraceSeqView v;
            *rc = traceset_seq(ts, q, &v, e);
            for (int t = 0; !*rc && t < v.T; t++)
                for (int l = 0; l < h->L; l++) {
                    traceset_seq_hidden(h, &v, t, l, row);
                    *sink += (double)row[t % h->D];
                }
        }
    }
    return bench_now_s() - t0;
}

static double best(const double *t, int n)
{
    double b = t[0];
    for (int i = 1; i < n; i++)
        b = t[i] < b ? t[i] : b;
    return b;
}

int main(int argc, char **argv)
{
    long mb = 1024;
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mb"))
            mb = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir"))
            base = argv[i + 1];
    }
    if (mb < 1) {
        fprintf(stderr, "usage: bench_read [--mb N] [--dir DIR]\n");
        return 2;
    }
    char tmp[4096], dir[4200];
    snprintf(tmp, sizeof tmp, "%s/moespec-bench-read-XXXXXX", base);
    if (!mkdtemp(tmp)) {
        perror(tmp);
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/set", tmp);
    Err e = {0};
    double t0 = bench_now_s();
    int rc = write_set(dir, mb, &e);
    TraceSet *ts = NULL;
    if (!rc)
        rc = traceset_open(dir, 1, &ts, &e);
    if (rc) {
        fprintf(stderr, "bench_read: %s\n", e.msg);
        return 1;
    }
    int n_shards = traceset_n_shards(ts);
    double gb = (double)traceset_bytes(ts) / 1e9;
    printf("bench_read: %.3f GB in %d shards (E=60 K=4 L=24 D=2048 f16), written in %.1f s\n",
           gb, n_shards, bench_now_s() - t0);
    printf("OpenBLAS core %s, %d threads (not used here); reads are single-threaded\n",
           openblas_get_corename(), openblas_get_num_threads());
    time_read(dir, n_shards); /* warm the page cache */
    double tr[REPS], ts_[REPS], tf[REPS], tl[REPS];
    uint64_t sink = 0;
    double fsink = 0;
    float *row = malloc(2048 * sizeof *row);
    for (int r = 0; r < REPS && !rc; r++) {
        tr[r] = time_read(dir, n_shards);
        ts_[r] = time_scan(dir, n_shards, &sink);
        tf[r] = time_first_read(dir, &e, &rc);
        if (!rc)
            tl[r] = time_reload(ts, row, &fsink, &e, &rc);
    }
    if (rc) {
        fprintf(stderr, "bench_read: %s\n", e.msg);
        return 1;
    }
    double ref = gb / best(tr, REPS);
    printf("%-44s %8s %8s\n", "best of 5, page cache", "GB/s", "ratio");
    printf("%-44s %8.2f %8.2f\n", "reference: read(2) into a 1 MiB buffer", ref, 1.0);
    printf("%-44s %8.2f %8.2f\n", "mmap + 64-bit sum (mmap ceiling)", gb / best(ts_, REPS),
           gb / best(ts_, REPS) / ref);
    printf("%-44s %8.2f %8.2f\n", "first read: open + load + verify", gb / best(tf, REPS),
           gb / best(tf, REPS) / ref);
    printf("%-44s %8.2f %8.2f\n", "reload + every hidden row f16 -> f32", gb / best(tl, REPS),
           gb / best(tl, REPS) / ref);
    printf("(sinks, so that no pass is optimised away: %llx %g)\n",
           (unsigned long long)(sink & 0xff), fsink);
    free(row);
    traceset_close(ts);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : 1;
}
