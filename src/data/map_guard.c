/* map_guard.c: see map_guard.h. */
#include "data/map_guard.h"

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
 * the fault is synchronous: the thread is stopped inside our own read. */
static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    uintptr_t at = (uintptr_t)si->si_addr;
    for (int i = 0; i < MAP_GUARD_SLOTS; i++) {
        GuardSlot *s = &slots[i];
        if (!atomic_load(&s->armed))
            continue;
        uintptr_t base = atomic_load(&s->base);
        if (at < base || at - base >= atomic_load(&s->bytes))
            continue;
        void *page = (void *)(at & ~(page_bytes - 1));
        if (mmap(page, page_bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
            MAP_FAILED)
            break; /* cannot patch it: die as before */
        uintptr_t none = 0;
        atomic_compare_exchange_strong(&s->fault, &none, at);
        return; /* the read is retried and sees zeros */
    }
    /* not ours: whatever handled SIGBUS before, or the default action when
     * the faulting access runs again */
    if (previous.sa_flags & SA_SIGINFO && previous.sa_sigaction) {
        previous.sa_sigaction(sig, si, ctx);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
        previous.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
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
