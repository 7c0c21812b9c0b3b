/*
 * traceset_write.c: writing a trace set (the writing half of traceset.h).
 *
 * Sequences are checked (ids < E and not repeated in a row, finite values,
 * f16 range) and gathered in memory per section until the shard would pass
 * shard_bytes; the shard is then streamed to the temporary directory with
 * its checksum computed on the way and patched into the header, and fsynced.
 * Commit writes the manifest and renames the temporary sibling directory
 * onto DIR, so DIR either appears complete or not at all.
 * Not here: the byte layout (shard.c) and manifest syntax (manifest.c).
 */
#include "data/traceset.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/checksum.h"
#include "data/manifest.h"
#include "data/shard.h"
#include "util/atomic_file.h"
#include "util/interrupt.h"

#define DEFAULT_SHARD_BYTES ((size_t)256 << 20)

typedef struct Buf {
    unsigned char *p;
    size_t n, cap;
} Buf;

struct TraceWriter {
    char *dir;                 /* final name */
    AtomicDir ad;              /* the temporary sibling being filled (atomic_file.h) */
    TraceHeader h;
    size_t shard_bytes;
    Buf seqtab, tokens, experts, weights, hidden; /* the shard being gathered */
    uint64_t cur_seqs, cur_tokens;
    uint64_t n_seqs;           /* sequences added, all shards */
    Manifest m;                /* shards written so far */
    int shards_cap;
    uint32_t *stamp;           /* [E] duplicate-id check */
    uint32_t stamp_now;
};

static int buf_reserve(Buf *b, size_t more)
{
    if (b->cap - b->n >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->n < more)
        cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_append(Buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n))
        return -1;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static int check_header(const TraceHeader *h, const char *dir, Err *e)
{
    if (h->E < 1 || h->E > SHARD_MAX_E || h->K < 1 || h->K > h->E || h->L < 1 ||
        h->L > SHARD_MAX_L || h->D < 0 || h->D > SHARD_MAX_D)
        return err_set(e, ERR_USAGE, "%s: impossible shape E=%d K=%d L=%d D=%d (need 1 <= K "
                       "<= E <= %d, 1 <= L <= %d, 0 <= D <= %d)", dir, h->E, h->K, h->L, h->D,
                       SHARD_MAX_E, SHARD_MAX_L, SHARD_MAX_D);
    if ((unsigned)h->point > HIDDEN_LAYER_INPUT || (unsigned)h->dtype > DTYPE_F16)
        return err_set(e, ERR_USAGE, "%s: unknown hidden point or dtype", dir);
    return 0;
}

