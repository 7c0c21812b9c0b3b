/*
 * bench_train.c: training throughput of one predictor architecture
 * (samples/s of full steps: forward, zero_grad, backward, clip + AdamW) on
 * random inputs of a real model's shape (Qwen1.5-MoE-A2.7B: D=2048, E=60,
 * K=4, L=24), beside the GEMM-only floor of the same step measured in the
 * same run (bench_floor.h). bench/bench_train.sh runs it beside the same
 * models in PyTorch; this program is a benchmark, not a test.
 *
 * Batches are what the trainer hands a model (src/data/batcher.c):
 *   linear, simple    B independent rows, layers of all rows mixed
 *   hybrid, complex   B / window whole windows, each window consecutive
 *                     tokens of one sequence at one layer, so a row's
 *                     future targets (hybrid's four heads) are the next
 *                     rows' targets, past the window's end the tokens after
 *                     it; every row valid (a full window: the common case)
 * A sample is a row that carries a target (a valid row): B of them here.
 *
 * Threads: --threads T sizes moespec's compute pool (blas_set_threads;
 * OpenBLAS itself runs 1 thread), as the trainer does; default 1.
 *
 * Usage: bench_train [--arch linear|simple|hybrid|complex] [--dim D]
 *                    [--experts E] [--top-k K] [--layers L] [--batch B]
 *                    [--steps N] [--warmup N] [--threads T] [--rank R]
 *                    [--width W] [--window T] [--no-layer-id]
 *                    [--seconds S]        (keep stepping past --steps until S s)
 *                    [--floor-passes N]   (timed replays each way; 0: no floor)
 * Prints one line per figure: `moespec ARCH: ...`, `floor ARCH: ...`,
 * `moespec/floor ARCH: ...`, each ending "OpenBLAS core X, T threads".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_floor.h"
#include "clock.h"
#include "models/model.h"
#include "nn/blas.h"
#include "nn/gemm_log.h"
#include "util/rng.h"

#define GEMM_LOG_CAP 4096 /* logical GEMMs of one step (complex: about 130) */

static int arg_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

static const char *arg_str(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return def;
}

static int arg_int(int argc, char **argv, const char *name, int def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return atoi(argv[i + 1]);
    return def;
}

/* The random batch and the arrays behind it. */
typedef struct BenchBatch {
    Batch b;
    size_t n_valid;   /* rows that carry a target: the samples */
    float *x;         /* [n][D] */
    int32_t *layer;   /* [n] */
    int32_t *targets; /* [n][K] */
    int32_t *aux;     /* [n][A][K], NULL when A = 0 */
    uint8_t *valid;   /* [n] */
} BenchBatch;

static void bench_batch_free(BenchBatch *bb)
{
    free(bb->x);
    free(bb->layer);
    free(bb->targets);
    free(bb->aux);
    free(bb->valid);
}

/* One token's target set: K distinct ids (a run of consecutive experts). */
static void random_targets(int32_t *t, int E, int K, Rng *r)
{
    uint64_t first = rng_below(r, (uint64_t)E);
    for (int k = 0; k < K; k++)
        t[k] = (int32_t)((first + (uint64_t)k) % (uint64_t)E);
}

/* Window w (rows r0 .. r0 + T - 1): one layer, targets of T + A
 * consecutive tokens, row p's future j the targets of token p + 1 + j. */
static void fill_window(BenchBatch *bb, const ModelConfig *c, int A, size_t r0, size_t T,
                        int32_t *seq, Rng *r)
{
    size_t K = (size_t)c->K;
    int32_t l = (int32_t)rng_below(r, (uint64_t)c->L);
    for (size_t t = 0; t < T + (size_t)A; t++)
        random_targets(seq + t * K, c->E, c->K, r);
    for (size_t p = 0; p < T; p++) {
        bb->layer[r0 + p] = l;
        memcpy(bb->targets + (r0 + p) * K, seq + p * K, K * sizeof *seq);
        for (int j = 0; j < A; j++)
            memcpy(bb->aux + ((r0 + p) * (size_t)A + (size_t)j) * K, seq + (p + 1 + (size_t)j) * K,
                   K * sizeof *seq);
    }
}

