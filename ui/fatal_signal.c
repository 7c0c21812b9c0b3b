/* fatal_signal.c: the terminal restored on a fatal signal; see fatal_signal.h. */
#include "fatal_signal.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "data/map_guard.h"

typedef struct FatalSignal {
    int sig;
    const char *name; /* without "SIG" */
} FatalSignal;

static const FatalSignal fatal_signals[] = {
    {SIGSEGV, "SEGV"}, {SIGBUS, "BUS"},   {SIGFPE, "FPE"},   {SIGILL, "ILL"},
    {SIGABRT, "ABRT"}, {SIGQUIT, "QUIT"}, {SIGTRAP, "TRAP"}, {SIGSYS, "SYS"},
    {SIGXCPU, "XCPU"}, {SIGXFSZ, "XFSZ"},
};
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* What the handler reads: written before the handlers are installed (and
 * before the worker thread starts), never while they are. */
static struct {
    int tty_fd, have_mode, held_fd, stderr_fd;
    struct termios mode;
    char restore[FATAL_RESTORE_MAX];
    size_t restore_len;
} rescue;
static struct sigaction previous[N_FATAL];
static int armed;
/* Set by the first handler to run (two threads may fault at once) and by
 * disarm: whoever finds it set leaves the terminal alone. */
static atomic_flag done = ATOMIC_FLAG_INIT;

/* write() until all is out or it fails: the terminal may be gone. */
static void put(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* "moespec: fatal signal 11 (SIGSEGV); terminal restored\n", without stdio. */
static void put_note(int fd, int sig, const char *name)
{
    char num[16];
    int i = (int)sizeof num;
    unsigned v = (unsigned)sig;
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    put(fd, "moespec: fatal signal ", 22);
    put(fd, num + i, sizeof num - (size_t)i);
    put(fd, " (SIG", 5);
    put(fd, name, strlen(name));
    put(fd, "); terminal restored\n", 21);
}

static void on_fatal(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    /* a read past a truncated shard's end: the data layer patches it and
     * reports the shard; nothing fatal happened */
    if (sig == SIGBUS && map_guard_claim(si))
        return;
    int saved_errno = errno;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL); /* what SA_RESETHAND did, after the claim */
    if (!atomic_flag_test_and_set(&done)) {
        put(rescue.tty_fd, rescue.restore, rescue.restore_len);
        if (rescue.have_mode)
            tcsetattr(rescue.tty_fd, TCSANOW, &rescue.mode);
        int err_fd = STDERR_FILENO;
        if (rescue.held_fd >= 0 && rescue.stderr_fd >= 0) {
            /* what was said while curses owned the screen, then stderr back */
            char buf[4096];
            ssize_t n;
            if (lseek(rescue.held_fd, 0, SEEK_SET) == 0)
                while ((n = read(rescue.held_fd, buf, sizeof buf)) > 0)
                    put(rescue.stderr_fd, buf, (size_t)n);
            dup2(rescue.stderr_fd, STDERR_FILENO);
            err_fd = rescue.stderr_fd;
        }
        const char *name = "?";
        for (size_t i = 0; i < N_FATAL; i++)
            if (fatal_signals[i].sig == sig)
                name = fatal_signals[i].name;
        put_note(err_fd, sig, name);
    }
    errno = saved_errno;
    /* sig has its default action again (above): raised again, it
     * ends the process when this handler returns (it is blocked until then),
     * by the signal itself, so the status and the core dump stay true. A
     * fault re-executed on return would do the same. */
    raise(sig);
}

void fatal_signal_arm(const FatalRescue *r)
{
    if (armed)
        fatal_signal_disarm();
    rescue.tty_fd = r->tty_fd;
    rescue.have_mode = r->mode != NULL;
    if (r->mode)
        rescue.mode = *r->mode;
    rescue.restore_len = r->restore_len < sizeof rescue.restore ? r->restore_len
                                                                 : sizeof rescue.restore;
    memcpy(rescue.restore, r->restore, rescue.restore_len);
    rescue.held_fd = r->held_fd;
    rescue.stderr_fd = r->stderr_fd;
    atomic_flag_clear(&done);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sigfillset(&sa.sa_mask); /* nothing else interleaves with the rescue */
    sa.sa_flags = SA_SIGINFO; /* no SA_RESETHAND: a claimed SIGBUS keeps the handler */
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal_signals[i].sig, &sa, &previous[i]);
    armed = 1;
}

void fatal_signal_disarm(void)
{
    if (!armed)
        return;
    atomic_flag_test_and_set(&done);
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal_signals[i].sig, &previous[i], NULL);
    armed = 0;
}

int fatal_signal_from_name(const char *s)
{
    if (!s)
        return 0;
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    for (size_t i = 0; i < N_FATAL; i++)
        if (!strcasecmp(s, fatal_signals[i].name))
            return fatal_signals[i].sig;
    return 0;
}