int tracewriter_open(const char *dir, const TraceHeader *h, size_t shard_bytes,
                     TraceWriter **out, Err *e)
{
    *out = NULL;
    int rc = check_header(h, dir, e);
    if (rc)
        return rc;
    TraceWriter *w = calloc(1, sizeof *w);
    if (!w || !(w->dir = strdup(dir)) || !(w->stamp = calloc((size_t)h->E, sizeof *w->stamp))) {
        rc = err_set(e, ERR_RUNTIME, "%s: out of memory", dir);
        goto done;
    }
    /* DIR absent or empty; the temporary sibling names its owner, so one
     * left by a killed writer is swept by the next */
    if ((rc = atomic_dir_open(dir, &w->ad, e)))
        goto done;
    w->h = *h;
    w->h.has_tokens = h->has_tokens != 0;
    w->h.has_weights = h->has_weights != 0;
    w->m.h = w->h;
    w->shard_bytes = shard_bytes ? shard_bytes : DEFAULT_SHARD_BYTES;
done:
    if (rc) {
        tracewriter_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}


/* Checks row (t, l) of a sequence: ids < E and distinct, finite weights. */
static int check_row(TraceWriter *w, const TraceSeq *s, size_t row, int t, int l, Err *e)
{
    const size_t K = (size_t)w->h.K;
    if (++w->stamp_now == 0) {
        memset(w->stamp, 0, (size_t)w->h.E * sizeof *w->stamp);
        w->stamp_now = 1;
    }
    for (size_t k = 0; k < K; k++) {
        uint16_t id = s->experts[row * K + k];
        if (id >= w->h.E || w->stamp[id] == w->stamp_now)
            return err_set(e, ERR_INPUT, "%s: sequence %llu token %d layer %d: expert id %u %s "
                           "(E=%d)", w->dir, (unsigned long long)w->n_seqs, t, l, (unsigned)id,
                           id >= w->h.E ? "out of range" : "repeated", w->h.E);
        w->stamp[id] = w->stamp_now;
        if (w->h.has_weights && !isfinite(s->weights[row * K + k]))
            return err_set(e, ERR_INPUT, "%s: sequence %llu token %d layer %d: gate weight is "
                           "NaN or Inf", w->dir, (unsigned long long)w->n_seqs, t, l);
    }
    return 0;
}

/* Appends the hidden states in the stored dtype, checking each value. */
static int append_hidden(TraceWriter *w, const TraceSeq *s, Err *e)
{
    const size_t D = (size_t)w->h.D, L = (size_t)w->h.L;
    const size_t n = (size_t)s->T * L * D;
    const size_t elt = w->h.dtype == DTYPE_F16 ? 2 : 4;
    if (buf_reserve(&w->hidden, n * elt))
        return err_set(e, ERR_RUNTIME, "%s: out of memory", w->dir);
    unsigned char *dst = w->hidden.p + w->hidden.n;
    for (size_t i = 0; i < n; i++) {
        float x = s->hidden[i];
        uint16_t half = 0;
        if (w->h.dtype == DTYPE_F16)
            half = f32_to_f16(x);
        if (!isfinite(x) || (elt == 2 && (half & 0x7c00u) == 0x7c00u))
            return err_set(e, ERR_INPUT, "%s: sequence %llu token %zu layer %zu: hidden value "
                           "%g %s", w->dir, (unsigned long long)w->n_seqs, i / D / L,
                           i / D % L, (double)x,
                           isfinite(x) ? "overflows f16 (|x| > 65504)" : "is NaN or Inf");
        if (elt == 2)
            memcpy(dst + i * 2, &half, 2);
        else
            memcpy(dst + i * 4, &x, 4);
    }
    w->hidden.n += n * elt;
    return 0;
}

static int append_seq(TraceWriter *w, const TraceSeq *s, Err *e)
{
    const size_t rows = (size_t)s->T * (size_t)w->h.L, K = (size_t)w->h.K;
    for (int t = 0; t < s->T; t++) {
        int32_t tok = w->h.has_tokens && s->tokens ? s->tokens[t] : -1;
        if (tok < -1)
            return err_set(e, ERR_INPUT, "%s: sequence %llu token %d: token id %ld below -1",
                           w->dir, (unsigned long long)w->n_seqs, t, (long)tok);
        if (buf_append(&w->tokens, &tok, 4))
            return err_set(e, ERR_RUNTIME, "%s: out of memory", w->dir);
    }
    for (size_t r = 0; r < rows; r++) {
        int rc = check_row(w, s, r, (int)(r / (size_t)w->h.L), (int)(r % (size_t)w->h.L), e);
        if (rc)
            return rc;
    }
    if (buf_append(&w->experts, s->experts, rows * K * 2) ||
        (w->h.has_weights && buf_append(&w->weights, s->weights, rows * K * 4)))
        return err_set(e, ERR_RUNTIME, "%s: out of memory", w->dir);
    if (w->h.D > 0) {
        int rc = append_hidden(w, s, e);
        if (rc)
            return rc;
    }
    uint64_t end = w->cur_tokens + (uint64_t)s->T;
    if (buf_append(&w->seqtab, &end, 8))
        return err_set(e, ERR_RUNTIME, "%s: out of memory", w->dir);
    w->cur_seqs++;
    w->cur_tokens = end;
    w->n_seqs++;
    return 0;
}

/* A sequential file writer that hashes what it writes. */
typedef struct Out {
    int fd;
    TraceHash hash;
    uint64_t pos;
    int errnum;
} Out;

static void out_write(Out *o, const void *p, size_t n)
{
    const unsigned char *b = p;
    tracehash_update(&o->hash, p, n);
    o->pos += n;
    while (n && !o->errnum) {
        ssize_t r = write(o->fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            o->errnum = r < 0 ? errno : EIO;
            break;
        }
        b += r;
        n -= (size_t)r;
    }
}

static void out_pad_to(Out *o, uint64_t off)
{
    static const unsigned char zeros[SHARD_ALIGN];
    while (o->pos < off)
        out_write(o, zeros, off - o->pos < SHARD_ALIGN ? (size_t)(off - o->pos) : SHARD_ALIGN);
}

static void out_section(Out *o, uint64_t off, const Buf *b)
{
    out_pad_to(o, off);
    out_write(o, b->p, b->n);
}

static int add_manifest_shard(TraceWriter *w, const char *name, const ShardHeader *sh, Err *e)
{
    Manifest *m = &w->m;
    if (m->n_shards == w->shards_cap) {
        int cap = w->shards_cap ? 2 * w->shards_cap : 16;
        ManifestShard *s = realloc(m->shards, (size_t)cap * sizeof *s);
        if (!s)
            return err_set(e, ERR_RUNTIME, "%s: out of memory", w->dir);
        m->shards = s;
        w->shards_cap = cap;
    }
    ManifestShard *s = &m->shards[m->n_shards++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->n_seqs = sh->n_seqs;
    s->n_tokens = sh->n_tokens;
    s->bytes = sh->file_bytes;
    s->checksum = sh->checksum;
    m->n_seqs += sh->n_seqs;
    m->n_tokens += sh->n_tokens;
    return 0;
}

/* Streams the gathered sequences to shard-NNNN.bin and starts a new shard. */
static int flush_shard(TraceWriter *w, Err *e)
{
    ShardHeader sh = {.h = w->h, .index = (uint32_t)w->m.n_shards,
                      .first_seq = w->n_seqs - w->cur_seqs, .n_seqs = w->cur_seqs,
                      .n_tokens = w->cur_tokens};
    char name[MANIFEST_SHARD_NAME_MAX], path[4200];
    unsigned char head[SHARD_HEADER_BYTES];
    uint64_t zero = 0;
    if (shard_layout(&sh))
        return err_set(e, ERR_RUNTIME, "%s: shard size overflows", w->dir);
    snprintf(name, sizeof name, "shard-%04d.bin", w->m.n_shards);
    snprintf(path, sizeof path, "%s/%s", w->ad.tmp, name);
    Out o = {.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (o.fd < 0)
        return err_sys(e, ERR_RUNTIME, errno, "%s/%s", w->dir, name);
    tracehash_init(&o.hash);
    shard_header_encode(&sh, head);
    out_write(&o, head, sizeof head);
    out_pad_to(&o, sh.seqtab_off);
    out_write(&o, &zero, 8);
    out_write(&o, w->seqtab.p, w->seqtab.n);
    out_section(&o, sh.tokens_off, &w->tokens);
    out_section(&o, sh.experts_off, &w->experts);
    if (sh.weights_off)
        out_section(&o, sh.weights_off, &w->weights);
    if (sh.hidden_off)
        out_section(&o, sh.hidden_off, &w->hidden);
    out_pad_to(&o, sh.file_bytes);
    sh.checksum = tracehash_final(&o.hash);
    shard_header_encode(&sh, head);
    if (!o.errnum && pwrite(o.fd, head, sizeof head, 0) != (ssize_t)sizeof head)
        o.errnum = errno ? errno : EIO;
    if (!o.errnum && fsync(o.fd))
        o.errnum = errno;
    if (close(o.fd) && !o.errnum)
        o.errnum = errno;
    if (o.errnum) /* named as the output will be: the temporary is removed next */
        return err_sys(e, ERR_RUNTIME, o.errnum, "%s/%s", w->dir, name);
    w->seqtab.n = w->tokens.n = w->experts.n = w->weights.n = w->hidden.n = 0;
    w->cur_seqs = w->cur_tokens = 0;
    return add_manifest_shard(w, name, &sh, e);
}

/* Would the current shard, with s added, pass shard_bytes? */
static int shard_would_overflow(const TraceWriter *w, const TraceSeq *s)
{
    ShardHeader sh = {.h = w->h, .n_seqs = w->cur_seqs + 1,
                      .n_tokens = w->cur_tokens + (uint64_t)s->T};
    return w->cur_seqs > 0 && (shard_layout(&sh) || sh.file_bytes > w->shard_bytes);
}

int tracewriter_add_seq(TraceWriter *w, const TraceSeq *s, Err *e)
{
    /* a signal's stop: the caller aborts the writer, nothing is left */
    if (interrupt_pending())
        return err_set(e, ERR_RUNTIME, "%s: interrupted by signal %d: nothing written", w->dir,
                       interrupt_pending());
    if (s->T < 1)
        return err_set(e, ERR_INPUT, "%s: sequence %llu is empty", w->dir,
                       (unsigned long long)w->n_seqs);
    if (!s->experts || (w->h.has_weights && !s->weights) || (w->h.D > 0 && !s->hidden))
        return err_set(e, ERR_USAGE, "%s: sequence %llu lacks experts, weights or hidden "
                       "states the header promises", w->dir, (unsigned long long)w->n_seqs);
    if (shard_would_overflow(w, s)) {
        int rc = flush_shard(w, e);
        if (rc)
            return rc;
    }
    size_t mark[5] = {w->seqtab.n, w->tokens.n, w->experts.n, w->weights.n, w->hidden.n};
    int rc = append_seq(w, s, e);
    if (rc) { /* drop the partial sequence: the shard stays consistent */
        w->seqtab.n = mark[0];
        w->tokens.n = mark[1];
        w->experts.n = mark[2];
        w->weights.n = mark[3];
        w->hidden.n = mark[4];
    }
    return rc;
}

int tracewriter_set_router(TraceWriter *w, const void *bytes, size_t len, const char *name,
                           Err *e)
{
    Router r;
    if (w->h.D < 1)
        return err_set(e, ERR_INPUT, "%s: router matrices need hidden states, and %s is a "
                       "routing-only set (D = 0)", name, w->dir);
    int rc = router_parse(bytes, len, name, w->h.L, w->h.E, w->h.D, &r, e);
    if (rc)
        return rc;
    router_free(&r);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", w->ad.tmp, ROUTER_FILE_NAME);
    FILE *f = fopen(path, "w");
    if (!f)
        return err_sys(e, ERR_RUNTIME, errno, "%s/%s", w->dir, ROUTER_FILE_NAME);
    int bad = fwrite(bytes, 1, len, f) != len || fflush(f) || fsync(fileno(f));
    int errnum = errno;
    if (fclose(f) && !bad) {
        bad = 1;
        errnum = errno;
    }
    if (bad)
        return err_sys(e, ERR_RUNTIME, errnum, "%s/%s", w->dir, ROUTER_FILE_NAME);
    w->m.has_router = 1;
    w->m.router_bytes = len;
    w->m.router_checksum = tracehash(bytes, len);
    return 0;
}

void tracewriter_set_expert_bytes(TraceWriter *w, uint64_t bytes)
{
    w->m.expert_bytes = bytes;
}

static int write_manifest(TraceWriter *w, Err *e)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", w->ad.tmp, MANIFEST_NAME);
    FILE *f = fopen(path, "wx");
    if (!f)
        return err_sys(e, ERR_RUNTIME, errno, "%s/%s", w->dir, MANIFEST_NAME);
    int bad = manifest_write(f, &w->m) || fflush(f) || fsync(fileno(f));
    int errnum = errno;
    if (fclose(f) && !bad) {
        bad = 1;
        errnum = errno;
    }
    return bad ? err_sys(e, ERR_RUNTIME, errnum, "%s/%s", w->dir, MANIFEST_NAME) : 0;
}

int tracewriter_commit(TraceWriter *w, Err *e)
{
    int rc = 0;
    if (w->cur_seqs > 0)
        rc = flush_shard(w, e);
    if (!rc && w->m.n_shards == 0)
        rc = err_set(e, ERR_INPUT, "%s: no sequences to write", w->dir);
    if (!rc)
        rc = write_manifest(w, e);
    if (!rc)
        rc = atomic_dir_commit(&w->ad, e); /* fsyncs, renames, fsyncs the parent */
    tracewriter_abort(w);
    return rc;
}

void tracewriter_abort(TraceWriter *w)
{
    if (!w)
        return;
    if (w->ad.tmp)
        atomic_dir_abort(&w->ad);
    free(w->seqtab.p);
    free(w->tokens.p);
    free(w->experts.p);
    free(w->weights.p);
    free(w->hidden.p);
    free(w->stamp);
    manifest_free(&w->m);
    free(w->dir);
    free(w);
}
