/*
 * map_guard.h: a mapped trace file that shrinks underneath (truncated,
 * rewritten by another program) turns from a SIGBUS that kills the process
 * into an error the reader can name.
 *
 * A reader registers each mapped range. On SIGBUS inside a registered
 * range the handler maps a zero page over the faulting page, so the access
 * completes with zeros, and records the address; the reader asks
 * map_guard_fault after it used the data and reports the file instead of
 * trusting what it read. A SIGBUS anywhere else goes to the handler that
 * was there before (or the default action: the process dies as it would
 * have).
 *
 * Not here: which file a range holds (traceset_read.c says that).
 */
#ifndef MOESPEC_DATA_MAP_GUARD_H
#define MOESPEC_DATA_MAP_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define MAP_GUARD_SLOTS 64 /* ranges registered at once (a trace set holds one) */

/* Registers [base, base + bytes), installing the handler the first time.
 * Returns the slot (>= 0), or -1 with ERR_RUNTIME when every slot is taken
 * or the handler cannot be installed. */
int map_guard_add(const void *base, size_t bytes, Err *e);

/* Forgets a slot (before its range is unmapped); -1 is ignored. */
void map_guard_remove(int slot);

/* 0, or the first faulting address inside slot's range since it was added. */
uintptr_t map_guard_fault(int slot);

#endif
