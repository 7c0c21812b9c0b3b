/* cmd_info.c: the 'info' command. Not built yet: says so and exits 1. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_info(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("Usage: moespec info [--csv] DIR\nDescribe a trace set and verify every shard checksum.\n");
            return 0;
        }
    fprintf(stderr, "moespec: info: not built yet in this version\n");
    return 1;
}
