/*
 * cmd_train.c: the 'train' command (also `moespec` with no command): SPEC 9's
 * options into a TrainConfig, the demo data when --data is absent, then the
 * dashboard (which needs a terminal) or the headless trainer and its CSV
 * export.
 *
 * Checkpoint settings go to the trainer; --resume's checks are in
 * train_resume.c.
 */
#include "config.h"

#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_export.h"
#include "commands.h"
#include "stop_signal.h"
#include "dashboard.h"
#include "demo_data.h"
#include "headless.h"
#include "nn/blas.h"
#include "opts.h"
#include "train_resume.h"
#include "train/trainer.h"

static const char train_usage[] =
    "Usage: moespec [train] [OPTION]...\n"
    "Train expert predictors on a trace set, live in the dashboard or --headless.\n"
    "\n"
    "  --data DIR             trace set to train on (default: the demo set, generated\n"
    "                         once into $XDG_CACHE_HOME/moespec)\n"
    "  --arch LIST            runs to train, comma-separated (default: all, in the\n"
    "                         order of the list of architectures below)\n"
    "  --epochs N             epochs to plan (default 20)\n"
    "  --max-steps N          plan N steps instead of whole epochs\n"
    "  --batch N              samples per step (default 1024)\n"
    "  --lr X | ARCH=X        learning rate for all runs, or for one (repeatable;\n"
    "                         each architecture's default is listed below)\n"
    "  --width W              base width (default 256; hybrid and complex need a\n"
    "                         multiple of 4, their attention heads; linear has none)\n"
    "  --rank R               linear only: A_l = U_l V_l of rank R, 1 <= R < min(E, D)\n"
    "                         (default 0: full rank)\n"
    "  --window N             tokens in the windowed models' context (default 32)\n"
    "  --lookahead N          predict the experts of layer l+N (default 0)\n"
    "  --no-layer-id          hide the layer id from the predictors\n"
    "  --seed N               seed for split, initialisation, order (default 1)\n"
    "  --val-frac X           share of sequences held out (default 0.1)\n"
    "  --val-data DIR         validate on another trace set\n"
    "  --val-samples N        evaluate on N validation samples drawn once\n"
    "  --eval-every N         evaluate every N steps (default 200)\n"
    "  --shards-per-group N   shards resident at once (default all)\n"
    "  --threads N            compute threads shared by all runs (default: cores)\n"
    "  --headless             no dashboard; one progress line per evaluation on stderr\n"
    "  --export DIR           CSV export directory (headless: written at the end; in\n"
    "                         the dashboard: where `e` writes, default ./moespec-export)\n"
    "  --checkpoint-dir DIR   where RUN.ckpt files go (default ./moespec-checkpoints)\n"
    "  --checkpoint-every N   checkpoint each run every N steps\n"
    "  --stop-at N            at step N a run writes its checkpoint and stops this\n"
    "                         invocation (the plan is unchanged; resume to go on)\n"
    "  --resume FILE          continue the run of a checkpoint (repeat once per run;\n"
    "                         not with --arch; hyperparameters come from the files)\n"
    "  --overwrite            a fresh run may replace a RUN.ckpt of another trace set\n"
    "                         or configuration in --checkpoint-dir (else exit 2)\n"
    "  --log FILE             keep messages that arrive while the dashboard is up\n"
    "  --sim-tokens N         live deployment simulation (d view, deploy.csv) on the\n"
    "                         first N validation tokens (default 16384; 0 = off)\n"
    "  --expert-mb X, --link-bandwidth X, --layer-ms X, --attn-ms X\n"
    "                         its cost model, as in moespec simulate\n"
    "  -h, --help             show this help and exit\n"
    "\n"
    "Architectures (--arch names, default lr, what each is):\n";

/* --help's list of architectures: arch.c's table, as it is. */
static void print_archs(FILE *out)
{
    for (int i = 0; i < arch_count(); i++) {
        const ArchInfo *row = arch_row(i);
        fprintf(out, "  %-8s lr %-6g %s%s\n", row->name, row->default_lr, row->summary,
                row->in_default ? "" : " (not by default)");
    }
}

