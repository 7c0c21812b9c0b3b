/* ckpt_eval.c: evaluating checkpoints; see ckpt_eval.h. */
#include "train/ckpt_eval.h"

#include <string.h>

#include "nn/blas.h"

/* The trace set's fingerprint, for deciding which samples to evaluate. */
static int fingerprint_of(const char *dir, uint64_t *fp, Err *e)
{
    TraceSet *ts = NULL;
    int rc = traceset_open(dir, 0, &ts, e);
    if (!rc) {
        *fp = traceset_fingerprint(ts);
        traceset_close(ts);
    }
    return rc;
}

/* Own split when --data is the checkpoint's training set (and --val-data,
 * if given, its validation set), else the whole of --val-data or --data. */
static int choose_samples(TrainConfig *cfg, int val_data_given, const Checkpoint *ck, int *own,
                          Err *e)
{
    uint64_t fp = 0, vfp = 0;
    int rc = fingerprint_of(cfg->data, &fp, e);
    if (!rc && val_data_given)
        rc = fingerprint_of(cfg->val_data, &vfp, e);
    if (rc)
        return rc;
    *own = fp == ck->fingerprint && (!val_data_given || vfp == ck->val_fingerprint);
    if (!*own) {
        if (!val_data_given)
            memcpy(cfg->val_data, cfg->data, sizeof cfg->val_data);
        cfg->val_samples = 0; /* the whole set */
    }
    return ERR_OK;
}

static int check_shape(const TrainData *d, const Checkpoint *ck, const char *path,
                       const char *data, Err *e)
{
    if (d->h.E == ck->E && d->h.K == ck->K && d->h.L == ck->L && d->h.D == ck->D)
        return ERR_OK;
    return err_set(e, ERR_INPUT, "%s: shape E=%d K=%d L=%d D=%d differs from %s's "
                   "(E=%d K=%d L=%d D=%d)", data, d->h.E, d->h.K, d->h.L, d->h.D, path, ck->E,
                   ck->K, ck->L, ck->D);
}

static int restore_one(CkptEval *ev, const Checkpoint *ck, const char *path, Run *r, Err *e)
{
    int rc = check_shape(&ev->data, ck, path, ev->cfg.data, e);
    if (!rc)
        rc = run_create(&ev->cfg, &ev->data, ck->arch, r, e);
    if (rc)
        return rc;
    r->steps_per_epoch = ck->steps_per_epoch; /* epochs of its own training set */
    return checkpoint_restore(ck, path, r, e);
}

int ckpt_restore_runs(const TrainConfig *cfg, int val_data_given, const Checkpoint *cks,
                      const char *const *paths, int n, CkptEval *ev, Err *e)
{
    memset(ev, 0, sizeof *ev);
    ev->cfg = *cfg;
    if (n < 1 || n > TRAIN_MAX_RUNS)
        return err_set(e, ERR_USAGE, "eval: %d checkpoints (1..%d)", n, TRAIN_MAX_RUNS);
    int rc = choose_samples(&ev->cfg, val_data_given, &cks[0], &ev->own_split, e);
    if (rc)
        return rc;
    blas_set_threads(ev->cfg.threads);
    if ((rc = train_data_open(&ev->cfg, &ev->data, e)))
        return rc;
    for (; !rc && ev->n_runs < n; ev->n_runs++)
        rc = restore_one(ev, &cks[ev->n_runs], paths[ev->n_runs], &ev->runs[ev->n_runs], e);
    return rc;
}

int ckpt_eval_run(const TrainConfig *cfg, int val_data_given, const Checkpoint *cks,
                  const char *const *paths, int n, CkptEval *ev, Err *e)
{
    int rc = ckpt_restore_runs(cfg, val_data_given, cks, paths, n, ev, e);
    for (int i = 0; !rc && i < ev->n_runs; i++)
        rc = run_evaluate_alone(&ev->runs[i], &ev->data, e);
    return rc;
}

int64_t ckpt_eval_samples(const CkptEval *ev, int i)
{
    return batcher_n_eval(ev->data.views[ev->runs[i].view].val);
}

void ckpt_eval_free(CkptEval *ev)
{
    for (int i = 0; i < ev->n_runs; i++)
        run_free(&ev->runs[i]);
    train_data_close(&ev->data);
    memset(ev, 0, sizeof *ev);
}
