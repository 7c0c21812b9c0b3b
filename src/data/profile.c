/*
 * profile.c: the built-in synthetic-MoE profiles and the `key = value`
 * parser of the data/profiles/NAME.conf files (see profile.h).
 *
 * One key table drives parsing, checking and the test that compares each
 * shipped .conf with the built-in entry. Not here: the generator.
 */
#include "data/profile.h"


#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file_read.h"
#include "util/text.h"

/* The generator knobs of the built-in profiles (tuned so that every one
 * meets SPEC 4.3's ranges; see tests/test_synth.c). With few experts (E=8)
 * chance alone repeats a first choice often (sum p^2 ~ 1/8) and the
 * affinity bar 3/E is high, so the context weights and the router
 * correlation must be larger: the three knobs that differ are arguments. */
#define SYNTH_KNOBS(topic_mid_, ctx_mid_, router_corr_)                                     \
    .latent = 32, .vocab = 8192, .zipf_s = 1.0, .zipf_q = 4.0, .topic_phi = 0.95,           \
    .ctx_decay = 0.7, .topic_edge = 0.1, .topic_mid = topic_mid_, .ctx_edge = 0.05,         \
    .ctx_mid = ctx_mid_, .noise0 = 0.3, .step_noise = 0.25, .router_corr = router_corr_,    \
    .skew_edge = 2.6, .skew_mid = 1.8, .gate_scale = 1.5, .nuisance = 1.0
#define KNOBS_MANY_EXPERTS SYNTH_KNOBS(0.35, 0.2, 0.7)
#define KNOBS_FEW_EXPERTS SYNTH_KNOBS(0.8, 0.4, 0.9)

/* expert_mb: gate, up and down projections in bf16, 3 x hidden x
 * intermediate x 2 bytes, from each model's config (Qwen1.5-MoE and
 * DeepSeek-V2-Lite 2048 x 1408, Mixtral 4096 x 14336, OLMoE 2048 x 1024;
 * demo is Qwen's shape). */
static const SynthConfig builtin[] = {
    {.name = "demo", .experts = 60, .top_k = 4, .layers = 24, .dim = 128, .seqs = 192,
     .seq_len = 128, .dtype = DTYPE_F16, .shard_mb = 64, KNOBS_MANY_EXPERTS,
     .expert_mb = 17.301504},
    {.name = "qwen1.5-moe-a2.7b", .experts = 60, .top_k = 4, .layers = 24, .dim = 2048,
     .seqs = 16, .seq_len = 256, .dtype = DTYPE_F16, .shard_mb = 256, KNOBS_MANY_EXPERTS,
     .expert_mb = 17.301504},
    {.name = "mixtral-8x7b", .experts = 8, .top_k = 2, .layers = 32, .dim = 4096, .seqs = 8,
     .seq_len = 256, .dtype = DTYPE_F16, .shard_mb = 256, KNOBS_FEW_EXPERTS,
     .expert_mb = 352.321536},
    {.name = "olmoe-1b-7b", .experts = 64, .top_k = 8, .layers = 16, .dim = 2048, .seqs = 16,
     .seq_len = 256, .dtype = DTYPE_F16, .shard_mb = 256, KNOBS_MANY_EXPERTS,
     .expert_mb = 12.582912},
    {.name = "deepseek-v2-lite", .experts = 64, .top_k = 6, .layers = 26, .dim = 2048,
     .seqs = 16, .seq_len = 256, .dtype = DTYPE_F16, .shard_mb = 256, KNOBS_MANY_EXPERTS,
     .expert_mb = 17.301504},
};
enum { N_BUILTIN = sizeof builtin / sizeof builtin[0] };

typedef enum { KEY_NAME, KEY_INT, KEY_DOUBLE, KEY_DTYPE } KeyType;

typedef struct ProfileKey {
    const char *key;
    KeyType type;
    size_t offset;
    double min, max; /* allowed range of numbers */
} ProfileKey;

