/*
 * routestats.c: accumulating the per-layer routing statistics of
 * routestats.h. Counts are exact: first-choice counts per layer, transition
 * counts between consecutive layers (dense E x E), repeats between
 * consecutive tokens, and an open-addressing table of
 * (layer, token id, first choice) counts for token_share.
 *
 * Not here: reading shards (traceset_*.c), printing (ui/cmd_info.c).
 */
#include "data/routestats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KEY_EMPTY UINT64_MAX

typedef struct TokenCount {
    uint64_t key; /* layer << 48 | token << 16 | expert; KEY_EMPTY if free */
    int64_t n;
} TokenCount;

struct RouteStats {
    int E, K, L;
    int64_t tokens;       /* samples per layer */
    int64_t pairs;        /* consecutive token pairs */
    int64_t with_id;      /* tokens with a known id */
    int64_t *first;       /* [L][E] first-choice counts */
    int64_t *repeats;     /* [L] consecutive pairs with the same first choice */
    int64_t *same;        /* [L] tokens whose first choice at l+1 equals that at l */
    uint32_t *trans;      /* [L-1][E][E] first choice at l -> at l+1 */
    TokenCount *table;    /* [cap] */
    size_t cap, used;
};

int routestats_new(int E, int K, int L, RouteStats **out, Err *e)
{
    *out = NULL;
    if (E < 1 || E > 65536 || K < 1 || K > E || L < 1 || L > 65535)
        return err_set(e, ERR_INPUT, "routestats: bad shape E=%d K=%d L=%d", E, K, L);
    RouteStats *rs = calloc(1, sizeof *rs);
    if (!rs)
        return err_sys(e, ERR_RUNTIME, ENOMEM, "routestats");
    rs->E = E;
    rs->K = K;
    rs->L = L;
    rs->first = calloc((size_t)L * E, sizeof *rs->first);
    rs->repeats = calloc((size_t)L, sizeof *rs->repeats);
    rs->same = calloc((size_t)L, sizeof *rs->same);
    rs->trans = calloc((size_t)(L > 1 ? L - 1 : 1) * E * E, sizeof *rs->trans);
    rs->cap = 1024;
    rs->table = malloc(sizeof *rs->table * rs->cap);
    if (!rs->first || !rs->repeats || !rs->same || !rs->trans || !rs->table) {
        routestats_free(rs);
        return err_sys(e, ERR_RUNTIME, ENOMEM, "routestats: %d x %d x %d counts", L, E, E);
    }
    for (size_t i = 0; i < rs->cap; i++)
        rs->table[i].key = KEY_EMPTY;
    *out = rs;
    return 0;
}

void routestats_free(RouteStats *rs)
{
    if (!rs)
        return;
    free(rs->first);
    free(rs->repeats);
    free(rs->same);
    free(rs->trans);
    free(rs->table);
    free(rs);
}

static size_t table_slot(const TokenCount *t, size_t cap, uint64_t key)
{
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
    while (t[i].key != KEY_EMPTY && t[i].key != key)
        i = (i + 1) & (cap - 1);
    return i;
}

static int table_grow(RouteStats *rs, Err *e)
{
    size_t cap = rs->cap * 2;
    TokenCount *t = malloc(sizeof *t * cap);
    if (!t)
        return err_sys(e, ERR_RUNTIME, ENOMEM, "routestats: token table of %zu entries", cap);
    for (size_t i = 0; i < cap; i++)
        t[i].key = KEY_EMPTY;
    for (size_t i = 0; i < rs->cap; i++)
        if (rs->table[i].key != KEY_EMPTY)
            t[table_slot(t, cap, rs->table[i].key)] = rs->table[i];
    free(rs->table);
    rs->table = t;
    rs->cap = cap;
    return 0;
}

static int table_add(RouteStats *rs, int layer, int32_t token, int expert, Err *e)
{
    if (2 * (rs->used + 1) > rs->cap) {
        int rc = table_grow(rs, e);
        if (rc)
            return rc;
    }
    uint64_t key = (uint64_t)layer << 48 | (uint64_t)(uint32_t)token << 16 | (uint64_t)expert;
    size_t i = table_slot(rs->table, rs->cap, key);
    if (rs->table[i].key == KEY_EMPTY) {
        rs->table[i].key = key;
        rs->table[i].n = 0;
        rs->used++;
    }
    rs->table[i].n++;
    return 0;
}