enum {
    OPT_DATA = 256, OPT_ARCH, OPT_EPOCHS, OPT_MAX_STEPS, OPT_STOP_AT, OPT_BATCH, OPT_LR,
    OPT_WIDTH, OPT_WINDOW, OPT_LOOKAHEAD, OPT_NO_LAYER_ID, OPT_SEED, OPT_VAL_FRAC,
    OPT_VAL_DATA, OPT_VAL_SAMPLES, OPT_EVAL_EVERY, OPT_SHARDS_PER_GROUP, OPT_THREADS,
    OPT_HEADLESS, OPT_EXPORT, OPT_CHECKPOINT_DIR, OPT_CHECKPOINT_EVERY, OPT_RESUME, OPT_LOG,
    OPT_OVERWRITE,
    OPT_RANK, OPT_SIM_TOKENS, OPT_EXPERT_MB, OPT_LINK, OPT_LAYER_MS, OPT_ATTN_MS
};

static const struct option train_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"arch", required_argument, NULL, OPT_ARCH},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"max-steps", required_argument, NULL, OPT_MAX_STEPS},
    {"stop-at", required_argument, NULL, OPT_STOP_AT},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"lr", required_argument, NULL, OPT_LR},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"rank", required_argument, NULL, OPT_RANK},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"lookahead", required_argument, NULL, OPT_LOOKAHEAD},
    {"no-layer-id", no_argument, NULL, OPT_NO_LAYER_ID},
    {"seed", required_argument, NULL, OPT_SEED},
    {"val-frac", required_argument, NULL, OPT_VAL_FRAC},
    {"val-data", required_argument, NULL, OPT_VAL_DATA},
    {"val-samples", required_argument, NULL, OPT_VAL_SAMPLES},
    {"eval-every", required_argument, NULL, OPT_EVAL_EVERY},
    {"shards-per-group", required_argument, NULL, OPT_SHARDS_PER_GROUP},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"headless", no_argument, NULL, OPT_HEADLESS},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"checkpoint-dir", required_argument, NULL, OPT_CHECKPOINT_DIR},
    {"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"log", required_argument, NULL, OPT_LOG},
    {"sim-tokens", required_argument, NULL, OPT_SIM_TOKENS},
    {"expert-mb", required_argument, NULL, OPT_EXPERT_MB},
    {"link-bandwidth", required_argument, NULL, OPT_LINK},
    {"layer-ms", required_argument, NULL, OPT_LAYER_MS},
    {"attn-ms", required_argument, NULL, OPT_ATTN_MS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_arch_list(const char *list, TrainConfig *c)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    c->n_archs = 0;
    int seen[ARCH_MAX] = {0};
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        Arch a;
        Err e;
        if (arch_parse(tok, &a, &e)) {
            fprintf(stderr, "moespec: --arch: %s\n", e.msg);
            return -1;
        }
        if (seen[a]) {
            fprintf(stderr, "moespec: --arch: '%s' is named twice\n", tok);
            return -1;
        }
        seen[a] = 1;
        c->archs[c->n_archs++] = a;
    }
    if (c->n_archs == 0) {
        fprintf(stderr, "moespec: --arch: no architecture named\n");
        return -1;
    }
    return 0;
}

/* --lr X, or --lr ARCH=X for one architecture. */
static int parse_lr(const char *val, TrainConfig *c, int *given)
{
    const char *eq = strchr(val, '=');
    double lr;
    if (!eq) {
        if (opt_double("--lr", val, 1e-12, 10.0, &lr))
            return -1;
        for (int a = 0; a < ARCH_MAX; a++) {
            c->lr[a] = lr;
            given[a] = 1;
        }
        return 0;
    }
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(eq - val), val);
    Arch a;
    Err e;
    if (arch_parse(name, &a, &e)) {
        fprintf(stderr, "moespec: --lr: %s\n", e.msg);
        return -1;
    }
    if (opt_double("--lr", eq + 1, 1e-12, 10.0, &lr))
        return -1;
    c->lr[a] = lr;
    given[a] = 1;
    return 0;
}

typedef struct TrainArgs {
    TrainConfig cfg;
    TrainGiven given;
    ResumeSet resume;
    const char *checkpoint_dir;
    int64_t checkpoint_every, stop_at;
    int headless;
    int overwrite;                 /* --overwrite: replace another run's RUN.ckpt */
    const char *export_dir;
    const char *log_path;
} TrainArgs;

