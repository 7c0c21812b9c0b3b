/*
 * test_synth.c: the synthetic MoE (SPEC 4.3): the statistics ranges on the
 * demo and qwen1.5-moe-a2.7b profiles at their default sizes, determinism,
 * gate order, the profiles (.conf files equal to the built-in table, parse
 * errors), and a round trip through the trace writer and reader.
 */
#include "test_util.h"

#include <dirent.h>
#include <unistd.h>

#include "data/profile.h"
#include "data/routestats.h"
#include "data/synth.h"

/* Removes DIR and the files in it (a trace set has no subdirectories). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4600];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
    snprintf(path, sizeof path, "%s", dir);
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(path); /* the test_tmpdir around it */
    }
}

/* Routing statistics of cfg's set, generated in memory (no hidden states:
 * the routing is the same). out[cfg->layers]. */
static void synth_stats(const SynthConfig *cfg, uint64_t seed, LayerStats *out)
{
    Err e;
    SynthModel *m = NULL;
    SynthSeq s;
    RouteStats *rs = NULL;
    assert_int_equal(synth_model_create(cfg, seed, &m, &e), 0);
    assert_int_equal(synth_seq_alloc(m, 0, &s, &e), 0);
    assert_int_equal(routestats_new(cfg->experts, cfg->top_k, cfg->layers, &rs, &e), 0);
    for (int i = 0; i < cfg->seqs; i++) {
        synth_generate_seq(m, i, &s);
        assert_int_equal(routestats_add_seq(rs, s.T, s.tokens, s.experts, &e), 0);
    }
    assert_int_equal(routestats_result(rs, out, &e), 0);
    routestats_free(rs);
    synth_seq_free(&s);
    synth_model_free(m);
}

static double layer_mean(const LayerStats *s, int from, int to, int skew)
{
    double sum = 0.0;
    for (int l = from; l < to; l++)
        sum += skew ? s[l].skew : s[l].repeat_ratio;
    return sum / (to - from);
}

/* SPEC 4.3's ranges. The middle third is layers [L/3, 2L/3), the first and
 * last quarter [0, L/4) and [L - L/4, L); affinity and same_id hold for
 * every pair of consecutive layers, skew <= 2.5 for every middle layer. */
static void assert_spec_ranges(const char *profile, int seqs)
{
    SynthConfig cfg;
    Err e;
    assert_int_equal(profile_lookup(profile, &cfg, &e), 0);
    if (seqs)
        cfg.seqs = seqs;
    int L = cfg.layers, E = cfg.experts, q = L / 4;
    LayerStats *s = calloc((size_t)L, sizeof *s);
    assert_non_null(s);
    synth_stats(&cfg, 1, s);
    double rr_mid = layer_mean(s, L / 3, 2 * L / 3, 0);
    double skew_ends = (layer_mean(s, 0, q, 1) + layer_mean(s, L - q, L, 1)) / 2;
    print_message("%s (%d x %d): token_share0 %.3f rr0 %.3f rr_mid %.3f skew_ends %.3f\n", profile,
                  cfg.seqs, cfg.seq_len, s[0].token_share, s[0].repeat_ratio, rr_mid, skew_ends);
    assert_true(s[0].token_share >= 0.3);
    assert_true(s[0].repeat_ratio >= 0.8 && s[0].repeat_ratio <= 1.5);
    assert_true(rr_mid >= 1.5 && rr_mid <= 3.0);
    assert_true(skew_ends >= 1.5 && skew_ends <= 3.5);
    for (int l = L / 3; l < 2 * L / 3; l++)
        assert_true(s[l].skew <= 2.5);
    for (int l = 0; l + 1 < L; l++) {
        if (!(s[l].affinity >= 3.0 / E) || !(s[l].same_id <= 2.0 / E))
            fail_msg("layer %d: affinity %.4f (>= %.4f), same_id %.4f (<= %.4f)", l,
                     s[l].affinity, 3.0 / E, s[l].same_id, 2.0 / E);
    }
    assert_true(isnan(s[L - 1].affinity) && isnan(s[L - 1].same_id));
    free(s);
}

/* Ensure that the demo profile meets every range of SPEC 4.3. */
static void test_demo_meets_spec(void **state)
{
    (void)state;
    assert_spec_ranges("demo", 0);
}

