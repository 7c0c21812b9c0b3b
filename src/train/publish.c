/* publish.c: filling a snapshot from the runs; see publish.h. */
#include "train/publish.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/chance.h"

static void fill_baselines(Snapshot *s, const TrainData *d)
{
    const int E = s->E, K = s->K;
    double *ch[3], *fr[3], *ga[3];
    for (int w = 0; w < 3; w++) {
        ch[w] = snap_baseline_mut(s, SNAP_CHANCE, (SnapRate)w);
        fr[w] = snap_baseline_mut(s, SNAP_FREQUENCY, (SnapRate)w);
        ga[w] = snap_baseline_mut(s, SNAP_GATE, (SnapRate)w);
    }
    for (int k = 1; k <= E; k++) {
        ch[SNAP_HIT][k - 1] = metrics_chance_hit(E, K, k);
        ch[SNAP_RECALL][k - 1] = metrics_chance_recall(E, K, k);
        ch[SNAP_COVER][k - 1] = metrics_chance_cover(E, K, k);
    }
    memcpy(fr[SNAP_HIT], d->base_freq.hit, (size_t)E * sizeof(double));
    memcpy(fr[SNAP_RECALL], d->base_freq.recall, (size_t)E * sizeof(double));
    memcpy(fr[SNAP_COVER], d->base_freq.cover, (size_t)E * sizeof(double));
    s->has_gate = d->has_gate;
    if (d->has_gate) {
        memcpy(ga[SNAP_HIT], d->base_gate.hit, (size_t)E * sizeof(double));
        memcpy(ga[SNAP_RECALL], d->base_gate.recall, (size_t)E * sizeof(double));
        memcpy(ga[SNAP_COVER], d->base_gate.cover, (size_t)E * sizeof(double));
    }
}

/* The latest evaluation's tables. */
static void fill_tables(RunSnapshot *rs, const MetricsResult *m, int E, int L)
{
    size_t per_layer = (size_t)(L + 1) * (size_t)E;
    memcpy(snap_rate_mut(rs, SNAP_HIT), m->hit, (size_t)E * sizeof(double));
    memcpy(snap_rate_mut(rs, SNAP_RECALL), m->recall, (size_t)E * sizeof(double));
    memcpy(snap_rate_mut(rs, SNAP_COVER), m->cover, (size_t)E * sizeof(double));
    memcpy(snap_confusion_mut(rs), m->confusion, per_layer * (size_t)E * sizeof(int64_t));
    memcpy(snap_expert_recall_mut(rs), m->expert_recall_K, per_layer * sizeof(double));
    memcpy(snap_needed_mut(rs), m->needed, per_layer * sizeof(int64_t));
}

static void fill_run(RunSnapshot *rs, const Run *r, int64_t last_checkpoint_step, int E, int L)
{
    const ArchInfo *row = arch_info(r->arch);
    snprintf(rs->name, sizeof rs->name, "%s", r->name);
    snprintf(rs->arch, sizeof rs->arch, "%s", row ? row->name : "unknown");
    snprintf(rs->loss, sizeof rs->loss, "%s", row ? row->loss : "");
    rs->state = r->state;
    rs->params = model_param_count(r->model);
    rs->step = r->step;
    rs->planned_steps = r->planned_steps;
    rs->steps_since_checkpoint = r->step - last_checkpoint_step;
    rs->epoch = r->steps_per_epoch ? (double)r->step / (double)r->steps_per_epoch : 0.0;
    rs->wall_s = run_now() - r->start_time;
    memcpy(rs->message, r->message, sizeof rs->message);
    if (r->n_hist)
        memcpy(snap_hist_mut(rs), r->hist, (size_t)r->n_hist * sizeof(EvalRow));
    rs->samples_per_s = r->n_hist ? r->hist[r->n_hist - 1].samples_per_s : (double)NAN;
    /* By the wall clock, not samples_per_s: the runs share the machine, so a
     * run advances at its share of the training rate. */
    rs->eta_s = r->step > 0
                    ? (double)(r->planned_steps - r->step) * rs->wall_s / (double)r->step
                    : (double)NAN;
    rs->has_eval = r->n_hist > 0;
    if (rs->has_eval)
        fill_tables(rs, &r->last, E, L);
}

int publish_build(SnapshotBuf *out, const TrainData *d, const Run *runs, int n,
                  const PublishStatus *st, Err *e)
{
    int64_t n_hist[SNAPSHOT_MAX_RUNS];
    if (n > SNAPSHOT_MAX_RUNS)
        return err_set(e, ERR_USAGE, "snapshot: %d runs; at most %d", n, SNAPSHOT_MAX_RUNS);
    for (int i = 0; i < n; i++)
        n_hist[i] = runs[i].n_hist;
    const TraceHeader *h = &d->h;
    int rc = snapshot_layout(out, h->E, h->K, h->L, h->D, n, n_hist, e);
    if (rc)
        return rc;
    Snapshot *s = out->s;
    s->finished = st->finished;
    s->worker_rc = st->worker_rc;
    snprintf(s->worker_msg, sizeof s->worker_msg, "%s", st->worker_msg ? st->worker_msg : "");
    snprintf(s->message, sizeof s->message, "%s", st->message ? st->message : "");
    s->message_seq = st->message_seq;
    fill_baselines(s, d);
    for (int i = 0; i < n; i++)
        fill_run(&s->runs[i], &runs[i], st->last_checkpoint_step[i], h->E, h->L);
    publish_deploy(s, d, runs, n, st->busy_s);
    return ERR_OK;
}
