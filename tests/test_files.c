/*
 * test_files.c: src/util's atomic files and directories and the CSV writer.
 *
 * Failures come from three places: the kernel (RLIMIT_FSIZE makes writes
 * fail with EFBIG, /dev/full with ENOSPC), and fsync / rename, which this
 * binary wraps (-Wl,--wrap, see tests/util.mk) to fail on demand, since no
 * file system fails them when asked.
 */
#include "test_util.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "util/csv_write.h"
#include "util/file_read.h"

/* ---- wrapped system calls: fail the Nth call from now with an errno ---- */

static int fsync_fail_in, fsync_errno, rename_fail_in, rename_errno;

int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);

int __wrap_fsync(int fd)
{
    if (fsync_fail_in > 0 && --fsync_fail_in == 0) {
        errno = fsync_errno;
        return -1;
    }
    return __real_fsync(fd);
}

int __wrap_rename(const char *from, const char *to)
{
    if (rename_fail_in > 0 && --rename_fail_in == 0) {
        errno = rename_errno;
        return -1;
    }
    return __real_rename(from, to);
}

/* ---- helpers ---- */

/* "DIR/NAME" into out[size] (fails the test when it does not fit). */
static char *join(char *out, size_t size, const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    assert_true(a + b + 2 <= size);
    memcpy(out, dir, a);
    out[a] = '/';
    memcpy(out + a + 1, name, b + 1);
    return out;
}
/* A fresh buffer per use, living to the end of the enclosing block. */
#define path_in(dir, name) join((char[4400]){0}, 4400, (dir), (name))

static void write_text(const char *path, const char *text)
{
    AtomicFile af;
    Err e;
    assert_int_equal(atomic_file_open(path, &af, &e), 0);
    fputs(text, af.fp);
    assert_int_equal(atomic_file_commit(&af, &e), 0);
}

static void assert_file_is(const char *path, const char *text)
{
    char buf[4096] = {0};
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, text);
}

/* Entries of dir (without . and ..); fails if any name ends in ".tmp". */
static int count_entries_no_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        size_t len = strlen(de->d_name);
        if (len >= 4 && !strcmp(de->d_name + len - 4, ".tmp"))
            print_error("leftover temporary %s/%s\n", dir, de->d_name);
        assert_false(len >= 4 && !strcmp(de->d_name + len - 4, ".tmp"));
        n++;
    }
    closedir(d);
    return n;
}

static void rm_rf(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

/* ---- CSV ---- */

struct parsed {
    char fields[32][64];
    int nfields, nrows;
};

static void parsed_field(void *s, size_t len, void *data)
{
    struct parsed *p = data;
    if (p->nfields < 32) {
        memcpy(p->fields[p->nfields], s ? s : "", len < 63 ? len : 63);
        p->fields[p->nfields][len < 63 ? len : 63] = '\0';
    }
    p->nfields++;
}

static void parsed_row(int c, void *data)
{
    (void)c;
    ((struct parsed *)data)->nrows++;
}

/* Ensure that fields are quoted only when needed, numbers formatted as
 * documented, missing values empty, and libcsv reads every field back. */
static void test_csv_fields(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    CsvWriter w;
    csvw_init(&w, f);
    const char *text[7] = {"plain", "a,b", "say \"hi\"", "line\nbreak", " lead", "", NULL};
    for (int i = 0; i < 7; i++)
        csvw_str(&w, text[i]);
    csvw_int(&w, -42);
    csvw_int(&w, INT64_MAX);
    csvw_real(&w, (double)0.1f);
    csvw_real(&w, 1.0 / 3);
    csvw_real(&w, (double)NAN);
    csvw_real(&w, (double)INFINITY);
    csvw_real(&w, -(double)INFINITY);
    csvw_real(&w, 1e-300);
    csvw_empty(&w);
    csvw_end_row(&w);
    const char *head[3] = {"run", "arch", "k"};
    for (int i = 0; i < 3; i++)
        csvw_str(&w, head[i]);
    csvw_end_row(&w);
    assert_int_equal(csvw_error(&w), 0);
    fclose(f);
    assert_string_equal(buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\" lead\",,,-42,"
                             "9223372036854775807,0.100000001,0.333333333,,inf,-inf,1e-300,\n"
                             "run,arch,k\n");
    struct parsed p = {0};
    struct csv_parser cp;
    assert_int_equal(csv_init(&cp, CSV_STRICT | CSV_APPEND_NULL), 0);
    assert_int_equal(csv_parse(&cp, buf, len, parsed_field, parsed_row, &p), len);
    csv_fini(&cp, parsed_field, parsed_row, &p);
    csv_free(&cp);
    assert_int_equal(p.nrows, 2);
    assert_int_equal(p.nfields, 16 + 3);
    for (int i = 0; i < 6; i++)
        assert_string_equal(p.fields[i], text[i]);
    assert_string_equal(p.fields[6], "");
    free(buf);
}

/* Ensure that "%.9g" round-trips every float exactly (>= 6 digits asked). */
static void test_csv_float_round_trip(void **state)
{
    (void)state;
    uint32_t x = 12345;
    for (int i = 0; i < 100000; i++) {
        x = x * 1664525u + 1013904223u;
        float v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v))
            continue;
        char buf[64];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        CsvWriter w;
        csvw_init(&w, f);
        csvw_real(&w, (double)v);
        fputc('\0', f);
        fclose(f);
        float back = strtof(buf, NULL);
        assert_memory_equal(&back, &v, sizeof v);
    }
}

