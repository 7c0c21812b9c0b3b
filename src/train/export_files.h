/*
 * export_files.h: what the export's files share (internal to src/train).
 */
#ifndef MOESPEC_TRAIN_EXPORT_FILES_H
#define MOESPEC_TRAIN_EXPORT_FILES_H

#include <errno.h>
#include <stdio.h>

#include "train/export.h"
#include "util/atomic_file.h"
#include "util/csv_write.h"

typedef struct ExportFile {
    char path[4200];
    FILE *fp;
    CsvWriter w;
} ExportFile;

/* Files inside the export's temporary directory: the directory's commit
 * fsyncs them, so plain stdio suffices; errors name the file. */
int export_file_open(ExportFile *f, const char *dir, const char *name, Err *e);
int export_file_close(ExportFile *f, Err *e);
void export_header(CsvWriter *w, const char *const *cols, size_t n, int K);
void export_run_cells(CsvWriter *w, const Run *r);

int export_coverage(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e);
int export_layers(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e);
int export_experts(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e);
int export_future(const char *dir, const TrainData *d, const Run *const *runs, int n, Err *e);
int export_confusion(const char *dir, const TrainData *d, const Run *r, Err *e);
int export_config(const char *dir, const TrainConfig *c, const TrainData *d,
                  const Run *const *runs, int n, const ExportInfo *info, Err *e);

#endif