/* Notes which settings the command line gave (--resume checks them). */
static void note_given(int c, TrainGiven *g)
{
    switch (c) {
    case OPT_ARCH: g->arch = 1; break;
    case OPT_EPOCHS: g->epochs = 1; break;
    case OPT_MAX_STEPS: g->max_steps = 1; break;
    case OPT_BATCH: g->batch = 1; break;
    case OPT_WIDTH: g->width = 1; break;
    case OPT_RANK: g->rank = 1; break;
    case OPT_WINDOW: g->window = 1; break;
    case OPT_LOOKAHEAD: g->lookahead = 1; break;
    case OPT_NO_LAYER_ID: g->no_layer_id = 1; break;
    case OPT_SEED: g->seed = 1; break;
    case OPT_VAL_FRAC: g->val_frac = 1; break;
    case OPT_VAL_DATA: g->val_data = 1; break;
    case OPT_VAL_SAMPLES: g->val_samples = 1; break;
    case OPT_EVAL_EVERY: g->eval_every = 1; break;
    case OPT_SHARDS_PER_GROUP: g->shards_per_group = 1; break;
    default: break;
    }
}

static int parse_value(int c, const char *arg, TrainArgs *a)
{
    TrainConfig *t = &a->cfg;
    long v;
    double x;
    note_given(c, &a->given);
    switch (c) {
    case OPT_DATA: return opt_path("--data", arg, t->data, sizeof t->data);
    case OPT_VAL_DATA: return opt_path("--val-data", arg, t->val_data, sizeof t->val_data);
    case OPT_ARCH: return parse_arch_list(arg, t);
    case OPT_LR: return parse_lr(arg, t, a->given.lr);
    case OPT_EPOCHS: return opt_long("--epochs", arg, 1, 1000000, &v) ? -1 : (t->epochs = v, 0);
    case OPT_MAX_STEPS:
        return opt_long("--max-steps", arg, 1, 1000000000L, &v) ? -1 : (t->max_steps = v, 0);
    case OPT_BATCH: return opt_long("--batch", arg, 1, 1 << 20, &v) ? -1 : (t->batch = (int)v, 0);
    case OPT_WIDTH: return opt_long("--width", arg, 1, 1 << 16, &v) ? -1 : (t->width = (int)v, 0);
    case OPT_RANK: return opt_long("--rank", arg, 0, 1 << 16, &v) ? -1 : (t->rank = (int)v, 0);
    case OPT_WINDOW: return opt_long("--window", arg, 1, 4096, &v) ? -1 : (t->window = (int)v, 0);
    case OPT_LOOKAHEAD:
        return opt_long("--lookahead", arg, 0, 4095, &v) ? -1 : (t->lookahead = (int)v, 0);
    case OPT_NO_LAYER_ID: t->use_layer_id = 0; return 0;
    case OPT_SEED: return opt_long("--seed", arg, 0, 0x7fffffffL, &v) ? -1 : (t->seed = (uint64_t)v, 0);
    case OPT_VAL_FRAC:
        return opt_double("--val-frac", arg, 0.0, 0.9, &x) ? -1 : (t->val_frac = x, 0);
    case OPT_VAL_SAMPLES:
        return opt_long("--val-samples", arg, 1, 1L << 40, &v) ? -1 : (t->val_samples = v, 0);
    case OPT_EVAL_EVERY:
        return opt_long("--eval-every", arg, 1, 1L << 40, &v) ? -1 : (t->eval_every = v, 0);
    case OPT_SHARDS_PER_GROUP:
        return opt_long("--shards-per-group", arg, 1, 1 << 20, &v) ? -1 : (t->shards_per_group = (int)v, 0);
    case OPT_THREADS: return opt_long("--threads", arg, 1, 1024, &v) ? -1 : (t->threads = (int)v, 0);
    case OPT_HEADLESS: a->headless = 1; return 0;
    case OPT_OVERWRITE: a->overwrite = 1; return 0;
    case OPT_EXPORT: a->export_dir = arg; return 0;
    case OPT_LOG: a->log_path = arg; return 0;
    case OPT_STOP_AT:
        return opt_long("--stop-at", arg, 1, 1000000000L, &v) ? -1 : (a->stop_at = v, 0);
    case OPT_CHECKPOINT_EVERY:
        return opt_long("--checkpoint-every", arg, 1, 1000000000L, &v) ? -1
                                                                      : (a->checkpoint_every = v, 0);
    case OPT_CHECKPOINT_DIR:
        if (strlen(arg) >= TRAIN_PATH_MAX - 64) {
            fprintf(stderr, "moespec: --checkpoint-dir: path too long\n");
            return -1;
        }
        a->checkpoint_dir = arg;
        return 0;
    case OPT_RESUME: return resume_add(&a->resume, arg);
    case OPT_SIM_TOKENS:
        return opt_long("--sim-tokens", arg, 0, 0x7fffffffffffL, &v) ? -1 : (t->sim_tokens = v, 0);
    case OPT_EXPERT_MB: return opt_double("--expert-mb", arg, 1e-6, 1e6, &t->sim_cost.expert_mb) ? -1 : 0;
    case OPT_LINK: return opt_double("--link-bandwidth", arg, 1e-6, 1e6, &t->sim_cost.link_gbps) ? -1 : 0;
    case OPT_LAYER_MS: return opt_double("--layer-ms", arg, 0, 1e6, &t->sim_cost.layer_ms) ? -1 : 0;
    case OPT_ATTN_MS: return opt_double("--attn-ms", arg, 0, 1e6, &t->sim_cost.attn_ms) ? -1 : 0;
    default: return -1;
    }
}