/* Ensure that a full disk (/dev/full, unbuffered) is seen as ENOSPC at once
 * and that a buffered one is seen through ferror after the flush. */
static void test_csv_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    setvbuf(f, NULL, _IONBF, 0);
    CsvWriter w;
    csvw_init(&w, f);
    csvw_str(&w, "x");
    csvw_real(&w, 0.5);
    csvw_end_row(&w);
    assert_int_equal(csvw_error(&w), ENOSPC);
    fclose(f);
    f = fopen("/dev/full", "w");
    assert_non_null(f);
    csvw_init(&w, f);
    csvw_str(&w, "x");
    csvw_end_row(&w);
    assert_int_equal(csvw_error(&w), 0); /* still in the buffer */
    assert_int_equal(fflush(f), EOF);
    assert_int_not_equal(csvw_error(&w), 0);
    fclose(f);
}

/* ---- whole files ---- */

/* Ensure that a whole file is read with a terminating 0, and that a FIFO,
 * a directory, a missing file and a file over the cap are ERR_INPUT naming
 * the path, the FIFO at once (no writer is waited for). */
static void test_file_read_all(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *text = path_in(dir, "text"), *fifo = path_in(dir, "fifo");
    write_text(text, "abc\n");
    unsigned char *buf;
    size_t len;
    Err e;
    assert_int_equal(file_read_all(text, 100, &buf, &len, &e), ERR_OK);
    assert_int_equal(len, 4);
    assert_string_equal((char *)buf, "abc\n");
    free(buf);
    assert_int_equal(file_read_all(text, 3, &buf, &len, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "at most 3"));
    assert_null(buf);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(file_read_all(fifo, 100, &buf, &len, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "not a regular file"));
    assert_non_null(strstr(e.msg, fifo));
    assert_int_equal(file_read_all(dir, 100, &buf, &len, &e), ERR_INPUT);
    unlink(fifo);
    assert_int_equal(file_read_all(fifo, 100, &buf, &len, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, fifo));
    unlink(text);
}

/* ---- atomic files ---- */

/* Ensure that opening a temporary sweeps the litter of NAME left by a dead
 * process of this machine (file or tree), and leaves a live process's, another
 * machine's, another NAME's and an old-style one alone. */
