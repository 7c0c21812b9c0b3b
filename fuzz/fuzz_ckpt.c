/*
 * fuzz_ckpt.c: libFuzzer target for the checkpoint path of `moespec train
 * --resume FILE`: the input is a RUN.ckpt image. Its file-size field and
 * trailing checksum are recomputed first (as a crafter would), so the
 * fuzzer reaches the fields behind them. An image that parses
 * (checkpoint_parse: what checkpoint_load does with the file it read) then
 * goes where `--resume FILE --data SET --threads 1 --stop-at STEP+1
 * --checkpoint-dir DIR` takes it: the invocation's settings come from the
 * checkpoint (as ui/train_resume.c's resume_prepare makes them), a trainer
 * is made on them (trainer_create) and resumed (trainer_resume: the data
 * fingerprints, the restore into the run, the data cursor's bounds, the
 * latest evaluation's tables), and its worker takes the one step to
 * --stop-at (the batch at the restored cursor, the update, the evaluation
 * when one is due) and writes the run's checkpoint into DIR.
 *
 * SET and DIR live in a private directory made in LLVMFuzzerInitialize
 * and removed at exit. SET is generated there once: the set of
 * tests/fixtures/make_ckpt_corpus.py (moespec gen --experts 8 --top-k 2
 * --layers 4 --dim 16 --seqs 24 --seq-len 32 --dtype f32 --seed 3), so the
 * committed corpus (tests/corpus/ckpt) has its fingerprint and reaches the
 * restore. A checkpoint that names a --val-data set is resumed with
 * --val-data SET too (the file's path is never opened).
 *
 * Not a finding, so not fuzzed past the parse: settings that only scale
 * memory and time (--batch, --window, --width above FUZZ_MAX_*; the
 * command line takes the same values at the same cost).
 *
 * MOESPEC_FUZZ_VERBOSE=1 in the environment prints where each input
 * stopped (to see that a corpus reaches the restore). Built with clang
 * -fsanitize=fuzzer (make fuzz); fuzz/replay.c feeds the committed corpus
 * to it in `make check`.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/checksum.h"
#include "data/synth.h"
#include "train/checkpoint.h"
#include "train/checkpoint_format.h"
#include "train/trainer.h"

#include "../tests/tiny_set.h" /* the set the seed corpus was written on */

#define FUZZ_MAX_BATCH 64
#define FUZZ_MAX_WINDOW 16
#define FUZZ_MAX_WIDTH 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char set_root[TRAIN_PATH_MAX - 8]; /* the private directory */
static char set_dir[TRAIN_PATH_MAX];      /* SET: set_root/set */
static char ck_dir[TRAIN_PATH_MAX];       /* set_root/ck, for --stop-at's checkpoint */
static int verbose;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_set(void)
{
    if (set_root[0])
        nftw(set_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *v = getenv("MOESPEC_FUZZ_VERBOSE");
    verbose = v && v[0] == '1';
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(set_root, sizeof set_root, "%s/moespec-fuzz-ckpt-XXXXXX",
                     tmp && tmp[0] ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof set_root || !mkdtemp(set_root)) {
        perror("fuzz_ckpt: mkdtemp");
        abort();
    }
    atexit(remove_set);
    snprintf(set_dir, sizeof set_dir, "%s/set", set_root);
    snprintf(ck_dir, sizeof ck_dir, "%s/ck", set_root);
    SynthConfig cfg;
    Err e = {0};
    int rc = tiny_set_config(&cfg, &e);
    if (!rc)
        rc = synth_write(&cfg, 3, set_dir, NULL, NULL, &e);
    if (rc) {
        fprintf(stderr, "fuzz_ckpt: the trace set: %s\n", e.msg);
        abort();
    }
    return 0;
}

/* The settings `moespec train --resume FILE --data SET --threads 1` runs
 * with (resume_prepare for one checkpoint and no other option given;
 * --val-data SET too when the checkpoint names a validation set). */
static void resume_config(const Checkpoint *ck, TrainConfig *cfg)
{
    TrainConfig cli;
    train_config_default(&cli);
    *cfg = ck->cfg;
    snprintf(cfg->data, sizeof cfg->data, "%s", set_dir);
    if (cfg->val_data[0])
        snprintf(cfg->val_data, sizeof cfg->val_data, "%s", set_dir);
    cfg->threads = 1;
    cfg->sim_tokens = cli.sim_tokens;
    cfg->sim_cost = cli.sim_cost;
    cfg->n_archs = 1;
    cfg->archs[0] = ck->arch;
    cfg->lr[ck->arch] = ck->cfg.lr[ck->arch];
    if (arch_has_rank(ck->arch))
        cfg->rank = ck->mcfg.rank;
}

static void say(const char *stage, const Err *e)
{
    if (verbose)
        fprintf(stderr, "fuzz_ckpt: %s: %s\n", stage, e ? e->msg : "ok");
}

/* The image's size field (the header's last 8 bytes) and checksum (the
 * last 8, over all before them) made right for its length. */
static void reseal(unsigned char *p, size_t n)
{
    if (n < HEADER_BYTES + 8)
        return;
    for (int i = 0; i < 8; i++)
        p[HEADER_BYTES - 8 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    uint64_t h = tracehash(p, n - 8);
    for (int i = 0; i < 8; i++)
        p[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
}

static void resume_one(const Checkpoint *ck, const char *path)
{
    if (ck->cfg.batch > FUZZ_MAX_BATCH || ck->cfg.window > FUZZ_MAX_WINDOW ||
        ck->cfg.width > FUZZ_MAX_WIDTH) {
        if (verbose)
            fprintf(stderr, "fuzz_ckpt: over the budget: batch %d window %d width %d\n",
                    ck->cfg.batch, ck->cfg.window, ck->cfg.width);
        return;
    }
    TrainConfig cfg;
    resume_config(ck, &cfg);
    Trainer *t = NULL;
    Err e = {0};
    if (trainer_create(&cfg, &t, &e)) {
        say("trainer_create", &e);
        return;
    }
    const Checkpoint *cks[1] = {ck};
    const char *paths[1] = {path};
    int rc = trainer_resume(t, cks, paths, &e);
    say("trainer_resume", rc ? &e : NULL);
    if (!rc) { /* --stop-at STEP+1 --checkpoint-dir DIR: one step on the worker */
        trainer_set_checkpoints(t, ck_dir, 0, ck->step + 1);
        rc = trainer_start(t, 0, &e);
        if (!rc)
            rc = trainer_join(t, &e);
        say("one step", rc ? &e : NULL);
    }
    trainer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = "fuzz.ckpt";
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    reseal(buf, size);
    Checkpoint ck;
    Err e = {0};
    int rc = checkpoint_parse(buf, size, path, &ck, &e);
    free(buf);
    if (rc) {
        say("checkpoint_parse", &e);
        return 0;
    }
    resume_one(&ck, path);
    checkpoint_free(&ck);
    return 0;
}
