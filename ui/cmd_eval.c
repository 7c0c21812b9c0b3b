/*
 * cmd_eval.c: the 'eval' command (SPEC 8): loads checkpoints, evaluates
 * each run on the checkpoint's own validation split when --data is the
 * trace set it trained on (same fingerprint), else on the whole of --data
 * (or of --val-data), and prints `key value` lines with summary.csv's
 * names; --export writes the CSV files as headless training does.
 *
 * Not here: the evaluation itself (src/train/ckpt_eval.c: the same score
 * pass as training), the checkpoint format (src/train/checkpoint_*.c).
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_export.h"
#include "commands.h"
#include "opts.h"
#include "train/ckpt_eval.h"
#include "train_resume.h"

static const char eval_usage[] =
    "Usage: moespec eval CKPT... --data DIR [--val-data DIR] [--export DIR]\n"
    "Evaluate checkpointed runs and print `key value` lines (summary.csv's names).\n"
    "\n"
    "  --data DIR       a trace set with the checkpoints' E, K, L and D: when it is the\n"
    "                   set a run trained on (same fingerprint), the run is evaluated\n"
    "                   on its own validation split; otherwise on the whole of DIR\n"
    "  --val-data DIR   evaluate on the whole of DIR instead (same E, K, L, D)\n"
    "  --export DIR     also write the CSV files there (must not exist or be empty)\n"
    "  -h, --help       show this help and exit\n"
    "\n"
    "best_recall_K and best_step come from the checkpoint's own history.\n"
    "Exit status: 0 evaluated, 1 runtime failure, 2 usage, 3 a checkpoint or trace\n"
    "set missing, corrupt or mismatched.\n";

enum { OPT_DATA = 256, OPT_VAL_DATA, OPT_EXPORT };

static const struct option eval_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"val-data", required_argument, NULL, OPT_VAL_DATA},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct EvalArgs {
    TrainConfig cli;   /* data, val_data, threads */
    TrainGiven given;
    ResumeSet set;     /* the checkpoints */
    const char *export_dir;
} EvalArgs;

/* Returns -1 to go on, else the exit status. */
static int parse_eval_args(int argc, char **argv, EvalArgs *a)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", eval_options, NULL)) != -1) {
        char what[300];
        switch (c) {
        case 'h': fputs(eval_usage, stdout); return 0;
        case OPT_DATA:
            if (opt_path("--data", optarg, a->cli.data, sizeof a->cli.data))
                return ERR_USAGE;
            break;
        case OPT_VAL_DATA:
            if (opt_path("--val-data", optarg, a->cli.val_data, sizeof a->cli.val_data))
                return ERR_USAGE;
            a->given.val_data = 1;
            break;
        case OPT_EXPORT: a->export_dir = optarg; break;
        case ':':
            snprintf(what, sizeof what, "option '%s' needs a value", argv[optind - 1]);
            return opt_usage_error("eval", what);
        default:
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("eval", what);
        }
    }
    if (optind >= argc)
        return opt_usage_error("eval", "no checkpoint named");
    if (!a->cli.data[0])
        return opt_usage_error("eval", "--data DIR is required");
    for (int i = optind; i < argc; i++)
        if (resume_add(&a->set, argv[i]))
            return ERR_USAGE;
    return -1;
}

static void print_real(const char *key, int k, double v)
{
    if (k > 0)
        printf("%s_%d ", key, k);
    else
        printf("%s ", key);
    if (isnan(v))
        printf("\n");
    else
        printf("%.9g\n", v);
}

static void print_run(const Run *r, int K)
{
    const EvalRow *h = &r->hist[r->n_hist - 1];
    printf("run %s\narch %s\nparams %zu\nsteps %lld\n", r->name, arch_name(r->arch),
           model_param_count(r->model), (long long)r->step);
    print_real("hit1", 0, h->hit1);
    print_real("hit5", 0, h->hit5);
    print_real("hit10", 0, h->hit10);
    print_real("hit15", 0, h->hit15);
    print_real("hit20", 0, h->hit20);
    print_real("recall", K, h->recall_K);
    print_real("cover", K, h->cover_K);
    print_real("cover", 2 * K, h->cover_2K);
    print_real("exact", 0, h->exact);
    print_real("val_ce", 0, h->val_ce);
    print_real("val_loss", 0, h->val_loss);
    print_real("best_recall", K, r->best_recall_K);
    printf("best_step %lld\n", (long long)r->best_step);
}

/* A baseline measured on the same samples, in a run's key layout, so that
 * a script reads "run X" and "baseline frequency" blocks alike. */
static void print_baseline(const char *name, const MetricsResult *m, int K)
{
    MetricsSummary s;
    metrics_summary(m, &s);
    printf("\nbaseline %s\n", name);
    print_real("hit1", 0, s.hit1);
    print_real("hit5", 0, s.hit5);
    print_real("hit10", 0, s.hit10);
    print_real("hit15", 0, s.hit15);
    print_real("hit20", 0, s.hit20);
    print_real("recall", K, s.recall_K);
    print_real("cover", K, s.cover_K);
    print_real("cover", 2 * K, s.cover_2K);
    print_real("exact", 0, s.exact);
}

/* Evaluates every checkpoint of a (they share one configuration) on one
 * opening of the data, prints them and exports them. */
static int eval_all(EvalArgs *a, int argc, char **argv)
{
    TrainConfig cfg;
    int rc = resume_prepare(&a->set, &a->cli, &a->given, &cfg);
    if (rc)
        return rc;
    Err e;
    err_clear(&e);
    CkptEval ev;
    if (ckpt_eval_run(&cfg, a->given.val_data, a->set.ck, (const char *const *)a->set.paths,
                      a->set.n, &ev, &e)) {
        ckpt_eval_free(&ev);
        return opt_report(&e);
    }
    const Run *runs[TRAIN_MAX_RUNS];
    for (int i = 0; i < ev.n_runs; i++) {
        fprintf(stderr, "moespec: %s: evaluated on %s (%lld samples)\n", a->set.paths[i],
                ev.own_split ? "its own validation split" : "the whole trace set",
                (long long)ckpt_eval_samples(&ev, i));
        if (i)
            printf("\n");
        print_run(&ev.runs[i], ev.data.h.K);
        runs[i] = &ev.runs[i];
    }
    print_baseline("frequency", &ev.data.base_freq, ev.data.h.K);
    print_baseline("repeat", &ev.data.base_repeat, ev.data.h.K);
    if (ev.data.has_gate)
        print_baseline("gate", &ev.data.base_gate, ev.data.h.K);
    if (a->export_dir)
        rc = cli_export_runs(a->export_dir, &ev.cfg, &ev.data, runs, ev.n_runs, argc, argv);
    ckpt_eval_free(&ev);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    EvalArgs a;
    memset(&a, 0, sizeof a);
    train_config_default(&a.cli);
    int rc = parse_eval_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.export_dir && !cli_export_dir_usable(a.export_dir))
        return 1;
    rc = eval_all(&a, argc - 1, argv + 1);
    resume_free(&a.set);
    return rc;
}
