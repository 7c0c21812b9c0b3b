/* checkpoint_read.c: verified RUN.ckpt reading and restoring; see
 * checkpoint.h. The file is read whole before any field is believed, so the
 * checksum covers everything and a short read can only be a short file.
 * Writing is checkpoint_write.c. */
#include "train/checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/checksum.h"

#include "train/checkpoint_format.h"
#include "util/file_read.h"

/* bytes of a checkpoint at most: the complex model at D=2048 with its two
 * AdamW moments is about 260 MB */
#define CHECKPOINT_MAX_BYTES ((size_t)1 << 33)

/* ---- reading ---- */

typedef struct In {
    const unsigned char *p;
    size_t n, at;
    const char *path;
    Err *e;
    int rc;
    uint32_t version; /* the file's, once check_frame read it */
    size_t at_lookahead, at_val_frac; /* settings bounded once the shape is read */
} In;

static int in_fail(In *in, size_t at, const char *what)
{
    if (!in->rc)
        in->rc = err_set(in->e, ERR_INPUT, "%s:%zu: %s", in->path, at, what);
    return in->rc;
}

static const unsigned char *take(In *in, size_t n)
{
    if (in->rc)
        return NULL;
    if (n > in->n - in->at) {
        in_fail(in, in->at, "truncated checkpoint");
        return NULL;
    }
    const unsigned char *q = in->p + in->at;
    in->at += n;
    return q;
}

