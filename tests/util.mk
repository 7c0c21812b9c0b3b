# tests of util: atomic files and directories, the CSV writer.
# fsync and rename are wrapped so the test can make them fail (ENOSPC, EIO),
# paths no real file system reaches on demand.
check_PROGRAMS += tests/test_files
TESTS += tests/test_files
tests_test_files_SOURCES = tests/test_files.c
tests_test_files_CFLAGS = $(TEST_CFLAGS)
tests_test_files_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=fsync -Wl,--wrap=rename
tests_test_files_LDADD = src/util/libutil.a $(TEST_EXT)
