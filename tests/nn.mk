# tests of nn: finite-difference checks, BLAS vs naive, losses, RNG, AdamW.
check_PROGRAMS += tests/test_nn
TESTS += tests/test_nn
tests_test_nn_SOURCES = tests/test_nn.c tests/test_nn_grad.c tests/test_nn.h
tests_test_nn_CFLAGS = $(TEST_CFLAGS)
tests_test_nn_LDADD = src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
# the windowed models' layers: attention, positions, transformer layer, BCE.
check_PROGRAMS += tests/test_attention
TESTS += tests/test_attention
tests_test_attention_SOURCES = tests/test_attention.c
tests_test_attention_CFLAGS = $(TEST_CFLAGS)
tests_test_attention_LDADD = src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
# the logical-GEMM log the training bench replays, and the shapes the layers log.
check_PROGRAMS += tests/test_gemm_log
TESTS += tests/test_gemm_log
tests_test_gemm_log_SOURCES = tests/test_gemm_log.c
tests_test_gemm_log_CFLAGS = $(TEST_CFLAGS)
tests_test_gemm_log_LDADD = src/nn/libnn.a src/util/libutil.a $(TEST_EXT)
