/* cmd_gen.c: the 'gen' command. Not built yet: says so and exits 1. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_gen(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("Usage: moespec gen [--profile NAME] [--experts E] [--top-k K] [--layers L] [--dim D]\n       [--seqs N] [--seq-len T] [--seed N] [--dtype f16|f32] [--shard-mb N] -o DIR\nWrite a synthetic trace set from a simulated mixture-of-experts model.\n");
            return 0;
        }
    fprintf(stderr, "moespec: gen: not built yet in this version\n");
    return 1;
}