static int parse_train_args(int argc, char **argv, TrainArgs *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", train_options, NULL)) != -1) {
        char what[300];
        switch (c) {
        case 'h':
            fputs(train_usage, stdout);
            print_archs(stdout);
            return 0;
        case ':':
            snprintf(what, sizeof what, "option '%s' needs a value", argv[optind - 1]);
            return opt_usage_error("train", what);
        case '?':
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("train", what);
        default:
            if (parse_value(c, optarg, a))
                return ERR_USAGE;
        }
    }
    if (optind < argc) {
        char what[300];
        snprintf(what, sizeof what, "unexpected argument '%s'", argv[optind]);
        return opt_usage_error("train", what);
    }
    return -1; /* parsed; go on */
}

static int train_export(Trainer *t, const char *dir, int argc, char **argv)
{
    const Run *runs[TRAIN_MAX_RUNS];
    for (int i = 0; i < trainer_n_runs(t); i++)
        runs[i] = trainer_run(t, i);
    return cli_export_runs(dir, trainer_config(t), trainer_data(t), runs, trainer_n_runs(t),
                           argc, argv);
}

static void print_start(const Trainer *t, FILE *out)
{
    const TrainData *d = trainer_data(t);
    fprintf(out, "moespec: data %s: E=%d K=%d L=%d D=%d; %lld training and %lld validation "
                    "samples (lookahead %d)\n",
            trainer_config(t)->data, d->h.E, d->h.K, d->h.L, d->h.D,
            (long long)batcher_n_samples(d->views[TRAIN_VIEW_TOKEN].train),
            (long long)batcher_n_eval(d->views[TRAIN_VIEW_TOKEN].val),
            d->lookahead);
    MetricsSummary s;
    metrics_summary(&d->base_freq, &s);
    fprintf(out, "moespec: baseline frequency: hit1 %.4f recall_%d %.4f cover_%d %.4f\n",
            s.hit1, d->h.K, s.recall_K, d->h.K, s.cover_K);
    metrics_summary(&d->base_repeat, &s);
    fprintf(out, "moespec: baseline repeat: hit1 %.4f recall_%d %.4f cover_%d %.4f\n",
            s.hit1, d->h.K, s.recall_K, d->h.K, s.cover_K);
    if (d->has_gate) {
        metrics_summary(&d->base_gate, &s);
        fprintf(out, "moespec: baseline gate: hit1 %.4f recall_%d %.4f cover_%d %.4f\n",
                s.hit1, d->h.K, s.recall_K, d->h.K, s.cover_K);
    }
    for (int i = 0; i < trainer_n_runs(t); i++) {
        const Run *r = trainer_run(t, i);
        fprintf(out, "moespec: run %s: %zu parameters, %lld steps planned, lr %g, batch %d, "
                        "%d threads (OpenBLAS core %s)\n",
                r->name, model_param_count(r->model), (long long)r->planned_steps, r->lr,
                trainer_config(t)->batch, trainer_config(t)->threads, blas_core());
    }
}

