/*
 * bench_train.c: training throughput of a per-token predictor (simple by
 * default, or --arch linear; samples/s of full steps: forward, zero_grad,
 * backward, clip + AdamW) on random inputs of a real model's shape
 * (Qwen1.5-MoE-A2.7B: D=2048, E=60, K=4, L=24), rows of all layers mixed.
 * bench/bench_train.sh runs it beside the same model in PyTorch; this
 * program is a benchmark, not a test.
 *
 * Usage: bench_train [--dim D] [--experts E] [--top-k K] [--layers L]
 *                    [--batch B] [--steps N] [--warmup N] [--threads T]
 *                    [--arch simple|linear] [--rank R] [--no-layer-id]
 */
#include <cblas.h>
#include "nn/blas.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "models/model.h"
#include "util/rng.h"

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

int main(int argc, char **argv)
{
    int D = arg_int(argc, argv, "--dim", 2048), E = arg_int(argc, argv, "--experts", 60);
    int K = arg_int(argc, argv, "--top-k", 4), L = arg_int(argc, argv, "--layers", 24);
    int B = arg_int(argc, argv, "--batch", 1024), steps = arg_int(argc, argv, "--steps", 20);
    int warmup = arg_int(argc, argv, "--warmup", 3);
    int threads = arg_int(argc, argv, "--threads", 0);
    if (threads > 0)
        blas_set_threads(threads);
    Arch arch;
    Err e;
    if (arch_parse(arg_str(argc, argv, "--arch", "simple"), &arch, &e)) {
        fprintf(stderr, "bench_train: %s\n", e.msg);
        return 1;
    }
    ModelConfig mc;
    model_config_default(&mc, arch, D, E, K, L);
    mc.rank = arg_int(argc, argv, "--rank", 0);
    mc.use_layer_id = !arg_flag(argc, argv, "--no-layer-id");
    Model *m = NULL;
    if (model_create(&mc, (size_t)B, &m, &e)) {
        fprintf(stderr, "bench_train: %s\n", e.msg);
        return 1;
    }
    float *x = malloc((size_t)B * (size_t)D * sizeof *x);
    int32_t *layer = malloc((size_t)B * sizeof *layer), *tg = malloc((size_t)B * (size_t)K * sizeof *tg);
    Rng r;
    rng_seed(&r, 1);
    for (size_t i = 0; i < (size_t)B * (size_t)D; i++)
        x[i] = (float)rng_normal(&r);
    for (int i = 0; i < B; i++) {
        layer[i] = (int32_t)rng_below(&r, (uint64_t)L);
        for (int k = 0; k < K; k++) /* K distinct ids: a run of consecutive experts */
            tg[i * K + k] = (int32_t)((rng_below(&r, (uint64_t)E) + (uint64_t)k) % (uint64_t)E);
    }
    Batch b = {.n = (size_t)B, .hidden = x, .layer = layer};
    double t0 = 0, loss = 0;
    for (int s = 0; s < warmup + steps; s++) {
        if (s == warmup)
            t0 = bench_now_s();
        if (model_forward(m, &b, tg, 1, &loss, &e) || (model_zero_grad(m), model_backward(m, &e)) ||
            model_update(m, 1e-3f, NULL, &e)) {
            fprintf(stderr, "bench_train: %s\n", e.msg);
            return 1;
        }
    }
    double secs = bench_now_s() - t0;
    printf("moespec %s%s: %.0f samples/s (D=%d W=%d E=%d L=%d rank %d, %zu params, B=%d, %d "
           "steps in %.3f s, loss %.4f; OpenBLAS core %s, %d threads)\n",
           arch_name(arch), mc.use_layer_id ? "" : " (no layer id)",
           (double)steps * B / secs, D, mc.W, E, L, mc.rank, model_param_count(m), B, steps, secs,
           loss, blas_core(), blas_threads());
    model_free(m);
    free(x);
    free(layer);
    free(tg);
    return 0;
}
