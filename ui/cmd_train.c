/*
 * cmd_train.c: the 'train' command (also `moespec` with no command).
 * Parses SPEC 9's options; the trainer and the dashboard are not built yet,
 * so after parsing it says so and exits 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "opts.h"

static const char train_usage[] =
    "Usage: moespec [train] [OPTION]...\n"
    "Train expert predictors on a trace set, live in the dashboard or --headless.\n"
    "\n"
    "  --data DIR             trace set to train on (default: the demo set, generated\n"
    "                         once into $XDG_CACHE_HOME/moespec)\n"
    "  --arch LIST            runs to train: simple,hybrid,complex (default all three)\n"
    "  --epochs N             epochs to plan (default 20)\n"
    "  --max-steps N          plan N steps instead of whole epochs\n"
    "  --stop-at N            stop this invocation at step N with a checkpoint\n"
    "  --batch N              samples per step (default 1024)\n"
    "  --lr X | ARCH=X        learning rate for all runs, or for one\n"
    "  --width W              base width (default 256, or D/2 if D < 512)\n"
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
    "  --headless             no dashboard; one progress line per evaluation\n"
    "  --export DIR           CSV export directory\n"
    "  --checkpoint-dir DIR   where RUN.ckpt files go (default ./moespec-checkpoints)\n"
    "  --checkpoint-every N   checkpoint every N steps\n"
    "  --resume FILE          resume a run from its checkpoint (repeatable)\n"
    "  --log FILE             keep messages that arrive while the dashboard is up\n"
    "  -h, --help             show this help and exit\n";

enum {
    OPT_DATA = 256, OPT_ARCH, OPT_EPOCHS, OPT_MAX_STEPS, OPT_STOP_AT, OPT_BATCH, OPT_LR,
    OPT_WIDTH, OPT_WINDOW, OPT_LOOKAHEAD, OPT_NO_LAYER_ID, OPT_SEED, OPT_VAL_FRAC,
    OPT_VAL_DATA, OPT_VAL_SAMPLES, OPT_EVAL_EVERY, OPT_SHARDS_PER_GROUP, OPT_THREADS,
    OPT_HEADLESS, OPT_EXPORT, OPT_CHECKPOINT_DIR, OPT_CHECKPOINT_EVERY, OPT_RESUME, OPT_LOG
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
    {"log", required_argument, NULL, OPT_LOG},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_train(int argc, char **argv)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", train_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(train_usage, stdout);
            return 0;
        case ':':
            return opt_usage_error("train", "an option is missing its value");
        case '?': {
            char what[300];
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            return opt_usage_error("train", what);
        }
        default:
            break;
        }
    }
    if (optind < argc) {
        char what[300];
        snprintf(what, sizeof what, "unexpected argument '%s'", argv[optind]);
        return opt_usage_error("train", what);
    }
    fprintf(stderr, "moespec: train: the trainer and the dashboard are not built yet in this "
                    "version; 'moespec --help' lists the commands\n");
    return 1;
}
