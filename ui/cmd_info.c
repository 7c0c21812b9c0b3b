/*
 * cmd_info.c: the 'info' command (SPEC 4.4): describes a trace set, verifies
 * every shard checksum, and prints the per-layer routing statistics (or only
 * those, as CSV, with --csv). A statistic that does not exist (affinity and
 * same_id of the last layer, token_share without token ids) prints as "-"
 * in the table and as an empty CSV cell.
 *
 * Not here: the statistics (src/data/routestats.c).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "data/routestats.h"
#include "data/traceset.h"
#include "opts.h"

static const char info_usage[] =
    "Usage: moespec info [--csv] DIR\n"
    "Describe a trace set (and whether it has router matrices), verify every\n"
    "shard checksum (and the router file's), and print per-layer routing\n"
    "statistics (skew, repeat_ratio, affinity, same_id, token_share).\n"
    "\n"
    "  --csv        print only the per-layer table, as CSV\n"
    "  -h, --help   show this help and exit\n"
    "\n"
    "Exit status 3 names the first corrupt or inconsistent file.\n";

static const struct option info_options[] = {
    {"csv", no_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_summary(const TraceSet *ts, const Router *router)
{
    const TraceHeader *h = traceset_header(ts);
    printf("trace set      %s\n", traceset_path(ts));
    printf("experts (E)    %d\n", h->E);
    printf("top-k (K)      %d\n", h->K);
    printf("layers (L)     %d\n", h->L);
    printf("hidden (D)     %d%s\n", h->D, h->D ? "" : " (routing only)");
    printf("hidden point   %s\n", traceset_point_name(h->point));
    printf("dtype          %s\n", traceset_dtype_name(h->dtype));
    printf("gate weights   %s\n", h->has_weights ? "yes" : "no");
    printf("token ids      %s\n", h->has_tokens ? "yes" : "no");
    printf("sequences      %lld\n", (long long)traceset_n_seqs(ts));
    printf("tokens         %lld\n", (long long)traceset_n_tokens(ts));
    printf("samples        %lld\n", (long long)traceset_n_tokens(ts) * h->L);
    printf("bytes          %llu\n", (unsigned long long)traceset_bytes(ts));
    printf("shards         %d\n", traceset_n_shards(ts));
    if (traceset_expert_bytes(ts))
        printf("expert bytes   %llu\n", (unsigned long long)traceset_expert_bytes(ts));
    if (router)
        printf("router         yes (%s, %d of %d layers with bias; source: %s)\n",
               ROUTER_FILE_NAME, router->n_bias, router->L,
               router->source[0] ? router->source : "not named");
    else
        printf("router         no\n");
    printf("checksums      verified\n");
}

/* One table cell: fixed width, "-" for a statistic that does not exist. */
static void table_cell(int width, double v)
{
    if (isnan(v))
        printf(" %*s", width, "-");
    else
        printf(" %*.4f", width, v);
}

static void csv_cell(double v)
{
    if (isnan(v))
        printf(",");
    else
        printf(",%.9g", v);
}

static void print_layers(const LayerStats *st, int L, int csv)
{
    if (csv)
        printf("layer,skew,repeat_ratio,affinity,same_id,token_share\n");
    else
        printf("\n%5s %8s %12s %8s %8s %11s\n", "layer", "skew", "repeat_ratio", "affinity",
               "same_id", "token_share");
    for (int l = 0; l < L; l++) {
        const LayerStats *s = &st[l];
        if (csv) {
            printf("%d", l);
            csv_cell(s->skew);
            csv_cell(s->repeat_ratio);
            csv_cell(s->affinity);
            csv_cell(s->same_id);
            csv_cell(s->token_share);
            printf("\n");
        } else {
            printf("%5d", l);
            table_cell(8, s->skew);
            table_cell(12, s->repeat_ratio);
            table_cell(8, s->affinity);
            table_cell(8, s->same_id);
            table_cell(11, s->token_share);
            printf("\n");
        }
    }
}

static int info_run(const char *dir, int csv)
{
    TraceSet *ts = NULL;
    LayerStats *st = NULL;
    Router router = {0};
    Err e = {0};
    /* one shard mapped at a time: info reads sets larger than memory */
    int rc = traceset_open(dir, 1, &ts, &e);
    if (!rc)
        rc = traceset_verify_all(ts, &e);
    if (!rc && traceset_has_router(ts))
        rc = traceset_load_router(ts, &router, &e); /* verifies its checksum too */
    if (!rc && !(st = calloc((size_t)traceset_header(ts)->L, sizeof *st)))
        rc = err_set(&e, ERR_RUNTIME, "%s: out of memory", dir);
    if (!rc)
        rc = routestats_compute(ts, st, &e);
    if (!rc) {
        if (!csv)
            print_summary(ts, traceset_has_router(ts) ? &router : NULL);
        print_layers(st, traceset_header(ts)->L, csv);
        if (fflush(stdout) || ferror(stdout))
            rc = err_set(&e, ERR_RUNTIME, "standard output: write error");
    }
    free(st);
    router_free(&router);
    traceset_close(ts);
    return rc ? opt_report(&e) : 0;
}

int cmd_info(int argc, char **argv)
{
    int csv = 0, c;
    char what[300];
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", info_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(info_usage, stdout);
            return 0;
        case 'c':
            csv = 1;
            break;
        default:
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("info", what);
        }
    }
    if (optind != argc - 1)
        return opt_usage_error("info", optind >= argc ? "DIR is required"
                                                      : "exactly one DIR, please");
    if (opt_nonempty("info: DIR", argv[optind]))
        return ERR_USAGE;
    return info_run(argv[optind], csv);
}
