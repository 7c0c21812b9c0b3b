/*
 * test_checkpoint.c: RUN.ckpt files (SPEC 8): a save/load round trip keeps
 * every bit of the state, every kind of damage is ERR_INPUT naming the file
 * and a byte offset, a failed write leaves the previous file whole, and a
 * run stopped at --stop-at and resumed ends exactly where an uninterrupted
 * run does (simple, linear of rank 3 and the windowed hybrid), on a small
 * generated set; a version-1 file (before the rank field) written by the
 * moespec of that time still loads and evaluates.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#include "data/checksum.h"
#include "train/checkpoint.h"
#include "train/ckpt_eval.h"
#include "train/trainer.h"

#include "test_train_fixture.h"

static void load_ok(const char *path, Checkpoint *ck)
{
    Err e;
    err_clear(&e);
    int rc = checkpoint_load(path, ck, &e);
    if (rc)
        print_error("checkpoint_load: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

/* A 12-step simple run saved to DIR/simple.ckpt; returns the trainer. */
static Trainer *trained_and_saved(const Fixture *f, const char *path)
{
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    c.max_steps = 12;
    c.eval_every = 5;
    Trainer *t = make_trainer(&c);
    run_worker(t);
    Err e;
    err_clear(&e);
    int rc = checkpoint_save(path, trainer_run(t, 0), trainer_config(t), trainer_data(t), &e);
    if (rc)
        print_error("checkpoint_save: %s\n", e.msg);
    assert_int_equal(rc, 0);
    return t;
}

static int rows_equal_but_time(const EvalRow *a, const EvalRow *b)
{
    EvalRow x = *a, y = *b;
    x.samples_per_s = y.samples_per_s = 0;
    x.wall_s = y.wall_s = 0;
    return memcmp(&x, &y, sizeof x) == 0;
}

/* Ensure that loading a saved run gives back every bit of its state. */
static void test_round_trip(void **state)
{
    Fixture *f = *state;
    char path[1200];
    snprintf(path, sizeof path, "%s/round.ckpt", f->dir);
    Trainer *t = trained_and_saved(f, path);
    const Run *r = trainer_run(t, 0);
    Checkpoint ck;
    load_ok(path, &ck);
    assert_int_equal(ck.arch, ARCH_SIMPLE);
    assert_int_equal(ck.step, 12);
    assert_int_equal(ck.planned_steps, 12);
    assert_int_equal(ck.state, RUN_DONE);
    assert_int_equal(ck.samples, r->samples);
    assert_memory_equal(&ck.cursor, &r->cursor, sizeof ck.cursor);
    assert_memory_equal(&ck.rng, &r->model->rng, sizeof ck.rng);
    assert_int_equal(ck.adam_step, r->model->adam_step);
    assert_int_equal(ck.n_params, r->model->n_params);
    size_t bytes = ck.n_params * sizeof(float);
    assert_memory_equal(ck.params, r->model->params, bytes);
    assert_memory_equal(ck.adam_m, r->model->adam_m, bytes);
    assert_memory_equal(ck.adam_v, r->model->adam_v, bytes);
    assert_int_equal(ck.n_hist, r->n_hist);
    assert_memory_equal(ck.hist, r->hist, (size_t)r->n_hist * sizeof *r->hist);
    assert_int_equal(ck.best_step, r->best_step);
    assert_true(ck.best_recall_K == r->best_recall_K);
    assert_true(ck.cfg.lr[ARCH_SIMPLE] == r->lr);
    assert_int_equal(ck.cfg.batch, 64);
    assert_int_equal(ck.cfg.eval_every, 5);
    assert_true(ck.fingerprint == trainer_data(t)->fingerprint);
    assert_memory_equal(&ck.mcfg, &r->mcfg, sizeof ck.mcfg);
    checkpoint_free(&ck);
    trainer_free(t);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)size);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    *n = (size_t)size;
    return p;
}

