/*
 * tiny_set.h: the shape of the small generated trace set that the
 * trainer's tests and the checkpoint fuzzer train on: E=8, K=2, L=4, D=16,
 * 24 sequences of 32 tokens, f32, the demo's knobs otherwise. One list for
 * both, since the fuzzer's seeds (tests/fixtures/make_ckpt_corpus.py,
 * whose GEN command must say the same) reach the restore only on a set of
 * the same fingerprint.
 */
#ifndef MOESPEC_TESTS_TINY_SET_H
#define MOESPEC_TESTS_TINY_SET_H

#include "data/profile.h"
#include "data/synth.h"

static inline int tiny_set_config(SynthConfig *cfg, Err *e)
{
    int rc = profile_lookup("demo", cfg, e);
    if (rc)
        return rc;
    cfg->experts = 8;
    cfg->top_k = 2;
    cfg->layers = 4;
    cfg->dim = 16;
    cfg->seqs = 24;
    cfg->seq_len = 32;
    cfg->dtype = DTYPE_F32;
    return 0;
}

#endif