static void test_atomic_sweep(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("sweep");
    char *target = path_in(dir, "set");
    AtomicDir ad;
    Err e;
    assert_int_equal(atomic_dir_open(target, &ad, &e), 0);
    char host[9];
    const char *slash = strrchr(ad.tmp, '/');
    memcpy(host, slash + 1 + strlen(".set."), 8);
    host[8] = '\0';
    atomic_dir_abort(&ad);
    pid_t child = fork(); /* a pid that is surely gone once reaped */
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    waitpid(child, NULL, 0);
    char dead[4300], live[4300], other_host[4300], other_name[4300], old[4300], inner[4400];
    snprintf(dead, sizeof dead, "%s/.set.%s-%ld-AbCdEf.tmp", dir, host, (long)child);
    snprintf(live, sizeof live, "%s/.set.%s-%ld-AbCdEf.tmp", dir, host, (long)getppid());
    snprintf(other_host, sizeof other_host, "%s/.set.%s-%ld-AbCdEf.tmp", dir,
             strcmp(host, "00000000") ? "00000000" : "11111111", (long)child);
    snprintf(other_name, sizeof other_name, "%s/.sets.%s-%ld-AbCdEf.tmp", dir, host,
             (long)child);
    snprintf(old, sizeof old, "%s/.set.AbCdEf.tmp", dir);
    assert_int_equal(mkdir(dead, 0777), 0);
    snprintf(inner, sizeof inner, "%s/shard-0000.bin", dead);
    write_text(inner, "half a shard\n");
    assert_int_equal(mkdir(live, 0777), 0);
    assert_int_equal(mkdir(other_host, 0777), 0);
    write_text(other_name, "x\n");
    assert_int_equal(mkdir(old, 0777), 0);
    /* a dead pid here, but its lock held: a writer in another PID namespace */
    char locked[4300];
    snprintf(locked, sizeof locked, "%s/.set.%s-%ld-LoCkEd.tmp", dir, host, (long)child);
    assert_int_equal(mkdir(locked, 0777), 0);
    int lfd = open(locked, O_RDONLY | O_DIRECTORY);
    assert_true(lfd >= 0);
    assert_int_equal(flock(lfd, LOCK_EX), 0);
    assert_int_equal(atomic_dir_open(target, &ad, &e), 0);
    struct stat st;
    assert_int_equal(stat(dead, &st), -1);
    assert_int_equal(stat(live, &st), 0);
    assert_int_equal(stat(other_host, &st), 0);
    assert_int_equal(stat(other_name, &st), 0);
    assert_int_equal(stat(old, &st), 0);
    assert_int_equal(stat(locked, &st), 0);
    close(lfd);
    atomic_dir_abort(&ad);
    /* files too: a checkpoint's temporary */
    char *ck = path_in(dir, "run.ckpt");
    char dead_file[4300];
    snprintf(dead_file, sizeof dead_file, "%s/.run.ckpt.%s-%ld-XyZxYz.tmp", dir, host,
             (long)child);
    write_text(dead_file, "half a checkpoint\n");
    AtomicFile af;
    assert_int_equal(atomic_file_open(ck, &af, &e), 0);
    assert_int_equal(stat(dead_file, &st), -1);
    atomic_file_abort(&af);
    rm_rf(dir);
}

/* Ensure that a file is replaced whole, through a ".NAME.HOST-PID-XXXXXX.tmp"
 * sibling, leaving nothing else behind. */
static void test_atomic_replace(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "out.csv");
    write_text(target, "old\n");
    assert_file_is(target, "old\n");
    AtomicFile af;
    Err e;
    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    const char *slash = strrchr(af.tmp, '/');
    assert_non_null(slash);
    assert_int_equal((int)(slash - af.tmp), (int)strlen(dir));
    assert_int_equal(strncmp(slash + 1, ".out.csv.", 9), 0);
    assert_string_equal(slash + 1 + strlen(slash + 1) - 4, ".tmp");
    char want[64];
    snprintf(want, sizeof want, "-%ld-", (long)getpid());
    assert_non_null(strstr(slash + 1, want));
    assert_int_equal((int)strlen(slash + 1),
                     (int)(strlen(".out.csv.HHHHHHHH--XXXXXX.tmp") + strlen(want) - 2));
    fputs("new\n", af.fp);
    assert_file_is(target, "old\n"); /* not visible before the commit */
    assert_int_equal(atomic_file_commit(&af, &e), 0);
    assert_null(af.fp);
    assert_file_is(target, "new\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);
    /* the umask applies, as for fopen (mkstemps would give 0600) */
    mode_t old_mask = umask(027);
    write_text(target, "masked\n");
    umask(old_mask);
    struct stat st;
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    /* a bare file name lands in the current directory */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    write_text("bare.txt", "b\n");
    assert_int_equal(chdir(cwd), 0);
    assert_file_is(path_in(dir, "bare.txt"), "b\n");
    rm_rf(dir);
}