static void spill(const char *path, const unsigned char *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Saves the bytes as path and checks that loading fails with ERR_INPUT
 * naming "path:OFFSET:" and saying what (when what is not NULL). */
static void expect_damage(const char *path, const unsigned char *p, size_t n, size_t offset,
                          const char *what)
{
    spill(path, p, n);
    Checkpoint ck;
    Err e;
    err_clear(&e);
    assert_int_equal(checkpoint_load(path, &ck, &e), ERR_INPUT);
    char want[1300];
    snprintf(want, sizeof want, "%s:%zu: ", path, offset);
    if (strncmp(e.msg, want, strlen(want)) != 0 || (what && !strstr(e.msg, what)))
        fail_msg("got '%s', want '%s...%s'", e.msg, want, what ? what : "");
    assert_null(ck.params);
}

static void reseal(unsigned char *p, size_t n)
{
    uint64_t h = tracehash(p, n - 8);
    for (int i = 0; i < 8; i++)
        p[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
}

/* Ensure that a truncated file, any flipped byte, a bad magic, another
 * version and a non-finite parameter are each ERR_INPUT "FILE:OFFSET: what". */
static void test_corruption(void **state)
{
    Fixture *f = *state;
    char good[1200], bad[1200];
    snprintf(good, sizeof good, "%s/good.ckpt", f->dir);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", f->dir);
    Trainer *t = trained_and_saved(f, good);
    const Run *r = trainer_run(t, 0);
    size_t n;
    unsigned char *orig = slurp(good, &n);
    unsigned char *p = malloc(n);
    assert_non_null(p);
    expect_damage(bad, orig, 0, 0, "bad magic");
    expect_damage(bad, orig, 5, 0, "bad magic");
    expect_damage(bad, orig, 15, 12, "truncated"); /* inside the size field */
    const size_t cuts[] = {100, n / 2, n - 9, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        expect_damage(bad, orig, cuts[i], cuts[i], "truncated");
    for (size_t at = 20; at < n; at += 7) { /* every field: the checksum sees it */
        memcpy(p, orig, n);
        p[at] ^= 0x10;
        expect_damage(bad, p, n, n - 8, "checksum");
    }
    memcpy(p, orig, n);
    p[1] = 'X';
    expect_damage(bad, p, n, 0, "bad magic");
    memcpy(p, orig, n);
    p[8] = 3;
    reseal(p, n);
    expect_damage(bad, p, n, 8, "version 3; this moespec reads versions 1 to 2");
    memcpy(p, orig, n);
    p[8] = 0;
    reseal(p, n);
    expect_damage(bad, p, n, 8, "version 0");
    /* a NaN parameter under a valid checksum: the first parameter sits
     * before the three blocks, the history and the checksum */
    memcpy(p, orig, n);
    size_t hist_bytes = 8 + (size_t)r->n_hist * 8 * 18;
    size_t first = n - 8 - hist_bytes - 3 * r->model->n_params * 4;
    const float nan = (float)NAN;
    memcpy(p + first + 8, &nan, 4);
    reseal(p, n);
    expect_damage(bad, p, n, first + 8, "parameter[2]");
    /* a negative second moment */
    memcpy(p, orig, n);
    const float minus = -1.0f;
    memcpy(p + first + 2 * r->model->n_params * 4, &minus, 4);
    reseal(p, n);
    expect_damage(bad, p, n, first + 2 * r->model->n_params * 4, "second moment[0]");
    Checkpoint ck;
    Err e;
    err_clear(&e);
    char missing[1300];
    snprintf(missing, sizeof missing, "%s/none.ckpt", f->dir);
    assert_int_equal(checkpoint_load(missing, &ck, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, missing));
    free(p);
    free(orig);
    trainer_free(t);
}

static int has_tmp(const char *dir)
{
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q '\\.tmp$'", dir);
    return system(cmd) == 0;
}

/* Ensure that a write that fails half-way (the file size limit) leaves the
 * previous checkpoint whole and no temporary behind. */
static void test_failed_write_keeps_previous(void **state)
{
    Fixture *f = *state;
    char dir[1200], path[1300];
    snprintf(dir, sizeof dir, "%s/atomic", f->dir);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/simple.ckpt", dir);
    Trainer *t = trained_and_saved(f, path);
    size_t n0;
    unsigned char *before = slurp(path, &n0);
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 1000; /* the checkpoint is larger */
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    Err e;
    err_clear(&e);
    int rc = checkpoint_save(path, trainer_run(t, 0), trainer_config(t), trainer_data(t), &e);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, ERR_RUNTIME);
    assert_non_null(strstr(e.msg, dir));
    size_t n1;
    unsigned char *after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    assert_false(has_tmp(dir));
    if (geteuid() != 0) { /* root writes into read-only directories */
        assert_int_equal(chmod(dir, 0555), 0);
        rc = checkpoint_save(path, trainer_run(t, 0), trainer_config(t), trainer_data(t), &e);
        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(rc, ERR_RUNTIME);
        free(after);
        after = slurp(path, &n1);
        assert_memory_equal(before, after, n0);
    }
    free(before);
    free(after);
    trainer_free(t);
}

/* Trains arch uninterrupted, then stopped at stop_at and resumed from its
 * checkpoint, and checks that both end with the same bits and rows. */
static void resume_case(const Fixture *f, Arch arch, int64_t stop_at, int rank)
{
    TrainConfig c;
    small_config(&c, f->data, arch);
    c.rank = rank;
    Trainer *whole = make_trainer(&c);
    run_worker(whole);

    char dir[1200], path[1300];
    snprintf(dir, sizeof dir, "%s/stop-%s-%lld", f->dir, arch_name(arch), (long long)stop_at);
    Trainer *first = make_trainer(&c);
    trainer_set_checkpoints(first, dir, 0, stop_at); /* dir is created on demand */
    run_worker(first);
    assert_int_equal(trainer_run(first, 0)->step, stop_at);
    assert_int_equal(trainer_run(first, 0)->state, RUN_PAUSED);
    trainer_free(first);

    snprintf(path, sizeof path, "%s/%s.ckpt", dir, arch_name(arch));
    Checkpoint ck;
    load_ok(path, &ck);
    assert_int_equal(ck.step, stop_at);
    assert_int_equal(ck.planned_steps, 30); /* --stop-at leaves the plan alone */
    assert_int_equal(ck.mcfg.rank, rank);
    assert_int_equal(ck.cfg.rank, rank);
    TrainConfig rc = ck.cfg;
    snprintf(rc.data, sizeof rc.data, "%s", f->data);
    Trainer *second = make_trainer(&rc);
    const Checkpoint *cks[1] = {&ck};
    const char *paths[1] = {path};
    Err e;
    err_clear(&e);
    assert_int_equal(trainer_resume(second, cks, paths, &e), 0);
    run_worker(second);

    const Run *a = trainer_run(whole, 0), *b = trainer_run(second, 0);
    assert_int_equal(b->state, RUN_DONE);
    assert_int_equal(a->step, b->step);
    assert_memory_equal(a->model->params, b->model->params, a->model->n_params * sizeof(float));
    assert_memory_equal(a->model->adam_m, b->model->adam_m, a->model->n_params * sizeof(float));
    assert_memory_equal(a->model->adam_v, b->model->adam_v, a->model->n_params * sizeof(float));
    assert_int_equal(a->n_hist, b->n_hist);
    for (int64_t i = 0; i < a->n_hist; i++)
        if (!rows_equal_but_time(&a->hist[i], &b->hist[i]))
            fail_msg("%s: history row %lld differs (step %lld: train_loss %.9g vs %.9g, "
                     "val_ce %.9g vs %.9g)", arch_name(arch), (long long)i,
                     (long long)a->hist[i].step, a->hist[i].train_loss, b->hist[i].train_loss,
                     a->hist[i].val_ce, b->hist[i].val_ce);
    assert_int_equal(a->best_step, b->best_step);
    if (arch == ARCH_HYBRID)
        assert_memory_equal(a->aux, b->aux, sizeof a->aux);
    checkpoint_free(&ck);
    trainer_free(second);
    trainer_free(whole);
}

/* Ensure that simple stopped between evaluations (step 15) and at one (step
 * 20) resumes exactly. */
static void test_exact_resume_simple(void **state)
{
    resume_case(*state, ARCH_SIMPLE, 15, 0);
    resume_case(*state, ARCH_SIMPLE, 20, 0);
}

/* Ensure that linear, full rank and rank 3 (the rank stored and restored),
 * resumes exactly. */
static void test_exact_resume_linear(void **state)
{
    resume_case(*state, ARCH_LINEAR, 15, 0);
    resume_case(*state, ARCH_LINEAR, 15, 3);
}

/* Ensure that a version-1 checkpoint (tests/fixtures/ckpt_v1_simple.ckpt:
 * a 12-step simple run on a set of the fixture's shape, written by moespec
 * before the rank field existed) loads with rank 0, evaluates, and is
 * written back as version 2. */
static void test_version1_loads(void **state)
{
    Fixture *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s", test_fixture_path("ckpt_v1_simple.ckpt"));
    Checkpoint ck;
    load_ok(path, &ck);
    assert_int_equal(ck.arch, ARCH_SIMPLE);
    assert_int_equal(ck.mcfg.rank, 0);
    assert_int_equal(ck.cfg.rank, 0);
    assert_int_equal(ck.step, 12);
    assert_int_equal(ck.n_params, 416);
    assert_int_equal(ck.cfg.batch, 64);
    assert_true(ck.E == 8 && ck.K == 2 && ck.L == 4 && ck.D == 16); /* the fixture's shape */
    TrainConfig c = ck.cfg;
    snprintf(c.data, sizeof c.data, "%s", f->data);
    c.threads = 1;
    CkptEval ev;
    Err e;
    err_clear(&e);
    const char *paths[1] = {path};
    int rc = ckpt_eval_run(&c, 0, &ck, paths, 1, &ev, &e);
    if (rc)
        print_error("ckpt_eval_run: %s\n", e.msg);
    assert_int_equal(rc, 0);
    const Run *r = &ev.runs[0];
    assert_int_equal(r->step, 12);
    assert_true(r->last.n > 0 && r->n_hist > 0);
    char again[1300];
    snprintf(again, sizeof again, "%s/v1-again.ckpt", f->dir);
    assert_int_equal(checkpoint_save(again, r, &ev.cfg, &ev.data, &e), 0);
    size_t n;
    unsigned char *p = slurp(again, &n);
    assert_int_equal(p[8], 2);
    free(p);
    Checkpoint ck2;
    load_ok(again, &ck2);
    assert_memory_equal(ck2.params, ck.params, ck.n_params * sizeof(float));
    assert_int_equal(ck2.mcfg.rank, 0);
    checkpoint_free(&ck2);
    ckpt_eval_free(&ev);
    checkpoint_free(&ck);
}

/* Ensure that the windowed hybrid (future heads, dropout-free) resumes
 * exactly too. */
static void test_exact_resume_hybrid(void **state) { resume_case(*state, ARCH_HYBRID, 13, 0); }

/* Ensure that a resume on another trace set is ERR_INPUT naming the file. */
static void test_resume_other_data(void **state)
{
    Fixture *f = *state;
    char path[1200], other[1200];
    snprintf(path, sizeof path, "%s/other.ckpt", f->dir);
    trainer_free(trained_and_saved(f, path));
    snprintf(other, sizeof other, "%s/set2", f->dir);
    SynthConfig sc;
    Err e;
    assert_int_equal(profile_lookup("demo", &sc, &e), 0);
    sc.experts = 8;
    sc.top_k = 2;
    sc.layers = 4;
    sc.dim = 16;
    sc.seqs = 24;
    sc.seq_len = 32;
    sc.dtype = DTYPE_F32;
    assert_int_equal(synth_write(&sc, 6, other, NULL, NULL, &e), 0);
    Checkpoint ck;
    load_ok(path, &ck);
    TrainConfig c = ck.cfg;
    snprintf(c.data, sizeof c.data, "%s", other);
    Trainer *t = make_trainer(&c);
    const Checkpoint *cks[1] = {&ck};
    const char *paths[1] = {path};
    err_clear(&e);
    assert_int_equal(trainer_resume(t, cks, paths, &e), ERR_INPUT);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "another trace set"));
    checkpoint_free(&ck);
    trainer_free(t);
}