/* A batch of up to B rows for model m (whole windows when it is windowed). */
static int bench_batch_make(BenchBatch *bb, const Model *m, size_t B, Err *e)
{
    const ModelConfig *c = &m->cfg;
    int A = model_n_aux(m), windowed = m->ops->windowed;
    size_t T = windowed ? (size_t)c->window : 1, n = B / T * T, K = (size_t)c->K;
    memset(bb, 0, sizeof *bb);
    bb->x = malloc(n * (size_t)c->D * sizeof *bb->x);
    bb->layer = malloc(n * sizeof *bb->layer);
    bb->targets = malloc(n * K * sizeof *bb->targets);
    bb->aux = A ? malloc(n * (size_t)A * K * sizeof *bb->aux) : NULL;
    bb->valid = malloc(n);
    int32_t *seq = malloc((T + (size_t)A) * K * sizeof *seq);
    if (!bb->x || !bb->layer || !bb->targets || (A && !bb->aux) || !bb->valid || !seq) {
        free(seq);
        return err_set(e, ERR_RUNTIME, "bench_train: out of memory for a batch of %zu rows", n);
    }
    Rng r;
    rng_seed(&r, 1);
    for (size_t i = 0; i < n * (size_t)c->D; i++)
        bb->x[i] = (float)rng_normal(&r);
    for (size_t r0 = 0; r0 < n; r0 += T)
        fill_window(bb, c, A, r0, T, seq, &r); /* T = 1: one row at a random layer */
    free(seq);
    memset(bb->valid, 1, n);
    bb->n_valid = n;
    bb->b = (Batch){.n = n, .hidden = bb->x, .layer = bb->layer,
                    .valid = windowed ? bb->valid : NULL, .aux_targets = bb->aux};
    return ERR_OK;
}

static int train_step(Model *m, const BenchBatch *bb, double *loss, Err *e)
{
    int rc = model_forward(m, &bb->b, bb->targets, 1, loss, e);
    if (!rc) {
        model_zero_grad(m);
        rc = model_backward(m, e);
    }
    return rc ? rc : model_update(m, 1e-3f, NULL, e);
}

/* How long to step: `warmup` untimed steps, then at least `steps` timed
 * ones and at least `seconds` (0: steps alone), so one setting gives a
 * run of a few seconds for every architecture and D. */
typedef struct StepPlan {
    int warmup, steps;
    double seconds;
} StepPlan;

/* Runs the plan; *steps and *secs get the timed steps and their seconds. */
static int time_steps(Model *m, const BenchBatch *bb, const StepPlan *plan, int *steps,
                      double *secs, double *loss, Err *e)
{
    for (int s = 0; s < plan->warmup; s++) {
        int rc = train_step(m, bb, loss, e);
        if (rc)
            return rc;
    }
    double t0 = bench_now_s();
    *steps = 0;
    do {
        int rc = train_step(m, bb, loss, e);
        if (rc)
            return rc;
        ++*steps;
        *secs = bench_now_s() - t0;
    } while (*steps < plan->steps || *secs < plan->seconds);
    return ERR_OK;
}

/* The floor of one more step: its GEMMs logged, then replayed. */
static int measure_floor(Model *m, const BenchBatch *bb, int threads, int passes,
                         FloorResult *fr, Err *e)
{
    GemmShape *log = malloc(GEMM_LOG_CAP * sizeof *log);
    if (!log)
        return err_set(e, ERR_RUNTIME, "bench_train: out of memory for the GEMM log");
    double loss;
    gemm_log_begin(log, GEMM_LOG_CAP);
    int rc = train_step(m, bb, &loss, e);
    size_t n = gemm_log_end();
    if (!rc && n > GEMM_LOG_CAP)
        rc = err_set(e, ERR_RUNTIME, "bench_train: %zu GEMMs in a step (log holds %d)", n,
                     GEMM_LOG_CAP);
    if (!rc)
        rc = floor_replay(log, n, threads, passes, fr, e);
    free(log);
    return rc;
}

