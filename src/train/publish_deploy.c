/*
 * publish_deploy.c: the deployment part of a snapshot (SPEC 11): the live
 * simulation's reference lines (each policy alone, each baseline with
 * prefetch under lru) and each run's rows (lru and lfu with prefetch), per
 * cache size; and the smallest k reaching each cover level (SPEC 11's
 * "how many experts must stay resident" read off cover@k).
 */
#include "train/publish.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "train/sim_live.h"

static DeployCell cell_of(const SimRow *r)
{
    return (DeployCell){r->r.hit, r->r.prefetch_precision, r->r.bytes_per_token,
                        r->r.stall_ms_per_token, r->r.tpot_ms, r->speedup};
}

/* The smallest k with cover[k - 1] >= each level (0: none, E at most). */
static void cover_levels(const double *cover, int E, int *out)
{
    for (int j = 0; j < SNAP_COVER_LEVELS; j++) {
        out[j] = 0;
        for (int k = 1; k <= E && !out[j]; k++)
            if (cover[k - 1] >= snap_cover_levels[j])
                out[j] = k;
    }
}

/* Line index of a fixed row (policies alone first, baselines under lru). */
static int line_of(DeploySnapshot *ds, const SimRow *r)
{
    if (r->predictor[0] && (r->policy != SIM_LRU || r->prefetch != ds->prefetch))
        return -1;
    const char *name = r->predictor[0] ? r->predictor : sim_policy_name(r->policy);
    for (int i = 0; i < ds->n_lines; i++)
        if (!strcmp(ds->line[i], name))
            return i;
    if (ds->n_lines == SNAP_SIM_LINES)
        return -1;
    snprintf(ds->line[ds->n_lines], sizeof ds->line[0], "%s", name);
    ds->line_prefetch[ds->n_lines] = r->predictor[0] ? r->prefetch : 0;
    return ds->n_lines++;
}

static void fill_fixed(DeploySnapshot *ds, const SimLive *l)
{
    const SimSettings *st = sim_live_settings(l);
    const SimReplay *rp = sim_live_replay(l);
    ds->n_caches = st->n_caches < SNAP_SIM_CACHES ? st->n_caches : SNAP_SIM_CACHES;
    memcpy(ds->caches, st->caches, (size_t)ds->n_caches * sizeof ds->caches[0]);
    ds->prefetch = st->prefetch[0];
    ds->lookahead = st->lookahead;
    ds->tokens = rp->trace.n_tok;
    ds->seqs = rp->seqs;
    ds->expert_mb = st->cost.expert_mb;
    ds->link_gbps = st->cost.link_gbps;
    ds->layer_ms = st->cost.layer_ms;
    ds->fetch_ms = st->cost.expert_mb / st->cost.link_gbps;
    if (!sim_live_prepared(l))
        return;
    ds->state = DEPLOY_ON;
    ds->prepare_s = sim_live_prepare_s(l);
    for (int i = 0; i < ds->n_caches; i++) {
        int n;
        const SimRow *rows = sim_live_fixed(l, i, &n);
        for (int k = 0; k < n; k++) {
            int line = line_of(ds, &rows[k]);
            if (line >= 0)
                ds->cell[line][i] = cell_of(&rows[k]);
        }
    }
}

static void fill_run(RunSnapshot *rs, const Run *r, const DeploySnapshot *ds)
{
    rs->has_deploy = r->n_deploy > 0 && ds->state == DEPLOY_ON;
    rs->deploy_step = r->deploy_step;
    rs->sim_s = r->sim_s;
    for (int k = 0; k < r->n_deploy; k++) {
        const SimRow *row = &r->deploy[k];
        int p = row->policy == SIM_LRU ? 0 : row->policy == SIM_LFU ? 1 : -1;
        for (int i = 0; p >= 0 && row->prefetch == ds->prefetch && i < ds->n_caches; i++)
            if (ds->caches[i] == row->cache)
                rs->deploy[p][i] = cell_of(row);
    }
}

void publish_deploy(Snapshot *s, const TrainData *d, const Run *runs, int n,
                    const double *busy_s)
{
    DeploySnapshot *ds = &s->deploy;
    const SimLive *l = d->live;
    for (int i = 0; i < n; i++) {
        s->runs[i].busy_s = busy_s ? busy_s[i] : (double)NAN;
        if (runs[i].n_hist)
            cover_levels(runs[i].last.cover, s->E, s->runs[i].cover_k);
    }
    for (int b = 0; b < SNAP_N_BASELINES; b++)
        if (b != SNAP_GATE || s->has_gate)
            cover_levels(snap_baseline(s, (SnapBaseline)b, SNAP_COVER), s->E, s->base_cover_k[b]);
    if (!l) {
        snprintf(ds->why_off, sizeof ds->why_off, "off (--sim-tokens 0)");
        return;
    }
    if (sim_live_why_off(l)) {
        snprintf(ds->why_off, sizeof ds->why_off, "%.250s", sim_live_why_off(l));
        return;
    }
    ds->state = DEPLOY_WAITING;
    fill_fixed(ds, l);
    for (int i = 0; i < n; i++)
        fill_run(&s->runs[i], &runs[i], ds);
}
