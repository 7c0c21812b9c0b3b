/* export_tables.c: the per-k, per-layer, per-expert and configuration
 * files of the export; see export.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/chance.h"
#include "nn/blas.h"
#include "train/export_files.h"

int export_coverage(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e)
{
    static const char *const cols[] = {
        "run", "arch", "k", "cover", "recall", "hit", "chance_cover", "chance_recall",
        "chance_hit", "freq_cover", "freq_recall", "freq_hit", "gate_cover", "gate_recall",
        "gate_hit"};
    const int E = d->h.E, K = d->h.K;
    ExportFile f;
    int rc = export_file_open(&f, dir, "coverage.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], K);
    for (int i = 0; i < n; i++) {
        const MetricsResult *m = &runs[i]->last;
        if (!runs[i]->n_hist)
            continue;
        for (int k = 1; k <= E; k++) {
            export_run_cells(&f.w, runs[i]);
            csvw_int(&f.w, k);
            const double v[] = {m->cover[k - 1], m->recall[k - 1], m->hit[k - 1],
                                metrics_chance_cover(E, K, k), metrics_chance_recall(E, K, k),
                                metrics_chance_hit(E, K, k), d->base_freq.cover[k - 1],
                                d->base_freq.recall[k - 1], d->base_freq.hit[k - 1]};
            for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
                csvw_real(&f.w, v[j]);
            const MetricsResult *g = &d->base_gate; /* empty cells without routers */
            for (int j = 0; j < 3; j++) {
                if (d->has_gate)
                    csvw_real(&f.w, (j == 0 ? g->cover : j == 1 ? g->recall : g->hit)[k - 1]);
                else
                    csvw_empty(&f.w);
            }
            csvw_end_row(&f.w);
        }
    }
    return export_file_close(&f, e);
}

