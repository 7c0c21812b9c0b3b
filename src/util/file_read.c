/* file_read.c: reading a whole regular file; see file_read.h. */
#include "util/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Checks the open file: regular and within the cap. */
static int check_file(int fd, const char *path, size_t max_bytes, size_t *size, Err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return err_sys(e, ERR_INPUT, errno, "%s", path);
    if (!S_ISREG(st.st_mode))
        return err_set(e, ERR_INPUT, "%s: not a regular file", path);
    if ((uint64_t)st.st_size > (uint64_t)max_bytes)
        return err_set(e, ERR_INPUT, "%s: %lld bytes; at most %zu are read", path,
                       (long long)st.st_size, max_bytes);
    *size = (size_t)st.st_size;
    return ERR_OK;
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
 * as not regular right after. Regular files ignore the flag. */
static int open_regular(const char *path, size_t max_bytes, int *fd, size_t *size, Err *e)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return err_sys(e, ERR_INPUT, errno, "%s", path);
    int rc = check_file(*fd, path, max_bytes, size, e);
    if (rc) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

int file_open_regular(const char *path, FILE **out, Err *e)
{
    *out = NULL;
    int fd;
    size_t size;
    int rc = open_regular(path, SIZE_MAX, &fd, &size, e);
    if (rc)
        return rc;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 || !(*out = fdopen(fd, "rb"))) {
        rc = err_sys(e, ERR_INPUT, errno, "%s", path);
        close(fd);
    }
    return rc;
}

int file_read_all(const char *path, size_t max_bytes, unsigned char **buf, size_t *len, Err *e)
{
    *buf = NULL;
    *len = 0;
    int fd;
    size_t size = 0;
    unsigned char *p = NULL;
    int rc = open_regular(path, max_bytes, &fd, &size, e);
    if (rc)
        return rc;
    if (!rc && !(p = malloc(size + 1)))
        rc = err_set(e, ERR_RUNTIME, "%s: out of memory for %zu bytes", path, size);
    size_t got = 0;
    while (!rc && got < size) {
        ssize_t n = read(fd, p + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = n < 0 ? err_sys(e, ERR_INPUT, errno, "%s", path)
                       : err_set(e, ERR_INPUT, "%s: shrank while being read", path);
        else
            got += (size_t)n;
    }
    close(fd);
    if (rc) {
        free(p);
        return rc;
    }
    p[got] = 0;
    *buf = p;
    *len = got;
    return ERR_OK;
}
