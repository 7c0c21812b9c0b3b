/*
 * cmd_gen.c: the 'gen' command (SPEC 4.3, 9): a synthetic trace set from a
 * profile plus option overrides, written atomically, with a progress bar on
 * stderr when stderr is a terminal and a one-line summary on stderr at the
 * end in every case.
 *
 * Not here: the generator (src/data/synth.c), the profiles
 * (src/data/profile.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "stop_signal.h"
#include "data/profile.h"
#include "data/synth.h"
#include "opts.h"
#include "progress_bar.h"

static const char gen_usage[] =
    "Usage: moespec gen [OPTION]... -o DIR\n"
    "Write a synthetic trace set from a simulated mixture-of-experts model.\n"
    "\n"
    "  --profile NAME|FILE  demo (default), qwen1.5-moe-a2.7b, mixtral-8x7b,\n"
    "                       olmoe-1b-7b, deepseek-v2-lite, or a FILE.conf in the\n"
    "                       format of data/profiles/*.conf\n"
    "  --experts E          experts per layer (2..1024)\n"
    "  --top-k K            experts routed per token (1..E)\n"
    "  --layers L           MoE layers (1..1024)\n"
    "  --dim D              hidden size (0 = routing only, no hidden states)\n"
    "  --seqs N             sequences\n"
    "  --seq-len T          tokens per sequence\n"
    "  --seed N             seed (default 1); the same seed gives the same set\n"
    "  --dtype f16|f32      storage of the hidden states\n"
    "  --shard-mb N         target shard size in MiB\n"
    "  -o, --output DIR     the trace set to create (absent or empty)\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Options override the profile. A progress bar is drawn on stderr when it is a\n"
    "terminal; a summary line goes to stderr at the end.\n";

enum {
    OPT_PROFILE = 256, OPT_EXPERTS, OPT_TOP_K, OPT_LAYERS, OPT_DIM, OPT_SEQS, OPT_SEQ_LEN,
    OPT_SEED, OPT_DTYPE, OPT_SHARD_MB
};

static const struct option gen_options[] = {
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"experts", required_argument, NULL, OPT_EXPERTS},
    {"top-k", required_argument, NULL, OPT_TOP_K},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"dim", required_argument, NULL, OPT_DIM},
    {"seqs", required_argument, NULL, OPT_SEQS},
    {"seq-len", required_argument, NULL, OPT_SEQ_LEN},
    {"seed", required_argument, NULL, OPT_SEED},
    {"dtype", required_argument, NULL, OPT_DTYPE},
    {"shard-mb", required_argument, NULL, OPT_SHARD_MB},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Values given on the command line; -1 = not given. */
typedef struct GenOverrides {
    long experts, top_k, layers, dim, seqs, seq_len, shard_mb;
    int dtype;
} GenOverrides;

static int gen_load_profile(const char *name, SynthConfig *cfg)
{
    Err e;
    err_clear(&e);
    int rc = strchr(name, '/') || (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, ".conf"))
                 ? profile_parse_file(name, cfg, &e)
                 : profile_lookup(name, cfg, &e);
    return rc ? opt_report(&e) : 0;
}

static void gen_apply(const GenOverrides *o, SynthConfig *cfg)
{
    if (o->experts >= 0)
        cfg->experts = (int)o->experts;
    if (o->top_k >= 0)
        cfg->top_k = (int)o->top_k;
    if (o->layers >= 0)
        cfg->layers = (int)o->layers;
    if (o->dim >= 0)
        cfg->dim = (int)o->dim;
    if (o->seqs >= 0)
        cfg->seqs = (int)o->seqs;
    if (o->seq_len >= 0)
        cfg->seq_len = (int)o->seq_len;
    if (o->shard_mb >= 0)
        cfg->shard_mb = (int)o->shard_mb;
    if (o->dtype >= 0)
        cfg->dtype = (HiddenDtype)o->dtype;
}

/* One option value into *o; -1 (message printed) on a bad value. */
static int gen_option(int c, const char *arg, GenOverrides *o, long *seed)
{
    switch (c) {
    case OPT_EXPERTS: return opt_long("--experts", arg, 2, 1024, &o->experts);
    case OPT_TOP_K: return opt_long("--top-k", arg, 1, 1024, &o->top_k);
    case OPT_LAYERS: return opt_long("--layers", arg, 1, 1024, &o->layers);
    case OPT_DIM: return opt_long("--dim", arg, 0, 65536, &o->dim);
    case OPT_SEQS: return opt_long("--seqs", arg, 1, 1000000000, &o->seqs);
    case OPT_SEQ_LEN: return opt_long("--seq-len", arg, 1, 1 << 20, &o->seq_len);
    case OPT_SHARD_MB: return opt_long("--shard-mb", arg, 1, 1 << 20, &o->shard_mb);
    case OPT_SEED: return opt_long("--seed", arg, 0, 0x7fffffffffffffffL, seed);
    case OPT_DTYPE:
        if (!strcmp(arg, "f16") || !strcmp(arg, "f32")) {
            o->dtype = arg[1] == '1' ? DTYPE_F16 : DTYPE_F32;
            return 0;
        }
        fprintf(stderr, "moespec: --dtype: '%s' is not f16 or f32\n", arg);
        return -1;
    default: return 0;
    }
}

int cmd_gen(int argc, char **argv)
{
    GenOverrides o = {-1, -1, -1, -1, -1, -1, -1, -1};
    const char *profile = "demo", *out = NULL;
    long seed = 1;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", gen_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(gen_usage, stdout);
            return 0;
        case 'o': out = optarg; break;
        case OPT_PROFILE: profile = optarg; break;
        case ':': return opt_usage_error("gen", "an option is missing its value");
        case '?': {
            char what[300];
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("gen", what);
        }
        default:
            if (gen_option(c, optarg, &o, &seed))
                return ERR_USAGE;
        }
    }
    if (optind < argc) {
        char what[300];
        snprintf(what, sizeof what, "unexpected argument '%s'", argv[optind]);
        return opt_usage_error("gen", what);
    }
    if (!out)
        return opt_usage_error("gen", "no output directory (-o DIR)");
    if (opt_nonempty("gen: -o", out))
        return ERR_USAGE;
    SynthConfig cfg;
    int rc = gen_load_profile(profile, &cfg);
    if (rc)
        return rc;
    gen_apply(&o, &cfg);
    Err e;
    err_clear(&e);
    if (profile_check(&cfg, &e))
        return opt_report(&e);
    ProgressBar bar;
    progress_bar_init(&bar, "gen", "sequences");
    time_t start = time(NULL);
    stop_signal_install(1); /* SIGINT, SIGTERM, SIGHUP: the set is removed, not left half */
    rc = synth_write(&cfg, (uint64_t)seed, out, progress_bar_update, &bar, &e);
    if (rc)
        return opt_report(&e);
    fprintf(stderr,
            "moespec: gen: wrote %s: profile %s, E=%d K=%d L=%d D=%d %s, %d sequences of %d "
            "tokens, seed %ld (%lds)\n",
            out, cfg.name, cfg.experts, cfg.top_k, cfg.layers, cfg.dim,
            cfg.dtype == DTYPE_F16 ? "f16" : "f32", cfg.seqs, cfg.seq_len, seed,
            (long)(time(NULL) - start));
    return 0;
}
