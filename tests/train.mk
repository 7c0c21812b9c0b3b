# tests of src/train and the batcher (lead)
check_PROGRAMS += tests/test_train tests/test_batcher
TESTS += tests/test_train tests/test_batcher
THREADED_TESTS += tests/test_train
tests_test_train_SOURCES = tests/test_train.c tests/test_train_fixture.h
tests_test_train_CFLAGS = $(TEST_CFLAGS)
tests_test_train_LDADD = $(CORE_LIBS) $(TEST_EXT)
tests_test_batcher_SOURCES = tests/test_batcher.c
tests_test_batcher_CFLAGS = $(TEST_CFLAGS)
tests_test_batcher_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)
TESTS += tests/train_e2e.sh
EXTRA_DIST += tests/train_e2e.sh
# checkpoints, exact resume and eval (ckpt)
check_PROGRAMS += tests/test_checkpoint
TESTS += tests/test_checkpoint
THREADED_TESTS += tests/test_checkpoint
tests_test_checkpoint_SOURCES = tests/test_checkpoint.c tests/test_train_fixture.h
tests_test_checkpoint_CFLAGS = $(TEST_CFLAGS)
tests_test_checkpoint_LDADD = $(CORE_LIBS) $(TEST_EXT)
TESTS += tests/ckpt_e2e.sh
EXTRA_DIST += tests/ckpt_e2e.sh
