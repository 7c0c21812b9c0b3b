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

int file_read_all(const char *path, size_t max_bytes, unsigned char **buf, size_t *len, Err *e)
{
    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
     * as not regular right after. Regular files ignore the flag. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return err_sys(e, ERR_INPUT, errno, "%s", path);
    size_t size = 0;
    unsigned char *p = NULL;
    int rc = check_file(fd, path, max_bytes, &size, e);
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