/* Ensure that the qwen1.5-moe-a2.7b profile meets every range of SPEC 4.3. */
static void test_qwen_meets_spec(void **state)
{
    (void)state;
    assert_spec_ranges("qwen1.5-moe-a2.7b", 0);
}

/* Ensure that the other profiles (E=8 K=2, E=64 K=8, E=64 K=6) meet the same
 * ranges, at 64 sequences (their defaults are a few sequences of big D). */
static void test_other_profiles_meet_spec(void **state)
{
    (void)state;
    assert_spec_ranges("mixtral-8x7b", 64);
    assert_spec_ranges("olmoe-1b-7b", 64);
    assert_spec_ranges("deepseek-v2-lite", 64);
}

static SynthConfig small_config(int E, int K, int D)
{
    SynthConfig cfg;
    Err e;
    assert_int_equal(profile_lookup("demo", &cfg, &e), 0);
    cfg.experts = E;
    cfg.top_k = K;
    cfg.layers = 5;
    cfg.dim = D;
    cfg.seqs = 3;
    cfg.seq_len = 40;
    return cfg;
}

/* Generates sequence idx of cfg (with hidden states) into s. */
static void gen_one(const SynthConfig *cfg, uint64_t seed, int idx, SynthModel **m, SynthSeq *s)
{
    Err e;
    assert_int_equal(synth_model_create(cfg, seed, m, &e), 0);
    assert_int_equal(synth_seq_alloc(*m, 1, s, &e), 0);
    synth_generate_seq(*m, idx, s);
}

/* Ensure that a seed gives bit-identical sequences and another seed does not. */
static void test_deterministic(void **state)
{
    (void)state;
    SynthConfig cfg = small_config(12, 3, 40);
    SynthModel *m[3];
    SynthSeq s[3];
    gen_one(&cfg, 7, 2, &m[0], &s[0]);
    gen_one(&cfg, 7, 2, &m[1], &s[1]);
    gen_one(&cfg, 8, 2, &m[2], &s[2]);
    size_t n = (size_t)cfg.seq_len * cfg.layers;
    assert_memory_equal(s[0].tokens, s[1].tokens, sizeof(int32_t) * (size_t)cfg.seq_len);
    assert_memory_equal(s[0].experts, s[1].experts, sizeof(uint16_t) * n * cfg.top_k);
    assert_memory_equal(s[0].weights, s[1].weights, sizeof(float) * n * cfg.top_k);
    assert_memory_equal(s[0].hidden, s[1].hidden, sizeof(float) * n * cfg.dim);
    assert_memory_not_equal(s[0].experts, s[2].experts, sizeof(uint16_t) * n * cfg.top_k);
    for (int i = 0; i < 3; i++) {
        synth_seq_free(&s[i]);
        synth_model_free(m[i]);
    }
}

/* Ensure that the routing does not depend on D once D >= latent, so a small-D
 * set has the routing of its large-D profile. */
static void test_routing_independent_of_dim(void **state)
{
    (void)state;
    SynthConfig a = small_config(60, 4, 32), b = small_config(60, 4, 300);
    SynthModel *ma, *mb;
    SynthSeq sa, sb;
    gen_one(&a, 3, 1, &ma, &sa);
    gen_one(&b, 3, 1, &mb, &sb);
    size_t n = (size_t)a.seq_len * a.layers * a.top_k;
    assert_memory_equal(sa.experts, sb.experts, sizeof(uint16_t) * n);
    assert_memory_equal(sa.weights, sb.weights, sizeof(float) * n);
    synth_seq_free(&sa);
    synth_seq_free(&sb);
    synth_model_free(ma);
    synth_model_free(mb);
}

/* Ensure that each token's K experts are distinct, in gate order, with
 * weights that sum to 1, and hidden states finite, for E=8 K=2 and E=64 K=6. */
