# src/nn: the layer library (forward/backward pairs over flat float buffers,
# AdamW, clipping, schedule, initialisation). Knows cblas, libc and src/util
# (errors, the RNG).
noinst_LIBRARIES += src/nn/libnn.a
CORE_LIBS += src/nn/libnn.a
src_nn_libnn_a_SOURCES = src/nn/blas.c src/nn/pool.c src/nn/linear.c src/nn/layernorm.c src/nn/activation.c \
	src/nn/embedding.c src/nn/loss.c src/nn/adamw.c \
	src/nn/attention.c src/nn/transformer.c src/nn/bce.c src/nn/init.c \
	src/nn/gemm_log.c
noinst_HEADERS += src/nn/blas.h src/nn/pool.h src/nn/linear.h src/nn/layernorm.h src/nn/activation.h \
	src/nn/embedding.h src/nn/loss.h src/nn/adamw.h \
	src/nn/attention.h src/nn/transformer.h src/nn/bce.h src/nn/init.h \
	src/nn/slice.h src/nn/gemm_log.h
