/*
 * main.c: the moespec program's entry point: global options and dispatch to
 * the subcommands (commands.h). `moespec` with no command, or with options
 * only, means `moespec train`.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "opts.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"train", cmd_train, "train predictors (the live dashboard, or --headless)"},
    {"gen", cmd_gen, "generate a synthetic trace set"},
    {"import", cmd_import, "convert CSV routing traces into a trace set"},
    {"info", cmd_info, "describe and verify a trace set"},
    {"eval", cmd_eval, "evaluate checkpoints on a trace set"},
    {"simulate", cmd_simulate, "replay traces through expert caches with prefetch (deployment)"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_help(void)
{
    printf("Usage: moespec [COMMAND] [OPTION]...\n"
           "Train and compare expert predictors for mixture-of-experts models.\n"
           "\n"
           "With no COMMAND, or with options only, runs 'train'.\n"
           "\n"
           "Commands:\n");
    for (int i = 0; i < N_COMMANDS; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("\n"
           "Options:\n"
           "  -h, --help     show this help and exit\n"
           "  -V, --version  show the version and exit\n"
           "\n"
           "'moespec COMMAND --help' describes each command; man moespec has it all.\n"
           "Exit status: 0 success, 1 runtime failure, 2 usage error, 3 bad input,\n"
           "130/143/129 after SIGINT/SIGTERM/SIGHUP.\n");
}

static void print_version(void)
{
    printf("moespec %s\n", PACKAGE_VERSION);
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            print_help();
            return 0;
        }
        if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
            print_version();
            return 0;
        }
        for (int i = 0; i < N_COMMANDS; i++)
            if (!strcmp(argv[1], commands[i].name))
                return commands[i].run(argc - 1, argv + 1);
        if (argv[1][0] != '-') {
            char what[256];
            snprintf(what, sizeof what, "unknown command '%s'", argv[1]);
            return opt_usage_error(NULL, what);
        }
    }
    /* Options only (or nothing): the train command, with argv[0] as its name. */
    static char train_name[] = "train";
    argv[0] = train_name;
    return cmd_train(argc, argv);
}
