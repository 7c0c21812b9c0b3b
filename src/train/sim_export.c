/* sim_export.c: deploy.csv; see sim_export.h. */
#include "train/sim_export.h"

#include <math.h>

#include "train/export_files.h"

int sim_export_deploy(const char *dir, const SimTable *t, Err *e)
{
    static const char *const cols[] = {"predictor", "policy", "cache", "prefetch", "lookahead",
                                       "hit", "prefetch_precision", "bytes_per_token",
                                       "stall_ms_per_token", "tpot_ms", "speedup"};
    ExportFile f;
    int rc = export_file_open(&f, dir, "deploy.csv", e);
    if (rc)
        return rc;
    export_header(&f.w, cols, sizeof cols / sizeof cols[0], t->K);
    for (int i = 0; i < t->n_rows; i++) {
        const SimRow *r = &t->rows[i];
        csvw_str(&f.w, r->predictor[0] ? r->predictor : NULL);
        csvw_str(&f.w, sim_policy_name(r->policy));
        csvw_int(&f.w, r->cache);
        csvw_int(&f.w, r->prefetch);
        if (r->lookahead >= 0)
            csvw_int(&f.w, r->lookahead);
        else
            csvw_empty(&f.w);
        csvw_real(&f.w, r->r.hit);
        csvw_real(&f.w, r->r.prefetch_precision);
        csvw_real(&f.w, r->r.bytes_per_token);
        csvw_real(&f.w, r->r.stall_ms_per_token);
        csvw_real(&f.w, r->r.tpot_ms);
        csvw_real(&f.w, r->speedup);
        csvw_end_row(&f.w);
    }
    return export_file_close(&f, e);
}

int sim_export_dir(const char *dir, const SimTable *t, Err *e)
{
    AtomicDir ad;
    int rc = atomic_dir_open(dir, &ad, e);
    if (rc)
        return rc;
    if ((rc = sim_export_deploy(ad.tmp, t, e))) {
        atomic_dir_abort(&ad);
        return rc;
    }
    return atomic_dir_commit(&ad, e);
}
