/*
 * traceset_read.c: opening a trace set and reading it group by group (the
 * reading half of traceset.h).
 *
 * traceset_open reads the manifest and, from each shard, only its header and
 * sequence table (pread), and rejects any disagreement between the two; so
 * sequence lengths and group ranges are known before any data is mapped.
 * traceset_load_group maps a group's shards read-only (the previous group is
 * unmapped first, so at most shards_per_group shards are mapped) and checks
 * each shard in full the first time it is mapped (shard_verify). The group
 * lies in one range registered with map_guard, so a shard truncated while
 * mapped is an error the next traceset_seq or traceset_check_mapped names.
 * Not here: the byte layout (shard.c), the manifest syntax (manifest.c).
 */
#include "data/traceset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/checksum.h"
#include "data/manifest.h"
#include "data/map_guard.h"
#include "data/shard.h"
#include "util/file_read.h"

typedef struct ShardRef {
    char *path;                /* DIR/NAME, as errors name it */
    ShardHeader sh;            /* decoded at open */
    const unsigned char *map;  /* inside the resident region; NULL unless resident */
    int verified;              /* contents checked once */
} ShardRef;

/* One reservation of address space holding shards [first, end) side by
 * side, each at a page boundary, registered with map_guard as one range:
 * a shard truncated while mapped becomes an error, not a SIGBUS. */
typedef struct MapRegion {
    unsigned char *base;       /* NULL: none */
    size_t bytes;
    int first, end;
    int guard;                 /* map_guard slot, -1 = none */
} MapRegion;

struct TraceSet {
    char *dir;
    TraceHeader h;
    int n_shards, per_group, n_groups;
    int resident;              /* group mapped now, -1 = none */
    MapRegion region;          /* where the resident group is mapped */
    ShardRef *shards;          /* [n_shards] */
    int64_t n_seqs, n_tokens;
    int32_t *seq_len;          /* [n_seqs] */
    uint64_t *seq_start;       /* [n_seqs] first token inside its shard */
    uint64_t bytes, fingerprint;
    int has_router, router_line;
    uint64_t router_bytes, router_checksum, expert_bytes;
};

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Reads the manifest whole; a missing one inside an existing directory is
 * "not a trace set", not a bare ENOENT. */
static int read_small_file(const char *dir, const char *path, char **out, size_t *len, Err *e)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return err_set(e, ERR_INPUT, "%s: no manifest: not a moespec trace set", path);
        return err_sys(e, ERR_INPUT, ENOENT, "%s", dir);
    }
    unsigned char *buf;
    int rc = file_read_all(path, MANIFEST_MAX_BYTES, &buf, len, e);
    *out = rc ? NULL : (char *)buf;
    return rc;
}

static int pread_all(int fd, void *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The shard header must say what the manifest says about it. */
static int check_against_manifest(const ShardRef *s, const ManifestShard *ms, const Manifest *m,
                                  int index, uint64_t first_seq, const char *mpath, Err *e)
{
    const TraceHeader *a = &s->sh.h, *b = &m->h;
    struct { int off; uint64_t got, want; const char *what; } f[] = {
        {SHOFF_E, (uint64_t)a->E, (uint64_t)b->E, "E"},
        {SHOFF_K, (uint64_t)a->K, (uint64_t)b->K, "K"},
        {SHOFF_L, (uint64_t)a->L, (uint64_t)b->L, "L"},
        {SHOFF_D, (uint64_t)a->D, (uint64_t)b->D, "D"},
        {SHOFF_POINT, (uint64_t)a->point, (uint64_t)b->point, "hidden point code"},
        {SHOFF_DTYPE, (uint64_t)a->dtype, (uint64_t)b->dtype, "dtype code"},
        {SHOFF_FLAGS, (uint64_t)a->has_weights, (uint64_t)b->has_weights, "weights flag"},
        {SHOFF_FLAGS, (uint64_t)a->has_tokens, (uint64_t)b->has_tokens, "token-ids flag"},
        {SHOFF_INDEX, s->sh.index, (uint64_t)index, "shard index"},
        {SHOFF_FIRST_SEQ, s->sh.first_seq, first_seq, "first sequence"},
        {SHOFF_N_SEQS, s->sh.n_seqs, ms->n_seqs, "sequences"},
        {SHOFF_N_TOKENS, s->sh.n_tokens, ms->n_tokens, "tokens"},
        {SHOFF_FILE_BYTES, s->sh.file_bytes, ms->bytes, "bytes"},
        {SHOFF_CHECKSUM, s->sh.checksum, ms->checksum, "checksum"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i].got == f[i].want)
            continue;
        if (f[i].off == SHOFF_CHECKSUM) /* in the manifest's own form: 16 hex digits */
            return err_set(e, ERR_INPUT, "%s:%d: header says checksum %016llx, the manifest "
                           "(%s:%d) says %016llx", s->path, f[i].off,
                           (unsigned long long)f[i].got, mpath, ms->line,
                           (unsigned long long)f[i].want);
        return err_set(e, ERR_INPUT, "%s:%d: header says %s %llu, the manifest (%s:%d) "
                       "says %llu", s->path, f[i].off, f[i].what,
                       (unsigned long long)f[i].got, mpath, ms->line,
                       (unsigned long long)f[i].want);
    }
    return 0;
}

