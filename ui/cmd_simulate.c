/*
 * cmd_simulate.c: the 'simulate' command (SPEC 11): parses the options,
 * decides which set is replayed and where the baselines' statistics come
 * from, restores the checkpoints' runs, and prints and exports the table.
 *
 * Not here: the replay (src/deploy), the sequences and predictions
 * (src/train/sim_run.c).
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_export.h"
#include "commands.h"
#include "opts.h"
#include "train/ckpt_eval.h"
#include "train/sim_export.h"
#include "train/sim_run.h"
#include "train_resume.h"
#include "util/text.h"

static const char simulate_usage[] =
    "Usage: moespec simulate [CKPT...] --data DIR [OPTION]...\n"
    "Replay routing traces as batch-1 decoding with per-layer expert caches and\n"
    "report hit rate, prefetch precision, bytes, stall and time per output token.\n"
    "\n"
    "  --data DIR           trace set (with checkpoints: their training set, whose\n"
    "                       validation split is replayed)\n"
    "  --val-data DIR       replay all of DIR instead (statistics from --data)\n"
    "  --predictor LIST     runs and baselines that prefetch (default: every run,\n"
    "                       frequency, repeat, gate where router matrices exist, oracle)\n"
    "  --policy LIST        lru,lfu,belady,static (default all; lru always runs:\n"
    "                       it is speedup's reference)\n"
    "  --cache LIST         experts resident per layer (default 2K,4K,8K,E/2)\n"
    "  --prefetch LIST      experts prefetched per step, M <= C (default K)\n"
    "  --lookahead N        the baselines' prefetch distance in layers (default: the\n"
    "                       checkpoints', else 1)\n"
    "  --expert-mb X        megabytes per expert (default: the set's expert_bytes,\n"
    "                       else 17.3)\n"
    "  --link-bandwidth X   host-to-device GB/s (default 25)\n"
    "  --layer-ms X         decode compute per layer, ms (default 0.3)\n"
    "  --attn-ms X          lead of a lookahead-0 prefetch, ms (default 0)\n"
    "  --sim-tokens N       replay only the first whole sequences of at most N tokens\n"
    "  --threads N          compute threads for the scorers (default: cores)\n"
    "  --export DIR         write deploy.csv there (must not exist or be empty)\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Exit status: 0 replayed, 1 runtime failure, 2 usage, 3 a file missing, corrupt\n"
    "or mismatched.\n";

enum {
    OPT_DATA = 256, OPT_VAL_DATA, OPT_PREDICTOR, OPT_POLICY, OPT_CACHE, OPT_PREFETCH,
    OPT_LOOKAHEAD, OPT_EXPERT_MB, OPT_LINK, OPT_LAYER_MS, OPT_ATTN_MS, OPT_SIM_TOKENS,
    OPT_THREADS, OPT_EXPORT
};

static const struct option simulate_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"val-data", required_argument, NULL, OPT_VAL_DATA},
    {"predictor", required_argument, NULL, OPT_PREDICTOR},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"prefetch", required_argument, NULL, OPT_PREFETCH},
    {"lookahead", required_argument, NULL, OPT_LOOKAHEAD},
    {"expert-mb", required_argument, NULL, OPT_EXPERT_MB},
    {"link-bandwidth", required_argument, NULL, OPT_LINK},
    {"layer-ms", required_argument, NULL, OPT_LAYER_MS},
    {"attn-ms", required_argument, NULL, OPT_ATTN_MS},
    {"sim-tokens", required_argument, NULL, OPT_SIM_TOKENS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct SimArgs {
    TrainConfig cli;   /* data, val_data, threads */
    TrainGiven given;
    ResumeSet set;     /* the checkpoints */
    SimSettings sim;
    const char *export_dir;
} SimArgs;

/* Calls fn on each comma-separated item of arg; an empty list is an error. */
static int each_item(const char *opt, const char *arg, int (*fn)(void *ctx, const char *item),
                     void *ctx)
{
    char buf[512], what[600];
    snprintf(buf, sizeof buf, "%s", arg);
    int n = 0, rc = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && !rc;
         tok = strtok_r(NULL, ",", &save), n++)
        rc = fn(ctx, tok);
    if (!rc && !n) {
        snprintf(what, sizeof what, "%s: an empty list", opt);
        rc = opt_usage_error("simulate", what);
    }
    return rc;
}

typedef struct IntList {
    const char *opt;
    int *v, *n;
} IntList;

/* A size (1..100000); repeats are dropped, at most SIM_MAX_LIST. */
static int add_int(void *ctx, const char *item)
{
    IntList *l = ctx;
    long x;
    if (opt_long(l->opt, item, 1, 100000, &x))
        return ERR_USAGE;
    for (int i = 0; i < *l->n; i++)
        if (l->v[i] == (int)x)
            return 0;
    if (*l->n == SIM_MAX_LIST)
        return opt_usage_error("simulate", "too many values in a list (16 at most)");
    l->v[(*l->n)++] = (int)x;
    return 0;
}

