/* cli_export.c: see cli_export.h. */
#include "config.h"

#include "cli_export.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "train/export.h"

/* A directory that does not exist yet is created at export time, in its
 * parent: check that parent now, so a long run does not end in an
 * unwritable export. */
static int export_parent_usable(const char *dir)
{
    char parent[4096];
    if (snprintf(parent, sizeof parent, "%s", dir) >= (int)sizeof parent) {
        fprintf(stderr, "moespec: %s: export path too long\n", dir);
        return 0;
    }
    char *slash = strrchr(parent, '/');
    while (slash && slash > parent && slash[1] == '\0') { /* "out/" names out */
        *slash = '\0';
        slash = strrchr(parent, '/');
    }
    const char *p = !slash ? "." : slash == parent ? "/" : (*slash = '\0', parent);
    if (access(p, W_OK | X_OK) == 0)
        return 1;
    fprintf(stderr, "moespec: %s: cannot create the export directory in %s: %s\n", dir, p,
            strerror(errno));
    return 0;
}

/* An existing directory moespec must write in (the dashboard's parent of
 * its time-stamped exports): a read-only mount or a directory without
 * write permission is said now, not after the run. */
static int export_dir_writable(const char *dir)
{
    if (access(dir, W_OK | X_OK) == 0)
        return 1;
    fprintf(stderr, "moespec: %s: export directory not writable: %s\n", dir, strerror(errno));
    return 0;
}

/* dir opened for a look; NULL with *absent set when it does not exist
 * (the caller checks the parent), or NULL after saying why it is unusable
 * (a file in its place, no permission). */
static DIR *export_dir_open(const char *dir, int *absent)
{
    DIR *d = opendir(dir);
    *absent = !d && errno == ENOENT;
    if (!d && !*absent)
        fprintf(stderr, "moespec: %s: export directory: %s\n", dir, strerror(errno));
    return d;
}

int cli_export_dir_usable(const char *dir)
{
    int absent;
    DIR *d = export_dir_open(dir, &absent);
    if (!d)
        return absent && export_parent_usable(dir);
    struct dirent *ent;
    int empty = 1;
    while (empty && (ent = readdir(d)))
        empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
    closedir(d);
    if (!empty)
        fprintf(stderr, "moespec: %s: export directory exists and is not empty\n", dir);
    /* the export is built as a sibling and renamed over the empty DIR: it
     * is the parent that must take new entries */
    return empty && export_parent_usable(dir);
}

int cli_export_parent_usable(const char *dir)
{
    int absent;
    DIR *d = export_dir_open(dir, &absent);
    if (!d)
        return absent && export_parent_usable(dir);
    closedir(d);
    return export_dir_writable(dir);
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
