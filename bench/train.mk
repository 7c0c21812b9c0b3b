# bench: training throughput of each architecture vs PyTorch and vs the
# GEMM-only floor of the same step (lead)
EXTRA_PROGRAMS += bench/bench_train
BENCH_BINS += bench/bench_train
bench_bench_train_SOURCES = bench/bench_train.c bench/bench_floor.c bench/bench_floor.h
bench_bench_train_LDADD = src/models/libmodels.a src/nn/libnn.a src/util/libutil.a $(EXT_LIBS)
EXTRA_DIST += bench/bench_train_torch.py bench/bench_train_torch_check.py bench/bench_train.sh
