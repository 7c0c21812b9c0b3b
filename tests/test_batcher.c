/*
 * test_batcher.c: the batcher and the split: every sample once per epoch
 * across shard groups, orders that are a function of (seed, epoch), exact
 * resumption from a cursor, targets and previous-token targets under
 * lookahead, evaluation subsets, and the split by sequence.
 */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#include "data/batcher.h"
#include "data/split.h"

enum { E = 6, K = 2, L = 3, D = 4, SEQS = 10 };

static int seq_len(int s) { return 5 + s; }
static int expert_of(int s, int t, int l, int k) { return (s + 2 * t + 3 * l + k) % E; }

typedef struct Fixture {
    char dir[4200];
    TraceSet *ts;
} Fixture;

/* hidden = (seq, t, l, 0) so a batch row says which sample it is. */
static int setup(void **state)
{
    static Fixture f;
    snprintf(f.dir, sizeof f.dir, "%s/set", test_tmpdir("batcher"));
    TraceHeader h = {.E = E, .K = K, .L = L, .D = D, .point = HIDDEN_UNKNOWN,
                     .dtype = DTYPE_F32};
    TraceWriter *w = NULL;
    Err e;
    if (tracewriter_open(f.dir, &h, 600, &w, &e)) /* tiny shards: several groups */
        return -1;
    for (int s = 0; s < SEQS; s++) {
        int T = seq_len(s);
        uint16_t ex[20 * L * K];
        float hid[20 * L * D];
        for (int t = 0; t < T; t++)
            for (int l = 0; l < L; l++) {
                for (int k = 0; k < K; k++)
                    ex[(t * L + l) * K + k] = (uint16_t)expert_of(s, t, l, k);
                float *x = hid + (t * L + l) * D;
                x[0] = (float)s, x[1] = (float)t, x[2] = (float)l, x[3] = 0.0f;
            }
        TraceSeq q = {.T = T, .experts = ex, .hidden = hid};
        if (tracewriter_add_seq(w, &q, &e))
            return -1;
    }
    if (tracewriter_commit(w, &e) || traceset_open(f.dir, 2, &f.ts, &e)) {
        print_error("%s\n", e.msg);
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    traceset_close(f->ts);
    return 0;
}

static int sample_index(const SampleBatch *b, int r)
{
    const float *x = b->x + (size_t)r * D;
    return ((int)x[0] * 32 + (int)x[1]) * L + (int)x[2];
}

/* Ensure that an epoch serves each selected sample exactly once, spread over
 * several shard groups, and flags its last batch. */
static void test_epoch_covers_once(void **state)
{
    Fixture *f = *state;
    assert_true(traceset_n_groups(f->ts) > 1);
    uint8_t mask[SEQS];
    for (int s = 0; s < SEQS; s++)
        mask[s] = s != 3;
    Batcher *b;
    Err e;
    assert_int_equal(batcher_open(f->ts, mask, 0, 7, 1, 0, &b, &e), 0);
    int64_t want = 0;
    for (int s = 0; s < SEQS; s++)
        want += s != 3 ? seq_len(s) * L : 0;
    assert_int_equal(batcher_n_samples(b), want);
    SampleBatch sb;
    assert_int_equal(sample_batch_alloc(&sb, 7, D, K, 0, &e), 0);
    static int seen[SEQS * 32 * L];
    memset(seen, 0, sizeof seen);
    BatchCursor c = {0};
    int done = 0, steps = 0;
    while (!done) {
        assert_int_equal(batcher_next_train(b, 42, &c, &sb, &done, &e), 0);
        for (int r = 0; r < sb.n; r++)
            seen[sample_index(&sb, r)]++;
        steps++;
    }
    assert_int_equal(steps, batcher_steps_per_epoch(b));
    assert_int_equal(c.epoch, 1);
    for (int s = 0; s < SEQS; s++)
        for (int t = 0; t < seq_len(s); t++)
            for (int l = 0; l < L; l++)
                assert_int_equal(seen[(s * 32 + t) * L + l], s != 3);
    sample_batch_free(&sb);
    batcher_free(b);
}

/* Collects the sample indices of n training batches from cursor c. */
static void take(Batcher *b, uint64_t seed, BatchCursor *c, int n, int *out)
{
    SampleBatch sb;
    Err e;
    assert_int_equal(sample_batch_alloc(&sb, 5, D, K, 0, &e), 0);
    for (int i = 0; i < n; i++) {
        int done;
        assert_int_equal(batcher_next_train(b, seed, c, &sb, &done, &e), 0);
        for (int r = 0; r < 5; r++)
            out[i * 5 + r] = r < sb.n ? sample_index(&sb, r) : -1;
    }
    sample_batch_free(&sb);
}

/* Ensure that the order depends on seed and epoch only, and that a fresh
 * batcher continuing from a saved cursor serves the same batches. */
static void test_order_and_resume(void **state)
{
    Fixture *f = *state;
    Batcher *a, *b;
    Err e;
    assert_int_equal(batcher_open(f->ts, NULL, 0, 5, 1, 0, &a, &e), 0);
    assert_int_equal(batcher_open(f->ts, NULL, 0, 5, 1, 0, &b, &e), 0);
    int64_t spe = batcher_steps_per_epoch(a);
    static int x[400 * 5], y[400 * 5], z[400 * 5];
    BatchCursor ca = {0}, cb = {0};
    take(a, 9, &ca, 50, x);
    BatchCursor saved = ca;
    take(a, 9, &ca, (int)spe, x + 50 * 5);
    take(b, 9, &cb, 50, y);
    assert_memory_equal(x, y, 50 * 5 * sizeof(int));
    cb = saved;
    take(b, 9, &cb, (int)spe, y + 50 * 5);
    assert_memory_equal(x, y, (50 + (size_t)spe) * 5 * sizeof(int));
    BatchCursor cz = {0};
    take(b, 10, &cz, 50, z);
    assert_memory_not_equal(x, z, 50 * 5 * sizeof(int));
    batcher_free(a);
    batcher_free(b);
}

/* Ensure that targets are the routing of layer l + lookahead and prev the
 * previous token's at the same layer, -1 at a sequence's first token. */
static void test_targets_lookahead(void **state)
{
    Fixture *f = *state;
    Batcher *b;
    Err e;
    assert_int_equal(batcher_open(f->ts, NULL, 1, 16, 1, 0, &b, &e), 0);
    assert_int_equal(batcher_n_samples(b), (int64_t)(5 * SEQS + SEQS * (SEQS - 1) / 2) * (L - 1));
    SampleBatch sb;
    assert_int_equal(sample_batch_alloc(&sb, 16, D, K, 0, &e), 0);
    int64_t pos = 0, total = 0;
    for (;;) {
        assert_int_equal(batcher_next_eval(b, &pos, &sb, &e), 0);
        if (sb.n == 0)
            break;
        for (int r = 0; r < sb.n; r++) {
            const float *x = sb.x + (size_t)r * D;
            int s = (int)x[0], t = (int)x[1], l = (int)x[2];
            assert_int_equal(sb.layer[r], l);
            assert_true(l + 1 < L);
            for (int k = 0; k < K; k++) {
                assert_int_equal(sb.targets[r * K + k], expert_of(s, t, l + 1, k));
                assert_int_equal(sb.prev[r * K + k], t ? expert_of(s, t - 1, l + 1, k) : -1);
            }
        }
        total += sb.n;
    }
    assert_int_equal(total, batcher_n_samples(b));
    sample_batch_free(&sb);
    batcher_free(b);
}

/* Ensure that an evaluation subset has the asked size, distinct samples in
 * storage order, and is the same for the same seed. */
static void test_eval_subset(void **state)
{
    Fixture *f = *state;
    Batcher *b;
    Err e;
    assert_int_equal(batcher_open(f->ts, NULL, 0, 8, 1, 0, &b, &e), 0);
    int got[2][37];
    for (int round = 0; round < 2; round++) {
        assert_int_equal(batcher_limit_eval(b, 37, 5, &e), 0);
        assert_int_equal(batcher_n_eval(b), 37);
        SampleBatch sb;
        assert_int_equal(sample_batch_alloc(&sb, 8, D, K, 0, &e), 0);
        int64_t pos = 0;
        int n = 0;
        do {
            assert_int_equal(batcher_next_eval(b, &pos, &sb, &e), 0);
            for (int r = 0; r < sb.n; r++)
                got[round][n++] = sample_index(&sb, r);
        } while (sb.n);
        assert_int_equal(n, 37);
        for (int i = 1; i < n; i++)
            assert_true(got[round][i - 1] < got[round][i]);
        sample_batch_free(&sb);
    }
    assert_memory_equal(got[0], got[1], sizeof got[0]);
    assert_int_equal(batcher_limit_eval(b, 0, 5, &e), 0);
    assert_int_equal(batcher_n_eval(b), batcher_n_samples(b));
    batcher_free(b);
}

/* Ensure that the split is deterministic, has round(frac * n) validation
 * sequences, and refuses splits that leave a side empty. */
static void test_split(void **state)
{
    (void)state;
    uint8_t a[100], b[100], c[100];
    Err e;
    assert_int_equal(split_by_sequence(100, 0.1, 3, a, "x", &e), 0);
    assert_int_equal(split_by_sequence(100, 0.1, 3, b, "x", &e), 0);
    assert_int_equal(split_by_sequence(100, 0.1, 4, c, "x", &e), 0);
    int n = 0;
    for (int i = 0; i < 100; i++)
        n += a[i];
    assert_int_equal(n, 10);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    assert_int_equal(split_by_sequence(1, 0.1, 3, a, "x", &e), ERR_INPUT);
    assert_int_equal(split_by_sequence(2, 0.1, 3, a, "x", &e), 0);
}

/* Ensure that windows hold consecutive tokens of one sequence at one layer,
 * padding only at the end of a sequence's last window, every sample once
 * per epoch, and the targets of the four next tokens (-1 past the end). */
static void test_windows(void **state)
{
    Fixture *f = *state;
    Batcher *b;
    Err e;
    enum { W = 4, A = 4 };
    assert_int_equal(batcher_open(f->ts, NULL, 1, 10, W, A, &b, &e), 0);
    assert_int_equal(batcher_batch_rows(b), 8); /* 10 samples: two whole windows */
    SampleBatch sb;
    assert_int_equal(sample_batch_alloc(&sb, batcher_batch_rows(b), D, K, A, &e), 0);
    static int seen[SEQS * 32 * L];
    memset(seen, 0, sizeof seen);
    BatchCursor c = {0};
    int done = 0;
    int64_t valid = 0;
    while (!done) {
        assert_int_equal(batcher_next_train(b, 3, &c, &sb, &done, &e), 0);
        assert_int_equal(sb.window, W);
        assert_int_equal(sb.n % W, 0);
        for (int r = 0; r < sb.n; r++) {
            if (!sb.valid[r]) { /* padding: only after the window's valid rows */
                assert_true(r % W > 0);
                assert_int_equal(sb.targets[r * K], -1);
                continue;
            }
            assert_true(r % W == 0 || sb.valid[r - 1]);
            const float *x = sb.x + (size_t)r * D;
            int s = (int)x[0], t = (int)x[1], l = (int)x[2];
            if (r % W) { /* the next token of the same sequence and layer */
                const float *p = x - D;
                assert_true((int)p[0] == s && (int)p[1] == t - 1 && (int)p[2] == l);
            }
            assert_int_equal(sb.seq[r], s);
            assert_int_equal(sb.pos[r], t);
            assert_int_equal(sb.layer[r], l);
            for (int fu = 1; fu <= A; fu++)
                for (int k = 0; k < K; k++)
                    assert_int_equal(sb.aux[(r * A + fu - 1) * K + k],
                                     t + fu < seq_len(s) ? expert_of(s, t + fu, l + 1, k) : -1);
            seen[sample_index(&sb, r)]++;
            valid++;
        }
    }
    assert_int_equal(valid, batcher_n_samples(b));
    for (int s = 0; s < SEQS; s++)
        for (int t = 0; t < seq_len(s); t++)
            for (int l = 0; l < L; l++)
                assert_int_equal(seen[(s * 32 + t) * L + l], l + 1 < L);
    int64_t pos = 0, eval_valid = 0;
    do {
        assert_int_equal(batcher_next_eval(b, &pos, &sb, &e), 0);
        eval_valid += sb.n_valid;
    } while (sb.n);
    assert_int_equal(eval_valid, batcher_n_eval(b));
    assert_int_equal(eval_valid, batcher_n_samples(b));
    sample_batch_free(&sb);
    batcher_free(b);
}

/* Ensure that a batcher asked for the future tokens' targets fills them
 * for every row also at window 1 (hybrid --window 1 read uninitialised
 * targets once), and that a batch without room for them is refused. */
static void test_aux_every_window(void **state)
{
    Fixture *f = *state;
    Batcher *b;
    Err e;
    enum { A = 3 };
    assert_int_equal(batcher_open(f->ts, NULL, 0, 16, 1, A, &b, &e), 0);
    SampleBatch sb, small;
    assert_int_equal(sample_batch_alloc(&sb, 16, D, K, A, &e), 0);
    assert_int_equal(sample_batch_alloc(&small, 16, D, K, A - 1, &e), 0);
    memset(sb.aux, 0x7f, (size_t)16 * A * K * sizeof *sb.aux); /* poison */
    int64_t pos = 0;
    assert_int_equal(batcher_next_eval(b, &pos, &sb, &e), 0);
    assert_true(sb.n > 0);
    assert_int_equal(sb.n_aux, A);
    for (int r = 0; r < sb.n; r++) {
        int s = (int)sb.seq[r], t = sb.pos[r], l = sb.layer[r];
        for (int j = 1; j <= A; j++)
            for (int k = 0; k < K; k++)
                assert_int_equal(sb.aux[(r * A + j - 1) * K + k],
                                 t + j < seq_len(s) ? expert_of(s, t + j, l, k) : -1);
    }
    pos = 0;
    assert_int_equal(batcher_next_eval(b, &pos, &small, &e), ERR_USAGE);
    sample_batch_free(&small);
    sample_batch_free(&sb);
    batcher_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_covers_once), cmocka_unit_test(test_order_and_resume),
        cmocka_unit_test(test_targets_lookahead), cmocka_unit_test(test_eval_subset),
        cmocka_unit_test(test_aux_every_window),
        cmocka_unit_test(test_split),             cmocka_unit_test(test_windows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
