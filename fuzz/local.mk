# fuzz: libFuzzer targets (built only with --enable-fuzz and CC=clang); owned by the data module
#
#   ./configure --enable-fuzz CC=clang && make fuzz
#   fuzz/fuzz_shard -max_total_time=300 tests/corpus/shard    (or fuzz/fuzz_csv ... csv,
#   fuzz/fuzz_router ... router, fuzz/fuzz_ckpt ... ckpt)
#
# The library sources a target exercises are compiled into it, so they carry
# libFuzzer's coverage instrumentation and the sanitizers. fuzz/replay.c
# feeds the committed corpora to the same entry points in `make check`
# (tests/data.mk; the checkpoint corpus tests/train.mk), built with the
# normal compiler.
FUZZ_DATA_SOURCES = src/data/checksum.c src/data/f16.c src/data/shard.c \
	src/data/shard_verify.c src/data/manifest.c src/data/traceset_read.c \
	src/data/traceset_write.c src/data/csv_rows.c src/data/csv_import.c src/data/router.c src/data/map_guard.c \
	src/util/atomic_file.c src/util/file_read.c src/util/err.c src/util/text.c src/util/rng.c src/util/interrupt.c
# fuzz_ckpt goes through the whole resume path: every core library's sources.
FUZZ_CORE_SOURCES = $(src_train_libtrain_a_SOURCES) $(src_train_libsnapshot_a_SOURCES) \
	$(src_models_libmodels_a_SOURCES) $(src_deploy_libdeploy_a_SOURCES) \
	$(src_metrics_libmetrics_a_SOURCES) $(src_data_libdata_a_SOURCES) \
	$(src_nn_libnn_a_SOURCES) $(src_util_libutil_a_SOURCES)
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
EXTRA_DIST += fuzz/README
if ENABLE_FUZZ
EXTRA_PROGRAMS += fuzz/fuzz_shard fuzz/fuzz_csv fuzz/fuzz_router fuzz/fuzz_ckpt
CLEANFILES += fuzz/fuzz_shard fuzz/fuzz_csv fuzz/fuzz_router fuzz/fuzz_ckpt
fuzz_fuzz_shard_SOURCES = fuzz/fuzz_shard.c $(FUZZ_DATA_SOURCES)
fuzz_fuzz_shard_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
fuzz_fuzz_shard_LDFLAGS = $(FUZZ_FLAGS)
fuzz_fuzz_shard_LDADD = $(EXT_LIBS)
fuzz_fuzz_csv_SOURCES = fuzz/fuzz_csv.c $(FUZZ_DATA_SOURCES)
fuzz_fuzz_csv_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
fuzz_fuzz_csv_LDFLAGS = $(FUZZ_FLAGS)
fuzz_fuzz_csv_LDADD = $(EXT_LIBS)
fuzz_fuzz_router_SOURCES = fuzz/fuzz_router.c $(FUZZ_DATA_SOURCES)
fuzz_fuzz_router_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
fuzz_fuzz_router_LDFLAGS = $(FUZZ_FLAGS)
fuzz_fuzz_router_LDADD = $(EXT_LIBS)
fuzz_fuzz_ckpt_SOURCES = fuzz/fuzz_ckpt.c tests/tiny_set.h $(FUZZ_CORE_SOURCES)
fuzz_fuzz_ckpt_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
fuzz_fuzz_ckpt_LDFLAGS = $(FUZZ_FLAGS)
fuzz_fuzz_ckpt_LDADD = $(EXT_LIBS)
fuzz: fuzz/fuzz_shard fuzz/fuzz_csv fuzz/fuzz_router fuzz/fuzz_ckpt
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzz CC=clang (needs clang and libclang-rt-14-dev)" >&2; exit 2
endif
.PHONY: fuzz
