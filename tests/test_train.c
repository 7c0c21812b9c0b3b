/*
 * test_train.c: the trainer on small generated trace sets: runs reach DONE
 * with a full history, the numbers repeat exactly for the same options, a
 * non-finite loss halts the run with its step, pause and resume work through
 * the flags while the worker thread runs, and the export writes SPEC 8's files.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "test_util.h"

#include "train/export.h"
#include "models/hybrid.h"
#include "train/trainer.h"

#include "test_train_fixture.h"

/* Ensure that a run trains its planned steps, evaluates every eval_every
 * steps and at the end, and keeps rates ordered cover <= recall <= hit. */
static void test_run_reaches_done(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    Trainer *t = train_to_end(&c);
    const Run *r = trainer_run(t, 0);
    assert_int_equal(r->state, RUN_DONE);
    assert_int_equal(r->step, 30);
    assert_true(r->n_hist >= 3);
    assert_int_equal(r->hist[0].step, 10);
    assert_int_equal(r->hist[r->n_hist - 1].step, 30);
    for (int64_t i = 0; i < r->n_hist; i++) {
        const EvalRow *h = &r->hist[i];
        assert_true(isfinite(h->train_loss) && isfinite(h->val_ce));
        assert_true(h->cover_K <= h->recall_K + 1e-12 && h->recall_K <= h->hit1 * 2 + 1e-12);
        assert_true(h->hit1 >= 0.0 && h->hit20 <= 1.0);
    }
    /* E = 8: hit@5 and beyond read k clamped to E where k > E. */
    assert_true(r->hist[r->n_hist - 1].hit20 == 1.0);
    trainer_free(t);
}

static int rows_equal_but_time(const EvalRow *a, const EvalRow *b)
{
    EvalRow x = *a, y = *b;
    x.samples_per_s = y.samples_per_s = 0;
    x.wall_s = y.wall_s = 0;
    return memcmp(&x, &y, sizeof x) == 0;
}

/* Ensure that the same data, options and thread count give the same numbers. */
static void test_deterministic(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    Trainer *a = train_to_end(&c), *b = train_to_end(&c);
    const Run *ra = trainer_run(a, 0), *rb = trainer_run(b, 0);
    assert_int_equal(ra->n_hist, rb->n_hist);
    for (int64_t i = 0; i < ra->n_hist; i++)
        assert_true(rows_equal_but_time(&ra->hist[i], &rb->hist[i]));
    size_t n = model_param_count(ra->model);
    assert_memory_equal(ra->model->params, rb->model->params, n * sizeof(float));
    trainer_free(a);
    trainer_free(b);
}

/* Ensure that another seed gives other numbers (the test above can fail). */
static void test_seed_matters(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    Trainer *a = train_to_end(&c);
    c.seed = 2;
    Trainer *b = train_to_end(&c);
    assert_false(rows_equal_but_time(&trainer_run(a, 0)->hist[0], &trainer_run(b, 0)->hist[0]));
    trainer_free(a);
    trainer_free(b);
}

/* A set whose hidden states overflow any linear layer: float max. */
static void write_overflow_set(const char *dir)
{
    enum { T = 16, L = 2, K = 2, D = 8, SEQS = 12 };
    TraceHeader h = {.E = 4, .K = K, .L = L, .D = D, .point = HIDDEN_UNKNOWN,
                     .dtype = DTYPE_F32, .has_weights = 0, .has_tokens = 0};
    static uint16_t experts[T * L * K];
    static float hidden[T * L * D];
    for (int i = 0; i < T * L; i++) {
        experts[i * K] = (uint16_t)(i % 4);
        experts[i * K + 1] = (uint16_t)((i + 1) % 4);
    }
    for (int i = 0; i < T * L * D; i++)
        hidden[i] = (i % 2 ? 1.0f : -1.0f) * FLT_MAX;
    TraceWriter *w = NULL;
    Err e;
    assert_int_equal(tracewriter_open(dir, &h, 1 << 20, &w, &e), 0);
    TraceSeq s = {.T = T, .tokens = NULL, .experts = experts, .weights = NULL, .hidden = hidden};
    for (int i = 0; i < SEQS; i++)
        assert_int_equal(tracewriter_add_seq(w, &s, &e), 0);
    assert_int_equal(tracewriter_commit(w, &e), 0);
}

