# src/train: runs, the trainer's worker thread, the score pass, checkpoints,
# evaluation of checkpoints, CSV export.
noinst_LIBRARIES += src/train/libtrain.a
CORE_LIBS += src/train/libtrain.a
src_train_libtrain_a_SOURCES = src/train/train_config.c src/train/dataset.c src/train/score.c \
	src/train/run.c src/train/publish.c src/train/trainer.c src/train/export.c \
	src/train/export_tables.c src/train/checkpoint_write.c src/train/checkpoint_read.c \
	src/train/ckpt_eval.c src/train/sim_trace.c src/train/sim_predict.c src/train/sim_run.c \
	src/train/sim_export.c src/train/sim_live.c src/train/publish_deploy.c
noinst_HEADERS += src/train/train_config.h src/train/dataset.h src/train/score.h \
	src/train/run.h src/train/publish.h src/train/trainer.h src/train/export.h \
	src/train/export_files.h src/train/checkpoint.h src/train/checkpoint_format.h \
	src/train/ckpt_eval.h src/train/worker.h src/train/sim_trace.h src/train/sim_predict.h \
	src/train/sim_run.h src/train/sim_export.h src/train/sim_live.h
# What a screen may know of src/train: the plain-data snapshot and the
# command flags. Its own library, so that the dashboard's tests link
# against it alone and a call into the trainer, a model or a metric fails
# at link time (DESIGN.md: the dashboard draws snapshots and sends commands).
noinst_LIBRARIES += src/train/libsnapshot.a
CORE_LIBS += src/train/libsnapshot.a
src_train_libsnapshot_a_SOURCES = src/train/snapshot.c src/train/control.c
noinst_HEADERS += src/train/snapshot.h src/train/control.h src/train/eval_row.h
