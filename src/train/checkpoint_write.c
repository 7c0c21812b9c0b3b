/* checkpoint_write.c: RUN.ckpt writing; see checkpoint.h and
 * moespec-traces(5), CHECKPOINTS, for the layout. The file is built in
 * memory and written in one go through util/atomic_file, so a failed write
 * leaves the previous checkpoint intact. Reading is checkpoint_read.c. */
#include "train/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/checksum.h"
#include "util/atomic_file.h"

#include "train/checkpoint_format.h"

/* ---- writing ---- */

typedef struct Out {
    unsigned char *p;
    size_t n, cap;
    int oom;
} Out;

static void put(Out *o, const void *src, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + n)
            cap *= 2;
        unsigned char *q = realloc(o->p, cap);
        if (!q) {
            o->oom = 1;
            return;
        }
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->n, src, n);
    o->n += n;
}

static void put_u64(Out *o, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(o, b, 8);
}

static void put_u32(Out *o, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(o, b, 4);
}

static void put_i64(Out *o, int64_t v) { put_u64(o, (uint64_t)v); }
static void put_i32(Out *o, int32_t v) { put_u32(o, (uint32_t)v); }

static void put_f64(Out *o, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(o, u);
}

static void put_f32(Out *o, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    put_u32(o, u);
}

static void put_str(Out *o, const char *s)
{
    size_t n = strlen(s);
    put_u32(o, (uint32_t)n);
    put(o, s, n);
}

static void put_floats(Out *o, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_f32(o, v[i]);
}

static void put_settings(Out *o, const Run *r, const TrainConfig *c)
{
    put_i64(o, c->epochs);
    put_i64(o, c->max_steps);
    put_i32(o, c->batch);
    put_f64(o, r->lr);
    put_i32(o, c->width);
    put_i32(o, c->window);
    put_i32(o, c->lookahead);
    put_i32(o, c->use_layer_id);
    put_u64(o, c->seed);
    put_f64(o, c->val_frac);
    put_i64(o, c->val_samples);
    put_i64(o, c->eval_every);
    put_i32(o, c->shards_per_group);
    put_i32(o, c->threads);
}

static void put_model_config(Out *o, const ModelConfig *m)
{
    put_i32(o, m->D);
    put_i32(o, m->W);
    put_i32(o, m->E);
    put_i32(o, m->K);
    put_i32(o, m->L);
    put_i32(o, m->use_layer_id);
    put_i32(o, m->window);
    put_f32(o, m->dropout);
    put_u64(o, m->seed);
    put_f32(o, m->adamw.beta1);
    put_f32(o, m->adamw.beta2);
    put_f32(o, m->adamw.eps);
    put_f32(o, m->adamw.weight_decay);
    put_f32(o, m->clip);
    put_i32(o, m->rank); /* version 2 */
}

static void put_data(Out *o, const TrainConfig *c, const TrainData *d)
{
    put_str(o, c->data);
    put_u64(o, d->fingerprint);
    put_str(o, c->val_data);
    put_u64(o, d->vts && d->vts != d->ts ? traceset_fingerprint(d->vts) : 0);
    put_i32(o, d->h.E);
    put_i32(o, d->h.K);
    put_i32(o, d->h.L);
    put_i32(o, d->h.D);
}

static void put_progress(Out *o, const Run *r)
{
    RunState st = r->state == RUN_PAUSED ? RUN_RUNNING : r->state;
    put_u32(o, (uint32_t)st);
    put_i64(o, r->planned_steps);
    put_i64(o, r->steps_per_epoch);
    put_i64(o, r->step);
    put_i64(o, r->samples);
    put_i64(o, r->cursor.epoch);
    put_i64(o, r->cursor.group_pos);
    put_i64(o, r->cursor.offset);
    put_f64(o, r->last_lr);
    put_f64(o, r->loss_sum);
    put_i64(o, r->loss_n);
    put_i64(o, r->interval_samples);
    put_f64(o, r->interval_train_s);
    put_f64(o, run_now() - r->start_time);
    put_i64(o, r->best_step);
    put_f64(o, r->best_recall_K);
}

static void put_model(Out *o, Model *m)
{
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        put_u64(o, m->rng.s[i]);
    put_u64(o, m->adam_step);
    put_u64(o, (uint64_t)m->n_params);
    put_floats(o, model_block(m, MODEL_PARAMS), m->n_params);
    put_floats(o, model_block(m, MODEL_ADAM_M), m->n_params);
    put_floats(o, model_block(m, MODEL_ADAM_V), m->n_params);
}

static void row_doubles(const EvalRow *h, double v[HIST_DOUBLES])
{
    const double src[HIST_DOUBLES] = {h->train_loss, h->val_loss, h->val_ce, h->hit1, h->hit5,
                                      h->hit10, h->hit15, h->hit20, h->recall_K, h->cover_K,
                                      h->cover_2K, h->exact, h->lr, h->samples_per_s, h->wall_s};
    memcpy(v, src, sizeof src);
}

static void put_history(Out *o, const Run *r)
{
    put_u64(o, (uint64_t)r->n_hist);
    for (int64_t i = 0; i < r->n_hist; i++) {
        const EvalRow *h = &r->hist[i];
        double v[HIST_DOUBLES];
        row_doubles(h, v);
        put_i64(o, h->step);
        put_f64(o, h->epoch);
        put_i64(o, h->samples);
        for (int j = 0; j < HIST_DOUBLES; j++)
            put_f64(o, v[j]);
    }
}

int checkpoint_path(const char *dir, const char *run_name, char *out, size_t size, Err *e)
{
    int n = snprintf(out, size, "%s/%s.ckpt", dir, run_name);
    if (n < 0 || (size_t)n >= size)
        return err_set(e, ERR_RUNTIME, "%s: checkpoint path too long", dir);
    return ERR_OK;
}

int checkpoint_save(const char *path, const Run *r, const TrainConfig *c, const TrainData *d,
                    Err *e)
{
    Out o = {0};
    put(&o, CHECKPOINT_MAGIC, 8);
    put_u32(&o, CHECKPOINT_VERSION);
    put_u64(&o, 0); /* file size, patched below */
    put_u32(&o, (uint32_t)r->arch);
    put_settings(&o, r, c);
    put_model_config(&o, &r->mcfg);
    put_data(&o, c, d);
    put_progress(&o, r);
    put_model(&o, r->model);
    put_history(&o, r);
    if (o.oom) {
        free(o.p);
        return err_set(e, ERR_RUNTIME, "%s: out of memory building the checkpoint", path);
    }
    uint64_t size = (uint64_t)o.n + 8;
    for (int i = 0; i < 8; i++)
        o.p[12 + i] = (unsigned char)(size >> (8 * i));
    put_u64(&o, tracehash(o.p, o.n));
    AtomicFile af;
    int rc = o.oom ? err_set(e, ERR_RUNTIME, "%s: out of memory", path)
                   : atomic_file_open(path, &af, e);
    if (!rc) {
        if (fwrite(o.p, 1, o.n, af.fp) != o.n)
            af.errnum = errno;
        rc = atomic_file_commit(&af, e);
    }
    free(o.p);
    return rc;
}
