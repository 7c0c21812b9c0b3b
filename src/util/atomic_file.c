/*
 * atomic_file.c: temporary sibling + fsync + rename, for files and for
 * directories (see atomic_file.h). Temporary names are made unique by
 * O_EXCL / mkdir retries over a hashed suffix, not by mkstemps, so the
 * umask applies to the result as it would to fopen/mkdir.
 * Not here: content formats.
 */
#include "util/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/rng.h"

enum { AF_TRIES = 100 };

/* Splits path into its directory ("." when none) and last component, after
 * dropping trailing slashes; 0 when there is no usable last component. */
static int af_split(const char *path, char **dir, char **base)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && path[b - 1] != '/')
        b--;
    size_t blen = n - b;
    if (blen == 0 || (blen == 1 && path[b] == '.') ||
        (blen == 2 && path[b] == '.' && path[b + 1] == '.'))
        return 0;
    size_t dlen = b == 0 ? 1 : (b == 1 ? 1 : b - 1);
    *dir = malloc(dlen + 1);
    *base = malloc(blen + 1);
    if (!*dir || !*base) {
        free(*dir);
        free(*base);
        return 0;
    }
    memcpy(*dir, b == 0 ? "." : path, dlen);
    (*dir)[dlen] = '\0';
    memcpy(*base, path + b, blen);
    (*base)[blen] = '\0';
    return 1;
}

/* This machine, as 8 hex digits: a temporary names its owner by host and
 * pid, so a sweep never takes another machine's on a shared file system. */
static uint32_t af_host_tag(void)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    uint64_t z = 0x9e3779b97f4a7c15ULL;
    for (const char *c = host; *c; c++)
        z = rng_mix64(z ^ (unsigned char)*c);
    return (uint32_t)z;
}

/* "DIR/.BASE.HOST-PID-XXXXXX.tmp": the owner (af_host_tag, pid), then
 * XXXXXX drawn from time, pid, salt and try. */
static char *af_tmp_name(const char *dir, const char *base, const void *salt, int attempt)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = rng_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                           ((uint64_t)getpid() << 20) ^ (uint64_t)(uintptr_t)salt ^
                           (uint64_t)attempt * 0x9e3779b97f4a7c15ULL);
    char suffix[7];
    for (int i = 0; i < 6; i++, z /= 62)
        suffix[i] = abc[z % 62];
    suffix[6] = '\0';
    size_t n = strlen(dir) + strlen(base) + 48;
    char *tmp = malloc(n);
    if (tmp)
        snprintf(tmp, n, "%s/.%s.%08x-%ld-%s.tmp", dir, base, (unsigned)af_host_tag(),
                 (long)getpid(), suffix);
    return tmp;
}

static void af_rm_tree(const char *path);
static char *af_join(const char *dir, const char *name);

/* The pid of a temporary of BASE made on this machine ("." BASE "."
 * HOST "-" PID "-" XXXXXX ".tmp"), or 0 when name is not one. */
static long af_tmp_owner(const char *name, const char *base)
{
    size_t nb = strlen(base), n = strlen(name);
    if (n < nb + 2 || name[0] != '.' || memcmp(name + 1, base, nb) || name[nb + 1] != '.' ||
        n < 4 || strcmp(name + n - 4, ".tmp"))
        return 0;
    char host[9];
    snprintf(host, sizeof host, "%08x", (unsigned)af_host_tag());
    const char *p = name + nb + 2;
    if (strncmp(p, host, 8) || p[8] != '-')
        return 0;
    char *end;
    long pid = strtol(p + 9, &end, 10);
    return pid > 0 && *end == '-' && (size_t)(name + n - 4 - (end + 1)) == 6 ? pid : 0;
}

/* Removes the temporaries of BASE in dir whose process is gone (killed,
 * crashed, the machine rebooted): nothing else ever would. A live owner's,
 * another machine's and names of any other form are left alone. */
static void af_sweep(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        long pid = af_tmp_owner(de->d_name, base);
        if (!pid || pid > INT_MAX || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
            errno != ESRCH)
            continue;
        char *path = af_join(dir, de->d_name);
        /* a pid gone here may live in another PID namespace: its owner
         * holds a lock on it while it writes */
        int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            af_rm_tree(path);
        if (fd >= 0)
            close(fd);
        free(path);
    }
    closedir(d);
}

int atomic_fsync_dir(const char *dir, Err *e)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, ERR_RUNTIME, errno, "%s: open directory for fsync", dir);
    int rc = fsync(fd);
    int errnum = errno;
    close(fd);
    if (rc != 0 && errnum != EINVAL)
        return err_sys(e, ERR_RUNTIME, errnum, "%s: fsync of directory", dir);
    return ERR_OK;
}