/* Ensure that a non-finite loss halts the run (state HALTED, the step named)
 * instead of training on. */
static void test_nonfinite_halts(void **state)
{
    Fixture *f = *state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/overflow", f->dir);
    write_overflow_set(dir);
    TrainConfig c;
    small_config(&c, dir, ARCH_SIMPLE);
    c.batch = 8;
    c.width = 4; /* the overflow this set was made for (4 sums of 8 inputs) */
    Trainer *t = train_to_end(&c);
    const Run *r = trainer_run(t, 0);
    assert_int_equal(r->state, RUN_HALTED);
    assert_int_equal(r->step, 0);
    assert_non_null(strstr(r->message, "HALTED at step 1: model: non-finite"));
    /* the step is named once: the model's part says what, not when */
    assert_null(strstr(strstr(r->message, ": ") + 2, "step"));
    assert_null(strstr(r->message, "update"));
    trainer_free(t);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until the published snapshot satisfies want(); fails after 20 s. */
static void wait_snapshot(Trainer *t, SnapshotBuf *s, int (*want)(const Snapshot *))
{
    for (int i = 0; i < 2000; i++) {
        snapshot_read(trainer_box(t), s);
        if (s->s && want(s->s))
            return;
        sleep_ms(10);
    }
    fail_msg("the snapshot never reached the wanted state");
}

static int is_paused(const Snapshot *s) { return s->runs[0].state == RUN_PAUSED; }
static int is_finished(const Snapshot *s) { return s->finished; }

/* Ensure that pausing through the flag stops the steps while the UI side
 * keeps reading snapshots, and resuming finishes the run. */
static void test_pause_resume(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    c.max_steps = 400;
    c.eval_every = 100;
    Trainer *t = NULL;
    Err e;
    assert_int_equal(trainer_create(&c, &t, &e), 0);
    TrainControl *ctl = trainer_control(t);
    control_set_paused(ctl, -1, 1);
    assert_int_equal(trainer_start(t, 0, &e), 0);
    SnapshotBuf s = {NULL, 0};
    wait_snapshot(t, &s, is_paused);
    int64_t step = s.s->runs[0].step;
    sleep_ms(150);
    snapshot_read(trainer_box(t), &s);
    assert_int_equal(s.s->runs[0].step, step);
    assert_true(control_is_paused(ctl, 0));
    control_set_paused(ctl, 0, 0);
    wait_snapshot(t, &s, is_finished);
    const RunSnapshot *rs = &s.s->runs[0];
    assert_int_equal(rs->state, RUN_DONE);
    assert_int_equal(rs->step, 400);
    assert_true(rs->n_hist >= 4); /* every 100 steps, and at each epoch end */
    assert_int_equal(snap_hist(rs)[rs->n_hist - 1].step, 400);
    assert_string_equal(rs->arch, "simple");
    assert_int_equal(trainer_join(t, &e), 0);
    snapshot_buf_free(&s);
    trainer_free(t);
}

/* Ensure that a stop request ends the worker between steps. */
static void test_stop(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    c.max_steps = 1000000;
    Trainer *t = NULL;
    Err e;
    assert_int_equal(trainer_create(&c, &t, &e), 0);
    assert_int_equal(trainer_start(t, 0, &e), 0);
    sleep_ms(50);
    control_request_stop(trainer_control(t));
    assert_int_equal(trainer_join(t, &e), 0);
    const Run *r = trainer_run(t, 0);
    assert_true(r->step < 1000000);
    assert_int_equal(r->state, RUN_RUNNING);
    trainer_free(t);
}

static int file_exists(const char *dir, const char *name)
{
    char p[8200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* Ensure that the export writes every SPEC 8 file, and refuses a
 * non-empty directory without leaving a temporary behind. */
static void test_export_files(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    Trainer *t = train_to_end(&c);
    const Run *runs[1] = {trainer_run(t, 0)};
    ExportInfo info = {"test", "moespec test"};
    char out[4200];
    snprintf(out, sizeof out, "%s/export", f->dir);
    Err e;
    int rc = export_write(out, &c, trainer_data(t), runs, 1, &info, &e);
    if (rc)
        print_error("%s\n", e.msg);
    assert_int_equal(rc, 0);
    const char *files[] = {"summary.csv", "metrics.csv", "coverage.csv", "layers.csv",
                           "experts.csv", "confusion-simple.csv", "config.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        assert_true(file_exists(out, files[i]));
    assert_int_equal(export_write(out, &c, trainer_data(t), runs, 1, &info, &e), ERR_RUNTIME);
    assert_non_null(strstr(e.msg, "not empty"));
    trainer_free(t);
}

/* Ensure that the three architectures train side by side in one process
 * (the windowed ones on windows with padding), each reaching DONE with its
 * own history, the hybrid with its future heads measured, and that the
 * numbers repeat exactly for the same options. */
static void test_three_archs(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    c.n_archs = 3;
    c.archs[0] = ARCH_SIMPLE, c.archs[1] = ARCH_HYBRID, c.archs[2] = ARCH_COMPLEX;
    c.window = 12; /* 32 tokens per sequence: the last window of each is padded */
    c.max_steps = 12;
    c.eval_every = 6;
    Trainer *a = train_to_end(&c), *b = train_to_end(&c);
    assert_int_equal(trainer_n_runs(a), 3);
    for (int i = 0; i < 3; i++) {
        const Run *ra = trainer_run(a, i), *rb = trainer_run(b, i);
        assert_int_equal(ra->state, RUN_DONE);
        assert_int_equal(ra->n_hist, rb->n_hist);
        for (int64_t j = 0; j < ra->n_hist; j++)
            assert_true(rows_equal_but_time(&ra->hist[j], &rb->hist[j]));
        /* every validation sample once per evaluation, padding excluded */
        assert_int_equal(ra->last.n, batcher_n_eval(trainer_data(a)->views[ra->view].val));
        assert_int_equal(ra->last.n, trainer_run(a, 0)->last.n);
    }
    const Run *h = trainer_run(a, 1);
    assert_true(h->n_aux == HYBRID_AHEAD && trainer_run(a, 0)->n_aux == 0);
    assert_int_equal(trainer_run(a, 2)->n_aux, 0);
    /* the three architectures read three views: per token, windows with
     * and without the future targets (only the hybrid asks for them) */
    assert_int_equal(trainer_data(a)->n_views, 3);
    for (int o = 0; o < h->n_aux; o++)
        assert_true(h->aux[o].n > 0 && h->aux[o].hit1 >= 0.0 && h->aux[o].hit1 <= 1.0);
    assert_true(h->aux[0].n > h->aux[3].n); /* fewer tokens have a t+4 */
    trainer_free(a);
    trainer_free(b);
}

static int is_done(const Snapshot *s) { return s->runs[0].state == RUN_DONE; }
static int has_message(const Snapshot *s) { return s->message_seq > 0; }

/* Ensure that an export asked of a lingering worker (the dashboard's `e`)
 * lands in a new time-stamped subdirectory named in the snapshot message,
 * after every run ended, and that the worker then stops on request. */
static void test_export_request(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    Trainer *t = NULL;
    Err e;
    assert_int_equal(trainer_create(&c, &t, &e), 0);
    trainer_set_export_info(t, "test", "moespec test");
    assert_int_equal(trainer_start(t, 1, &e), 0);
    SnapshotBuf buf = {NULL, 0};
    wait_snapshot(t, &buf, is_done);
    char parent[1200];
    snprintf(parent, sizeof parent, "%.1100s/exports", f->dir);
    control_request_export(trainer_control(t), parent);
    wait_snapshot(t, &buf, has_message);
    const Snapshot *s = buf.s;
    assert_false(s->finished);
    const char *prefix = "exported to ";
    assert_memory_equal(s->message, prefix, strlen(prefix));
    assert_true(file_exists(s->message + strlen(prefix), "summary.csv"));
    assert_memory_equal(s->message + strlen(prefix), parent, strlen(parent));
    control_request_stop(trainer_control(t));
    assert_int_equal(trainer_join(t, &e), 0);
    snapshot_buf_free(&buf);
    trainer_free(t);
}

static int setup(void **state) { return train_fixture_setup(state, "train", 7); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_reaches_done), cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_seed_matters),     cmocka_unit_test(test_nonfinite_halts),
        cmocka_unit_test(test_pause_resume),     cmocka_unit_test(test_stop),
        cmocka_unit_test(test_export_files),     cmocka_unit_test(test_export_request),
        cmocka_unit_test(test_three_archs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