/* Ensure that abort leaves the old file and no temporary. */
static void test_atomic_abort(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "ckpt");
    write_text(target, "old\n");
    AtomicFile af;
    Err e;
    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    fputs("half", af.fp);
    atomic_file_abort(&af);
    atomic_file_abort(&af); /* harmless twice */
    assert_file_is(target, "old\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);
    rm_rf(dir);
}

/* Ensure that a write failing in the kernel (EFBIG past RLIMIT_FSIZE), seen
 * at the commit's flush or at an earlier fwrite, fails the commit with
 * "PATH: write: strerror", keeps the old file and removes the temporary. */
static void test_atomic_write_failure(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "out.csv");
    write_text(target, "old\n");
    struct rlimit old_lim, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old_lim;
    lim.rlim_cur = 100;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    Err e;
    AtomicFile af;
    /* small writes stay in the stdio buffer; the flush at commit fails */
    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    for (int i = 0; i < 3; i++)
        fprintf(af.fp, "%049d\n", i);
    int rc1 = atomic_file_commit(&af, &e);
    char msg1[1024];
    snprintf(msg1, sizeof msg1, "%s", e.msg);
    /* one large fwrite fails at once; its errno goes to af.errnum */
    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    static char big[100000];
    memset(big, 'x', sizeof big);
    if (fwrite(big, 1, sizeof big, af.fp) != sizeof big)
        af.errnum = errno;
    int rc2 = atomic_file_commit(&af, &e);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
    signal(SIGXFSZ, old_handler);
    char want[4200];
    snprintf(want, sizeof want, "%s: write: %s", target, strerror(EFBIG));
    assert_int_equal(rc1, ERR_RUNTIME);
    assert_string_equal(msg1, want);
    assert_int_equal(rc2, ERR_RUNTIME);
    assert_string_equal(e.msg, want);
    assert_file_is(target, "old\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);
    rm_rf(dir);
}

/* Ensure that ENOSPC from fsync, EIO from rename and an error at the
 * directory fsync all fail the commit; the first two keep the old file. */