/* The trainer of this invocation: a fresh one, or one that continues the
 * --resume checkpoints; checkpoint settings applied. Returns the exit
 * status on failure, having said why. */
static int make_trainer(TrainArgs *a, Trainer **out)
{
    Err e;
    err_clear(&e);
    *out = NULL;
    TrainConfig cfg = a->cfg;
    int rc = 0;
    if (a->resume.n && (rc = resume_prepare(&a->resume, &a->cfg, &a->given, &cfg)))
        return rc;
    Trainer *t = NULL;
    if ((rc = trainer_create(&cfg, &t, &e)))
        return opt_report(&e);
    if (a->resume.n) {
        const Checkpoint *cks[TRAIN_MAX_RUNS];
        for (int i = 0; i < a->resume.n; i++)
            cks[i] = &a->resume.ck[i];
        if ((rc = trainer_resume(t, cks, a->resume.paths, &e))) {
            trainer_free(t);
            return opt_report(&e);
        }
    }
    trainer_set_checkpoints(t, a->checkpoint_dir, a->checkpoint_every, a->stop_at);
    /* SPEC 8: a fresh run does not silently replace another run's checkpoint */
    if (!a->resume.n && !a->overwrite && (rc = trainer_check_checkpoint_dir(t, &e))) {
        trainer_free(t);
        return opt_report(&e);
    }
    *out = t;
    return 0;
}

static int run_trainer(TrainArgs *a, Trainer *t, FILE *log, int argc, char **argv)
{
    char cmdline[8192];
    cli_join_cmdline(cmdline, sizeof cmdline, argc - 1, argv + 1);
    trainer_set_export_info(t, PACKAGE_VERSION, cmdline);
    if (!a->headless) {
        if (log)
            print_start(t, log);
        DashboardOptions o = {a->export_dir ? a->export_dir : "./moespec-export", log};
        return dashboard_run(t, &o);
    }
    print_start(t, stderr);
    int rc = headless_run(t, log);
    if (a->export_dir && (rc == 0 || rc == 1)) {
        int xrc = train_export(t, a->export_dir, argc - 1, argv + 1);
        if (xrc && !rc)
            rc = xrc;
    }
    return rc;
}

int cmd_train(int argc, char **argv)
{
    TrainArgs a;
    memset(&a, 0, sizeof a);
    train_config_default(&a.cfg);
    int rc = parse_train_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    /* SPEC 7: no terminal, no dashboard; said before any data is made. */
    if (!a.headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "moespec: no terminal: use --headless\n");
        return ERR_USAGE;
    }
    /* the export directory is checked now, so a long run does not end in
     * an export that cannot be written */
    if (a.export_dir && !(a.headless ? cli_export_dir_usable(a.export_dir)
                                     : cli_export_parent_usable(a.export_dir)))
        return 1;
    Err e;
    err_clear(&e);
    if (!a.cfg.data[0]) {
        /* a demo build interrupted is removed, not left half; the modes
         * install their own handlers later */
        stop_signal_install(1);
        int drc = demo_data_ensure(a.cfg.data, sizeof a.cfg.data, &e);
        stop_signal_reset();
        if (drc)
            return opt_report(&e);
        if (stop_signal_caught()) /* it came as the build committed: still a stop */
            return stop_signal_status(stop_signal_caught());
    }
    FILE *log = NULL;
    if (a.log_path && !(log = fopen(a.log_path, "a"))) {
        fprintf(stderr, "moespec: --log %s: %s\n", a.log_path, strerror(errno));
        return 1;
    }
    Trainer *t = NULL;
    rc = make_trainer(&a, &t);
    if (!rc)
        rc = run_trainer(&a, t, log, argc, argv);
    trainer_free(t);
    resume_free(&a.resume);
    if (log)
        fclose(log);
    return rc;
}
