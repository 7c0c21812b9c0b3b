/* bench_floor.c: replay of a step's logical GEMMs; see bench_floor.h. */
#include "bench_floor.h"

#include <cblas.h>
#include <stdlib.h>

#include "clock.h"
#include "nn/blas.h"
#include "nn/pool.h"
#include "util/rng.h"

/* Scratch operands large enough for every entry's copies. */
typedef struct Scratch {
    float *a, *b, *c; /* [max count·M·K], [max count·K·N], [max count·M·N] */
} Scratch;

/* One entry in flight: its shape and where copy i's operands start. */
typedef struct Replay {
    const GemmShape *g;
    const Scratch *s;
} Replay;

/* C[r0:r1] of copy i (rows of C; op(A)'s rows are A's columns when ta). */
static void gemm_rows(const GemmShape *g, const Scratch *s, size_t i, size_t r0, size_t r1)
{
    size_t M = g->M, N = g->N, K = g->K;
    const float *a = s->a + i * M * K, *b = s->b + i * K * N;
    const float *ar = g->ta ? a + r0 : a + r0 * K; /* ta: A is [K][M] */
    cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans,
                g->tb ? CblasTrans : CblasNoTrans, (int)(r1 - r0), (int)N, (int)K, 1.0f, ar,
                g->ta ? (int)M : (int)K, b, g->tb ? (int)K : (int)N, 0.0f,
                s->c + i * M * N + r0 * N, (int)N);
}

static void pool_rows(void *ctx, int slice, size_t r0, size_t r1)
{
    const Replay *r = ctx;
    (void)slice;
    gemm_rows(r->g, r->s, 0, r0, r1);
}

static void pool_copies(void *ctx, int slice, size_t i0, size_t i1)
{
    const Replay *r = ctx;
    (void)slice;
    for (size_t i = i0; i < i1; i++)
        gemm_rows(r->g, r->s, i, 0, r->g->M);
}

/* Slices of about 2^21 multiply-adds (nn/linear.c's grain). */
static size_t grain(size_t per_item)
{
    size_t gr = ((size_t)1 << 21) / (per_item ? per_item : 1);
    return gr ? gr : 1;
}

static void pass_native(const GemmShape *g, size_t n, const Scratch *s)
{
    for (size_t e = 0; e < n; e++)
        for (size_t i = 0; i < g[e].count; i++)
            gemm_rows(&g[e], s, i, 0, g[e].M);
}

static void pass_pool(const GemmShape *g, size_t n, const Scratch *s)
{
    for (size_t e = 0; e < n; e++) {
        Replay r = {&g[e], s};
        if (g[e].count > 1)
            pool_for(g[e].count, grain(g[e].M * g[e].N * g[e].K), 1, pool_copies, &r);
        else
            pool_for(g[e].M, grain(g[e].N * g[e].K), 1, pool_rows, &r);
    }
}

/* Best of `passes` timed passes, after one untimed one. */
static double time_best(void (*pass)(const GemmShape *, size_t, const Scratch *),
                        const GemmShape *g, size_t n, const Scratch *s, int passes)
{
    pass(g, n, s);
    double best = 0.0;
    for (int p = 0; p < passes; p++) {
        double t0 = bench_now_s();
        pass(g, n, s);
        double t = bench_now_s() - t0;
        if (p == 0 || t < best)
            best = t;
    }
    return best;
}

static float *scratch_buf(size_t n, Rng *r)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; x && i < n; i++)
        x[i] = 0.02f * rng_uniform_f(r) - 0.01f; /* small: no overflow, no denormals */
    return x;
}

static int scratch_alloc(Scratch *s, const GemmShape *g, size_t n, Err *e)
{
    size_t na = 0, nb = 0, nc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = g[i].count;
        if (k * g[i].M * g[i].K > na)
            na = k * g[i].M * g[i].K;
        if (k * g[i].K * g[i].N > nb)
            nb = k * g[i].K * g[i].N;
        if (k * g[i].M * g[i].N > nc)
            nc = k * g[i].M * g[i].N;
    }
    Rng r;
    rng_seed(&r, 2);
    s->a = scratch_buf(na, &r), s->b = scratch_buf(nb, &r), s->c = scratch_buf(nc, &r);
    if (!s->a || !s->b || !s->c)
        return err_set(e, ERR_RUNTIME, "floor: out of memory for %zu + %zu + %zu floats", na,
                       nb, nc);
    return ERR_OK;
}

int floor_replay(const GemmShape *g, size_t n, int threads, int passes, FloorResult *out,
                 Err *e)
{
    if (passes < 1)
        return err_set(e, ERR_USAGE, "floor: %d passes (need >= 1)", passes);
    out->gflop = 0.0;
    out->products = 0;
    for (size_t i = 0; i < n; i++) {
        out->gflop += 2e-9 * (double)g[i].M * (double)g[i].N * (double)g[i].K *
                      (double)g[i].count;
        out->products += g[i].count;
    }
    Scratch s;
    int rc = scratch_alloc(&s, g, n, e);
    if (!rc) {
        blas_set_native_threads(threads);
        out->native_s = time_best(pass_native, g, n, &s, passes);
        blas_set_threads(threads); /* OpenBLAS back to 1, the pool at threads */
        out->pool_s = time_best(pass_pool, g, n, &s, passes);
    }
    free(s.a);
    free(s.b);
    free(s.c);
    return rc;
}

double floor_seconds(const FloorResult *r)
{
    return r->native_s < r->pool_s ? r->native_s : r->pool_s;
}
