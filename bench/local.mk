# bench: benchmarks with side-by-side references (not tests). Built by
# `make bench`; each bench prints its reference, the ratio, and the active
# OpenBLAS core and thread count. A fragment adds its program with
#   EXTRA_PROGRAMS += bench/bench_x
#   BENCH_BINS += bench/bench_x
BENCH_BINS =
EXTRA_PROGRAMS =
include bench/data.mk
include bench/train.mk
include bench/deploy.mk
noinst_HEADERS += bench/clock.h
CLEANFILES += $(BENCH_BINS)
bench: $(BENCH_BINS)
.PHONY: bench