/* Reads shard i's header and sequence table; fills the per-sequence arrays. */
static int open_shard(TraceSet *ts, const Manifest *m, int i, uint64_t first_seq,
                      const char *mpath, Err *e)
{
    ShardRef *s = &ts->shards[i];
    const ManifestShard *ms = &m->shards[i];
    unsigned char head[SHARD_HEADER_BYTES];
    struct stat st;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, ERR_INPUT, errno, "%s", s->path);
    int rc = 0;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        rc = err_set(e, ERR_INPUT, "%s: not a regular file", s->path);
    else if ((uint64_t)st.st_size != ms->bytes)
        rc = err_set(e, ERR_INPUT, "%s:%lld: %s: %lld bytes, the manifest (%s:%d) says %llu",
                     s->path, (long long)st.st_size,
                     (uint64_t)st.st_size < ms->bytes ? "truncated" : "wrong size",
                     (long long)st.st_size, mpath, ms->line, (unsigned long long)ms->bytes);
    else if (pread_all(fd, head, sizeof head, 0))
        rc = err_sys(e, ERR_INPUT, errno, "%s:0: cannot read the header", s->path);
    if (!rc)
        rc = shard_header_decode(head, (size_t)st.st_size, s->path, &s->sh, e);
    if (!rc)
        rc = check_against_manifest(s, ms, m, i, first_seq, mpath, e);
    unsigned char *tab = NULL;
    if (!rc && !(tab = malloc((size_t)(s->sh.n_seqs + 1) * 8)))
        rc = err_set(e, ERR_RUNTIME, "%s: out of memory", s->path);
    if (!rc && pread_all(fd, tab, (size_t)(s->sh.n_seqs + 1) * 8, (off_t)s->sh.seqtab_off))
        rc = err_sys(e, ERR_INPUT, errno, "%s:%llu: cannot read the sequence table", s->path,
                     (unsigned long long)s->sh.seqtab_off);
    if (!rc)
        rc = shard_check_seqtab(tab, &s->sh, s->path, e);
    for (uint64_t j = 0; !rc && j < s->sh.n_seqs; j++) {
        uint64_t a, b;
        memcpy(&a, tab + j * 8, 8);
        memcpy(&b, tab + j * 8 + 8, 8);
        ts->seq_start[first_seq + j] = a;
        ts->seq_len[first_seq + j] = (int32_t)(b - a);
    }
    free(tab);
    close(fd);
    return rc;
}

static void compute_fingerprint(TraceSet *ts)
{
    TraceHash st;
    const TraceHeader *h = &ts->h;
    int64_t shape[10] = {h->E, h->K, h->L, h->D, h->point, h->dtype, h->has_weights,
                         h->has_tokens, ts->n_seqs, ts->n_tokens};
    tracehash_init(&st);
    tracehash_update(&st, shape, sizeof shape);
    for (int i = 0; i < ts->n_shards; i++)
        tracehash_update(&st, &ts->shards[i].sh.checksum, 8);
    ts->fingerprint = tracehash_final(&st);
}

