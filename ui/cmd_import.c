/* cmd_import.c: the 'import' command. Not built yet: says so and exits 1. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_import(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("Usage: moespec import --experts E [--hidden-point P] FILE.csv... -o DIR\nConvert CSV routing traces into a trace set.\n");
            return 0;
        }
    fprintf(stderr, "moespec: import: not built yet in this version\n");
    return 1;
}
