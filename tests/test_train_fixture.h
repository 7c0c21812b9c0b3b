/*
 * test_train_fixture.h: what the trainer's test binaries share: a small
 * generated trace set in a private directory (E=8, K=2, L=4, D=16, 24
 * sequences of 32 tokens), a small configuration, and a trainer run to the
 * end on its worker thread. Include after test_util.h.
 */
#ifndef MOESPEC_TEST_TRAIN_FIXTURE_H
#define MOESPEC_TEST_TRAIN_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "tiny_set.h"
#include "train/trainer.h"

typedef struct Fixture {
    char dir[1024];  /* scratch */
    char data[1100]; /* a small generated set */
} Fixture;

/* cmocka group setup body: the set generated with seed under a new dir. */
static inline int train_fixture_setup(void **state, const char *tag, uint64_t seed)
{
    static Fixture f;
    snprintf(f.dir, sizeof f.dir, "%.1000s", test_tmpdir(tag));
    snprintf(f.data, sizeof f.data, "%.1000s/set", f.dir);
    SynthConfig cfg;
    Err e;
    if (tiny_set_config(&cfg, &e))
        return -1;
    if (synth_write(&cfg, seed, f.data, NULL, NULL, &e)) {
        print_error("synth_write: %s\n", e.msg);
        return -1;
    }
    *state = &f;
    return 0;
}

static inline int teardown(void **state)
{
    Fixture *f = *state;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* One run of arch, batch 64, 30 steps, evaluations every 10, window 8. */
static inline void small_config(TrainConfig *c, const char *data, Arch arch)
{
    train_config_default(c);
    snprintf(c->data, sizeof c->data, "%.2000s", data);
    c->n_archs = 1;
    c->archs[0] = arch;
    c->batch = 64;
    c->max_steps = 30;
    c->eval_every = 10;
    c->window = 8;
    c->width = 8; /* small models: the corruption test rewrites the file per byte
                     step, and the sanitizer runs must stay quick */
    c->threads = 1;
}

static inline Trainer *make_trainer(const TrainConfig *c)
{
    Trainer *t = NULL;
    Err e;
    err_clear(&e);
    if (trainer_create(c, &t, &e))
        print_error("trainer_create: %s\n", e.msg);
    assert_non_null(t);
    return t;
}

/* Starts the worker (not lingering) and waits for it; it must end well. */
static inline void run_worker(Trainer *t)
{
    Err e;
    err_clear(&e);
    assert_int_equal(trainer_start(t, 0, &e), 0);
    int rc = trainer_join(t, &e);
    if (rc)
        print_error("trainer_join: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

/* Trains c to the end on the worker thread; returns the trainer. */
static inline Trainer *train_to_end(const TrainConfig *c)
{
    Trainer *t = make_trainer(c);
    run_worker(t);
    return t;
}

#endif