/* Each shard file must exist with the manifest's size, and its counts must
 * fit in that size, before anything is allocated by those counts (so a
 * forged manifest is an input error, not an out-of-memory). */
static int check_shard_files(TraceSet *ts, const Manifest *m, const char *mpath, Err *e)
{
    for (int i = 0; i < m->n_shards; i++) {
        const ManifestShard *ms = &m->shards[i];
        const char *path = ts->shards[i].path = join_path(ts->dir, ms->name);
        struct stat st;
        if (!path)
            return err_set(e, ERR_RUNTIME, "%s: out of memory", mpath);
        if (stat(path, &st))
            return err_sys(e, ERR_INPUT, errno, "%s", path);
        if (!S_ISREG(st.st_mode))
            return err_set(e, ERR_INPUT, "%s: not a regular file", path);
        if ((uint64_t)st.st_size != ms->bytes)
            return err_set(e, ERR_INPUT, "%s:%lld: %s: %lld bytes, the manifest (%s:%d) says "
                           "%llu", path, (long long)st.st_size,
                           (uint64_t)st.st_size < ms->bytes ? "truncated" : "wrong size",
                           (long long)st.st_size, mpath, ms->line,
                           (unsigned long long)ms->bytes);
        if (ms->n_seqs > (ms->bytes / 8) || ms->n_tokens > ms->bytes / 4)
            return err_set(e, ERR_INPUT, "%s:%d: %llu sequences of %llu tokens cannot fit in "
                           "%llu bytes", mpath, ms->line, (unsigned long long)ms->n_seqs,
                           (unsigned long long)ms->n_tokens, (unsigned long long)ms->bytes);
    }
    return 0;
}

static int open_all(TraceSet *ts, const Manifest *m, const char *mpath, Err *e)
{
    ts->h = m->h;
    ts->has_router = m->has_router;
    ts->router_line = m->router_line;
    ts->router_bytes = m->router_bytes;
    ts->router_checksum = m->router_checksum;
    ts->expert_bytes = m->expert_bytes;
    ts->n_shards = m->n_shards;
    ts->n_seqs = (int64_t)m->n_seqs;
    ts->n_tokens = (int64_t)m->n_tokens;
    if (!(ts->shards = calloc((size_t)m->n_shards, sizeof *ts->shards)))
        return err_set(e, ERR_RUNTIME, "%s: out of memory", mpath);
    int rc = check_shard_files(ts, m, mpath, e);
    if (rc)
        return rc;
    ts->seq_len = malloc((size_t)m->n_seqs * sizeof *ts->seq_len);
    ts->seq_start = malloc((size_t)m->n_seqs * sizeof *ts->seq_start);
    if (!ts->seq_len || !ts->seq_start)
        return err_set(e, ERR_RUNTIME, "%s: out of memory for %llu sequences", mpath,
                       (unsigned long long)m->n_seqs);
    uint64_t first = 0;
    for (int i = 0; i < m->n_shards; i++) {
        if ((rc = open_shard(ts, m, i, first, mpath, e)))
            return rc;
        first += m->shards[i].n_seqs;
        ts->bytes += m->shards[i].bytes;
    }
    compute_fingerprint(ts);
    return 0;
}

int traceset_open(const char *dir, int shards_per_group, TraceSet **out, Err *e)
{
    *out = NULL;
    TraceSet *ts = calloc(1, sizeof *ts);
    char *mpath = join_path(dir, MANIFEST_NAME), *text = NULL;
    size_t len = 0;
    Manifest m = {0};
    int rc = 0;
    if (ts)
        ts->region.guard = -1;
    if (!ts || !mpath || !(ts->dir = strdup(dir)))
        rc = err_set(e, ERR_RUNTIME, "%s: out of memory", dir);
    if (!rc)
        rc = read_small_file(dir, mpath, &text, &len, e);
    if (!rc)
        rc = manifest_parse(text, len, mpath, &m, e);
    if (!rc)
        rc = open_all(ts, &m, mpath, e);
    manifest_free(&m);
    free(text);
    free(mpath);
    if (rc) {
        traceset_close(ts);
        return rc;
    }
    ts->resident = -1;
    ts->per_group = shards_per_group <= 0 || shards_per_group > ts->n_shards
                        ? ts->n_shards : shards_per_group;
    ts->n_groups = (ts->n_shards + ts->per_group - 1) / ts->per_group;
    *out = ts;
    return 0;
}

