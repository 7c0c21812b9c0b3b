/* stop_signal.c: see stop_signal.h. */
#include "stop_signal.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "util/interrupt.h"

/* Lock-free atomics: safe in a handler, and read by the main thread. */
static atomic_int first_caught, first_terminating, interrupts;
static struct sigaction ignore_action; /* SIG_IGN, made before any handler runs */
static atomic_int interrupt_stops;     /* SIGINT ends the process too (headless) */

static void on_signal(int sig)
{
    int none = 0;
    atomic_compare_exchange_strong(&first_caught, &none, sig);
    if (sig == SIGINT) {
        atomic_fetch_add(&interrupts, 1);
        if (!atomic_load(&interrupt_stops))
            return; /* a key: the dashboard goes on as it was */
    } else {
        none = 0;
        atomic_compare_exchange_strong(&first_terminating, &none, sig);
    }
    interrupt_note(sig); /* a trace set being written gives up and is removed */
    sigaction(SIGPIPE, &ignore_action, NULL);
    sigaction(SIGTTOU, &ignore_action, NULL);
}

void stop_signal_install(int sigint_stops)
{
    atomic_store(&interrupt_stops, sigint_stops);
    memset(&ignore_action, 0, sizeof ignore_action);
    ignore_action.sa_handler = SIG_IGN;
    sigemptyset(&ignore_action.sa_mask);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
        sigaction(SIGHUP, &sa, NULL);
}

void stop_signal_reset(void)
{
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
        sigaction(SIGHUP, &dfl, NULL);
}

int stop_signal_caught(void) { return atomic_load(&first_caught); }

int stop_signal_terminating(void) { return atomic_load(&first_terminating); }

int stop_signal_take_interrupts(void) { return atomic_exchange(&interrupts, 0); }

/* Spelled out: SPEC 9 fixes the numbers whatever the platform's signal numbers. */
int stop_signal_status(int sig) { return sig == SIGINT ? 130 : sig == SIGHUP ? 129 : 143; }

const char *stop_signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
    }
}
