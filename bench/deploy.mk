# bench_replay: SPEC 11 replay throughput on a synthetic million-token trace.
EXTRA_PROGRAMS += bench/bench_replay
BENCH_BINS += bench/bench_replay
bench_bench_replay_SOURCES = bench/bench_replay.c
bench_bench_replay_LDADD = src/deploy/libdeploy.a src/metrics/libmetrics.a src/util/libutil.a $(EXT_LIBS)
