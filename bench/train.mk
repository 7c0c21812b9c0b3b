# bench: simple-predictor training throughput vs PyTorch (lead)
EXTRA_PROGRAMS += bench/bench_train
BENCH_BINS += bench/bench_train
bench_bench_train_SOURCES = bench/bench_train.c
bench_bench_train_LDADD = src/models/libmodels.a src/nn/libnn.a src/util/libutil.a $(EXT_LIBS)
EXTRA_DIST += bench/bench_train_torch.py bench/bench_train.sh
