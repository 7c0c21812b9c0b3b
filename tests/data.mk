# tests of data: the trace-set format, CSV import, fuzz-corpus replay.
check_PROGRAMS += tests/test_traceset
TESTS += tests/test_traceset
tests_test_traceset_SOURCES = tests/test_traceset.c tests/traceset_ref.c tests/traceset_ref.h
tests_test_traceset_CFLAGS = $(TEST_CFLAGS)
tests_test_traceset_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)
# synth helper: the synthetic MoE, profiles, routing statistics, gen command.
check_PROGRAMS += tests/test_synth tests/test_routestats
TESTS += tests/test_synth tests/test_routestats tests/gen.sh
EXTRA_DIST += tests/gen.sh
tests_test_synth_SOURCES = tests/test_synth.c
tests_test_synth_CFLAGS = $(TEST_CFLAGS)
tests_test_synth_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)
tests_test_routestats_SOURCES = tests/test_routestats.c
tests_test_routestats_CFLAGS = $(TEST_CFLAGS)
tests_test_routestats_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)

check_PROGRAMS += tests/test_csv_import
TESTS += tests/test_csv_import
tests_test_csv_import_SOURCES = tests/test_csv_import.c tests/traceset_ref.c
tests_test_csv_import_CFLAGS = $(TEST_CFLAGS)
tests_test_csv_import_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)

check_PROGRAMS += tests/test_traceset_corrupt
TESTS += tests/test_traceset_corrupt
tests_test_traceset_corrupt_SOURCES = tests/test_traceset_corrupt.c tests/traceset_ref.c
tests_test_traceset_corrupt_CFLAGS = $(TEST_CFLAGS)
tests_test_traceset_corrupt_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)

TESTS += tests/data_cli.sh
EXTRA_DIST += tests/data_cli.sh

# The fuzz corpora, replayed through the fuzz targets' entry points (fuzz/).
check_PROGRAMS += tests/test_fuzz_replay_shard tests/test_fuzz_replay_csv
TESTS += tests/test_fuzz_replay_shard tests/test_fuzz_replay_csv
tests_test_fuzz_replay_shard_SOURCES = fuzz/replay.c fuzz/fuzz_shard.c
tests_test_fuzz_replay_shard_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_CORPUS='"shard"'
tests_test_fuzz_replay_shard_LDADD = src/data/libdata.a src/util/libutil.a $(EXT_LIBS)
tests_test_fuzz_replay_csv_SOURCES = fuzz/replay.c fuzz/fuzz_csv.c
tests_test_fuzz_replay_csv_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_CORPUS='"csv"'
tests_test_fuzz_replay_csv_LDADD = src/data/libdata.a src/util/libutil.a $(EXT_LIBS)
check_PROGRAMS += tests/test_fuzz_replay_router
TESTS += tests/test_fuzz_replay_router
tests_test_fuzz_replay_router_SOURCES = fuzz/replay.c fuzz/fuzz_router.c
tests_test_fuzz_replay_router_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_CORPUS='"router"'
tests_test_fuzz_replay_router_LDADD = src/data/libdata.a src/util/libutil.a $(EXT_LIBS)
EXTRA_DIST += tests/fixtures/make_router_corpus.py

# The router reader and its place in a trace set.
check_PROGRAMS += tests/test_router
TESTS += tests/test_router tests/router_cli.sh
EXTRA_DIST += tests/router_cli.sh
tests_test_router_SOURCES = tests/test_router.c tests/traceset_ref.c
tests_test_router_CFLAGS = $(TEST_CFLAGS)
tests_test_router_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)
EXTRA_DIST += tests/corpus
