/* demo_data.c: the cached demo trace set; see demo_data.h. */
#include "config.h"

#include "demo_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/profile.h"
#include "data/synth.h"
#include "data/traceset.h"
#include "util/atomic_file.h"
#include "progress_bar.h"

#define DEMO_SEED 1

/* mkdir -p for the cache directory. */
static int make_dirs(char *path, Err *e)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int bad = mkdir(path, 0777) != 0 && errno != EEXIST;
        *p = '/';
        if (bad)
            return err_sys(e, ERR_RUNTIME, errno, "%.*s", (int)(p - path), path);
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return err_sys(e, ERR_RUNTIME, errno, "%s", path);
    return ERR_OK;
}

static int cache_dir(char *out, size_t size, Err *e)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, size, "%s/moespec", xdg);
    else if (home && home[0])
        n = snprintf(out, size, "%s/.cache/moespec", home);
    else
        return err_set(e, ERR_RUNTIME, "neither XDG_CACHE_HOME nor HOME is set: "
                                       "no cache directory for the demo data (use --data)");
    if (n < 0 || (size_t)n >= size)
        return err_set(e, ERR_RUNTIME, "cache directory path too long");
    return make_dirs(out, e);
}

/* The cached set opened and every shard's checksum and contents verified
 * (a third of a second for the demo's 160 MB). */
static int demo_cache_check(const char *path, Err *e)
{
    TraceSet *ts = NULL;
    int rc = traceset_open(path, 0, &ts, e);
    if (!rc)
        rc = traceset_verify_all(ts, e);
    traceset_close(ts);
    return rc;
}

int demo_data_ensure(char *path, size_t size, Err *e)
{
    char dir[4096];
    int rc = cache_dir(dir, sizeof dir, e);
    if (rc)
        return rc;
    int n = snprintf(path, size, "%s/demo-%s", dir, PACKAGE_VERSION);
    if (n < 0 || (size_t)n >= size)
        return err_set(e, ERR_RUNTIME, "cache directory path too long");
    struct stat st;
    for (int look = 0; look < 3 && stat(path, &st) == 0; look++) {
        if (!(rc = demo_cache_check(path, e)) || rc != ERR_INPUT)
            return rc;
        /* damaged or empty (a disk error, a user's rm inside it): rebuilt,
         * not reused forever; one another start rebuilt meanwhile is kept
         * and looked at again */
        fprintf(stderr, "moespec: the demo cache is damaged (%s): rebuilding it\n", e->msg);
        err_clear(e);
        if ((rc = atomic_dir_discard(path, &st, e)) != 1) {
            if (rc)
                return rc;
            break;
        }
    }
    SynthConfig cfg;
    if ((rc = profile_lookup("demo", &cfg, e)))
        return rc;
    ProgressBar bar;
    progress_bar_init(&bar, "demo data", "sequences");
    fprintf(stderr, "moespec: generating the demo trace set into %s (once)\n", path);
    rc = synth_write(&cfg, DEMO_SEED, path, progress_bar_update, &bar, e);
    /* Another moespec may have finished the same set first: use that one. */
    if (rc && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return ERR_OK;
    return rc;
}
