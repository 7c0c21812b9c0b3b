/*
 * router.h: a model's router matrices, read from and written to
 * `router.safetensors` (SPEC 4.1, moespec-traces(5)).
 *
 * The file is safetensors: an 8-byte little-endian header length N, N bytes
 * of JSON (parsed by libjansson), then the data area of raw little-endian
 * tensors. A trace set of L layers, E experts and hidden size D needs, for
 * every layer l in 0..L-1, `layers.l.router.weight` of shape [E, D] and may
 * have `layers.l.router.bias` of shape [E]; dtype F32, F16 or BF16.
 * `__metadata__` (string values) names the source in its "source" key.
 * Other tensors are allowed and ignored, but their offsets are checked like
 * the rest. Every value is bounded before use: the header length against the
 * file size and ROUTER_HEADER_MAX, the JSON shape, each dtype, each shape
 * (exactly [E, D] / [E]), each data_offsets pair (within the data area, its
 * size equal to shape x dtype size, no two tensors overlapping) and every
 * value (finite). Errors are ERR_INPUT "FILE: tensor NAME: what", or
 * "FILE: header: what" where no tensor is concerned.
 *
 * Not here: where the file sits in a trace set and its checksum (the trace
 * reader and writer), what the routers are used for (the gate baseline).
 */
#ifndef MOESPEC_DATA_ROUTER_H
#define MOESPEC_DATA_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define ROUTER_FILE_NAME "router.safetensors"
#define ROUTER_HEADER_MAX (100u << 20) /* bytes of JSON header at most (100 MiB) */
#define ROUTER_SOURCE_MAX 256
/* bytes of a router file at most: header and F32 tensors of a model far
 * larger than any MoE of today (DeepSeek-V2-Lite's are 14 MB) */
#define ROUTER_FILE_MAX ((size_t)1 << 30)

typedef struct Router {
    int L, E, D;
    float *weight;                 /* [L][E][D] */
    float *bias;                   /* [L][E], 0 where the file has no bias */
    int n_bias;                    /* layers that had a bias tensor */
    char source[ROUTER_SOURCE_MAX];/* __metadata__ "source", "" when not named */
} Router;

/* Allocates a zeroed router of the given shape (weights and biases 0). */
int router_alloc(Router *r, int L, int E, int D, Err *e);
void router_free(Router *r);

/* Parses the file image buf[0..len) named `name` (for messages) against the
 * expected shape L, E, D (all >= 1). On failure *out holds nothing to free. */
int router_parse(const void *buf, size_t len, const char *name, int L, int E, int D,
                 Router *out, Err *e);

/* Reads a whole file into a fresh buffer (ERR_INPUT naming it on failure). */
int router_file_read(const char *path, unsigned char **buf, size_t *len, Err *e);

/* The file image of r: F32 tensors, weight then bias per layer (bias only
 * when r->n_bias > 0), __metadata__ {"source": r->source}, the header padded
 * with spaces to a multiple of 8 bytes. *buf is malloc'd. */
int router_encode(const Router *r, unsigned char **buf, size_t *len, Err *e);

/* router_encode written atomically to path (util/atomic_file.h). */
int router_write(const char *path, const Router *r, Err *e);

#endif
