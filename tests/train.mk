# tests of src/train and the batcher (lead)
check_PROGRAMS += tests/test_train tests/test_batcher
TESTS += tests/test_train tests/test_batcher
THREADED_TESTS += tests/test_train
tests_test_train_SOURCES = tests/test_train.c tests/test_train_fixture.h tests/tiny_set.h
tests_test_train_CFLAGS = $(TEST_CFLAGS)
tests_test_train_LDADD = $(CORE_LIBS) $(TEST_EXT)
tests_test_batcher_SOURCES = tests/test_batcher.c
tests_test_batcher_CFLAGS = $(TEST_CFLAGS)
tests_test_batcher_LDADD = src/data/libdata.a src/util/libutil.a $(TEST_EXT)
TESTS += tests/train_e2e.sh
THREADED_TESTS += tests/train_e2e.sh
EXTRA_DIST += tests/train_e2e.sh
# checkpoints, exact resume and eval (ckpt)
check_PROGRAMS += tests/test_checkpoint
TESTS += tests/test_checkpoint
THREADED_TESTS += tests/test_checkpoint
tests_test_checkpoint_SOURCES = tests/test_checkpoint.c tests/test_train_fixture.h tests/tiny_set.h
tests_test_checkpoint_CFLAGS = $(TEST_CFLAGS)
tests_test_checkpoint_LDADD = $(CORE_LIBS) $(TEST_EXT)
TESTS += tests/ckpt_e2e.sh
THREADED_TESTS += tests/ckpt_e2e.sh
EXTRA_DIST += tests/ckpt_e2e.sh
# a shard truncated while mapped: exit 3 and a checkpoint of every run
TESTS += tests/shard_truncated.sh
THREADED_TESTS += tests/shard_truncated.sh
EXTRA_DIST += tests/shard_truncated.sh
# a version-1 checkpoint (made by moespec before the rank field: a 12-step
# simple run on `moespec gen --profile demo --experts 8 --top-k 2 --layers 4
# --dim 16 --seqs 24 --seq-len 32 --dtype f32 --seed 5`, --batch 64
# --eval-every 5 --threads 1 --stop-at 12)
EXTRA_DIST += tests/fixtures/ckpt_v1_simple.ckpt
# the checkpoint fuzz corpus (tests/corpus/ckpt, seeded by
# tests/fixtures/make_ckpt_corpus.py), replayed through fuzz/fuzz_ckpt.c:
# parse, then the --resume path on the target's own generated set
check_PROGRAMS += tests/test_fuzz_replay_ckpt
TESTS += tests/test_fuzz_replay_ckpt
THREADED_TESTS += tests/test_fuzz_replay_ckpt
tests_test_fuzz_replay_ckpt_SOURCES = fuzz/replay.c fuzz/fuzz_ckpt.c tests/tiny_set.h
tests_test_fuzz_replay_ckpt_CPPFLAGS = $(AM_CPPFLAGS) -DREPLAY_CORPUS='"ckpt"'
tests_test_fuzz_replay_ckpt_LDADD = $(CORE_LIBS) $(EXT_LIBS)
EXTRA_DIST += tests/fixtures/make_ckpt_corpus.py