static size_t page_round(uint64_t n)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t p = pg > 0 ? (size_t)pg : 4096;
    if (n > (uint64_t)(SIZE_MAX - p))
        return SIZE_MAX; /* more than the address space: the reservation fails */
    return (size_t)((n + p - 1) / p * p);
}

/* Unmaps a region and forgets its shards' addresses. */
static void region_release(TraceSet *ts, MapRegion *r)
{
    if (!r->base)
        return;
    map_guard_remove(r->guard);
    munmap(r->base, r->bytes);
    for (int i = r->first; i < r->end; i++)
        ts->shards[i].map = NULL;
    *r = (MapRegion){NULL, 0, 0, 0, -1};
}

void traceset_release(TraceSet *ts)
{
    if (!ts)
        return;
    region_release(ts, &ts->region);
    ts->resident = -1;
}

void traceset_close(TraceSet *ts)
{
    if (!ts)
        return;
    region_release(ts, &ts->region);
    if (ts->shards)
        for (int i = 0; i < ts->n_shards; i++)
            free(ts->shards[i].path);
    free(ts->shards);
    free(ts->seq_len);
    free(ts->seq_start);
    free(ts->dir);
    free(ts);
}

/* ERR_INPUT naming the shard of r whose read faulted (map_guard), if any. */
static int region_check(const TraceSet *ts, const MapRegion *r, Err *e)
{
    uintptr_t at = r->base ? map_guard_fault(r->guard) : 0;
    if (!at)
        return ERR_OK;
    for (int i = r->first; i < r->end; i++) {
        const ShardRef *s = &ts->shards[i];
        uintptr_t base = (uintptr_t)s->map;
        if (!s->map || at < base || at - base >= s->sh.file_bytes)
            continue;
        struct stat st;
        long long now = stat(s->path, &st) ? -1 : (long long)st.st_size;
        return err_set(e, ERR_INPUT, "%s:%llu: changed while in use: %lld bytes now, %llu "
                       "when the set was opened (a read past its end)", s->path,
                       (unsigned long long)(at - base), now,
                       (unsigned long long)s->sh.file_bytes);
    }
    return err_set(e, ERR_INPUT, "%s: a shard changed while in use (a read past its end)",
                   ts->dir);
}

int traceset_check_mapped(const TraceSet *ts, Err *e)
{
    return region_check(ts, &ts->region, e);
}

/* Maps shard i read-only at `at` (inside a reservation) and, the first
 * time, verifies it in full. */
static int map_shard(TraceSet *ts, int i, unsigned char *at, Err *e)
{
    ShardRef *s = &ts->shards[i];
    struct stat st;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, ERR_INPUT, errno, "%s", s->path);
    if (fstat(fd, &st)) {
        int errnum = errno;
        close(fd);
        return err_sys(e, ERR_INPUT, errnum, "%s", s->path);
    }
    if ((uint64_t)st.st_size != s->sh.file_bytes) {
        close(fd);
        return err_set(e, ERR_INPUT, "%s:%lld: %lld bytes now, %llu when the set was opened",
                       s->path, (long long)st.st_size, (long long)st.st_size,
                       (unsigned long long)s->sh.file_bytes);
    }
    int flags = MAP_PRIVATE | MAP_FIXED;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE; /* every page is read next anyway: fault them in one go */
#endif
    void *p = mmap(at, (size_t)s->sh.file_bytes, PROT_READ, flags, fd, 0);
    int errnum = errno;
    close(fd);
    if (p == MAP_FAILED)
        return err_sys(e, ERR_RUNTIME, errnum, "%s: mmap", s->path);
    s->map = p;
    if (s->verified)
        return 0;
    ShardHeader now;
    int rc = shard_header_decode(s->map, (size_t)s->sh.file_bytes, s->path, &now, e);
    if (!rc && memcmp(&now, &s->sh, sizeof now))
        rc = err_set(e, ERR_INPUT, "%s:0: header changed since the set was opened", s->path);
    if (!rc)
        rc = shard_verify(s->map, (size_t)s->sh.file_bytes, &s->sh, s->path, e);
    for (uint64_t j = 0; !rc && j < s->sh.n_seqs; j++) {
        uint64_t off;
        memcpy(&off, s->map + s->sh.seqtab_off + j * 8, 8);
        if (off != ts->seq_start[s->sh.first_seq + j])
            rc = err_set(e, ERR_INPUT, "%s:%llu: sequence table changed since the set was "
                         "opened", s->path, (unsigned long long)(s->sh.seqtab_off + j * 8));
    }
    if (!rc)
        s->verified = 1;
    return rc;
}

