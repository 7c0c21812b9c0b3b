/*
 * arch.h: the one table of predictor architectures (SPEC 5). Everything
 * that lists, names or defaults an architecture reads it: --arch and its
 * default list, --lr's defaults, the dataset's views (window, future
 * targets), the dashboard's labels, --help, the checkpoint's architecture
 * field. A new predictor is one file (its ModelOps), one id below, one row
 * in arch.c and one build line.
 *
 * Ids are what checkpoints store: never renumber or reuse one. The table's
 * order (not the ids') is the default --arch order and the order of every
 * list shown to a user.
 *
 * Not here: the verbs themselves (model.h), training settings that are not
 * the architecture's own (train_config.h).
 */
#ifndef MOESPEC_MODELS_ARCH_H
#define MOESPEC_MODELS_ARCH_H

#include <stddef.h>

#include "util/err.h"

typedef enum { ARCH_SIMPLE = 0, ARCH_HYBRID = 1, ARCH_COMPLEX = 2, ARCH_LINEAR = 3 } Arch;

/* Bound for arrays indexed by an Arch id (ids stay below it). */
#define ARCH_MAX 8

struct ModelOps;

typedef struct ArchInfo {
    Arch id;
    const char *name;            /* "simple": --arch, run names, CSV arch column */
    const char *summary;         /* one line for --help */
    const char *loss;            /* what its training loss is, for the screen */
    const struct ModelOps *ops;  /* its verbs and shape rules (model.h) */
    double default_lr;           /* SPEC 5 (hybrid: see arch.c) */
    float dropout;               /* training dropout (SPEC 5: simple 0.1) */
    int in_default;              /* in the default --arch list */
} ArchInfo;

/* Rows in table order; arch_count() of them. */
int arch_count(void);
const ArchInfo *arch_row(int i);
/* The row of an id; NULL for an id no row has (a crafted checkpoint). */
const ArchInfo *arch_info(Arch a);
/* The name of an id, "unknown" when no row has it. */
const char *arch_name(Arch a);
/* Parses a name; ERR_USAGE naming the bad one and the valid ones. */
int arch_parse(const char *name, Arch *out, Err *e);
/* 1 when the architecture takes ModelConfig.rank (--rank; linear only):
 * the others are built with rank 0 and the trainer gives them none. */
int arch_has_rank(Arch a);
/* "linear, simple, hybrid or complex" into buf (for messages and --help). */
const char *arch_list_text(char *buf, size_t size, const char *last_sep);

#endif
