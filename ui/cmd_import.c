/*
 * cmd_import.c: the 'import' command (SPEC 4.2, 9): CSV routing traces ->
 * a trace set. Options and exit statuses here; the parsing, checking and
 * writing are src/data/csv_import.c.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "stop_signal.h"
#include "data/csv_import.h"
#include "opts.h"

static const char import_usage[] =
    "Usage: moespec import --experts E [--hidden-point P] [--router FILE]\n"
    "                      [--expert-mb X] FILE.csv... -o DIR\n"
    "Convert CSV routing traces into a trace set (moespec-traces(5)).\n"
    "\n"
    "  --experts E          experts per MoE layer; ids must lie in [0, E)\n"
    "  --hidden-point P     where the h columns were taken: router-input,\n"
    "                       layer-input or unknown (default unknown)\n"
    "  --router FILE        the model's router matrices (safetensors, tensors\n"
    "                       layers.N.router.weight [E, D] and .bias [E]); checked\n"
    "                       against the set's E, L, D and copied in\n"
    "  --expert-mb X        size of one expert's weights in MB (10^6 bytes)\n"
    "  -o, --output DIR     the trace set to create (absent or empty)\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Columns, by name, in any order: seq,pos,layer (required), token, e0..e{K-1}\n"
    "(required), w0..w{K-1}, h0..h{D-1}. Several files are read as one set.\n"
    "Errors name FILE:LINE:COLUMN and exit 3 with nothing written.\n";

enum { OPT_EXPERTS = 256, OPT_HIDDEN_POINT, OPT_ROUTER, OPT_EXPERT_MB };

static const struct option import_options[] = {
    {"experts", required_argument, NULL, OPT_EXPERTS},
    {"hidden-point", required_argument, NULL, OPT_HIDDEN_POINT},
    {"router", required_argument, NULL, OPT_ROUTER},
    {"expert-mb", required_argument, NULL, OPT_EXPERT_MB},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_import(int argc, char **argv)
{
    long experts = -1;
    HiddenPoint point = HIDDEN_UNKNOWN;
    const char *out = NULL, *router = NULL;
    double expert_mb = 0.0;
    char what[300];
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", import_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(import_usage, stdout);
            return 0;
        case OPT_EXPERTS:
            if (opt_long("--experts", optarg, 1, 65535, &experts))
                return ERR_USAGE;
            break;
        case OPT_HIDDEN_POINT:
            if (traceset_point_parse(optarg, &point)) {
                snprintf(what, sizeof what, "--hidden-point: '%s' is not router-input, "
                         "layer-input or unknown", optarg);
                return opt_usage_error("import", what);
            }
            break;
        case OPT_ROUTER:
            router = optarg;
            break;
        case OPT_EXPERT_MB: {
            char *end;
            errno = 0;
            expert_mb = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(expert_mb > 0.0 && expert_mb < 1e9)) {
                snprintf(what, sizeof what, "--expert-mb: '%s' is not a size in MB "
                         "(0 < X < 1e9)", optarg);
                return opt_usage_error("import", what);
            }
            break;
        }
        case 'o':
            out = optarg;
            break;
        case ':':
            return opt_usage_error("import", "an option is missing its value");
        default:
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("import", what);
        }
    }
    if (experts < 0)
        return opt_usage_error("import", "--experts E is required");
    if (!out)
        return opt_usage_error("import", "-o DIR is required");
    if (optind >= argc)
        return opt_usage_error("import", "no FILE.csv given");
    if (opt_nonempty("import: -o", out))
        return ERR_USAGE;
    for (int i = optind; i < argc; i++)
        if (opt_nonempty("import: FILE", argv[i]))
            return ERR_USAGE;
    Err e = {0};
    CsvImport *ci = NULL;
    stop_signal_install(1); /* SIGINT, SIGTERM, SIGHUP: the set is removed, not left half */
    int rc = csvimp_new((int)experts, &ci, &e);
    for (int i = optind; !rc && i < argc; i++)
        rc = csvimp_feed_file(ci, argv[i], &e);
    if (!rc) {
        csvimp_set_extras(ci, router, (uint64_t)llround(expert_mb * 1e6));
        rc = csvimp_write(ci, point, out, &e);
    }
    csvimp_free(ci);
    if (rc)
        return opt_report(&e);
    fprintf(stderr, "moespec: import: wrote %s\n", out);
    return 0;
}
