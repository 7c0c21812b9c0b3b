# tests of models: the simple predictor against PyTorch fixtures (made by
# tests/fixtures/make_simple_fixture.py with Debian's python3-torch; the
# tests themselves never need PyTorch).
check_PROGRAMS += tests/test_simple
TESTS += tests/test_simple
tests_test_simple_SOURCES = tests/test_simple.c
tests_test_simple_CFLAGS = $(TEST_CFLAGS)
tests_test_simple_LDADD = src/models/libmodels.a src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
EXTRA_DIST += tests/fixtures/make_simple_fixture.py tests/fixtures/simple_layerid.bin \
	tests/fixtures/simple_nolayerid.bin