static void af_release(AtomicFile *af)
{
    free(af->path);
    free(af->tmp);
    memset(af, 0, sizeof *af);
}

int atomic_file_open(const char *path, AtomicFile *af, Err *e)
{
    memset(af, 0, sizeof *af);
    char *dir, *base;
    if (!af_split(path, &dir, &base))
        return err_set(e, ERR_RUNTIME, "%s: not a file name", path);
    af_sweep(dir, base);
    int fd = -1, errnum = 0;
    for (int i = 0; i < AF_TRIES && fd < 0; i++) {
        free(af->tmp);
        af->tmp = af_tmp_name(dir, base, af, i);
        if (!af->tmp) {
            errnum = ENOMEM;
            break;
        }
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        errnum = errno;
        if (fd < 0 && errnum != EEXIST)
            break;
    }
    free(dir);
    free(base);
    if (fd < 0) {
        err_sys(e, ERR_RUNTIME, errnum, "%s: create temporary file %s", path,
                af->tmp ? af->tmp : "");
        af_release(af);
        return ERR_RUNTIME;
    }
    flock(fd, LOCK_EX); /* the owner's mark for sweeps (af_sweep), until the close */
    af->fp = fdopen(fd, "wb");
    af->path = strdup(path);
    if (!af->fp || !af->path) {
        errnum = errno ? errno : ENOMEM;
        if (af->fp)
            fclose(af->fp);
        else
            close(fd);
        unlink(af->tmp);
        af_release(af);
        return err_sys(e, ERR_RUNTIME, errnum, "%s: open temporary file", path);
    }
    return ERR_OK;
}

void atomic_file_abort(AtomicFile *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    af_release(af);
}

/* Flush, fsync, close and rename; returns the step that failed (with
 * *errnum) or NULL. The FILE is closed in every case. */
static const char *af_finish(AtomicFile *af, int *errnum)
{
    const char *what = NULL;
    if (fflush(af->fp) != 0) {
        what = "write";
        *errnum = errno;
    } else if (ferror(af->fp)) { /* an earlier write failed; stdio forgot errno */
        what = "write";
        *errnum = af->errnum ? af->errnum : EIO;
    } else if (fsync(fileno(af->fp)) != 0) {
        what = "fsync";
        *errnum = errno;
    }
    if (fclose(af->fp) != 0 && !what) {
        what = "close";
        *errnum = errno;
    }
    af->fp = NULL;
    if (!what && rename(af->tmp, af->path) != 0) {
        what = "rename";
        *errnum = errno;
    }
    return what;
}

int atomic_file_commit(AtomicFile *af, Err *e)
{
    if (!af->fp)
        return err_set(e, ERR_RUNTIME, "atomic_file_commit: no file open");
    int errnum = 0;
    const char *what = af_finish(af, &errnum);
    if (what) {
        unlink(af->tmp);
        err_sys(e, ERR_RUNTIME, errnum, "%s: %s", af->path, what);
        af_release(af);
        return ERR_RUNTIME;
    }
    char *dir, *base;
    int rc = ERR_OK;
    if (af_split(af->path, &dir, &base)) {
        rc = atomic_fsync_dir(dir, e);
        free(dir);
        free(base);
    }
    af_release(af);
    return rc;
}

/* ---- directories ---- */

/* "PARENT/NAME" in a fresh allocation. */
static char *af_join(const char *parent, const char *name)
{
    size_t n = strlen(parent) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", parent, name);
    return p;
}

/* Removes path and, for a directory, everything under it (no symlinks followed). */
static void af_rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char *child = af_join(path, de->d_name);
            if (child)
                af_rm_tree(child);
            free(child);
        }
        closedir(d);
    }
    rmdir(path);
}

/* fsyncs every regular file and directory under path, path itself last. */
static int af_sync_tree(const char *path, Err *e)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return err_sys(e, ERR_RUNTIME, errno, "%s: stat", path);
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return err_sys(e, ERR_RUNTIME, errno, "%s: open directory", path);
        struct dirent *de;
        int rc = ERR_OK;
        while (!rc && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char *child = af_join(path, de->d_name);
            rc = child ? af_sync_tree(child, e) : err_set(e, ERR_RUNTIME, "out of memory");
            free(child);
        }
        closedir(d);
        return rc ? rc : atomic_fsync_dir(path, e);
    }
    if (!S_ISREG(st.st_mode))
        return ERR_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, ERR_RUNTIME, errno, "%s: open for fsync", path);
    int rc = fsync(fd), errnum = errno;
    close(fd);
    return rc ? err_sys(e, ERR_RUNTIME, errnum, "%s: fsync", path) : ERR_OK;
}

