# tests of util: atomic files and directories, the CSV writer.
# fsync and rename are wrapped so the test can make them fail (ENOSPC, EIO),
# paths no real file system reaches on demand.
check_PROGRAMS += tests/test_files
TESTS += tests/test_files
tests_test_files_SOURCES = tests/test_files.c
tests_test_files_CFLAGS = $(TEST_CFLAGS)
tests_test_files_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=fsync -Wl,--wrap=rename
tests_test_files_LDADD = src/util/libutil.a $(TEST_EXT)
# the one RNG (splitmix64, xoshiro256**, the shuffle): known answers.
check_PROGRAMS += tests/test_rng
TESTS += tests/test_rng
tests_test_rng_SOURCES = tests/test_rng.c
tests_test_rng_CFLAGS = $(TEST_CFLAGS)
tests_test_rng_LDADD = src/util/libutil.a $(TEST_EXT)