int export_layers(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e)
{
    static const char *const cols[] = {"run", "arch", "layer", "recall_K", "cover_2K"};
    ExportFile f;
    int rc = export_file_open(&f, dir, "layers.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], d->h.K);
    for (int i = 0; i < n; i++) {
        const MetricsResult *m = &runs[i]->last;
        if (!runs[i]->n_hist)
            continue;
        for (int l = 0; l + d->lookahead < d->h.L; l++) {
            export_run_cells(&f.w, runs[i]);
            csvw_int(&f.w, l);
            csvw_real(&f.w, m->layer_recall_K[l]);
            csvw_real(&f.w, m->layer_cover_2K[l]);
            csvw_end_row(&f.w);
        }
    }
    return export_file_close(&f, e);
}

static void layer_label(CsvWriter *w, int l, int L)
{
    if (l == L)
        csvw_str(w, "all");
    else
        csvw_int(w, l);
}

int export_experts(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e)
{
    static const char *const cols[] = {"run",    "arch",      "layer",   "expert",
                                       "needed", "predicted", "recall_K"};
    const int E = d->h.E, L = d->h.L;
    ExportFile f;
    int rc = export_file_open(&f, dir, "experts.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], d->h.K);
    for (int i = 0; i < n; i++) {
        const MetricsResult *m = &runs[i]->last;
        if (!runs[i]->n_hist)
            continue;
        for (int l = 0; l <= L; l++) {
            if (l < L && l + d->lookahead >= L)
                continue; /* no samples have this input layer */
            for (int x = 0; x < E; x++) {
                size_t at = (size_t)l * (size_t)E + (size_t)x;
                export_run_cells(&f.w, runs[i]);
                layer_label(&f.w, l, L);
                csvw_int(&f.w, x);
                csvw_int(&f.w, m->needed[at]);
                csvw_int(&f.w, m->predicted[at]);
                csvw_real(&f.w, m->expert_recall_K[at]);
                csvw_end_row(&f.w);
            }
        }
    }
    return export_file_close(&f, e);
}

int export_confusion(const char *dir, const TrainData *d, const Run *r, Err *e)
{
    const int E = d->h.E, L = d->h.L;
    char name[64];
    snprintf(name, sizeof name, "confusion-%s.csv", r->name);
    ExportFile f;
    int rc = export_file_open(&f, dir, name, e);
    if (rc)
        return rc;
    char col[32];
    csvw_str(&f.w, "layer");
    csvw_str(&f.w, "true");
    for (int x = 0; x < E; x++) {
        snprintf(col, sizeof col, "p%d", x);
        csvw_str(&f.w, col);
    }
    csvw_end_row(&f.w);
    for (int l = 0; r->n_hist && l <= L; l++) {
        if (l < L && l + d->lookahead >= L)
            continue;
        for (int t = 0; t < E; t++) {
            layer_label(&f.w, l, L);
            csvw_int(&f.w, t);
            const int64_t *row = r->last.confusion + ((size_t)l * (size_t)E + (size_t)t) * (size_t)E;
            for (int p = 0; p < E; p++)
                csvw_int(&f.w, row[p]);
            csvw_end_row(&f.w);
        }
    }
    return export_file_close(&f, e);
}

int export_future(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e)
{
    static const char *const cols[] = {"run", "arch", "offset", "hit1", "recall_K", "cover_K"};
    int any = 0;
    for (int i = 0; i < n; i++)
        any |= runs[i]->n_aux > 0 && runs[i]->n_hist > 0;
    if (!any)
        return ERR_OK;
    ExportFile f;
    int rc = export_file_open(&f, dir, "future.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], d->h.K);
    for (int i = 0; i < n; i++) {
        if (!runs[i]->n_aux || !runs[i]->n_hist)
            continue;
        for (int o = 0; o < runs[i]->n_aux; o++) {
            const MetricsSummary *s = &runs[i]->aux[o];
            export_run_cells(&f.w, runs[i]);
            csvw_int(&f.w, o + 1);
            csvw_real(&f.w, s->hit1);
            csvw_real(&f.w, s->recall_K);
            csvw_real(&f.w, s->cover_K);
            csvw_end_row(&f.w);
        }
    }
    return export_file_close(&f, e);
}

static void config_row(CsvWriter *w, const char *run, const char *key, const char *value)
{
    csvw_str(w, run);
    csvw_str(w, key);
    csvw_str(w, value);
    csvw_end_row(w);
}

static void config_run(CsvWriter *w, const TrainConfig *c, const TrainData *d, const Run *r,
                       const ExportInfo *info)
{
    char v[TRAIN_PATH_MAX + 64];
#define ROW(key, ...) (snprintf(v, sizeof v, __VA_ARGS__), config_row(w, r->name, key, v))
    ROW("version", "%s", info->version);
    ROW("command_line", "%s", info->cmdline);
    ROW("arch", "%s", arch_name(r->arch));
    ROW("params", "%zu", model_param_count(r->model));
    ROW("data", "%s", c->data);
    ROW("data_fingerprint", "%016llx", (unsigned long long)d->fingerprint);
    ROW("val_data", "%s", c->val_data);
    ROW("E", "%d", d->h.E);
    ROW("K", "%d", d->h.K);
    ROW("L", "%d", d->h.L);
    ROW("D", "%d", d->h.D);
    ROW("seed", "%llu", (unsigned long long)c->seed);
    ROW("planned_steps", "%lld", (long long)r->planned_steps);
    ROW("epochs", "%lld", (long long)c->epochs);
    ROW("max_steps", "%lld", (long long)c->max_steps);
    ROW("batch", "%d", c->batch);
    ROW("lr", "%.9g", r->lr);
    ROW("width", "%d", r->mcfg.W);
    ROW("rank", "%d", r->mcfg.rank);
    ROW("window", "%d", c->window);
    ROW("lookahead", "%d", c->lookahead);
    ROW("layer_id", "%d", c->use_layer_id);
    ROW("dropout", "%.9g", (double)r->mcfg.dropout);
    ROW("weight_decay", "%.9g", (double)r->mcfg.adamw.weight_decay);
    ROW("beta1", "%.9g", (double)r->mcfg.adamw.beta1);
    ROW("beta2", "%.9g", (double)r->mcfg.adamw.beta2);
    ROW("adam_eps", "%.9g", (double)r->mcfg.adamw.eps);
    ROW("clip", "%.9g", (double)r->mcfg.clip);
    ROW("warmup_steps", "%d", SCHEDULE_WARMUP);
    ROW("val_frac", "%.9g", c->val_frac);
    ROW("val_samples", "%lld", (long long)c->val_samples);
    ROW("eval_every", "%lld", (long long)c->eval_every);
    ROW("shards_per_group", "%d", c->shards_per_group);
    ROW("threads", "%d", c->threads);
    ROW("sim_tokens", "%lld", (long long)c->sim_tokens);
    ROW("expert_mb", "%.9g", c->sim_cost.expert_mb);
    ROW("link_bandwidth", "%.9g", c->sim_cost.link_gbps);
    ROW("layer_ms", "%.9g", c->sim_cost.layer_ms);
    ROW("attn_ms", "%.9g", c->sim_cost.attn_ms);
    ROW("openblas_core", "%s", blas_core());
    ROW("openblas_threads", "%d", blas_threads());
#undef ROW
}

int export_config(const char *dir, const TrainConfig *c, const TrainData *d,
                  const Run *const *runs, int n, const ExportInfo *info, Err *e)
{
    static const char *const cols[] = {"run", "key", "value"};
    ExportFile f;
    int rc = export_file_open(&f, dir, "config.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, 3, d->h.K);
    for (int i = 0; i < n; i++)
        config_run(&f.w, c, d, runs[i], info);
    return export_file_close(&f, e);
}