#define INT_KEY(f, lo, hi) {#f, KEY_INT, offsetof(SynthConfig, f), lo, hi}
#define DBL_KEY(f, lo, hi) {#f, KEY_DOUBLE, offsetof(SynthConfig, f), lo, hi}

static const ProfileKey keys[] = {
    {"name", KEY_NAME, offsetof(SynthConfig, name), 0, 0},
    INT_KEY(experts, 2, 1024),
    INT_KEY(top_k, 1, 1024),
    INT_KEY(layers, 1, 1024),
    INT_KEY(dim, 0, 65536),
    INT_KEY(seqs, 1, 1e9),
    INT_KEY(seq_len, 1, 1 << 20),
    {"dtype", KEY_DTYPE, offsetof(SynthConfig, dtype), 0, 0},
    INT_KEY(shard_mb, 1, 1 << 20),
    INT_KEY(latent, 1, 1024),
    INT_KEY(vocab, 1, 1 << 24),
    DBL_KEY(zipf_s, 0, 10),
    DBL_KEY(zipf_q, 0, 1e6),
    DBL_KEY(topic_phi, 0, 0.9999),
    DBL_KEY(ctx_decay, 0, 0.9999),
    DBL_KEY(topic_edge, 0, 100),
    DBL_KEY(topic_mid, 0, 100),
    DBL_KEY(ctx_edge, 0, 100),
    DBL_KEY(ctx_mid, 0, 100),
    DBL_KEY(noise0, 0, 100),
    DBL_KEY(step_noise, 0, 100),
    DBL_KEY(router_corr, 0, 1),
    DBL_KEY(skew_edge, 1, 1024),
    DBL_KEY(skew_mid, 1, 1024),
    DBL_KEY(gate_scale, 1e-3, 100),
    DBL_KEY(nuisance, 0, 100),
    DBL_KEY(expert_mb, 0, 1e6), /* optional: the last key, see profile_parse */
};
enum { N_KEYS = sizeof keys / sizeof keys[0] };

int profile_count(void)
{
    return N_BUILTIN;
}

const SynthConfig *profile_builtin(int i)
{
    return i >= 0 && i < N_BUILTIN ? &builtin[i] : NULL;
}

int profile_lookup(const char *name, SynthConfig *cfg, Err *e)
{
    char list[512] = "";
    for (int i = 0; i < N_BUILTIN; i++) {
        if (!strcmp(name, builtin[i].name)) {
            *cfg = builtin[i];
            return 0;
        }
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, builtin[i].name, sizeof list - strlen(list) - 1);
    }
    return err_set(e, ERR_USAGE, "--profile: no profile '%s' (built-in: %s; or a FILE.conf)",
                   name, list);
}

static int check_number(const ProfileKey *k, const SynthConfig *cfg, Err *e)
{
    const char *base = (const char *)cfg + k->offset;
    double v = k->type == KEY_INT ? *(const int *)(const void *)base
                                   : *(const double *)(const void *)base;
    if (!(v >= k->min && v <= k->max))
        return err_set(e, ERR_USAGE, "profile %s: %s = %g is out of range [%g, %g]", cfg->name,
                       k->key, v, k->min, k->max);
    return 0;
}

int profile_check(const SynthConfig *cfg, Err *e)
{
    for (int i = 0; i < N_KEYS; i++)
        if (keys[i].type == KEY_INT || keys[i].type == KEY_DOUBLE) {
            int rc = check_number(&keys[i], cfg, e);
            if (rc)
                return rc;
        }
    if (cfg->top_k > cfg->experts)
        return err_set(e, ERR_USAGE, "profile %s: top_k = %d exceeds experts = %d", cfg->name,
                       cfg->top_k, cfg->experts);
    if (cfg->dtype != DTYPE_F16 && cfg->dtype != DTYPE_F32)
        return err_set(e, ERR_USAGE, "profile %s: bad dtype", cfg->name);
    return 0;
}

/* ---- parsing ---- */