static uint64_t get_u64(In *in)
{
    const unsigned char *b = take(in, 8);
    uint64_t v = 0;
    for (int i = 0; b && i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t get_u32(In *in)
{
    const unsigned char *b = take(in, 4);
    uint32_t v = 0;
    for (int i = 0; b && i < 4; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

static int64_t get_i64(In *in) { return (int64_t)get_u64(in); }
static int32_t get_i32(In *in) { return (int32_t)get_u32(in); }

static double get_f64(In *in)
{
    uint64_t u = get_u64(in);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static float get_f32(In *in)
{
    uint32_t u = get_u32(in);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

/* An integer field that must lie in [lo, hi]. */
static int64_t get_int(In *in, int bytes, int64_t lo, int64_t hi, const char *name)
{
    size_t at = in->at;
    int64_t v = bytes == 8 ? get_i64(in) : get_i32(in);
    if (!in->rc && (v < lo || v > hi)) {
        char what[160];
        snprintf(what, sizeof what, "%s = %lld out of range [%lld, %lld]", name, (long long)v,
                 (long long)lo, (long long)hi);
        in_fail(in, at, what);
    }
    /* after a failure the reader still runs to its end: an in-range value,
     * so that nothing on the way indexes with the file's (lr[arch]) */
    return in->rc ? lo : v;
}

/* A real field that must be finite (and within [lo, hi]). */
static double get_real(In *in, int bytes, double lo, double hi, const char *name)
{
    size_t at = in->at;
    double v = bytes == 8 ? get_f64(in) : (double)get_f32(in);
    if (!in->rc && !(isfinite(v) && v >= lo && v <= hi)) {
        char what[160];
        snprintf(what, sizeof what, "%s = %g is not a finite value in [%g, %g]", name, v, lo, hi);
        in_fail(in, at, what);
    }
    return in->rc ? lo : v;
}

static void get_str(In *in, char *dst, size_t size)
{
    size_t n = (size_t)get_int(in, 4, 0, (int64_t)size - 1, "path length");
    const unsigned char *s = take(in, n);
    if (s) {
        memcpy(dst, s, n);
        dst[n] = '\0';
    }
}

#define BIG 1000000000000LL /* a generous bound for counts */

static void get_settings(In *in, Checkpoint *ck)
{
    TrainConfig *c = &ck->cfg;
    train_config_default(c);
    c->n_archs = 1;
    c->archs[0] = ck->arch;
    c->epochs = get_int(in, 8, 0, BIG, "epochs");
    c->max_steps = get_int(in, 8, 0, BIG, "max_steps");
    c->batch = (int)get_int(in, 4, 1, 1 << 20, "batch");
    c->lr[ck->arch] = get_real(in, 8, 1e-300, 1e300, "lr");
    c->width = (int)get_int(in, 4, 0, 1 << 16, "width");
    c->window = (int)get_int(in, 4, 1, 4096, "window");
    in->at_lookahead = in->at;
    c->lookahead = (int)get_int(in, 4, 0, 4095, "lookahead");
    c->use_layer_id = (int)get_int(in, 4, 0, 1, "use_layer_id");
    c->seed = get_u64(in);
    in->at_val_frac = in->at;
    c->val_frac = get_real(in, 8, 0.0, 0.9, "val_frac"); /* --val-frac's range */
    c->val_samples = get_int(in, 8, 0, BIG, "val_samples");
    c->eval_every = get_int(in, 8, 0, BIG, "eval_every");
    c->shards_per_group = (int)get_int(in, 4, 0, 1 << 20, "shards_per_group");
    c->threads = (int)get_int(in, 4, 1, 1024, "threads");
}

static void get_model_config(In *in, Checkpoint *ck)
{
    ModelConfig *m = &ck->mcfg;
    m->arch = ck->arch;
    m->D = (int)get_int(in, 4, 1, 1 << 20, "D");
    m->W = (int)get_int(in, 4, 1, 1 << 16, "W");
    m->E = (int)get_int(in, 4, 1, 1 << 16, "E");
    m->K = (int)get_int(in, 4, 1, TRAIN_MAX_K, "K");
    m->L = (int)get_int(in, 4, 1, 1 << 16, "L");
    m->use_layer_id = (int)get_int(in, 4, 0, 1, "use_layer_id");
    m->window = (int)get_int(in, 4, 1, 4096, "window");
    m->dropout = (float)get_real(in, 4, 0.0, 0.999, "dropout");
    m->seed = get_u64(in);
    m->adamw.beta1 = (float)get_real(in, 4, 0.0, 1.0, "beta1");
    m->adamw.beta2 = (float)get_real(in, 4, 0.0, 1.0, "beta2");
    m->adamw.eps = (float)get_real(in, 4, 0.0, 1.0, "eps");
    m->adamw.weight_decay = (float)get_real(in, 4, 0.0, 1e6, "weight_decay");
    m->clip = (float)get_real(in, 4, 0.0, 1e30, "clip");
    /* version 1 had no rank: every model was full rank */
    size_t at = in->at;
    m->rank = in->version >= 2 ? (int)get_int(in, 4, 0, 1 << 16, "rank") : 0;
    int rmax = (m->E < m->D ? m->E : m->D) - 1;
    if (!in->rc && m->rank != 0 && (!arch_has_rank(m->arch) || m->rank > rmax)) {
        char what[120];
        snprintf(what, sizeof what, "rank %d: the %s model takes %s", m->rank,
                 arch_name(m->arch), arch_has_rank(m->arch) ? "1 .. min(E, D) - 1" : "none");
        in_fail(in, at, what);
    }
    ck->cfg.rank = m->rank; /* get_settings came first */
    /* Width 0 in the settings meant "the default", which was D/2 below
     * D = 512 before it became 256: the model's own width says what it was,
     * so a run resumed or evaluated from an older checkpoint rebuilds the
     * same model. */
    if (ck->cfg.width == 0)
        ck->cfg.width = m->W;
}

static void get_data(In *in, Checkpoint *ck)
{
    get_str(in, ck->cfg.data, sizeof ck->cfg.data);
    ck->fingerprint = get_u64(in);
    get_str(in, ck->cfg.val_data, sizeof ck->cfg.val_data);
    ck->val_fingerprint = get_u64(in);
    ck->E = (int)get_int(in, 4, 1, 1 << 16, "E");
    ck->K = (int)get_int(in, 4, 1, TRAIN_MAX_K, "K");
    ck->L = (int)get_int(in, 4, 1, 1 << 16, "L");
    ck->D = (int)get_int(in, 4, 1, 1 << 20, "D");
    if (!in->rc && (ck->E != ck->mcfg.E || ck->K != ck->mcfg.K || ck->L != ck->mcfg.L ||
                    ck->D != ck->mcfg.D))
        in_fail(in, in->at, "data shape differs from the model's");
    if (!in->rc && ck->cfg.lookahead >= ck->L) {
        char what[120];
        snprintf(what, sizeof what, "lookahead %d leaves no layer to predict (L = %d)",
                 ck->cfg.lookahead, ck->L);
        in_fail(in, in->at_lookahead, what);
    }
    if (!in->rc && !ck->cfg.val_data[0] && ck->cfg.val_frac <= 0.0)
        in_fail(in, in->at_val_frac, "val_frac 0 without a validation set: no split to "
                                     "validate on");
}

static void get_progress(In *in, Checkpoint *ck)
{
    size_t at = in->at;
    uint32_t st = get_u32(in);
    if (!in->rc && st != RUN_RUNNING && st != RUN_HALTED && st != RUN_DONE)
        in_fail(in, at, "bad run state");
    ck->state = (RunState)st;
    ck->planned_steps = get_int(in, 8, 1, BIG, "planned_steps");
    ck->steps_per_epoch = get_int(in, 8, 1, BIG, "steps_per_epoch");
    ck->step = get_int(in, 8, 0, ck->planned_steps, "step");
    ck->samples = get_int(in, 8, 0, INT64_MAX, "samples");
    ck->cursor_at = in->at;
    ck->cursor.epoch = get_int(in, 8, 0, BIG, "cursor epoch");
    ck->cursor.group_pos = get_int(in, 8, 0, BIG, "cursor group");
    ck->cursor.offset = get_int(in, 8, 0, INT64_MAX, "cursor offset");
    ck->last_lr = get_real(in, 8, 0.0, 1e300, "last_lr");
    ck->loss_sum = get_real(in, 8, -1e300, 1e300, "loss_sum");
    ck->loss_n = get_int(in, 8, 0, BIG, "loss_n");
    ck->interval_samples = get_int(in, 8, 0, INT64_MAX, "interval_samples");
    ck->interval_train_s = get_real(in, 8, 0.0, 1e300, "interval_train_s");
    ck->wall_s = get_real(in, 8, 0.0, 1e300, "wall_s");
    ck->best_step = get_int(in, 8, -1, ck->step, "best_step");
    ck->best_recall_K = get_real(in, 8, -1.0, 1.0, "best_recall_K");
}

/* n floats, each finite (and >= 0 for the second moment). */
static float *get_floats(In *in, size_t n, int nonneg, const char *name)
{
    size_t at = in->at;
    const unsigned char *b = take(in, n * 4);
    if (!b)
        return NULL;
    float *v = malloc(n ? n * sizeof *v : 1);
    if (!v) {
        in->rc = err_set(in->e, ERR_RUNTIME, "%s: out of memory", in->path);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *q = b + 4 * i;
        uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                     (uint32_t)q[3] << 24;
        memcpy(&v[i], &u, 4);
        if (!isfinite(v[i]) || (nonneg && v[i] < 0.0f)) {
            char what[120];
            snprintf(what, sizeof what, "%s[%zu] = %g is not %s", name, i, (double)v[i],
                     nonneg ? "finite and >= 0" : "finite");
            in_fail(in, at + 4 * i, what);
            free(v);
            return NULL;
        }
    }
    return v;
}

static void get_model(In *in, Checkpoint *ck)
{
    size_t at = in->at;
    int nonzero = 0;
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        nonzero |= (ck->rng.s[i] = get_u64(in)) != 0;
    if (!in->rc && !nonzero)
        in_fail(in, at, "RNG state is all zero");
    ck->adam_step = get_u64(in);
    at = in->at;
    uint64_t n = get_u64(in);
    size_t want = model_config_param_count(&ck->mcfg);
    if (!in->rc && (n != want || want == 0)) {
        char what[160];
        snprintf(what, sizeof what, "%llu parameters; the %s model of this configuration has %zu",
                 (unsigned long long)n, arch_name(ck->arch), want);
        in_fail(in, at, what);
    }
    if (in->rc)
        return;
    ck->n_params = (size_t)n;
    ck->params = get_floats(in, ck->n_params, 0, "parameter");
    ck->adam_m = get_floats(in, ck->n_params, 0, "AdamW first moment");
    ck->adam_v = get_floats(in, ck->n_params, 1, "AdamW second moment");
}

/* A history cell: NaN (an empty cell: no step, no time) or finite in
 * [lo, hi], so that no screen scales a chart by an infinity. */
static double get_cell(In *in, double lo, double hi, const char *name)
{
    size_t at = in->at;
    double v = get_f64(in);
    if (!in->rc && !isnan(v) && !(isfinite(v) && v >= lo && v <= hi)) {
        char what[160];
        snprintf(what, sizeof what, "history %s = %g is neither empty (NaN) nor in [%g, %g]",
                 name, v, lo, hi);
        in_fail(in, at, what);
    }
    return in->rc ? (double)NAN : v;
}

/* The evaluation rows: steps strictly increasing up to the run's step,
 * every cell empty or in its metric's range. */
static void get_history(In *in, Checkpoint *ck)
{
    static const struct { const char *name; double lo, hi; } cell[HIST_DOUBLES] = {
        {"train_loss", -1e30, 1e30}, {"val_loss", -1e30, 1e30}, {"val_ce", -1e30, 1e30},
        {"hit1", 0, 1}, {"hit5", 0, 1}, {"hit10", 0, 1}, {"hit15", 0, 1}, {"hit20", 0, 1},
        {"recall_K", 0, 1}, {"cover_K", 0, 1}, {"cover_2K", 0, 1}, {"exact", 0, 1},
        {"lr", 0, 1e300}, {"samples_per_s", 0, 1e300}, {"wall_s", 0, 1e300}};
    const size_t row_bytes = 8 * (3 + HIST_DOUBLES);
    int64_t n = get_int(in, 8, 0, (int64_t)((in->n - in->at) / row_bytes), "history rows");
    if (in->rc)
        return;
    ck->hist = calloc((size_t)(n ? n : 1), sizeof *ck->hist);
    if (!ck->hist) {
        in->rc = err_set(in->e, ERR_RUNTIME, "%s: out of memory", in->path);
        return;
    }
    for (int64_t i = 0; i < n && !in->rc; i++) {
        EvalRow *h = &ck->hist[i];
        int64_t after = i ? ck->hist[i - 1].step + 1 : 0;
        h->step = get_int(in, 8, after, ck->step, "history step");
        size_t at = in->at;
        h->epoch = get_f64(in);
        if (!in->rc && !(isfinite(h->epoch) && h->epoch >= 0.0))
            in_fail(in, at, "history epoch is not a finite value >= 0");
        h->samples = get_int(in, 8, 0, INT64_MAX, "history samples");
        double v[HIST_DOUBLES];
        for (int j = 0; j < HIST_DOUBLES; j++)
            v[j] = get_cell(in, cell[j].lo, cell[j].hi, cell[j].name);
        *h = (EvalRow){h->step, h->epoch, h->samples, v[0], v[1], v[2], v[3], v[4], v[5],
                       v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
    }
    ck->n_hist = n;
}

/* Magic, version, size and checksum, before any field is read. */
static int check_frame(In *in)
{
    if (in->n < 8 || memcmp(in->p, CHECKPOINT_MAGIC, 8) != 0)
        return in_fail(in, 0, "not a moespec checkpoint (bad magic)");
    in->at = 8;
    uint32_t version = get_u32(in);
    if (!in->rc && (version < 1 || version > CHECKPOINT_VERSION)) {
        char what[120];
        snprintf(what, sizeof what, "checkpoint version %u; this moespec reads versions 1 to %u",
                 version, CHECKPOINT_VERSION);
        return in_fail(in, 8, what);
    }
    in->version = version;
    uint64_t size = get_u64(in);
    if (in->rc)
        return in->rc;
    if (size != (uint64_t)in->n) {
        char what[120];
        snprintf(what, sizeof what, "truncated or extended: %zu bytes, header says %llu", in->n,
                 (unsigned long long)size);
        return in_fail(in, in->n < size ? in->n : (size_t)size, what);
    }
    if (in->n < HEADER_BYTES + 8)
        return in_fail(in, in->n, "truncated checkpoint");
    uint64_t stored = 0;
    for (int i = 0; i < 8; i++)
        stored |= (uint64_t)in->p[in->n - 8 + (size_t)i] << (8 * i);
    uint64_t hash = tracehash(in->p, in->n - 8);
    if (stored != hash) { /* both in the manifest's form: 16 hex digits */
        char what[120];
        snprintf(what, sizeof what, "checksum mismatch (stored %016llx, contents hash %016llx): "
                 "the checkpoint is corrupt", (unsigned long long)stored, (unsigned long long)hash);
        return in_fail(in, in->n - 8, what);
    }
    in->n -= 8; /* the fields end at the checksum */
    return ERR_OK;
}

int checkpoint_parse(const unsigned char *buf, size_t n, const char *path, Checkpoint *ck,
                     Err *e)
{
    memset(ck, 0, sizeof *ck);
    In in = {buf, n, 0, path, e, ERR_OK, 0, 0, 0};
    if (!check_frame(&in)) {
        ck->arch = (Arch)get_int(&in, 4, 0, ARCH_MAX - 1, "architecture");
        if (!in.rc && !arch_info(ck->arch))
            in_fail(&in, in.at - 4, "architecture id is none this moespec knows");
        get_settings(&in, ck);
        get_model_config(&in, ck);
        get_data(&in, ck);
        get_progress(&in, ck);
        get_model(&in, ck);
        get_history(&in, ck);
        if (!in.rc && in.at != in.n)
            in_fail(&in, in.at, "unexpected bytes after the history");
    }
    if (in.rc)
        checkpoint_free(ck);
    return in.rc;
}

int checkpoint_load(const char *path, Checkpoint *ck, Err *e)
{
    memset(ck, 0, sizeof *ck);
    unsigned char *buf;
    size_t n;
    int rc = file_read_all(path, CHECKPOINT_MAX_BYTES, &buf, &n, e);
    if (rc)
        return rc;
    rc = checkpoint_parse(buf, n, path, ck, e);
    free(buf);
    return rc;
}

void checkpoint_free(Checkpoint *ck)
{
    free(ck->params);
    free(ck->adam_m);
    free(ck->adam_v);
    free(ck->hist);
    memset(ck, 0, sizeof *ck);
}

int checkpoint_check_data(const Checkpoint *ck, const char *path, const TrainData *d, Err *e)
{
    const TrainConfig *c = &ck->cfg;
    if (d->fingerprint != ck->fingerprint)
        return err_set(e, ERR_INPUT,
                       "%s: trained on another trace set (%s, fingerprint %016llx); "
                       "--data has fingerprint %016llx", path, c->data,
                       (unsigned long long)ck->fingerprint, (unsigned long long)d->fingerprint);
    uint64_t vf = d->vts && d->vts != d->ts ? traceset_fingerprint(d->vts) : 0;
    if (vf != ck->val_fingerprint)
        return err_set(e, ERR_INPUT, "%s: validated on %s; this invocation's validation set "
                       "differs", path, c->val_data[0] ? c->val_data : "a split of --data");
    return ERR_OK;
}

static int same_model_config(const ModelConfig *a, const ModelConfig *b)
{
    return a->arch == b->arch && a->D == b->D && a->W == b->W && a->E == b->E && a->K == b->K &&
           a->L == b->L && a->use_layer_id == b->use_layer_id && a->window == b->window &&
           a->dropout == b->dropout && a->rank == b->rank && a->seed == b->seed &&
           a->clip == b->clip && !memcmp(&a->adamw, &b->adamw, sizeof a->adamw);
}

int checkpoint_check_same_run(const Checkpoint *ck, const char *path, const Run *r,
                              const TrainConfig *c, const TrainData *d, Err *e)
{
    Err ignored;
    if (d->fingerprint != ck->fingerprint)
        return err_set(e, ERR_USAGE, "%s: holds a run of another trace set (%s)", path,
                       ck->cfg.data);
    if (checkpoint_check_data(ck, path, d, &ignored))
        return err_set(e, ERR_USAGE, "%s: holds a run validated on another set (%s)", path,
                       ck->cfg.val_data[0] ? ck->cfg.val_data : "a split of its --data");
    const TrainConfig *k = &ck->cfg;
    const char *setting = train_config_differs(c, k);
    const char *differs = r->arch != ck->arch                    ? "the architecture"
                          : setting                               ? setting
                          : k->lr[ck->arch] != c->lr[r->arch]     ? "--lr"
                          : r->mcfg.W != ck->mcfg.W               ? "--width"
                          : r->mcfg.rank != ck->mcfg.rank         ? "--rank"
                          : !same_model_config(&r->mcfg, &ck->mcfg) ? "the model"
                                                                  : NULL;
    if (differs)
        return err_set(e, ERR_USAGE, "%s: holds a %s run of another configuration (%s "
                       "differs)", path, arch_name(ck->arch), differs);
    return ERR_OK;
}

int checkpoint_restore(const Checkpoint *ck, const char *path, Run *r, Err *e)
{
    Model *m = r->model;
    if (r->arch != ck->arch || !same_model_config(&r->mcfg, &ck->mcfg) ||
        m->n_params != ck->n_params)
        return err_set(e, ERR_INPUT, "%s: the %s model of this invocation differs from the "
                       "checkpoint's", path, arch_name(ck->arch));
    if (r->steps_per_epoch != ck->steps_per_epoch)
        return err_set(e, ERR_INPUT, "%s: %lld steps per epoch here, %lld in the checkpoint",
                       path, (long long)r->steps_per_epoch, (long long)ck->steps_per_epoch);
    EvalRow *hist = malloc((size_t)(ck->n_hist ? ck->n_hist : 1) * sizeof *hist);
    if (!hist)
        return err_set(e, ERR_RUNTIME, "%s: out of memory", path);
    memcpy(hist, ck->hist, (size_t)ck->n_hist * sizeof *hist);
    free(r->hist);
    r->hist = hist;
    r->cap_hist = ck->n_hist ? ck->n_hist : 1;
    r->n_hist = ck->n_hist;
    memcpy(model_block(m, MODEL_PARAMS), ck->params, ck->n_params * sizeof(float));
    memcpy(model_block(m, MODEL_ADAM_M), ck->adam_m, ck->n_params * sizeof(float));
    memcpy(model_block(m, MODEL_ADAM_V), ck->adam_v, ck->n_params * sizeof(float));
    m->rng = ck->rng;
    m->adam_step = ck->adam_step;
    r->lr = ck->cfg.lr[ck->arch];
    r->planned_steps = ck->planned_steps;
    r->eval_every = ck->cfg.eval_every;
    r->step = ck->step;
    r->samples = ck->samples;
    r->cursor = ck->cursor;
    r->last_lr = ck->last_lr;
    r->loss_sum = ck->loss_sum;
    r->loss_n = ck->loss_n;
    r->interval_samples = ck->interval_samples;
    r->interval_train_s = ck->interval_train_s;
    r->start_time = run_now() - ck->wall_s;
    r->best_step = ck->best_step;
    r->best_recall_K = ck->best_recall_K;
    r->state = ck->state;
    return ERR_OK;
}
