# tests of deploy
check_PROGRAMS += tests/test_deploy
TESTS += tests/test_deploy
tests_test_deploy_SOURCES = tests/test_deploy.c
tests_test_deploy_CFLAGS = $(TEST_CFLAGS)
tests_test_deploy_LDADD = src/deploy/libdeploy.a src/metrics/libmetrics.a src/util/libutil.a $(TEST_EXT)
