/* train_resume.c: --resume's option checks; see train_resume.h. */
#include "train_resume.h"

#include <stdio.h>
#include <string.h>

#include "opts.h"

int resume_add(ResumeSet *rs, const char *path)
{
    if (opt_nonempty("checkpoint", path))
        return -1;
    if (rs->n == TRAIN_MAX_RUNS) {
        fprintf(stderr, "moespec: --resume: at most %d files (one per architecture)\n",
                TRAIN_MAX_RUNS);
        return -1;
    }
    rs->paths[rs->n++] = path;
    return 0;
}

static int conflict_i(const char *opt, int given, long long cli, long long ck, const char *path)
{
    if (!given || cli == ck)
        return 0;
    fprintf(stderr, "moespec: %s %lld: %s was trained with %lld (hyperparameters come from "
                    "the checkpoint)\n", opt, cli, path, ck);
    return 1;
}

static int conflict_d(const char *opt, int given, double cli, double ck, const char *path)
{
    if (!given || cli == ck)
        return 0;
    fprintf(stderr, "moespec: %s %g: %s was trained with %g (hyperparameters come from the "
                    "checkpoint)\n", opt, cli, path, ck);
    return 1;
}

/* The command line against one checkpoint: 1 when a given value differs. */
static int cli_conflicts(const TrainConfig *cli, const TrainGiven *g, const Checkpoint *ck,
                         const char *path)
{
    const TrainConfig *c = &ck->cfg;
    int bad = 0;
    bad |= conflict_i("--epochs", g->epochs, cli->epochs, c->epochs, path);
    bad |= conflict_i("--max-steps", g->max_steps, cli->max_steps, c->max_steps, path);
    bad |= conflict_i("--batch", g->batch, cli->batch, c->batch, path);
    bad |= conflict_d("--lr", g->lr[ck->arch], cli->lr[ck->arch], c->lr[ck->arch], path);
    bad |= conflict_i("--width", g->width, cli->width, ck->mcfg.W, path);
    if (arch_has_rank(ck->arch)) /* the others take no rank: nothing to contradict */
        bad |= conflict_i("--rank", g->rank, cli->rank, ck->mcfg.rank, path);
    bad |= conflict_i("--window", g->window, cli->window, c->window, path);
    bad |= conflict_i("--lookahead", g->lookahead, cli->lookahead, c->lookahead, path);
    if (g->no_layer_id && c->use_layer_id) {
        fprintf(stderr, "moespec: --no-layer-id: %s was trained with the layer id\n", path);
        bad = 1;
    }
    bad |= conflict_i("--seed", g->seed, (long long)cli->seed, (long long)c->seed, path);
    bad |= conflict_d("--val-frac", g->val_frac, cli->val_frac, c->val_frac, path);
    bad |= conflict_i("--val-samples", g->val_samples, cli->val_samples, c->val_samples, path);
    bad |= conflict_i("--eval-every", g->eval_every, cli->eval_every, c->eval_every, path);
    bad |= conflict_i("--shards-per-group", g->shards_per_group, cli->shards_per_group,
                      c->shards_per_group, path);
    return bad;
}

/* The runs of one invocation share one configuration: 1 when two
 * checkpoints disagree on a shared setting. */
static int shared_differ(const Checkpoint *a, const Checkpoint *b, const char *pa,
                         const char *pb)
{
    const TrainConfig *x = &a->cfg, *y = &b->cfg;
    const char *what = x->width != y->width ? "--width" : train_config_differs(x, y);
    if (what)
        fprintf(stderr, "moespec: %s and %s differ in %s: give them separately\n",
                pa, pb, what);
    return what != NULL;
}

static int load_all(ResumeSet *rs)
{
    for (int i = 0; i < rs->n; i++) {
        Err e;
        err_clear(&e);
        if (checkpoint_load(rs->paths[i], &rs->ck[i], &e))
            return opt_report(&e);
        for (int j = 0; j < i; j++)
            if (rs->ck[j].arch == rs->ck[i].arch) {
                fprintf(stderr, "moespec: %s and %s are both %s runs\n", rs->paths[j],
                        rs->paths[i], arch_name(rs->ck[i].arch));
                return ERR_USAGE;
            }
    }
    return 0;
}

int resume_prepare(ResumeSet *rs, const TrainConfig *cli, const TrainGiven *given,
                   TrainConfig *cfg)
{
    if (given->arch) {
        fprintf(stderr, "moespec: --arch: not allowed with --resume (the runs are those of "
                        "the checkpoints)\n");
        return ERR_USAGE;
    }
    int rc = load_all(rs);
    if (rc)
        return rc;
    for (int i = 0; i < rs->n; i++)
        if (cli_conflicts(cli, given, &rs->ck[i], rs->paths[i]) ||
            (i > 0 && shared_differ(&rs->ck[0], &rs->ck[i], rs->paths[0], rs->paths[i])))
            return ERR_USAGE;
    *cfg = rs->ck[0].cfg;
    memcpy(cfg->data, cli->data, sizeof cfg->data);
    if (given->val_data)
        memcpy(cfg->val_data, cli->val_data, sizeof cfg->val_data);
    cfg->threads = cli->threads;
    cfg->sim_tokens = cli->sim_tokens;
    cfg->sim_cost = cli->sim_cost;
    cfg->n_archs = rs->n;
    for (int i = 0; i < rs->n; i++) {
        Arch a = rs->ck[i].arch;
        cfg->archs[i] = a;
        cfg->lr[a] = rs->ck[i].cfg.lr[a];
        if (arch_has_rank(a)) /* the run that takes a rank brings its own */
            cfg->rank = rs->ck[i].mcfg.rank;
    }
    return 0;
}

void resume_free(ResumeSet *rs)
{
    for (int i = 0; i < rs->n; i++)
        checkpoint_free(&rs->ck[i]);
    rs->n = 0;
}
