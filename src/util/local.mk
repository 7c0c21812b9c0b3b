# src/util: small shared helpers of the core (errors, atomic files, the CSV
# writer, the RNG, text trimming). The bottom layer: knows libc (and libm).
noinst_LIBRARIES += src/util/libutil.a
CORE_LIBS += src/util/libutil.a
src_util_libutil_a_SOURCES = src/util/err.c
noinst_HEADERS += src/util/err.h
src_util_libutil_a_SOURCES += src/util/file_read.c src/util/atomic_file.c src/util/csv_write.c
noinst_HEADERS += src/util/file_read.h src/util/atomic_file.h src/util/csv_write.h
src_util_libutil_a_SOURCES += src/util/rng.c src/util/text.c
noinst_HEADERS += src/util/rng.h src/util/text.h src/util/simd.h
src_util_libutil_a_SOURCES += src/util/interrupt.c
noinst_HEADERS += src/util/interrupt.h