static void test_gate_order(void **state)
{
    (void)state;
    const int shapes[2][2] = {{8, 2}, {64, 6}};
    for (int c = 0; c < 2; c++) {
        SynthConfig cfg = small_config(shapes[c][0], shapes[c][1], 48);
        SynthModel *m;
        SynthSeq s;
        gen_one(&cfg, 1, 0, &m, &s);
        int K = cfg.top_k;
        for (int i = 0; i < cfg.seq_len * cfg.layers; i++) {
            const uint16_t *id = s.experts + (size_t)i * K;
            const float *w = s.weights + (size_t)i * K;
            double sum = 0.0;
            for (int j = 0; j < K; j++) {
                assert_true(id[j] < cfg.experts);
                for (int k = 0; k < j; k++)
                    assert_true(id[k] != id[j]);
                assert_true(j == 0 || w[j] <= w[j - 1]);
                sum += (double)w[j];
            }
            assert_true(fabs(sum - 1.0) < 1e-5);
        }
        for (size_t i = 0; i < (size_t)cfg.seq_len * cfg.layers * cfg.dim; i++)
            assert_true(isfinite(s.hidden[i]));
        synth_seq_free(&s);
        synth_model_free(m);
    }
}

#define SAME_FIELD(f) assert_true(a->f == b->f)
static void assert_same_config(const SynthConfig *a, const SynthConfig *b)
{
    assert_string_equal(a->name, b->name);
    SAME_FIELD(experts); SAME_FIELD(top_k); SAME_FIELD(layers); SAME_FIELD(dim);
    SAME_FIELD(seqs); SAME_FIELD(seq_len); SAME_FIELD(dtype); SAME_FIELD(shard_mb);
    SAME_FIELD(latent); SAME_FIELD(vocab); SAME_FIELD(zipf_s); SAME_FIELD(zipf_q);
    SAME_FIELD(topic_phi); SAME_FIELD(ctx_decay); SAME_FIELD(topic_edge);
    SAME_FIELD(topic_mid); SAME_FIELD(ctx_edge); SAME_FIELD(ctx_mid); SAME_FIELD(noise0);
    SAME_FIELD(step_noise); SAME_FIELD(router_corr); SAME_FIELD(skew_edge);
    SAME_FIELD(skew_mid); SAME_FIELD(gate_scale); SAME_FIELD(nuisance);
    SAME_FIELD(expert_mb);
}

/* Ensure that every data/profiles/NAME.conf parses to its built-in profile. */
static void test_conf_files_match_builtin(void **state)
{
    (void)state;
    const char *srcdir = getenv("srcdir");
    assert_true(profile_count() == 5);
    for (int i = 0; i < profile_count(); i++) {
        const SynthConfig *b = profile_builtin(i);
        char path[4096];
        snprintf(path, sizeof path, "%s/data/profiles/%s.conf", srcdir ? srcdir : ".", b->name);
        SynthConfig c;
        Err e;
        int rc = profile_parse_file(path, &c, &e);
        if (rc)
            fail_msg("%s", e.msg);
        assert_same_config(&c, b);
        assert_int_equal(profile_check(b, &e), 0);
    }
}