static void test_atomic_fsync_rename_failure(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "out.csv");
    write_text(target, "old\n");
    AtomicFile af;
    Err e;
    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    fputs("new\n", af.fp);
    fsync_fail_in = 1;
    fsync_errno = ENOSPC;
    assert_int_equal(atomic_file_commit(&af, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, ": fsync: No space left on device"));
    assert_file_is(target, "old\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);

    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    fputs("new\n", af.fp);
    rename_fail_in = 1;
    rename_errno = EIO;
    assert_int_equal(atomic_file_commit(&af, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, ": rename: Input/output error"));
    assert_file_is(target, "old\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);

    /* the file's fsync passes, the directory's fails: reported, file in place */
    assert_int_equal(atomic_file_open(target, &af, &e), 0);
    fputs("new\n", af.fp);
    fsync_fail_in = 2;
    fsync_errno = EIO;
    assert_int_equal(atomic_file_commit(&af, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "fsync of directory"));
    assert_file_is(target, "new\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);
    rm_rf(dir);
}

/* Ensure that an unwritable place is a clean error naming the path. */
static void test_atomic_open_errors(void **state)
{
    (void)state;
    AtomicFile af;
    Err e;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "missing/out.csv");
    assert_int_equal(atomic_file_open(target, &af, &e), ERR_RUNTIME);
    assert_int_equal(strncmp(e.msg, target, strlen(target)), 0);
    assert_non_null(strstr(e.msg, "No such file or directory"));
    assert_null(af.fp);
    assert_int_equal(atomic_file_commit(&af, &e), ERR_RUNTIME);
    atomic_file_abort(&af);
    assert_int_equal(atomic_file_open("", &af, &e), ERR_RUNTIME);
    assert_int_equal(atomic_file_open("/", &af, &e), ERR_RUNTIME);
    rm_rf(dir);
}

/* ---- atomic directories ---- */

static void fill_dir(const char *tmp)
{
    FILE *f = fopen(path_in(tmp, "a.csv"), "w");
    assert_non_null(f);
    fputs("a\n", f);
    fclose(f);
    assert_int_equal(mkdir(path_in(tmp, "sub"), 0777), 0);
    f = fopen(path_in(tmp, "sub/b.csv"), "w");
    assert_non_null(f);
    fputs("b\n", f);
    fclose(f);
}

/* Ensure that a directory appears whole at commit, also over an empty one,
 * and that a non-empty target or a non-directory is refused. */
static void test_atomic_dir(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "export");
    AtomicDir ad;
    Err e;
    assert_int_equal(atomic_dir_open(target, &ad, &e), 0);
    assert_non_null(strstr(ad.tmp, "/.export."));
    fill_dir(ad.tmp);
    assert_int_equal(access(target, F_OK), -1);
    assert_int_equal(atomic_dir_commit(&ad, &e), 0);
    assert_file_is(path_in(target, "a.csv"), "a\n");
    assert_file_is(path_in(target, "sub/b.csv"), "b\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);
    /* non-empty target: refused at open */
    assert_int_equal(atomic_dir_open(target, &ad, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "export: exists and is not empty"));
    /* empty target (given with a trailing slash): replaced */
    char *empty = path_in(dir, "empty");
    assert_int_equal(mkdir(empty, 0777), 0);
    char slashed[4200];
    snprintf(slashed, sizeof slashed, "%s/", empty);
    assert_int_equal(atomic_dir_open(slashed, &ad, &e), 0);
    fill_dir(ad.tmp);
    assert_int_equal(atomic_dir_commit(&ad, &e), 0);
    assert_file_is(path_in(empty, "sub/b.csv"), "b\n");
    /* a file in the way */
    char *file = path_in(dir, "file");
    write_text(file, "x");
    assert_int_equal(atomic_dir_open(file, &ad, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "not a directory"));
    assert_int_equal(count_entries_no_tmp(dir), 3);
    rm_rf(dir);
}

/* Ensure that abort, a failing fsync inside the tree and a target filled
 * meanwhile all remove the temporary tree and leave the target as it was. */
static void test_atomic_dir_failures(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("files");
    char *target = path_in(dir, "export");
    AtomicDir ad;
    Err e;
    assert_int_equal(atomic_dir_open(target, &ad, &e), 0);
    fill_dir(ad.tmp);
    atomic_dir_abort(&ad);
    assert_int_equal(count_entries_no_tmp(dir), 0);

    assert_int_equal(atomic_dir_open(target, &ad, &e), 0);
    fill_dir(ad.tmp);
    fsync_fail_in = 2;
    fsync_errno = ENOSPC;
    assert_int_equal(atomic_dir_commit(&ad, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "No space left on device"));
    assert_int_equal(count_entries_no_tmp(dir), 0);

    assert_int_equal(atomic_dir_open(target, &ad, &e), 0);
    fill_dir(ad.tmp);
    assert_int_equal(mkdir(target, 0777), 0);
    write_text(path_in(target, "other"), "o\n");
    assert_int_equal(atomic_dir_commit(&ad, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "export: exists and is not empty"));
    assert_file_is(path_in(target, "other"), "o\n");
    assert_int_equal(count_entries_no_tmp(dir), 1);
    assert_int_equal(count_entries_no_tmp(target), 1);
    rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_fields),
        cmocka_unit_test(test_csv_float_round_trip),
        cmocka_unit_test(test_csv_write_error),
        cmocka_unit_test(test_file_read_all),
        cmocka_unit_test(test_atomic_replace),
        cmocka_unit_test(test_atomic_sweep),
        cmocka_unit_test(test_atomic_abort),
        cmocka_unit_test(test_atomic_write_failure),
        cmocka_unit_test(test_atomic_fsync_rename_failure),
        cmocka_unit_test(test_atomic_open_errors),
        cmocka_unit_test(test_atomic_dir),
        cmocka_unit_test(test_atomic_dir_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