/* 1 when path is a directory with no entries but . and .. */
static int af_dir_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *de;
    int empty = 1;
    while (empty && (de = readdir(d)))
        empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
    closedir(d);
    return empty;
}

static void ad_release(AtomicDir *ad)
{
    if (ad->tmp && ad->lock_fd >= 0)
        close(ad->lock_fd); /* the owner's lock goes with it */
    free(ad->path);
    free(ad->tmp);
    memset(ad, 0, sizeof *ad);
}

int atomic_dir_open(const char *path, AtomicDir *ad, Err *e)
{
    memset(ad, 0, sizeof *ad);
    ad->lock_fd = -1;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return err_set(e, ERR_RUNTIME, "%s: exists and is not a directory", path);
        if (!af_dir_empty(path))
            return err_set(e, ERR_RUNTIME, "%s: exists and is not empty", path);
    } else if (errno != ENOENT) {
        return err_sys(e, ERR_RUNTIME, errno, "%s", path);
    }
    char *dir, *base;
    if (!af_split(path, &dir, &base))
        return err_set(e, ERR_RUNTIME, "%s: not a directory name", path);
    af_sweep(dir, base);
    int made = 0, errnum = 0;
    for (int i = 0; i < AF_TRIES && !made; i++) {
        free(ad->tmp);
        ad->tmp = af_tmp_name(dir, base, ad, i);
        if (!ad->tmp) {
            errnum = ENOMEM;
            break;
        }
        made = mkdir(ad->tmp, 0777) == 0;
        errnum = errno;
        if (!made && errnum != EEXIST)
            break;
    }
    free(dir);
    free(base);
    ad->path = made ? strdup(path) : NULL;
    /* the owner's mark: held while the directory is filled, so a sweep by
     * a process that cannot see this pid (another PID namespace) leaves it */
    ad->lock_fd = made ? open(ad->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (ad->lock_fd >= 0)
        flock(ad->lock_fd, LOCK_EX);
    if (!made || !ad->path) {
        err_sys(e, ERR_RUNTIME, made ? ENOMEM : errnum, "%s: create temporary directory %s",
                path, ad->tmp ? ad->tmp : "");
        if (made)
            rmdir(ad->tmp);
        ad_release(ad);
        return ERR_RUNTIME;
    }
    return ERR_OK;
}

void atomic_dir_abort(AtomicDir *ad)
{
    if (ad->tmp)
        af_rm_tree(ad->tmp);
    ad_release(ad);
}

int atomic_dir_commit(AtomicDir *ad, Err *e)
{
    if (!ad->tmp)
        return err_set(e, ERR_RUNTIME, "atomic_dir_commit: no directory open");
    int rc = af_sync_tree(ad->tmp, e);
    if (!rc && rename(ad->tmp, ad->path) != 0) {
        if (errno == ENOTEMPTY || errno == EEXIST)
            rc = err_set(e, ERR_RUNTIME, "%s: exists and is not empty", ad->path);
        else
            rc = err_sys(e, ERR_RUNTIME, errno, "%s: rename", ad->path);
    }
    if (rc) {
        atomic_dir_abort(ad);
        return rc;
    }
    char *dir, *base;
    if (af_split(ad->path, &dir, &base)) {
        rc = atomic_fsync_dir(dir, e);
        free(dir);
        free(base);
    }
    ad_release(ad);
    return rc;
}

int atomic_dir_discard(const char *path, const struct stat *seen, Err *e)
{
    char *dir, *base;
    if (!af_split(path, &dir, &base))
        return err_set(e, ERR_RUNTIME, "%s: not a directory name", path);
    char *tmp = af_tmp_name(dir, base, path, 0);
    free(dir);
    free(base);
    if (!tmp)
        return err_set(e, ERR_RUNTIME, "%s: out of memory", path);
    int rc = ERR_OK;
    struct stat st;
    if (rename(path, tmp) != 0) {
        if (errno != ENOENT)
            rc = err_sys(e, ERR_RUNTIME, errno, "%s: cannot move it aside", path);
    } else if (seen && lstat(tmp, &st) == 0 &&
               (st.st_dev != seen->st_dev || st.st_ino != seen->st_ino)) {
        /* another process put a new one there after our look: keep it (if
         * a third was renamed in meanwhile, that one stays, ours goes) */
        if (rename(tmp, path) != 0)
            af_rm_tree(tmp);
        rc = 1;
    } else {
        af_rm_tree(tmp);
    }
    free(tmp);
    return rc;
}
