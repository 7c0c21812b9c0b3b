/*
 * sim_export.h: deploy.csv (SPEC 8), one row per (predictor, policy, cache,
 * prefetch) of a simulation, written into an export directory that appears
 * whole or not at all. The same writer serves `moespec simulate --export`
 * and the trainer's export, so the two agree to the last digit.
 */
#ifndef MOESPEC_TRAIN_SIM_EXPORT_H
#define MOESPEC_TRAIN_SIM_EXPORT_H

#include "train/sim_run.h"
#include "util/err.h"

/* deploy.csv inside dir (an open export's temporary directory). */
int sim_export_deploy(const char *dir, const SimTable *t, Err *e);
/* A new directory dir holding deploy.csv only (must not exist or be empty). */
int sim_export_dir(const char *dir, const SimTable *t, Err *e);

#endif
