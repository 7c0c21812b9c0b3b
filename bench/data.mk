# bench: trace read throughput (data module)
EXTRA_PROGRAMS += bench/bench_read
BENCH_BINS += bench/bench_read
bench_bench_read_SOURCES = bench/bench_read.c
bench_bench_read_LDADD = src/data/libdata.a src/util/libutil.a $(EXT_LIBS)