/* Reserves one guarded range for shards [first, end) and maps them in. A
 * fault while verifying is reported as the truncation it is, not as the
 * checksum mismatch the zeros would cause. */
static int region_map(TraceSet *ts, int first, int end, MapRegion *r, Err *e)
{
    size_t bytes = 0;
    for (int i = first; i < end; i++) {
        size_t pr = page_round(ts->shards[i].sh.file_bytes);
        if (pr > SIZE_MAX - bytes) /* a 32-bit address space: no wrapped reservation */
            return err_set(e, ERR_RUNTIME, "%s: a group of shards larger than the address "
                           "space (use --shards-per-group)", ts->dir);
        bytes += pr;
    }
    void *base = mmap(NULL, bytes ? bytes : 1, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return err_sys(e, ERR_RUNTIME, errno, "%s: reserving %zu bytes of address space",
                       ts->dir, bytes);
    *r = (MapRegion){base, bytes ? bytes : 1, first, end, -1};
    if ((r->guard = map_guard_add(base, r->bytes, e)) < 0) {
        region_release(ts, r);
        return ERR_RUNTIME;
    }
    int rc = ERR_OK;
    size_t off = 0;
    for (int i = first; i < end && !rc; i++) {
        rc = map_shard(ts, i, r->base + off, e);
        off += page_round(ts->shards[i].sh.file_bytes);
    }
    int fault = region_check(ts, r, e);
    if (fault)
        rc = fault;
    if (rc)
        region_release(ts, r);
    return rc;
}

int traceset_load_group(TraceSet *ts, int group, Err *e)
{
    if (group < 0 || group >= ts->n_groups)
        return err_set(e, ERR_USAGE, "%s: group %d out of range [0, %d)", ts->dir, group,
                       ts->n_groups);
    if (group == ts->resident)
        return 0;
    int rc = traceset_check_mapped(ts, e); /* what was read of the group going away */
    traceset_release(ts);
    if (rc)
        return rc;
    int first = group * ts->per_group;
    int end = first + ts->per_group < ts->n_shards ? first + ts->per_group : ts->n_shards;
    MapRegion r;
    if ((rc = region_map(ts, first, end, &r, e)))
        return rc;
    ts->region = r;
    ts->resident = group;
    return 0;
}

int traceset_verify_all(TraceSet *ts, Err *e)
{
    for (int i = 0; i < ts->n_shards; i++) {
        if (ts->shards[i].verified)
            continue;
        MapRegion r; /* not resident: it belongs to no loaded group */
        int rc = region_map(ts, i, i + 1, &r, e);
        if (rc)
            return rc;
        region_release(ts, &r);
    }
    return 0;
}

/* The shard holding sequence seq (binary search over first_seq). */
static int shard_of(const TraceSet *ts, int64_t seq)
{
    int lo = 0, hi = ts->n_shards;
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if ((int64_t)ts->shards[mid].sh.first_seq <= seq)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int traceset_group_of(const TraceSet *ts, int64_t seq)
{
    return seq < 0 || seq >= ts->n_seqs ? 0 : shard_of(ts, seq) / ts->per_group;
}

int traceset_seq(const TraceSet *ts, int64_t seq, TraceSeqView *v, Err *e)
{
    if (seq < 0 || seq >= ts->n_seqs)
        return err_set(e, ERR_USAGE, "%s: sequence %lld out of range [0, %lld)", ts->dir,
                       (long long)seq, (long long)ts->n_seqs);
    const ShardRef *s = &ts->shards[shard_of(ts, seq)];
    if (!s->map)
        return err_set(e, ERR_USAGE, "%s: sequence %lld is not in the resident group", ts->dir,
                       (long long)seq);
    int rc = traceset_check_mapped(ts, e); /* the reads of the sequences before */
    if (rc)
        return rc;
    const TraceHeader *h = &ts->h;
    uint64_t tok = ts->seq_start[seq];
    uint64_t row = tok * (uint64_t)h->L;
    size_t elt = h->dtype == DTYPE_F16 ? 2 : 4;
    v->T = ts->seq_len[seq];
    v->tokens = (const int32_t *)(const void *)(s->map + s->sh.tokens_off) + tok;
    v->experts = (const uint16_t *)(const void *)(s->map + s->sh.experts_off) + row * (uint64_t)h->K;
    v->weights = h->has_weights
                     ? (const float *)(const void *)(s->map + s->sh.weights_off) + row * (uint64_t)h->K
                     : NULL;
    v->hidden = h->D > 0 ? s->map + s->sh.hidden_off + row * (uint64_t)h->D * elt : NULL;
    return 0;
}

const TraceHeader *traceset_header(const TraceSet *ts) { return &ts->h; }
const char *traceset_path(const TraceSet *ts) { return ts->dir; }
int64_t traceset_n_seqs(const TraceSet *ts) { return ts->n_seqs; }
int64_t traceset_n_tokens(const TraceSet *ts) { return ts->n_tokens; }
int traceset_n_shards(const TraceSet *ts) { return ts->n_shards; }
int traceset_n_groups(const TraceSet *ts) { return ts->n_groups; }
uint64_t traceset_bytes(const TraceSet *ts) { return ts->bytes; }
uint64_t traceset_fingerprint(const TraceSet *ts) { return ts->fingerprint; }

int traceset_seq_len(const TraceSet *ts, int64_t seq)
{
    return seq >= 0 && seq < ts->n_seqs ? ts->seq_len[seq] : 0;
}

void traceset_group_range(const TraceSet *ts, int group, int64_t *first, int64_t *count)
{
    *first = *count = 0;
    if (group < 0 || group >= ts->n_groups)
        return;
    int a = group * ts->per_group;
    int b = a + ts->per_group < ts->n_shards ? a + ts->per_group : ts->n_shards;
    *first = (int64_t)ts->shards[a].sh.first_seq;
    *count = (int64_t)(ts->shards[b - 1].sh.first_seq + ts->shards[b - 1].sh.n_seqs) - *first;
}

int traceset_has_router(const TraceSet *ts) { return ts->has_router; }
uint64_t traceset_expert_bytes(const TraceSet *ts) { return ts->expert_bytes; }

int traceset_load_router(const TraceSet *ts, Router *out, Err *e)
{
    memset(out, 0, sizeof *out);
    char *path = join_path(ts->dir, ROUTER_FILE_NAME), *mpath = join_path(ts->dir, MANIFEST_NAME);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = 0;
    if (!path || !mpath)
        rc = err_set(e, ERR_RUNTIME, "%s: out of memory", ts->dir);
    else if (!ts->has_router)
        rc = err_set(e, ERR_INPUT, "%s: the manifest lists no router matrices", mpath);
    if (!rc)
        rc = router_file_read(path, &buf, &len, e);
    if (!rc && (uint64_t)len != ts->router_bytes)
        rc = err_set(e, ERR_INPUT, "%s: %zu bytes, the manifest (%s:%d) says %llu", path, len,
                     mpath, ts->router_line, (unsigned long long)ts->router_bytes);
    uint64_t sum = rc ? 0 : tracehash(buf, len);
    if (!rc && sum != ts->router_checksum)
        rc = err_set(e, ERR_INPUT, "%s: checksum mismatch: %016llx, the manifest (%s:%d) says "
                     "%016llx", path, (unsigned long long)sum, mpath, ts->router_line,
                     (unsigned long long)ts->router_checksum);
    if (!rc && ts->h.D < 1)
        rc = err_set(e, ERR_INPUT, "%s: router matrices in a routing-only set (D = 0)", path);
    if (!rc)
        rc = router_parse(buf, len, path, ts->h.L, ts->h.E, ts->h.D, out, e);
    free(buf);
    free(path);
    free(mpath);
    return rc;
}
