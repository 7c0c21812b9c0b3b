# src/train: runs, the trainer's worker thread, snapshots, CSV export.
noinst_LIBRARIES += src/train/libtrain.a
CORE_LIBS += src/train/libtrain.a
src_train_libtrain_a_SOURCES = src/train/train_config.c src/train/dataset.c src/train/run.c \
	src/train/snapshot.c src/train/trainer.c src/train/export.c src/train/export_tables.c \
	src/train/checkpoint_write.c src/train/checkpoint_read.c
noinst_HEADERS += src/train/train_config.h src/train/dataset.h src/train/run.h \
	src/train/snapshot.h src/train/trainer.h src/train/export.h src/train/export_files.h \
	src/train/checkpoint.h src/train/checkpoint_format.h
