# src/data: trace sets (manifest + shards), CSV import, synthetic MoE, batcher.
noinst_LIBRARIES += src/data/libdata.a
CORE_LIBS += src/data/libdata.a
src_data_libdata_a_SOURCES = src/data/checksum.c src/data/f16.c src/data/shard.c \
	src/data/shard_verify.c src/data/manifest.c src/data/traceset_read.c src/data/map_guard.c \
	src/data/traceset_write.c src/data/csv_rows.c src/data/csv_import.c
noinst_HEADERS += src/data/traceset.h src/data/checksum.h src/data/shard.h \
	src/data/manifest.h src/data/csv_import.h src/data/csv_rows.h src/data/map_guard.h
# synth helper: add sources below (append lines like the two that follow)
# src_data_libdata_a_SOURCES += src/data/synth.c
# noinst_HEADERS += src/data/synth.h
src_data_libdata_a_SOURCES += src/data/synth.c src/data/synth_model.c src/data/profile.c \
	src/data/routestats.c
noinst_HEADERS += src/data/synth.h src/data/synth_impl.h src/data/profile.h \
	src/data/routestats.h
# lead: batcher and split (append-only)
src_data_libdata_a_SOURCES += src/data/batcher.c src/data/split.c
noinst_HEADERS += src/data/batcher.h src/data/split.h
# router matrices (router.safetensors, libjansson)
src_data_libdata_a_SOURCES += src/data/router.c
noinst_HEADERS += src/data/router.h
