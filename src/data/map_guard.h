/*
 * map_guard.h: a mapped trace file that shrinks underneath (truncated,
 * rewritten by another program) turns from a SIGBUS that kills the process
 * into an error the reader can name.
 *
 * A reader registers each mapped range. On a SIGBUS for a read past the
 * end of a file inside a registered range, the handler maps a zero page
 * over the faulting page, so the access completes with zeros, and records
 * the address; the reader asks map_guard_fault after it used the data and
 * reports the file instead of trusting what it read. Any other SIGBUS goes
 * to the disposition that was there before (the default action: the
 * process dies as it would have).
 *
 * Only a file that shrinks is caught: one rewritten in place at the same
 * size shows its new bytes to the mapping, as any mapped file does.
 *
 * A handler installed after ours (ui/fatal_signal.c, which restores the
 * terminal) must call map_guard_claim first and return when it claims.
 * The slots are process state by necessity: a signal handler has no other
 * way to reach them.
 *
 * Not here: which file a range holds (traceset_read.c says that).
 */
#ifndef MOESPEC_DATA_MAP_GUARD_H
#define MOESPEC_DATA_MAP_GUARD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define MAP_GUARD_SLOTS 64 /* ranges registered at once (a trace set holds one or two) */

/* Registers [base, base + bytes), installing the handler the first time.
 * Returns the slot (>= 0), or -1 with ERR_RUNTIME when every slot is taken
 * or the handler cannot be installed. */
int map_guard_add(const void *base, size_t bytes, Err *e);

/* Async-signal-safe, for a SIGBUS handler: 1 when si is a read past the
 * end of a registered range's file, patched (the handler then returns and
 * the read completes with zeros); 0 for any other SIGBUS. */
int map_guard_claim(const siginfo_t *si);

/* Forgets a slot (before its range is unmapped); -1 is ignored. */
void map_guard_remove(int slot);

/* 0, or the first faulting address inside slot's range since it was added. */
uintptr_t map_guard_fault(int slot);

#endif