/* The little-endian u64 v at p, and the checkpoint's checksum redone, as
 * a crafter would: the file then passes every check but the bounds. */
static void put_resum(unsigned char *p, size_t n, size_t at, int bytes, uint64_t v)
{
    for (int i = 0; i < bytes; i++)
        p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
    uint64_t h = tracehash(p, n - 8);
    for (int i = 0; i < 8; i++)
        p[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
}

/* Ensure that a crafted checkpoint (valid checksum, same data) whose data
 * cursor lies outside the training split is ERR_INPUT naming the file and
 * the cursor's offset at resume, before the batcher indexes with it: group
 * position 10^12 and an offset past the group's samples. */
static void test_resume_crafted_cursor(void **state)
{
    Fixture *f = *state;
    char path[1200], bad[1300];
    snprintf(path, sizeof path, "%s/cursor.ckpt", f->dir);
    snprintf(bad, sizeof bad, "%s/cursor-bad.ckpt", f->dir);
    trainer_free(trained_and_saved(f, path));
    Checkpoint ck;
    load_ok(path, &ck);
    const size_t at = ck.cursor_at;
    TrainConfig c = ck.cfg;
    checkpoint_free(&ck);
    for (int field = 1; field <= 2; field++) { /* group_pos, then offset */
        size_t n;
        unsigned char *p = slurp(path, &n);
        put_resum(p, n, at + 8 * (size_t)field, 8, field == 1 ? 1000000000000ULL : 1u << 30);
        spill(bad, p, n);
        free(p);
        load_ok(bad, &ck); /* the checksum holds */
        Trainer *t = make_trainer(&c);
        const Checkpoint *cks[1] = {&ck};
        const char *paths[1] = {bad};
        Err e;
        err_clear(&e);
        assert_int_equal(trainer_resume(t, cks, paths, &e), ERR_INPUT);
        char want[1400];
        snprintf(want, sizeof want, "%s:%zu: data cursor", bad, at);
        assert_non_null(strstr(e.msg, want));
        checkpoint_free(&ck);
        trainer_free(t);
    }
}

/* Ensure that settings a crafted checkpoint (valid checksum) holds out of
 * range stop the reader with ERR_INPUT naming the file and the field's
 * offset, before anything indexes with them: an architecture id of -5 (it
 * used to write lr[-5]), a lookahead past the layers, a val_frac of 0
 * without a validation set and of 2. Offsets: moespec-traces(5). */
static void test_crafted_settings(void **state)
{
    Fixture *f = *state;
    char path[1200], bad[1300];
    snprintf(path, sizeof path, "%s/settings.ckpt", f->dir);
    snprintf(bad, sizeof bad, "%s/settings-bad.ckpt", f->dir);
    trainer_free(trained_and_saved(f, path));
    double two = 2.0;
    uint64_t two_bits;
    memcpy(&two_bits, &two, sizeof two_bits);
    const struct {
        size_t at;
        int bytes;
        uint64_t v;
        const char *says;
    } cases[] = {
        {20, 4, (uint32_t)-5, ":20: architecture = -5 out of range"},
        {60, 4, 4095, ":60: lookahead 4095 leaves no layer to predict"},
        {76, 8, 0, ":76: val_frac 0 without a validation set"},
        {76, 8, two_bits, ":76: val_frac = 2 is not a finite value in [0, 0.9]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        unsigned char *p = slurp(path, &n);
        put_resum(p, n, cases[i].at, cases[i].bytes, cases[i].v);
        spill(bad, p, n);
        free(p);
        Checkpoint ck;
        Err e;
        err_clear(&e);
        assert_int_equal(checkpoint_load(bad, &ck, &e), ERR_INPUT);
        if (!strstr(e.msg, cases[i].says))
            print_error("%s\n", e.msg);
        assert_non_null(strstr(e.msg, cases[i].says));
        assert_non_null(strstr(e.msg, bad));
    }
    /* the history, last row (just before the checksum): a rate of +Inf, a
     * loss of -Inf, and a step not after the row before */
    Checkpoint ok;
    load_ok(path, &ok);
    assert_true(ok.n_hist >= 2);
    checkpoint_free(&ok);
    double inf = INFINITY, ninf = -INFINITY;
    uint64_t inf_bits, ninf_bits;
    memcpy(&inf_bits, &inf, 8);
    memcpy(&ninf_bits, &ninf, 8);
    const size_t row = 8 * 18;
    const struct {
        size_t from_row; /* offset in the last row */
        uint64_t v;
        const char *says;
    } hist[] = {
        {24 + 8 * 3, inf_bits, "history hit1 = inf is neither empty (NaN) nor in [0, 1]"},
        {24 + 8 * 0, ninf_bits, "history train_loss = -inf is neither empty"},
        {0, 0, "history step = 0 out of range ["},
    };
    for (size_t i = 0; i < sizeof hist / sizeof hist[0]; i++) {
        size_t n;
        unsigned char *p = slurp(path, &n);
        size_t at = n - 8 - row + hist[i].from_row;
        put_resum(p, n, at, 8, hist[i].v);
        spill(bad, p, n);
        free(p);
        Checkpoint ck;
        Err e;
        err_clear(&e);
        assert_int_equal(checkpoint_load(bad, &ck, &e), ERR_INPUT);
        char want[64];
        snprintf(want, sizeof want, ":%zu: ", at);
        if (!strstr(e.msg, hist[i].says) || !strstr(e.msg, want))
            print_error("%s\n", e.msg);
        assert_non_null(strstr(e.msg, hist[i].says));
        assert_non_null(strstr(e.msg, want));
    }
}

/* Ensure that the headless signal path writes every run's checkpoint at
 * the step where the worker stopped, and that the last snapshot then has
 * no steps since the checkpoint (the dashboard's q asks nothing) and names
 * the file. */
static void test_stop_with_checkpoints(void **state)
{
    Fixture *f = *state;
    TrainConfig c;
    small_config(&c, f->data, ARCH_SIMPLE);
    c.max_steps = 100000000;
    char dir[1200], path[1300];
    snprintf(dir, sizeof dir, "%s/signal", f->dir);
    Trainer *t = make_trainer(&c);
    trainer_set_checkpoints(t, dir, 0, 0);
    Err e;
    err_clear(&e);
    assert_int_equal(trainer_start(t, 0, &e), 0);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    control_request_stop_with_checkpoints(trainer_control(t));
    assert_int_equal(trainer_join(t, &e), 0);
    snprintf(path, sizeof path, "%s/simple.ckpt", dir);
    Checkpoint ck;
    load_ok(path, &ck);
    assert_int_equal(ck.step, trainer_run(t, 0)->step);
    assert_true(ck.step > 0);
    assert_int_equal(ck.state, RUN_RUNNING);
    SnapshotBuf snap = {NULL, 0};
    assert_int_equal(snapshot_read(trainer_box(t), &snap), 1);
    assert_true(snap.s->finished);
    assert_int_equal(snap.s->runs[0].step, ck.step);
    assert_int_equal(snap.s->runs[0].steps_since_checkpoint, 0);
    char want[1400];
    snprintf(want, sizeof want, "checkpoint %s", path);
    assert_string_equal(snap.s->message, want);
    snapshot_buf_free(&snap);
    checkpoint_free(&ck);
    trainer_free(t);
}

static int setup(void **state) { return train_fixture_setup(state, "ckpt", 5); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corruption),
        cmocka_unit_test(test_failed_write_keeps_previous),
        cmocka_unit_test(test_exact_resume_simple),
        cmocka_unit_test(test_exact_resume_linear),
        cmocka_unit_test(test_exact_resume_hybrid),
        cmocka_unit_test(test_version1_loads),
        cmocka_unit_test(test_resume_other_data),
        cmocka_unit_test(test_resume_crafted_cursor),
        cmocka_unit_test(test_crafted_settings),
        cmocka_unit_test(test_stop_with_checkpoints),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
