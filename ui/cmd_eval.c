/* cmd_eval.c: the 'eval' command. Not built yet: says so and exits 1. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_eval(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("Usage: moespec eval CKPT... --data DIR [--val-data DIR] [--export DIR]\nEvaluate checkpoints on a trace set.\n");
            return 0;
        }
    fprintf(stderr, "moespec: eval: not built yet in this version\n");
    return 1;
}
