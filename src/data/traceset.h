/*
 * traceset.h: the trace-set contract (SPEC 4.1): what a routing trace is in
 * memory, how a set is written and how it is read.
 *
 * A trace set is a directory: a text manifest plus binary shards. A shard
 * holds whole sequences (a sequence never spans two shards), so a group of
 * resident shards always has complete sequences for the windowed models and
 * for the split by sequence. The byte layout is documented in
 * moespec-traces(5) and implemented in traceset_*.c; this header is what the
 * rest of the core may rely on.
 *
 * Not here: batching, shuffling, f16 -> f32 conversion of whole batches
 * (src/data/batcher), statistics (src/data/routestats), CSV (csv_import).
 */
#ifndef MOESPEC_DATA_TRACESET_H
#define MOESPEC_DATA_TRACESET_H

#include <stddef.h>
#include <stdint.h>

#include "data/router.h"
#include "util/err.h"

typedef enum { HIDDEN_UNKNOWN = 0, HIDDEN_ROUTER_INPUT, HIDDEN_LAYER_INPUT } HiddenPoint;
typedef enum { DTYPE_F32 = 0, DTYPE_F16 = 1 } HiddenDtype;

typedef struct TraceHeader {
    int E;                   /* experts per MoE layer */
    int K;                   /* experts routed per token */
    int L;                   /* MoE layers */
    int D;                   /* hidden size; 0 = routing-only set */
    HiddenPoint point;
    HiddenDtype dtype;
    int has_weights;         /* gate weights stored */
    int has_tokens;          /* token ids stored (else all -1) */
} TraceHeader;

/* Names as the manifest, `info` and the options spell them
 * ("router-input", "layer-input", "unknown"; "f32", "f16"); the parsers
 * return 0, or -1 for a name that is none of them. (Added by the data module.) */
const char *traceset_point_name(HiddenPoint p);
int traceset_point_parse(const char *s, HiddenPoint *out);
const char *traceset_dtype_name(HiddenDtype d);
int traceset_dtype_parse(const char *s, HiddenDtype *out);

/* One sequence as the writer takes it (all arrays owned by the caller). */
typedef struct TraceSeq {
    int T;                   /* tokens */
    const int32_t *tokens;   /* [T] token ids or -1; NULL = all -1 */
    const uint16_t *experts; /* [T][L][K] expert ids in gate order */
    const float *weights;    /* [T][L][K] gate weights, NULL when absent */
    const float *hidden;     /* [T][L][D] hidden states (f32; the writer converts) */
} TraceSeq;

/* One sequence as the reader gives it: pointers into the resident shard,
 * valid until its group is released. hidden is in the stored dtype. */
typedef struct TraceSeqView {
    int T;
    const int32_t *tokens;   /* [T] */
    const uint16_t *experts; /* [T][L][K] */
    const float *weights;    /* [T][L][K] or NULL */
    const void *hidden;      /* [T][L][D] of f32 or f16 (uint16_t) per header dtype */
} TraceSeqView;

/* ---- writing (atomic: a temporary sibling directory renamed at commit) ---- */
typedef struct TraceWriter TraceWriter;

int tracewriter_open(const char *dir, const TraceHeader *h, size_t shard_bytes,
                     TraceWriter **out, Err *e);
int tracewriter_add_seq(TraceWriter *w, const TraceSeq *s, Err *e);
/* Writes the manifest, fsyncs, renames into place; frees w in all cases. */
int tracewriter_commit(TraceWriter *w, Err *e);
/* Removes everything written so far; frees w. */
void tracewriter_abort(TraceWriter *w);
/* Adds router.safetensors (the file image bytes[0..len), copied as is) after
 * checking it against the set's L, E, D (router_parse; `name` is the file
 * the bytes came from, for messages); ERR_INPUT when D = 0. */
int tracewriter_set_router(TraceWriter *w, const void *bytes, size_t len, const char *name,
                           Err *e);
/* Records expert_bytes (bytes of one expert's weights; 0 = unknown). */
void tracewriter_set_expert_bytes(TraceWriter *w, uint64_t bytes);

/* ---- reading ---- */
typedef struct TraceSet TraceSet;

/* Opens the manifest and checks it; shards are mapped and their checksums
 * verified on first use. shards_per_group <= 0 means all shards in one group. */
int traceset_open(const char *dir, int shards_per_group, TraceSet **out, Err *e);
void traceset_close(TraceSet *ts);

const TraceHeader *traceset_header(const TraceSet *ts);
const char *traceset_path(const TraceSet *ts);
int64_t traceset_n_seqs(const TraceSet *ts);
int64_t traceset_n_tokens(const TraceSet *ts);  /* sum of T over sequences */
int traceset_seq_len(const TraceSet *ts, int64_t seq);
int traceset_n_shards(const TraceSet *ts);
int traceset_n_groups(const TraceSet *ts);
/* Sequences [first, first + count) of a group (shards hold consecutive sequences). */
void traceset_group_range(const TraceSet *ts, int group, int64_t *first, int64_t *count);
uint64_t traceset_bytes(const TraceSet *ts);    /* bytes of all shards */
/* A 64-bit digest of shape and content (for checkpoint fingerprints). */
uint64_t traceset_fingerprint(const TraceSet *ts);

/* Makes a group resident (mapping and, on first use, verifying its shards;
 * a checksum mismatch is ERR_INPUT naming the shard) and releases the group
 * resident before, so at most shards_per_group shards are mapped. */
int traceset_load_group(TraceSet *ts, int group, Err *e);
/* The group holding sequence seq (0 <= seq < n_seqs). */
int traceset_group_of(const TraceSet *ts, int64_t seq);
/* A sequence of the resident group; ERR_USAGE if it is not resident, and
 * traceset_check_mapped's error for the reads made before. */
int traceset_seq(const TraceSet *ts, int64_t seq, TraceSeqView *v, Err *e);
/* ERR_INPUT naming the shard (and the offset) when a read of the resident
 * group went past a shard's end since it was mapped: the file was
 * truncated underneath, and what the read returned (zeros) must not be
 * used. Call it after the last read of a pass; traceset_seq and
 * traceset_load_group call it for the reads before them. */
int traceset_check_mapped(const TraceSet *ts, Err *e);

/* Verifies every shard's checksum (info). */
int traceset_verify_all(TraceSet *ts, Err *e);
/* Unmaps the resident group, if any (added by the data module). */
void traceset_release(TraceSet *ts);

/* Router matrices (router.safetensors, SPEC 4.1): present when the manifest
 * lists them. Loading reads the file, checks its size and checksum against
 * the manifest and parses it against the set's L, E, D; every failure is
 * ERR_INPUT naming the file (and the tensor). */
int traceset_has_router(const TraceSet *ts);
int traceset_load_router(const TraceSet *ts, Router *out, Err *e);
/* Bytes of one expert's weights in the source model; 0 = not recorded. */
uint64_t traceset_expert_bytes(const TraceSet *ts);

/* f16 <-> f32 (IEEE binary16, round to nearest even) */
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
/* n values at once (added by the data module, for the batcher). */
void f16_to_f32_n(const uint16_t *in, float *out, size_t n);
/* Hidden state of (t, layer) of a view into out[D] as f32. */
void traceset_seq_hidden(const TraceHeader *h, const TraceSeqView *v, int t, int layer,
                         float *out);

#endif
