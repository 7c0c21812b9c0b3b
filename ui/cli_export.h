/*
 * cli_export.h: what `train --headless --export` and `eval --export` share:
 * the check that the directory is usable before any work, and the export
 * with the program's own details (version, command line, OpenBLAS).
 */
#ifndef MOESPEC_UI_CLI_EXPORT_H
#define MOESPEC_UI_CLI_EXPORT_H

#include <stddef.h>

#include "train/dataset.h"
#include "train/run.h"
#include "train/train_config.h"

/* 1 when dir does not exist or is an empty directory (SPEC 8), and its
 * parent takes a new directory (the export is renamed into place); else
 * says so, 0. */
int cli_export_dir_usable(const char *dir);

/* The dashboard's --export: the parent of its time-stamped directories.
 * 1 when dir is a writable directory or can be created; else says so, 0. */
int cli_export_parent_usable(const char *dir);

/* "moespec ARGV..." into buf (truncated to size): config.csv's command line. */
void cli_join_cmdline(char *buf, size_t size, int argc, char **argv);

/* Writes the CSV files of runs into dir; argv (argc words after "moespec")
 * is recorded in config.csv. Returns the exit status, reporting itself. */
int cli_export_runs(const char *dir, const TrainConfig *c, const TrainData *d,
                    const Run *const *runs, int n, int argc, char **argv);

#endif
