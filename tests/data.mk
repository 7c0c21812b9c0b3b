# tests of data: the trace-set format, CSV import, fuzz-corpus replay.
check_PROGRAMS += tests/test_traceset
TESTS += tests/test_traceset
tests_test_traceset_SOURCES = tests/test_traceset.c tests/traceset_ref.c tests/traceset_ref.h
tests_test_traceset_CFLAGS = $(TEST_CFLAGS)
tests_test_traceset_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)
