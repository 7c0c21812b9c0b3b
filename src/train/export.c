/* export.c: the directory and the per-run summary files; see export.h.
 * The per-k and per-expert tables are in export_tables.c. */
#include "train/export.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/chance.h"
#include "train/export_files.h"
#include "train/sim_export.h"
#include "train/sim_live.h"

int export_file_open(ExportFile *f, const char *dir, const char *name, Err *e)
{
    snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
    f->fp = fopen(f->path, "w");
    if (!f->fp)
        return err_sys(e, ERR_RUNTIME, errno, "%s", f->path);
    csvw_init(&f->w, f->fp);
    return ERR_OK;
}

int export_file_close(ExportFile *f, Err *e)
{
    int werr = csvw_error(&f->w);
    if (fflush(f->fp) != 0 && !werr)
        werr = errno;
    if (ferror(f->fp) && !werr)
        werr = EIO;
    if (fclose(f->fp) != 0 && !werr)
        werr = errno;
    f->fp = NULL;
    return werr ? err_sys(e, ERR_RUNTIME, werr, "%s", f->path) : ERR_OK;
}

/* The run and arch cells that start most rows. */
void export_run_cells(CsvWriter *w, const Run *r)
{
    csvw_str(w, r->name);
    csvw_str(w, arch_name(r->arch));
}

/* A header with K and 2K spelled out: "recall_K" -> "recall_4". */
void export_header(CsvWriter *w, const char *const *cols, size_t n, int K)
{
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        const char *c = cols[i];
        size_t len = strlen(c);
        if (len > 3 && !strcmp(c + len - 3, "_2K"))
            snprintf(buf, sizeof buf, "%.*s_%d", (int)(len - 3), c, 2 * K);
        else if (len > 2 && !strcmp(c + len - 2, "_K"))
            snprintf(buf, sizeof buf, "%.*s_%d", (int)(len - 2), c, K);
        else
            snprintf(buf, sizeof buf, "%s", c);
        csvw_str(w, buf);
    }
    csvw_end_row(w);
}

static void summary_metrics(CsvWriter *w, const MetricsSummary *s, double val_loss)
{
    const double v[] = {s->hit1, s->hit5, s->hit10, s->hit15, s->hit20, s->recall_K,
                        s->cover_K, s->cover_2K, s->exact, s->val_ce, val_loss};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        csvw_real(w, v[i]);
}

static void summary_baseline(CsvWriter *w, const char *name, const MetricsSummary *s)
{
    csvw_str(w, name);
    csvw_str(w, name);
    for (int i = 0; i < 3; i++) /* params, steps, samples_per_s */
        csvw_empty(w);
    summary_metrics(w, s, (double)NAN);
    csvw_empty(w);
    csvw_empty(w);
    csvw_end_row(w);
}

static int write_summary(const char *dir, const TrainData *d, const Run *const *runs, int n,
                         Err *e)
{
    static const char *const cols[] = {
        "run", "arch", "params", "steps", "samples_per_s", "hit1", "hit5", "hit10", "hit15",
        "hit20", "recall_K", "cover_K", "cover_2K", "exact", "val_ce", "val_loss",
        "best_recall_K", "best_step"};
    ExportFile f;
    int rc = export_file_open(&f, dir, "summary.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], d->h.K);
    for (int i = 0; i < n; i++) {
        const Run *r = runs[i];
        const EvalRow *last = r->n_hist ? &r->hist[r->n_hist - 1] : NULL;
        MetricsSummary s;
        metrics_summary(&r->last, &s);
        export_run_cells(&f.w, r);
        csvw_int(&f.w, (int64_t)model_param_count(r->model));
        csvw_int(&f.w, r->step);
        csvw_real(&f.w, last ? last->samples_per_s : (double)NAN);
        if (last) {
            summary_metrics(&f.w, &s, last->val_loss);
            csvw_real(&f.w, r->best_recall_K);
            csvw_int(&f.w, r->best_step);
        } else {
            for (int k = 0; k < 13; k++)
                csvw_empty(&f.w);
        }
        csvw_end_row(&f.w);
    }
    MetricsSummary s;
    metrics_chance_summary(d->h.E, d->h.K, &s);
    summary_baseline(&f.w, "chance", &s);
    metrics_summary(&d->base_freq, &s);
    summary_baseline(&f.w, "frequency", &s);
    metrics_summary(&d->base_repeat, &s);
    summary_baseline(&f.w, "repeat", &s);
    if (d->has_gate) {
        metrics_summary(&d->base_gate, &s);
        summary_baseline(&f.w, "gate", &s);
    }
    return export_file_close(&f, e);
}

static int write_metrics(const char *dir, const TrainData *d, const Run *const *runs, int n,
                         Err *e)
{
    static const char *const cols[] = {
        "run", "arch", "step", "epoch", "samples", "train_loss", "val_loss", "val_ce", "hit1",
        "hit5", "hit10", "hit15", "hit20", "recall_K", "cover_K", "cover_2K", "exact", "lr",
        "samples_per_s", "wall_s"};
    ExportFile f;
    int rc = export_file_open(&f, dir, "metrics.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], d->h.K);
    for (int i = 0; i < n; i++)
        for (int64_t j = 0; j < runs[i]->n_hist; j++) {
            const EvalRow *h = &runs[i]->hist[j];
            export_run_cells(&f.w, runs[i]);
            csvw_int(&f.w, h->step);
            csvw_real(&f.w, h->epoch);
            csvw_int(&f.w, h->samples);
            const double v[] = {h->train_loss, h->val_loss, h->val_ce, h->hit1, h->hit5,
                                h->hit10, h->hit15, h->hit20, h->recall_K, h->cover_K,
                                h->cover_2K, h->exact, h->lr, h->samples_per_s, h->wall_s};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
                csvw_real(&f.w, v[k]);
            csvw_end_row(&f.w);
        }
    return export_file_close(&f, e);
}

/* deploy.csv: the live simulation at each run's latest evaluation (none
 * when it is off or never ran: the man page says so). */
static int export_deploy(const char *dir, const TrainData *d, const Run *const *runs, int n,
                         Err *e)
{
    if (!d->live || sim_live_why_off(d->live) || !sim_live_prepared(d->live))
        return ERR_OK;
    SimTable t;
    int rc = sim_live_table(d->live, runs, n, &t, e);
    if (!rc)
        rc = sim_export_deploy(dir, &t, e);
    sim_table_free(&t);
    return rc;
}

int export_write(const char *dir, const TrainConfig *c, const TrainData *d,
                 const Run *const *runs, int n, const ExportInfo *info, Err *e)
{
    AtomicDir ad;
    int rc = atomic_dir_open(dir, &ad, e);
    if (rc)
        return rc;
    rc = write_summary(ad.tmp, d, runs, n, e);
    if (!rc)
        rc = write_metrics(ad.tmp, d, runs, n, e);
    if (!rc)
        rc = export_coverage(ad.tmp, d, runs, n, e);
    if (!rc)
        rc = export_layers(ad.tmp, d, runs, n, e);
    if (!rc)
        rc = export_experts(ad.tmp, d, runs, n, e);
    if (!rc)
        rc = export_future(ad.tmp, d, runs, n, e);
    for (int i = 0; !rc && i < n; i++)
        rc = export_confusion(ad.tmp, d, runs[i], e);
    if (!rc)
        rc = export_config(ad.tmp, c, d, runs, n, info, e);
    if (!rc)
        rc = export_deploy(ad.tmp, d, runs, n, e);
    if (rc) {
        atomic_dir_abort(&ad);
        return rc;
    }
    return atomic_dir_commit(&ad, e);
}
