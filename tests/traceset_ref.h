/*
 * traceset_ref.h: helpers shared by the trace-set tests: a random trace set
 * kept in memory as the reference, written with tracewriter and compared
 * with what the reader gives back; small file helpers.
 */
#ifndef MOESPEC_TESTS_TRACESET_REF_H
#define MOESPEC_TESTS_TRACESET_REF_H

#include <stddef.h>
#include <stdint.h>

#include "data/traceset.h"

typedef struct RefSet {
    TraceHeader h;
    int n;                 /* sequences */
    int *T;                /* [n] */
    int32_t **tokens;      /* [n][T] */
    uint16_t **experts;    /* [n][T*L*K] */
    float **weights;       /* [n][T*L*K] */
    float **hidden;        /* [n][T*L*D] */
} RefSet;

uint64_t rng_next(uint64_t *s);
/* n sequences of 1..maxT tokens, distinct ids per row, values in [-4, 4). */
RefSet *ref_make(TraceHeader h, int n, int maxT, uint64_t seed);
void ref_free(RefSet *r);
int ref_write(const RefSet *r, const char *dir, size_t shard_bytes, Err *e);
/* Reads dir back with per_group shards per group; asserts it equals r. */
void ref_check(const RefSet *r, const char *dir, int per_group);

char *path_in(const char *dir, const char *name); /* static buffer */
void rm_rf(const char *dir);
unsigned char *slurp(const char *path, size_t *n);
void spit(const char *path, const void *b, size_t n);
int count_entries(const char *dir);                /* -1 if absent */

#endif
