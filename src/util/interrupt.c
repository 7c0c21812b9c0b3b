/* interrupt.c: see interrupt.h. */
#include "util/interrupt.h"

#include <stdatomic.h>

static atomic_int noted; /* lock-free: safe in a handler */

void interrupt_note(int sig)
{
    int none = 0;
    atomic_compare_exchange_strong(&noted, &none, sig);
}

int interrupt_pending(void) { return atomic_load(&noted); }
