# bench: benchmarks with side-by-side references (not tests). Built by
# `make bench`; each bench prints its reference, the ratio, and the active
# OpenBLAS core and thread count.
BENCH_PROGRAMS =
include bench/data.mk
include bench/train.mk
EXTRA_PROGRAMS = $(BENCH_PROGRAMS)
CLEANFILES += $(BENCH_PROGRAMS)
bench: $(BENCH_PROGRAMS)
.PHONY: bench