static int parse_value(const ProfileKey *k, const char *val, SynthConfig *cfg, const char *path,
                       int line, Err *e)
{
    char *base = (char *)cfg + k->offset, *end = NULL;
    if (k->type == KEY_NAME) {
        size_t n = strlen(val);
        if (n == 0 || n >= PROFILE_NAME_MAX || strspn(val, "abcdefghijklmnopqrstuvwxyz"
                                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789._-") != n)
            return err_set(e, ERR_INPUT, "%s:%d: name: '%s' is not a profile name", path, line,
                           val);
        memcpy(base, val, n + 1);
        return 0;
    }
    if (k->type == KEY_DTYPE) {
        if (strcmp(val, "f16") && strcmp(val, "f32"))
            return err_set(e, ERR_INPUT, "%s:%d: dtype: '%s' is not f16 or f32", path, line, val);
        *(HiddenDtype *)(void *)base = val[1] == '1' ? DTYPE_F16 : DTYPE_F32;
        return 0;
    }
    errno = 0;
    double v = k->type == KEY_INT ? (double)strtol(val, &end, 10) : strtod(val, &end);
    if (errno || end == val || *end != '\0' || !isfinite(v))
        return err_set(e, ERR_INPUT, "%s:%d: %s: '%s' is not %s", path, line, k->key, val,
                       k->type == KEY_INT ? "an integer" : "a finite number");
    if (v < k->min || v > k->max)
        return err_set(e, ERR_INPUT, "%s:%d: %s: %s is out of range [%g, %g]", path, line,
                       k->key, val, k->min, k->max);
    if (k->type == KEY_INT)
        *(int *)(void *)base = (int)v;
    else
        *(double *)(void *)base = v;
    return 0;
}

static int parse_line(char *s, const char *path, int line, SynthConfig *cfg, int *seen, Err *e)
{
    char *hash = strchr(s, '#');
    if (hash)
        *hash = '\0';
    s = text_trim(s);
    if (!*s)
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return err_set(e, ERR_INPUT, "%s:%d: expected 'key = value'", path, line);
    *eq = '\0';
    char *key = text_trim(s), *val = text_trim(eq + 1);
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(key, keys[i].key)) {
            if (seen[i])
                return err_set(e, ERR_INPUT, "%s:%d: %s: given twice", path, line, key);
            seen[i] = line;
            return parse_value(&keys[i], val, cfg, path, line, e);
        }
    return err_set(e, ERR_INPUT, "%s:%d: unknown key '%s'", path, line, key);
}

int profile_parse(const char *text, const char *path, SynthConfig *cfg, Err *e)
{
    int seen[N_KEYS] = {0};
    memset(cfg, 0, sizeof *cfg);
    char buf[1024];
    int line = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (n >= sizeof buf)
            return err_set(e, ERR_INPUT, "%s:%d: line too long", path, line);
        memcpy(buf, p, n);
        buf[n] = '\0';
        int rc = parse_line(buf, path, line, cfg, seen, e);
        if (rc)
            return rc;
        p += n + (nl != NULL);
    }
    for (int i = 0; i < N_KEYS - 1; i++) /* expert_mb may be left out (0) */
        if (!seen[i])
            return err_set(e, ERR_INPUT, "%s: missing key '%s'", path, keys[i].key);
    if (cfg->top_k > cfg->experts)
        return err_set(e, ERR_INPUT, "%s:%d: top_k = %d exceeds experts = %d", path,
                       seen[2], cfg->top_k, cfg->experts);
    return 0;
}

int profile_parse_file(const char *path, SynthConfig *cfg, Err *e)
{
    unsigned char *text;
    size_t n;
    /* the one bounded reader: a FIFO or a device is refused, not waited on */
    int rc = file_read_all(path, 65536, &text, &n, e);
    if (rc)
        return rc;
    if (memchr(text, '\0', n))
        rc = err_set(e, ERR_INPUT, "%s:byte %zu: NUL byte", path,
                     (size_t)((unsigned char *)memchr(text, '\0', n) - text));
    else
        rc = profile_parse((char *)text, path, cfg, e);
    free(text);
    return rc;
}
