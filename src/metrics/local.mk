# src/metrics: SPEC 3's metrics, chance formulas and baselines (no I/O).
noinst_LIBRARIES += src/metrics/libmetrics.a
CORE_LIBS += src/metrics/libmetrics.a
src_metrics_libmetrics_a_SOURCES = src/metrics/topk.c src/metrics/acc.c \
	src/metrics/result.c src/metrics/chance.c src/metrics/baseline.c
noinst_HEADERS += src/metrics/topk.h src/metrics/metrics.h src/metrics/chance.h \
	src/metrics/baseline.h
