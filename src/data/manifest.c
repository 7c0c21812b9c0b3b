/*
 * manifest.c: parsing and writing the trace-set manifest (see manifest.h),
 * and the names of hidden points and dtypes it uses. The parser is strict:
 * unknown or repeated keys, stray characters and numbers that do not add
 * up are errors naming the line, so a hand-edited manifest cannot silently
 * describe something other than its shards.
 */
#include "data/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static const char *const point_names[] = {"unknown", "router-input", "layer-input"};
static const char *const dtype_names[] = {"f32", "f16"};

const char *traceset_point_name(HiddenPoint p)
{
    return (unsigned)p <= HIDDEN_LAYER_INPUT ? point_names[p] : "?";
}

int traceset_point_parse(const char *s, HiddenPoint *out)
{
    for (int i = 0; i <= HIDDEN_LAYER_INPUT; i++)
        if (!strcmp(s, point_names[i])) {
            *out = (HiddenPoint)i;
            return 0;
        }
    return -1;
}

const char *traceset_dtype_name(HiddenDtype d)
{
    return (unsigned)d <= DTYPE_F16 ? dtype_names[d] : "?";
}

int traceset_dtype_parse(const char *s, HiddenDtype *out)
{
    for (int i = 0; i <= DTYPE_F16; i++)
        if (!strcmp(s, dtype_names[i])) {
            *out = (HiddenDtype)i;
            return 0;
        }
    return -1;
}

/* The keys, in the order they are written; each must appear once. */
enum { KEY_E, KEY_K, KEY_L, KEY_D, KEY_POINT, KEY_DTYPE, KEY_WEIGHTS, KEY_TOKEN_IDS,
       KEY_SEQUENCES, KEY_TOKENS, KEY_SHARDS, N_KEYS };
static const char *const key_names[N_KEYS] = {"E", "K", "L", "D", "hidden_point", "dtype",
                                              "weights", "token_ids", "sequences", "tokens",
                                              "shards"};

typedef struct ParseState {
    const char *name;
    int line;
    int seen[N_KEYS];          /* line where each key was set, 0 = not yet */
    uint64_t value[N_KEYS];
    int cap;
    int version;               /* from line 1 */
    int seen_expert_bytes;     /* line, 0 = not yet */
    Manifest *m;
} ParseState;

/* Strict unsigned decimal: digits only, at most max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_hex64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (strlen(s) != 16)
        return -1;
    for (; *s; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

static int shard_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MANIFEST_SHARD_NAME_MAX || s[0] == '.')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* "shard = NAME SEQS TOKENS BYTES CHECKSUM" */
static int parse_shard(ParseState *ps, char *val, Err *e)
{
    char *f[6], *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
        if (n < 6)
            f[n++] = tok;
        else
            n = 6;
    if (n != 5)
        return err_set(e, ERR_INPUT, "%s:%d: a shard line needs NAME SEQUENCES TOKENS BYTES "
                       "CHECKSUM", ps->name, ps->line);
    Manifest *m = ps->m;
    if (m->n_shards == ps->cap) {
        int cap = ps->cap ? 2 * ps->cap : 16;
        ManifestShard *s = realloc(m->shards, (size_t)cap * sizeof *s);
        if (!s)
            return err_set(e, ERR_RUNTIME, "%s:%d: out of memory", ps->name, ps->line);
        m->shards = s;
        ps->cap = cap;
    }
    ManifestShard *s = &m->shards[m->n_shards];
    if (!shard_name_ok(f[0]))
        return err_set(e, ERR_INPUT, "%s:%d: bad shard file name '%.80s'", ps->name, ps->line,
                       f[0]);
    for (int i = 0; i < m->n_shards; i++)
        if (!strcmp(m->shards[i].name, f[0]))
            return err_set(e, ERR_INPUT, "%s:%d: shard '%s' listed twice (line %d)", ps->name,
                           ps->line, f[0], m->shards[i].line);
    strcpy(s->name, f[0]);
    if (parse_u64(f[1], INT64_MAX, &s->n_seqs) || parse_u64(f[2], INT64_MAX, &s->n_tokens) ||
        parse_u64(f[3], INT64_MAX, &s->bytes) || s->n_seqs == 0 || s->n_tokens < s->n_seqs)
        return err_set(e, ERR_INPUT, "%s:%d: bad shard counts '%s %s %s' (sequences >= 1, "
                       "tokens >= sequences)", ps->name, ps->line, f[1], f[2], f[3]);
    if (parse_hex64(f[4], &s->checksum))
        return err_set(e, ERR_INPUT, "%s:%d: checksum '%.40s' is not 16 lowercase hex digits",
                       ps->name, ps->line, f[4]);
    s->line = ps->line;
    m->n_shards++;
    return 0;
}

