/*
 * atomic_file.h: replacing a file or creating a directory so that readers
 * see either the old state or the complete new one, never a partial output
 * (SPEC 8: checkpoints, exports, trace sets).
 *
 * A file is written to a temporary sibling ".NAME.HOST-PID-XXXXXX.tmp"
 * (same directory, so rename is atomic), then flushed, fsynced, closed,
 * renamed over NAME, and the directory is fsynced. A directory is filled
 * as a temporary sibling of the same form, then every file and directory in
 * it is fsynced and it is renamed to NAME. HOST (8 hex digits of the host
 * name) and PID name the owner, who also holds an flock on it while it
 * writes: each open first removes NAME's temporaries left by a process of
 * this machine that is gone (killed by SIGKILL, a crash, a reboot) and
 * whose lock is free (a live writer in another PID namespace keeps its
 * own), so litter does not pile up. On any failure the temporary is
 * removed and NAME is left as it was; the error is ERR_RUNTIME with
 * "PATH: what: strerror". Temporaries are created with mode 0666 / 0777
 * under the umask, like fopen and mkdir.
 *
 * Not here: what is written (callers write through the FILE* or into the
 * temporary directory), locking between processes (two writers of one NAME:
 * the last rename wins, each output complete).
 */
#ifndef MOESPEC_UTIL_ATOMIC_FILE_H
#define MOESPEC_UTIL_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/stat.h>

#include "util/err.h"

typedef struct AtomicFile {
    FILE *fp;   /* write the content here */
    int errnum; /* a caller that saw a write fail may store its errno here for
                   the commit message (buffered stdio forgets it); 0 = none */
    char *path; /* the target NAME */
    char *tmp;  /* the temporary sibling */
} AtomicFile;

/* Creates the temporary file for path. On failure *af is zeroed (abort and
 * commit on it are harmless) and nothing is left behind. */
int atomic_file_open(const char *path, AtomicFile *af, Err *e);
/* Flush, fsync, close, rename over the target, fsync the directory. Any
 * earlier write error (ferror) fails the commit. Releases af either way. */
int atomic_file_commit(AtomicFile *af, Err *e);
/* Closes and removes the temporary file; the target is untouched. */
void atomic_file_abort(AtomicFile *af);

typedef struct AtomicDir {
    char *path; /* the target NAME */
    char *tmp;  /* the temporary sibling directory: fill this one */
    int lock_fd; /* tmp opened and flock'd while it is filled (the sweep's
                    sign of a live owner); -1 = none */
} AtomicDir;

/* path must not exist or be an empty directory (else ERR_RUNTIME "PATH:
 * exists and is not empty"). Creates the temporary sibling directory. */
int atomic_dir_open(const char *path, AtomicDir *ad, Err *e);
/* fsyncs everything under the temporary directory, renames it to the target
 * (replacing an empty directory there), fsyncs the parent. On failure the
 * temporary tree is removed. Releases ad either way. */
int atomic_dir_commit(AtomicDir *ad, Err *e);
/* Removes the temporary tree; the target is untouched. */
void atomic_dir_abort(AtomicDir *ad);

/* Takes the directory path away at once (renamed to a temporary sibling,
 * so no reader sees it half removed), then removes that tree. A path that
 * is already gone (another process discarded it) is success. seen, when
 * not NULL, is the directory the caller judged (its stat): one that has
 * been replaced meanwhile (another process rebuilt it) is put back, not
 * removed, and the result is 1. */
int atomic_dir_discard(const char *path, const struct stat *seen, Err *e);

/* fsync of a directory (after creating, renaming or removing entries in it).
 * EINVAL (file systems that cannot sync directories) counts as success. */
int atomic_fsync_dir(const char *dir, Err *e);

#endif