/* Ensure that bad profile text is an input error naming file, line and key. */
static void test_conf_errors(void **state)
{
    (void)state;
    char good[4096], bad[4200];
    int n = snprintf(good, sizeof good, "name = x\nexperts = 6\ntop_k = 2\nlayers = 3\n"
                                        "dim = 8\nseqs = 2\nseq_len = 4\ndtype = f32\n"
                                        "shard_mb = 1\nlatent = 4\nvocab = 10\n");
    const char *dbl[] = {"zipf_s", "zipf_q", "topic_phi", "ctx_decay", "topic_edge",
                         "topic_mid", "ctx_edge", "ctx_mid", "noise0", "step_noise",
                         "router_corr", "skew_edge", "skew_mid", "gate_scale", "nuisance"};
    for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
        n += snprintf(good + n, sizeof good - (size_t)n, "%s = %s\n", dbl[i],
                      i == 11 || i == 12 ? "2" : "0.5");
    SynthConfig c;
    Err e;
    int rc = profile_parse(good, "g.conf", &c, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_int_equal(c.experts, 6);
    assert_true(c.dtype == DTYPE_F32);
    struct { const char *extra, *want; } cases[] = {
        {"colour = red\n", "g.conf:27: unknown key 'colour'"},
        {"experts = 7\n", "g.conf:27: experts: given twice"},
        {"nonsense\n", "g.conf:27: expected 'key = value'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(bad, sizeof bad, "%s%s", good, cases[i].extra);
        assert_int_equal(profile_parse(bad, "g.conf", &c, &e), ERR_INPUT);
        if (!strstr(e.msg, cases[i].want))
            fail_msg("got '%s', want '%s'", e.msg, cases[i].want);
    }
    /* a bad value, and a missing key */
    char *p = strstr(good, "top_k = 2");
    memcpy(bad, good, sizeof good);
    memcpy(bad + (p - good), "top_k = x", 9);
    assert_int_equal(profile_parse(bad, "g.conf", &c, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "g.conf:3: top_k: 'x' is not an integer"));
    memcpy(bad + (p - good), "#op_k = 2", 9);
    assert_int_equal(profile_parse(bad, "g.conf", &c, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "g.conf: missing key 'top_k'"));
    memcpy(bad + (p - good), "top_k = 9", 9);
    assert_int_equal(profile_parse(bad, "g.conf", &c, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, "top_k = 9 exceeds experts = 6"));
}

/* Ensure that K > E and an unknown profile are usage errors. */
static void test_config_checks(void **state)
{
    (void)state;
    SynthConfig cfg;
    Err e;
    assert_int_equal(profile_lookup("no-such", &cfg, &e), ERR_USAGE);
    assert_non_null(strstr(e.msg, "demo"));
    cfg = small_config(8, 9, 16);
    SynthModel *m = NULL;
    assert_int_equal(synth_model_create(&cfg, 1, &m, &e), ERR_USAGE);
    assert_null(m);
    assert_non_null(strstr(e.msg, "top_k"));
}

/* Ensure that a written set reads back with the same statistics as the
 * in-memory sequences, and the same first sequence. */
static void test_write_round_trip(void **state)
{
    (void)state;
    SynthConfig cfg = small_config(16, 2, 24);
    cfg.seqs = 7;
    Err e;
    char dir[4200]; /* test_tmpdir (4096) + "/set" */
    snprintf(dir, sizeof dir, "%s/set", test_tmpdir("synth"));
    int rc = synth_write(&cfg, 5, dir, NULL, NULL, &e);
    if (rc)
        fail_msg("%s", e.msg);
    TraceSet *ts = NULL;
    assert_int_equal(traceset_open(dir, 0, &ts, &e), 0);
    const TraceHeader *h = traceset_header(ts);
    assert_true(h->E == 16 && h->K == 2 && h->L == 5 && h->D == 24 && h->has_tokens);
    assert_true(h->point == HIDDEN_ROUTER_INPUT && h->dtype == DTYPE_F16);
    assert_int_equal(traceset_n_seqs(ts), 7);
    LayerStats got[5], want[5];
    assert_int_equal(routestats_compute(ts, got, &e), 0);
    synth_stats(&cfg, 5, want);
    double g[25], w[25];
    for (int l = 0; l < 5; l++) {
        const LayerStats *a = &got[l], *b = &want[l];
        double ga[5] = {a->skew, a->repeat_ratio, a->affinity, a->same_id, a->token_share};
        double wb[5] = {b->skew, b->repeat_ratio, b->affinity, b->same_id, b->token_share};
        for (int k = 0; k < 5; k++) { /* the last layer's NaNs must match: -1 for both */
            assert_true(isnan(ga[k]) == isnan(wb[k]));
            g[5 * l + k] = isnan(ga[k]) ? -1.0 : ga[k];
            w[5 * l + k] = isnan(wb[k]) ? -1.0 : wb[k];
        }
    }
    assert_close_d(g, w, 25, 0, 0); /* exact */
    SynthModel *m;
    SynthSeq s;
    gen_one(&cfg, 5, 0, &m, &s);
    assert_int_equal(traceset_load_group(ts, 0, &e), 0);
    TraceSeqView v;
    assert_int_equal(traceset_seq(ts, 0, &v, &e), 0);
    size_t n = (size_t)s.T * cfg.layers * cfg.top_k;
    assert_memory_equal(v.experts, s.experts, n * sizeof *s.experts);
    float hid[24];
    traceset_seq_hidden(h, &v, 3, 2, hid);
    assert_close(hid, s.hidden + (size_t)(3 * cfg.layers + 2) * 24, 24, 1e-2, 1e-3);
    traceset_close(ts);
    synth_seq_free(&s);
    synth_model_free(m);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_meets_spec),
        cmocka_unit_test(test_qwen_meets_spec),
        cmocka_unit_test(test_other_profiles_meet_spec),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_routing_independent_of_dim),
        cmocka_unit_test(test_gate_order),
        cmocka_unit_test(test_conf_files_match_builtin),
        cmocka_unit_test(test_conf_errors),
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_write_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