static int add_policy(void *ctx, const char *item)
{
    SimSettings *s = ctx;
    Err e;
    SimPolicy p;
    if (sim_policy_parse(item, &p, &e)) {
        fprintf(stderr, "moespec: --policy: %s\n", e.msg);
        return ERR_USAGE;
    }
    for (int i = 0; i < s->n_policies; i++)
        if (s->policies[i] == p)
            return 0;
    s->policies[s->n_policies++] = p; /* distinct, so at most SIM_N_POLICIES */
    return 0;
}

static int add_predictor_name(void *ctx, const char *item)
{
    SimSettings *s = ctx;
    if (s->n_predictors == SIM_MAX_PREDICTORS || strlen(item) >= sizeof s->predictors[0])
        return opt_usage_error("simulate", "--predictor: too many or too long names");
    snprintf(s->predictors[s->n_predictors++], sizeof s->predictors[0], "%s", item);
    return 0;
}

static int int_list(const char *opt, const char *arg, int *v, int *n)
{
    IntList l = {opt, v, n};
    *n = 0;
    return each_item(opt, arg, add_int, &l);
}

/* One option; -1 to go on, else the exit status. */
static int sim_option(int c, const char *arg, SimArgs *a)
{
    SimSettings *s = &a->sim;
    long x;
    int rc = 0;
    switch (c) {
    case OPT_DATA: rc = opt_path("--data", arg, a->cli.data, sizeof a->cli.data); break;
    case OPT_VAL_DATA:
        rc = opt_path("--val-data", arg, a->cli.val_data, sizeof a->cli.val_data);
        a->given.val_data = 1;
        break;
    case OPT_PREDICTOR:
        s->n_predictors = 0;
        rc = each_item("--predictor", arg, add_predictor_name, s);
        break;
    case OPT_POLICY:
        s->n_policies = 0;
        rc = each_item("--policy", arg, add_policy, s);
        break;
    case OPT_CACHE: rc = int_list("--cache", arg, s->caches, &s->n_caches); break;
    case OPT_PREFETCH: rc = int_list("--prefetch", arg, s->prefetch, &s->n_prefetch); break;
    case OPT_LOOKAHEAD:
        if (!(rc = opt_long("--lookahead", arg, 0, 1024, &x)))
            s->lookahead = (int)x;
        break;
    case OPT_EXPERT_MB: rc = opt_double("--expert-mb", arg, 1e-6, 1e6, &s->cost.expert_mb); break;
    case OPT_LINK: rc = opt_double("--link-bandwidth", arg, 1e-6, 1e6, &s->cost.link_gbps); break;
    case OPT_LAYER_MS: rc = opt_double("--layer-ms", arg, 0, 1e6, &s->cost.layer_ms); break;
    case OPT_ATTN_MS: rc = opt_double("--attn-ms", arg, 0, 1e6, &s->cost.attn_ms); break;
    case OPT_SIM_TOKENS:
        if (!(rc = opt_long("--sim-tokens", arg, 1, 0x7fffffffffffL, &x)))
            s->sim_tokens = x;
        break;
    case OPT_THREADS:
        if (!(rc = opt_long("--threads", arg, 1, 1024, &x)))
            a->cli.threads = s->threads = (int)x;
        break;
    case OPT_EXPORT: a->export_dir = arg; break;
    default: return -1;
    }
    return rc ? ERR_USAGE : -1;
}

static int parse_sim_args(int argc, char **argv, SimArgs *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", simulate_options, NULL)) != -1) {
        char what[300];
        if (c == 'h') {
            fputs(simulate_usage, stdout);
            return 0;
        }
        if (c == ':' || c == '?') {
            snprintf(what, sizeof what, c == ':' ? "option '%s' needs a value"
                                                 : "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("simulate", what);
        }
        int rc = sim_option(c, optarg, a);
        if (rc >= 0)
            return rc;
    }
    if (!a->cli.data[0])
        return opt_usage_error("simulate", "--data DIR is required");
    for (int i = optind; i < argc; i++)
        if (resume_add(&a->set, argv[i]))
            return ERR_USAGE;
    return -1;
}

static void print_table(const SimTable *t, const char *set_path)
{
    fprintf(stderr, "moespec: simulate: %s: %lld tokens of %lld sequences replayed, E=%d K=%d "
            "L=%d; statistics from %s; expert %.6g MB, link %.6g GB/s (a fetch %.4g ms), "
            "layer %.6g ms, attention lead %.6g ms\n", set_path, (long long)t->tokens,
            (long long)t->seqs, t->E, t->K, t->L,
            t->hindsight ? "the replayed trace itself (hindsight)" : "the training split",
            t->cost.expert_mb, t->cost.link_gbps, t->cost.expert_mb / t->cost.link_gbps,
            t->cost.layer_ms, t->cost.attn_ms);
    printf("%-12s %-6s %5s %8s %9s %8s %9s %14s %12s %9s %8s\n", "predictor", "policy", "cache",
           "prefetch", "lookahead", "hit", "precision", "bytes_per_tok", "stall_ms_tok",
           "tpot_ms", "speedup");
    for (int i = 0; i < t->n_rows; i++) {
        const SimRow *r = &t->rows[i];
        char la[16] = "-", prec[16] = "-";
        if (r->lookahead >= 0)
            snprintf(la, sizeof la, "%d", r->lookahead);
        if (!isnan(r->r.prefetch_precision))
            snprintf(prec, sizeof prec, "%.4f", r->r.prefetch_precision);
        printf("%-12s %-6s %5d %8d %9s %8.4f %9s %14.6g %12.4f %9.4f %8.3f\n",
               r->predictor[0] ? r->predictor : "-", sim_policy_name(r->policy), r->cache,
               r->prefetch, la, r->r.hit, prec, r->r.bytes_per_token, r->r.stall_ms_per_token,
               r->r.tpot_ms, r->speedup);
    }
}

