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
# the windowed predictors against PyTorch fixtures (made by
# tests/fixtures/make_window_fixture.py), finite differences, causality.
check_PROGRAMS += tests/test_hybrid tests/test_complex
TESTS += tests/test_hybrid tests/test_complex
tests_test_hybrid_SOURCES = tests/test_hybrid.c tests/test_window_util.h
tests_test_hybrid_CFLAGS = $(TEST_CFLAGS)
tests_test_hybrid_LDADD = src/models/libmodels.a src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
tests_test_complex_SOURCES = tests/test_complex.c tests/test_window_util.h
tests_test_complex_CFLAGS = $(TEST_CFLAGS)
tests_test_complex_LDADD = src/models/libmodels.a src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
EXTRA_DIST += tests/fixtures/make_window_fixture.py tests/fixtures/hybrid_layerid.bin \
	tests/fixtures/hybrid_nolayerid.bin tests/fixtures/complex_layerid.bin \
	tests/fixtures/complex_nolayerid.bin
# the linear predictor against PyTorch fixtures (made by
# tests/fixtures/make_linear_fixture.py), finite differences, the grouped
# GEMMs against a per-row reference.
check_PROGRAMS += tests/test_linear
TESTS += tests/test_linear
tests_test_linear_SOURCES = tests/test_linear.c
tests_test_linear_CFLAGS = $(TEST_CFLAGS)
tests_test_linear_LDADD = src/models/libmodels.a src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
EXTRA_DIST += tests/fixtures/make_linear_fixture.py tests/fixtures/linear_layerid.bin \
	tests/fixtures/linear_nolayerid.bin tests/fixtures/linear_rank.bin
