/* cli_export.c: see cli_export.h. */
#include "config.h"

#include "cli_export.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "opts.h"
#include "train/export.h"

int cli_export_dir_usable(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    struct dirent *ent;
    int empty = 1;
    while (empty && (ent = readdir(d)))
        empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
    closedir(d);
    if (!empty)
        fprintf(stderr, "moespec: %s: export directory exists and is not empty\n", dir);
    return empty;
}

void cli_join_cmdline(char *buf, size_t size, int argc, char **argv)
{
    size_t used = (size_t)snprintf(buf, size, "moespec");
    for (int i = 0; i < argc && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, " %s", argv[i]);
}

int cli_export_runs(const char *dir, const TrainConfig *c, const TrainData *d,
                    const Run *const *runs, int n, int argc, char **argv)
{
    char cmdline[8192];
    cli_join_cmdline(cmdline, sizeof cmdline, argc, argv);
    ExportInfo info = {PACKAGE_VERSION, cmdline};
    Err e;
    err_clear(&e);
    if (export_write(dir, c, d, runs, n, &info, &e))
        return opt_report(&e);
    fprintf(stderr, "moespec: exported CSV files to %s\n", dir);
    return 0;
}
