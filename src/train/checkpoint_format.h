/*
 * checkpoint_format.h: what the checkpoint writer and reader share (internal
 * to src/train): the fixed sizes of the layout in moespec-traces(5),
 * CHECKPOINTS.
 */
#ifndef MOESPEC_TRAIN_CHECKPOINT_FORMAT_H
#define MOESPEC_TRAIN_CHECKPOINT_FORMAT_H

#define HEADER_BYTES 20 /* magic, version, file size */
#define HIST_DOUBLES 15 /* EvalRow's real fields after step, epoch, samples */

#endif