static void print_rates(const Model *m, const BenchBatch *bb, int steps, double secs,
                        double loss, const FloorResult *fr)
{
    const ModelConfig *c = &m->cfg;
    const char *name = arch_name(c->arch), *core = blas_core();
    int T = blas_threads();
    double rate = (double)steps * (double)bb->n_valid / secs;
    printf("moespec %s%s: %.0f samples/s (samples = rows with a target; D=%d W=%d E=%d K=%d "
           "L=%d window %d rank %d, %zu params, B=%zu rows, %d steps in %.3f s, loss %.4f; "
           "OpenBLAS core %s, %d threads)\n",
           name, c->use_layer_id ? "" : " (no layer id)", rate, c->D, c->W, c->E, c->K, c->L,
           m->ops->windowed ? c->window : 1, c->rank, model_param_count(m), bb->b.n, steps,
           secs, loss, core, T);
    if (!fr)
        return;
    double fs = floor_seconds(fr), frate = (double)bb->n_valid / fs;
    printf("floor %s: %.0f samples/s (%.3f GFLOP per step at %.1f GFLOP/s, openblas-threads "
           "%.1f ms, pool-split %.1f ms, %zu products; OpenBLAS core %s, %d threads)\n",
           name, frate, fr->gflop, fr->gflop / fs, 1e3 * fr->native_s, 1e3 * fr->pool_s,
           fr->products, core, T);
    printf("moespec/floor %s: %.2f (moespec at %.1f GFLOP/s of GEMM; OpenBLAS core %s, %d "
           "threads)\n",
           name, rate / frate, fr->gflop * (double)steps / secs, core, T);
}

/* The configuration from the command line; SPEC 5 defaults otherwise. */
static int bench_config(int argc, char **argv, ModelConfig *mc, Err *e)
{
    Arch arch;
    int rc = arch_parse(arg_str(argc, argv, "--arch", "simple"), &arch, e);
    if (rc)
        return rc;
    model_config_default(mc, arch, arg_int(argc, argv, "--dim", 2048),
                         arg_int(argc, argv, "--experts", 60), arg_int(argc, argv, "--top-k", 4),
                         arg_int(argc, argv, "--layers", 24));
    mc->W = arg_int(argc, argv, "--width", mc->W);
    mc->window = arg_int(argc, argv, "--window", mc->window);
    mc->rank = arg_int(argc, argv, "--rank", 0);
    mc->use_layer_id = !arg_flag(argc, argv, "--no-layer-id");
    return ERR_OK;
}

static int run(int argc, char **argv, Err *e)
{
    int B = arg_int(argc, argv, "--batch", 1024), threads = arg_int(argc, argv, "--threads", 1);
    StepPlan plan = {arg_int(argc, argv, "--warmup", 3), arg_int(argc, argv, "--steps", 20),
                     atof(arg_str(argc, argv, "--seconds", "0"))};
    int passes = arg_int(argc, argv, "--floor-passes", 2), steps = 0;
    if (B < 1 || plan.steps < 1 || threads < 1 || plan.warmup < 0 || passes < 0 ||
        !(plan.seconds >= 0.0))
        return err_set(e, ERR_USAGE, "bench_train: --batch, --steps, --threads >= 1; "
                                     "--warmup, --seconds, --floor-passes >= 0");
    blas_set_threads(threads);
    ModelConfig mc;
    Model *m = NULL;
    BenchBatch bb = {0};
    FloorResult fr;
    double secs = 0.0, loss = 0.0;
    int rc = bench_config(argc, argv, &mc, e);
    if (!rc)
        rc = model_create(&mc, (size_t)B, &m, e);
    if (!rc)
        rc = bench_batch_make(&bb, m, (size_t)B, e);
    if (!rc)
        rc = time_steps(m, &bb, &plan, &steps, &secs, &loss, e);
    if (!rc && passes > 0)
        rc = measure_floor(m, &bb, threads, passes, &fr, e);
    if (!rc)
        print_rates(m, &bb, steps, secs, loss, passes > 0 ? &fr : NULL);
    bench_batch_free(&bb);
    model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    Err e;
    err_clear(&e);
    if (run(argc, argv, &e)) {
        fprintf(stderr, "bench_train: %s\n", e.msg);
        return 1;
    }
    return 0;
}
