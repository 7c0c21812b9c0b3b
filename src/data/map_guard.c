/* map_guard.c: see map_guard.h. */
#include "data/map_guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A slot is claimed (claimed), then filled, then armed: the handler reads
 * only armed slots, and only through atomics, so it never sees a range
 * half written. Lock-free because a signal handler cannot take a lock. */
typedef struct GuardSlot {
    atomic_int claimed;
    atomic_int armed;
    atomic_uintptr_t base;
    atomic_size_t bytes;
    atomic_uintptr_t fault;
} GuardSlot;

static GuardSlot slots[MAP_GUARD_SLOTS];
static struct sigaction previous;   /* what SIGBUS did before us */
static uintptr_t page_bytes;

/* Runs on the faulting thread. mmap is not on POSIX's async-signal-safe
 * list, but on Linux it is one system call with no user-space state, and
 * the fault is synchronous: the thread is stopped inside our own read.
 * Only BUS_ADRERR (a read past the end of a mapped file) is claimed: an
 * alignment fault or a SIGBUS sent by kill is not ours to patch. */
int map_guard_claim(const siginfo_t *si)
{
    if (si->si_code != BUS_ADRERR)
        return 0;
    uintptr_t at = (uintptr_t)si->si_addr;
    for (int i = 0; i < MAP_GUARD_SLOTS; i++) {
        GuardSlot *s = &slots[i];
        if (!atomic_load(&s->armed))
            continue;
        uintptr_t base = atomic_load(&s->base);
        if (at < base || at - base >= atomic_load(&s->bytes))
            continue;
        int saved = errno;
        void *page = (void *)(at & ~(page_bytes - 1));
        void *got = mmap(page, page_bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                         -1, 0);
        errno = saved;
        if (got == MAP_FAILED)
            return 0; /* cannot patch it: a fault like any other */
        uintptr_t none = 0;
        atomic_compare_exchange_strong(&s->fault, &none, at);
        return 1; /* the read is retried and sees zeros */
    }
    return 0;
}

/* A SIGBUS that is not ours: the disposition from before us is put back
 * and the fault, run again on return, goes to it; a SIGBUS sent by kill
 * (si_code <= 0) is raised again for it, pending until we return. */
static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    if (map_guard_claim(si))
        return;
    int saved = errno;
    sigaction(SIGBUS, &previous, NULL);
    if (si->si_code <= 0)
        raise(sig);
    errno = saved;
}

/* Installs on_sigbus unless it is the handler now. Checked at every add,
 * not once: a library (or a test harness) that set its own SIGBUS handler
 * after ours would otherwise take the faults; its handler becomes the
 * previous one we pass foreign faults to. */
static int install(void)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    long pg = sysconf(_SC_PAGESIZE);
    page_bytes = pg > 0 ? (uintptr_t)pg : 4096;
    struct sigaction now, sa;
    int rc = sigaction(SIGBUS, NULL, &now);
    if (!rc && !((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_sigbus)) {
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        rc = sigaction(SIGBUS, &sa, &previous);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int map_guard_add(const void *base, size_t bytes, Err *e)
{
    if (install()) {
        err_set(e, ERR_RUNTIME, "cannot install the SIGBUS handler for mapped trace files");
        return -1;
    }
    for (int i = 0; i < MAP_GUARD_SLOTS; i++) {
        int free_slot = 0;
        if (!atomic_compare_exchange_strong(&slots[i].claimed, &free_slot, 1))
            continue;
        atomic_store(&slots[i].base, (uintptr_t)base);
        atomic_store(&slots[i].bytes, bytes);
        atomic_store(&slots[i].fault, 0);
        atomic_store(&slots[i].armed, 1);
        return i;
    }
    err_set(e, ERR_RUNTIME, "more than %d mapped ranges of trace files at once",
            MAP_GUARD_SLOTS);
    return -1;
}

void map_guard_remove(int slot)
{
    if (slot < 0 || slot >= MAP_GUARD_SLOTS)
        return;
    atomic_store(&slots[slot].armed, 0);
    atomic_store(&slots[slot].claimed, 0);
}

uintptr_t map_guard_fault(int slot)
{
    return slot < 0 || slot >= MAP_GUARD_SLOTS ? 0 : atomic_load(&slots[slot].fault);
}
