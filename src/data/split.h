/*
 * split.h: the train/validation split by sequence (SPEC 6): a sequence never
 * straddles the two, and the split is a pure function of (n_seqs, frac, seed).
 */
#ifndef MOESPEC_DATA_SPLIT_H
#define MOESPEC_DATA_SPLIT_H

#include <stdint.h>

#include "util/err.h"

/* is_val[s] = 1 for the round(frac * n_seqs) validation sequences (at least
 * one when frac > 0, and at least one left for training). ERR_INPUT when
 * there are too few sequences to split. */
int split_by_sequence(int64_t n_seqs, double frac, uint64_t seed, uint8_t *is_val,
                      const char *path, Err *e);

#endif
