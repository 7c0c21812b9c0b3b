/*
 * profile.h: the synthetic MoE's configuration (SPEC 4.3): the shape of the
 * simulated model and of the set to write, plus the generator's knobs, and
 * the named profiles (demo, qwen1.5-moe-a2.7b, ...).
 *
 * The built-in profiles are a C table compiled into the program, so the
 * binary needs no data files at run time (uninstalled, in `make distcheck`,
 * anywhere). data/profiles/NAME.conf are their documented source of truth,
 * written as `key = value` lines; test_synth checks that each file parses to
 * exactly the built-in entry. `profile_parse_file` also lets a user pass
 * their own .conf to `moespec gen --profile FILE`.
 *
 * Not here: the generator itself (synth.c), option parsing (ui/cmd_gen.c).
 */
#ifndef MOESPEC_DATA_PROFILE_H
#define MOESPEC_DATA_PROFILE_H

#include "data/traceset.h"
#include "util/err.h"

enum { PROFILE_NAME_MAX = 64 };

typedef struct SynthConfig {
    char name[PROFILE_NAME_MAX];
    /* shape of the simulated model */
    int experts;        /* E */
    int top_k;          /* K */
    int layers;         /* L */
    int dim;            /* D: stored hidden size; 0 = routing-only set */
    /* size and storage of the set */
    int seqs;           /* sequences */
    int seq_len;        /* tokens per sequence */
    HiddenDtype dtype;
    int shard_mb;       /* target shard size in MiB */
    /* generator knobs (see synth.h for what each one does) */
    int latent;         /* r: dimensions the routers read (min(r, D) when D > 0) */
    int vocab;          /* token vocabulary size */
    double zipf_s;      /* token frequency ~ (rank + zipf_q)^-zipf_s */
    double zipf_q;
    double topic_phi;   /* AR(1) coefficient of the per-sequence topic */
    double ctx_decay;   /* EMA decay of the local context (previous tokens) */
    double topic_edge;  /* topic weight in the stream at the first/last layer */
    double topic_mid;   /* ... and over the middle third */
    double ctx_edge;    /* local-context weight at the first/last layer */
    double ctx_mid;     /* ... and over the middle third */
    double noise0;      /* token-level noise in the layer-0 stream */
    double step_noise;  /* fresh noise each layer adds to the stream */
    double router_corr; /* correlation of router l+1 with permuted router l */
    double skew_edge;   /* target skew at the first/last layer */
    double skew_mid;    /* ... and over the middle third */
    double gate_scale;  /* std of the router logits (gate sharpness) */
    double nuisance;    /* std of the hidden dimensions routers do not read */
    double expert_mb;   /* one expert's weights in the modelled model, MB (10^6
                           bytes); optional in a profile file, 0 = unknown */
} SynthConfig;

/* Fills *cfg with the built-in profile NAME; ERR_USAGE (listing the names)
 * when there is none. */
int profile_lookup(const char *name, SynthConfig *cfg, Err *e);

/* The built-in profiles, in order; returns how many. */
int profile_count(void);
const SynthConfig *profile_builtin(int i);

/* Parses `key = value` text (comments start with '#'; every key required
 * exactly once). path names the source in messages. ERR_INPUT with
 * "PATH:LINE: what" on a bad key, value or a missing key. */
int profile_parse(const char *text, const char *path, SynthConfig *cfg, Err *e);
int profile_parse_file(const char *path, SynthConfig *cfg, Err *e);

/* Checks ranges and consistency (K <= E, ...); ERR_USAGE naming the key. */
int profile_check(const SynthConfig *cfg, Err *e);

#endif