/* Runs, then the table. The inverted split mask is the training split. */
static int simulate_with(SimArgs *a, SimSource *src, const char *set_path)
{
    Err e;
    err_clear(&e);
    SimTable t;
    int rc = sim_run(src, &a->sim, &t, &e);
    if (rc) {
        sim_table_free(&t);
        return opt_report(&e);
    }
    print_table(&t, set_path);
    if (a->export_dir && (rc = sim_export_dir(a->export_dir, &t, &e)))
        rc = opt_report(&e);
    else if (a->export_dir)
        fprintf(stderr, "moespec: wrote %s/deploy.csv\n", a->export_dir);
    sim_table_free(&t);
    return rc;
}

static uint8_t *inverted(const uint8_t *mask, int64_t n)
{
    uint8_t *out = malloc((size_t)n);
    for (int64_t i = 0; out && i < n; i++)
        out[i] = !mask[i];
    return out;
}

/* With checkpoints: their runs restored on their data (not evaluated: the
 * replay scores them itself), their
 * validation split replayed when --data is their training set. */
static int simulate_checkpoints(SimArgs *a)
{
    TrainConfig cfg;
    int rc = resume_prepare(&a->set, &a->cli, &a->given, &cfg);
    if (rc)
        return rc;
    Err e;
    err_clear(&e);
    CkptEval ev;
    if (ckpt_restore_runs(&cfg, a->given.val_data, a->set.ck, (const char *const *)a->set.paths,
                      a->set.n, &ev, &e)) {
        ckpt_eval_free(&ev);
        return opt_report(&e);
    }
    Run *runs[TRAIN_MAX_RUNS];
    for (int i = 0; i < ev.n_runs; i++)
        runs[i] = &ev.runs[i];
    TrainData *d = &ev.data;
    const int split = ev.own_split && d->vts == d->ts;
    uint8_t *train_mask = split ? inverted(d->val_mask, traceset_n_seqs(d->ts)) : NULL;
    SimSource src = {d->vts, split ? d->val_mask : NULL,
                     ev.own_split || a->given.val_data ? d->ts : NULL, train_mask,
                     runs, ev.n_runs, &ev.cfg};
    rc = split && !train_mask ? (fprintf(stderr, "moespec: out of memory\n"), 1)
                              : simulate_with(a, &src, traceset_path(d->vts));
    free(train_mask);
    ckpt_eval_free(&ev);
    return rc;
}

/* Without: all of --val-data (statistics from --data) or all of --data
 * (statistics in hindsight). Routing-only sets are fine. */
static int simulate_baselines(SimArgs *a)
{
    Err e;
    err_clear(&e);
    TraceSet *ts = NULL, *vts = NULL;
    int rc = traceset_open(a->cli.data, 0, &ts, &e);
    if (!rc && a->given.val_data)
        rc = traceset_open(a->cli.val_data, 0, &vts, &e);
    if (!rc && vts) {
        const TraceHeader *h = traceset_header(ts), *vh = traceset_header(vts);
        if (h->E != vh->E || h->K != vh->K || h->L != vh->L)
            rc = err_set(&e, ERR_INPUT, "%s: E=%d K=%d L=%d differs from --data's (E=%d K=%d "
                         "L=%d)", a->cli.val_data, vh->E, vh->K, vh->L, h->E, h->K, h->L);
    }
    if (rc) {
        traceset_close(vts);
        traceset_close(ts);
        return opt_report(&e);
    }
    SimSource src = {vts ? vts : ts, NULL, vts ? ts : NULL, NULL, NULL, 0, NULL};
    rc = simulate_with(a, &src, traceset_path(src.replay));
    traceset_close(vts);
    traceset_close(ts);
    return rc;
}

int cmd_simulate(int argc, char **argv)
{
    SimArgs a;
    memset(&a, 0, sizeof a);
    train_config_default(&a.cli);
    a.sim.lookahead = -1;
    a.sim.cost = SIM_COST_DEFAULT;
    int rc = parse_sim_args(argc, argv, &a);
    if (rc < 0 && a.export_dir && !cli_export_dir_usable(a.export_dir))
        rc = 1;
    if (rc < 0)
        rc = a.set.n ? simulate_checkpoints(&a) : simulate_baselines(&a);
    resume_free(&a.set);
    return rc;
}