/* "router = router.safetensors BYTES CHECKSUM" (version 2) */
static int parse_router(ParseState *ps, char *val, Err *e)
{
    char *f[4], *save = NULL;
    int n = 0;
    Manifest *m = ps->m;
    for (char *tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
        if (n < 4)
            f[n++] = tok;
        else
            n = 4;
    if (m->has_router)
        return err_set(e, ERR_INPUT, "%s:%d: router given twice (line %d)", ps->name, ps->line,
                       m->router_line);
    if (n != 3 || strcmp(f[0], "router.safetensors"))
        return err_set(e, ERR_INPUT, "%s:%d: a router line needs router.safetensors BYTES "
                       "CHECKSUM", ps->name, ps->line);
    if (parse_u64(f[1], INT64_MAX, &m->router_bytes) || m->router_bytes < 8)
        return err_set(e, ERR_INPUT, "%s:%d: bad router size '%.40s'", ps->name, ps->line, f[1]);
    if (parse_hex64(f[2], &m->router_checksum))
        return err_set(e, ERR_INPUT, "%s:%d: checksum '%.40s' is not 16 lowercase hex digits",
                       ps->name, ps->line, f[2]);
    m->has_router = 1;
    m->router_line = ps->line;
    return 0;
}

/* Version 2's optional lines; *handled = 0 for any other key. */
static int parse_optional(ParseState *ps, const char *key, char *val, int *handled, Err *e)
{
    *handled = ps->version >= 2 && (!strcmp(key, "router") || !strcmp(key, "expert_bytes"));
    if (!*handled)
        return 0;
    if (!strcmp(key, "router"))
        return parse_router(ps, val, e);
    if (ps->seen_expert_bytes)
        return err_set(e, ERR_INPUT, "%s:%d: expert_bytes given twice (line %d)", ps->name,
                       ps->line, ps->seen_expert_bytes);
    if (parse_u64(val, INT64_MAX, &ps->m->expert_bytes) || ps->m->expert_bytes == 0)
        return err_set(e, ERR_INPUT, "%s:%d: bad value '%.80s' for expert_bytes", ps->name,
                       ps->line, val);
    ps->seen_expert_bytes = ps->line;
    return 0;
}

static int parse_value(ParseState *ps, int key, const char *val, Err *e)
{
    static const uint64_t max[N_KEYS] = {65535, 65535, 65535, 1 << 24, 0, 0, 0, 0,
                                         INT64_MAX, INT64_MAX, 1 << 30};
    uint64_t v = 0;
    int ok;
    switch (key) {
    case KEY_POINT: {
        HiddenPoint p;
        ok = !traceset_point_parse(val, &p);
        v = (uint64_t)p;
        break;
    }
    case KEY_DTYPE: {
        HiddenDtype d;
        ok = !traceset_dtype_parse(val, &d);
        v = (uint64_t)d;
        break;
    }
    case KEY_WEIGHTS:
    case KEY_TOKEN_IDS:
        ok = !strcmp(val, "yes") || !strcmp(val, "no");
        v = !strcmp(val, "yes");
        break;
    default:
        ok = !parse_u64(val, max[key], &v);
    }
    if (!ok)
        return err_set(e, ERR_INPUT, "%s:%d: bad value '%.80s' for %s", ps->name, ps->line,
                       val, key_names[key]);
    ps->value[key] = v;
    ps->seen[key] = ps->line;
    return 0;
}

static int parse_line(ParseState *ps, char *line, Err *e)
{
    char *s = text_trim(line);
    if (ps->line == 1) {
        if (strncmp(s, MANIFEST_MAGIC " ", sizeof MANIFEST_MAGIC))
            return err_set(e, ERR_INPUT, "%s:1: bad magic: not a moespec trace-set manifest",
                           ps->name);
        const char *v = s + sizeof MANIFEST_MAGIC;
        if (strcmp(v, "1") && strcmp(v, "2"))
            return err_set(e, ERR_INPUT, "%s:1: manifest version '%.20s', this moespec reads "
                           "1 to %d", ps->name, v, MANIFEST_VERSION);
        ps->version = *v - '0';
        return 0;
    }
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return err_set(e, ERR_INPUT, "%s:%d: expected 'key = value'", ps->name, ps->line);
    *eq = '\0';
    char *key = text_trim(s), *val = text_trim(eq + 1);
    if (!strcmp(key, "shard"))
        return parse_shard(ps, val, e);
    int handled, rc = parse_optional(ps, key, val, &handled, e);
    if (handled)
        return rc;
    for (int k = 0; k < N_KEYS; k++) {
        if (strcmp(key, key_names[k]))
            continue;
        if (ps->seen[k])
            return err_set(e, ERR_INPUT, "%s:%d: %s given twice (line %d)", ps->name, ps->line,
                           key, ps->seen[k]);
        return parse_value(ps, k, val, e);
    }
    return err_set(e, ERR_INPUT, "%s:%d: unknown key '%.40s'", ps->name, ps->line, key);
}

/* The totals must match the shard lines and the shape must be possible. */
static int check_totals(ParseState *ps, Err *e)
{
    Manifest *m = ps->m;
    for (int k = 0; k < N_KEYS; k++)
        if (!ps->seen[k])
            return err_set(e, ERR_INPUT, "%s:%d: no '%s =' line", ps->name, ps->line,
                           key_names[k]);
    uint64_t *v = ps->value;
    m->h = (TraceHeader){(int)v[KEY_E], (int)v[KEY_K], (int)v[KEY_L], (int)v[KEY_D],
                         (HiddenPoint)v[KEY_POINT], (HiddenDtype)v[KEY_DTYPE],
                         (int)v[KEY_WEIGHTS], (int)v[KEY_TOKEN_IDS]};
    if (m->h.E < 1 || m->h.K < 1 || m->h.K > m->h.E || m->h.L < 1)
        return err_set(e, ERR_INPUT, "%s:%d: impossible shape E=%d K=%d L=%d", ps->name,
                       ps->seen[KEY_K], m->h.E, m->h.K, m->h.L);
    uint64_t seqs = 0, toks = 0;
    for (int i = 0; i < m->n_shards; i++) {
        const ManifestShard *s = &m->shards[i];
        if (s->n_seqs > INT64_MAX - seqs || s->n_tokens > INT64_MAX - toks)
            return err_set(e, ERR_INPUT, "%s:%d: totals overflow", ps->name, s->line);
        seqs += s->n_seqs;
        toks += s->n_tokens;
    }
    if ((uint64_t)m->n_shards != v[KEY_SHARDS] || m->n_shards == 0)
        return err_set(e, ERR_INPUT, "%s:%d: shards = %llu but %d shard lines", ps->name,
                       ps->seen[KEY_SHARDS], (unsigned long long)v[KEY_SHARDS], m->n_shards);
    if (seqs != v[KEY_SEQUENCES])
        return err_set(e, ERR_INPUT, "%s:%d: sequences = %llu but the shards hold %llu",
                       ps->name, ps->seen[KEY_SEQUENCES], (unsigned long long)v[KEY_SEQUENCES],
                       (unsigned long long)seqs);
    if (toks != v[KEY_TOKENS])
        return err_set(e, ERR_INPUT, "%s:%d: tokens = %llu but the shards hold %llu", ps->name,
                       ps->seen[KEY_TOKENS], (unsigned long long)v[KEY_TOKENS],
                       (unsigned long long)toks);
    m->n_seqs = seqs;
    m->n_tokens = toks;
    return 0;
}

int manifest_parse(const char *text, size_t len, const char *name, Manifest *m, Err *e)
{
    memset(m, 0, sizeof *m);
    ParseState ps = {.name = name, .m = m};
    char buf[512];
    int rc = 0;
    size_t pos = 0;
    if (len == 0)
        rc = err_set(e, ERR_INPUT, "%s:1: empty manifest", name);
    while (!rc && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        ps.line++;
        if (n >= sizeof buf)
            rc = err_set(e, ERR_INPUT, "%s:%d: line longer than %zu bytes", name, ps.line,
                         sizeof buf - 1);
        else if (memchr(text + pos, '\0', n))
            rc = err_set(e, ERR_INPUT, "%s:%d: NUL byte in a text line", name, ps.line);
        else {
            memcpy(buf, text + pos, n);
            buf[n] = '\0';
            rc = parse_line(&ps, buf, e);
        }
        pos += n + 1;
    }
    if (!rc)
        rc = check_totals(&ps, e);
    if (rc)
        manifest_free(m);
    return rc;
}

int manifest_write(FILE *f, const Manifest *m)
{
    const TraceHeader *h = &m->h;
    int v2 = m->has_router || m->expert_bytes;
    fprintf(f, "%s %d\n", MANIFEST_MAGIC, v2 ? 2 : 1);
    fprintf(f, "E = %d\nK = %d\nL = %d\nD = %d\n", h->E, h->K, h->L, h->D);
    fprintf(f, "hidden_point = %s\ndtype = %s\n", traceset_point_name(h->point),
            traceset_dtype_name(h->dtype));
    fprintf(f, "weights = %s\ntoken_ids = %s\n", h->has_weights ? "yes" : "no",
            h->has_tokens ? "yes" : "no");
    fprintf(f, "sequences = %llu\ntokens = %llu\nshards = %d\n",
            (unsigned long long)m->n_seqs, (unsigned long long)m->n_tokens, m->n_shards);
    if (m->expert_bytes)
        fprintf(f, "expert_bytes = %llu\n", (unsigned long long)m->expert_bytes);
    if (m->has_router)
        fprintf(f, "router = router.safetensors %llu %016llx\n",
                (unsigned long long)m->router_bytes, (unsigned long long)m->router_checksum);
    fprintf(f, "# shard = FILE SEQUENCES TOKENS BYTES CHECKSUM\n");
    for (int i = 0; i < m->n_shards; i++) {
        const ManifestShard *s = &m->shards[i];
        fprintf(f, "shard = %s %llu %llu %llu %016llx\n", s->name,
                (unsigned long long)s->n_seqs, (unsigned long long)s->n_tokens,
                (unsigned long long)s->bytes, (unsigned long long)s->checksum);
    }
    return ferror(f) ? -1 : 0;
}

void manifest_free(Manifest *m)
{
    free(m->shards);
    m->shards = NULL;
    m->n_shards = 0;
}
