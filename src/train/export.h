/*
 * export.h: the CSV files of SPEC 8, written for a set of runs into a
 * directory that appears whole or not at all (a temporary sibling renamed
 * at the end; a failure removes it and leaves nothing).
 *
 * Column names are SPEC 8's, with K and 2K replaced by the data set's
 * values (recall_4, cover_4, cover_8 for K = 4), so a header says which k it
 * measured. Rates are fractions; a rate with nothing behind it is an empty
 * cell.
 *
 * Not here: when to export (the command layer and the dashboard decide).
 */
#ifndef MOESPEC_TRAIN_EXPORT_H
#define MOESPEC_TRAIN_EXPORT_H

#include "train/dataset.h"
#include "train/run.h"
#include "train/train_config.h"
#include "util/err.h"

typedef struct ExportInfo {
    const char *version;   /* moespec version */
    const char *cmdline;   /* the command line, joined */
} ExportInfo;

/* Writes every file for runs[0..n) into dir (must not exist or be empty:
 * else ERR_RUNTIME). ERR_RUNTIME on any write failure, naming the file. */
int export_write(const char *dir, const TrainConfig *c, const TrainData *d,
                 const Run *const *runs, int n, const ExportInfo *info, Err *e);

#endif