int routestats_add_seq(RouteStats *rs, int T, const int32_t *tokens, const uint16_t *experts,
                       Err *e)
{
    int E = rs->E, K = rs->K, L = rs->L;
    for (int t = 0; t < T; t++) {
        const uint16_t *row = experts + (size_t)t * L * K;
        for (int l = 0; l < L; l++) {
            int f = row[(size_t)l * K];
            if (f >= E)
                return err_set(e, ERR_INPUT, "routestats: token %d layer %d: expert %d >= E=%d",
                               t, l, f, E);
            rs->first[(size_t)l * E + f]++;
            if (t > 0 && experts[((size_t)(t - 1) * L + l) * K] == f)
                rs->repeats[l]++;
            if (l + 1 < L) {
                int g = row[(size_t)(l + 1) * K];
                if (g < E) { /* g >= E is reported at l + 1 */
                    rs->trans[((size_t)l * E + f) * E + g]++;
                    rs->same[l] += f == g;
                }
            }
            if (tokens && tokens[t] >= 0) {
                int rc = table_add(rs, l, tokens[t], f, e);
                if (rc)
                    return rc;
            }
        }
        rs->with_id += tokens && tokens[t] >= 0;
    }
    rs->tokens += T;
    rs->pairs += T > 1 ? T - 1 : 0;
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    uint64_t x = ((const TokenCount *)a)->key, y = ((const TokenCount *)b)->key;
    return (x > y) - (x < y);
}

/* token_share of every layer: sorted by key, each (layer, token) run is
 * one token id's first choices at that layer; its largest count is the
 * number of samples that match the mode. */
static int stats_token_share(const RouteStats *rs, LayerStats *out, Err *e)
{
    for (int l = 0; l < rs->L; l++)
        out[l].token_share = (double)NAN;
    if (rs->with_id == 0)
        return 0;
    TokenCount *v = malloc(sizeof *v * rs->used);
    int64_t *match = calloc((size_t)rs->L, sizeof *match);
    if (!v || !match) {
        free(v);
        free(match);
        return err_sys(e, ERR_RUNTIME, ENOMEM, "routestats: sorting %zu token counts", rs->used);
    }
    size_t n = 0;
    for (size_t i = 0; i < rs->cap; i++)
        if (rs->table[i].key != KEY_EMPTY)
            v[n++] = rs->table[i];
    qsort(v, n, sizeof *v, key_cmp);
    for (size_t i = 0; i < n;) {
        uint64_t group = v[i].key >> 16;
        int64_t best = 0;
        for (; i < n && v[i].key >> 16 == group; i++)
            best = v[i].n > best ? v[i].n : best;
        match[group >> 32] += best;
    }
    for (int l = 0; l < rs->L; l++)
        out[l].token_share = (double)match[l] / (double)rs->with_id;
    free(match);
    free(v);
    return 0;
}

int routestats_result(const RouteStats *rs, LayerStats *out, Err *e)
{
    int E = rs->E, L = rs->L;
    double N = (double)rs->tokens;
    for (int l = 0; l < L; l++) {
        const int64_t *c = rs->first + (size_t)l * E;
        int64_t mx = 0;
        double sq = 0.0;
        for (int i = 0; i < E; i++) {
            mx = c[i] > mx ? c[i] : mx;
            sq += ((double)c[i] / N) * ((double)c[i] / N);
        }
        LayerStats *s = &out[l];
        s->skew = rs->tokens ? (double)mx / N * E : (double)NAN;
        s->repeat_ratio = rs->pairs ? (double)rs->repeats[l] / (double)rs->pairs / sq : (double)NAN;
        s->affinity = s->same_id = (double)NAN;
        if (l + 1 < L && rs->tokens) {
            int64_t sum = 0;
            for (int i = 0; i < E; i++) {
                const uint32_t *row = rs->trans + ((size_t)l * E + i) * E;
                uint32_t best = 0;
                for (int j = 0; j < E; j++)
                    best = row[j] > best ? row[j] : best;
                sum += best;
            }
            s->affinity = (double)sum / N;
            s->same_id = (double)rs->same[l] / N;
        }
    }
    return stats_token_share(rs, out, e);
}

int routestats_compute(TraceSet *ts, LayerStats *out, Err *e)
{
    const TraceHeader *h = traceset_header(ts);
    RouteStats *rs = NULL;
    int rc = routestats_new(h->E, h->K, h->L, &rs, e);
    if (rc)
        return rc;
    for (int g = 0; g < traceset_n_groups(ts) && !rc; g++) {
        int64_t first = 0, count = 0;
        rc = traceset_load_group(ts, g, e);
        traceset_group_range(ts, g, &first, &count);
        for (int64_t i = first; i < first + count && !rc; i++) {
            TraceSeqView v;
            rc = traceset_seq(ts, i, &v, e);
            if (!rc)
                rc = routestats_add_seq(rs, v.T, v.tokens, v.experts, e);
        }
        if (!rc)
            rc = traceset_check_mapped(ts, e);
    }
    if (!rc)
        rc = routestats_result(rs, out, e);
    routestats_free(rs);
    return rc;
}
