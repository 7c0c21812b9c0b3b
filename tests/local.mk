# tests: cmocka binaries (one per module, listed in tests/*.mk fragments owned
# by each module), shell end-to-end tests (tests/*.sh; exit 77 = skipped).
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
# Tests find fixtures through srcdir and keep caches private; the paths are
# absolute because each shell test runs in its own directory (tests/lib.sh).
AM_TESTS_ENVIRONMENT = \
	srcdir='$(abs_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	MOESPEC='$(abs_top_builddir)/moespec'; \
	XDG_CACHE_HOME='$(abs_top_builddir)/tests/cache'; \
	export srcdir top_builddir MOESPEC XDG_CACHE_HOME;
# A module test links its own library, those below it and $(TEST_EXT).
TEST_EXT = $(EXT_LIBS) $(CMOCKA_LIBS)
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
noinst_HEADERS += tests/test_util.h tests/test_fixture.h
EXTRA_DIST += tests/lib.sh

# Tests that run worker threads (fragments append); .ci/run runs these under
# ThreadSanitizer.
THREADED_TESTS =

if ENABLE_TESTS
include tests/cli.mk
include tests/util.mk
include tests/nn.mk
include tests/models.mk
include tests/data.mk
include tests/metrics.mk
include tests/deploy.mk
include tests/train.mk
include tests/ui.mk
endif

clean-local: clean-test-cache
clean-test-cache:
	-rm -rf tests/cache tests/tmp
.PHONY: clean-test-cache

print-threaded-tests:
	@echo $(THREADED_TESTS)
.PHONY: print-threaded-tests
