# src/util: small shared helpers of the core (errors, atomic files).
noinst_LIBRARIES += src/util/libutil.a
CORE_LIBS += src/util/libutil.a
src_util_libutil_a_SOURCES = src/util/err.c
noinst_HEADERS += src/util/err.h
src_util_libutil_a_SOURCES += src/util/atomic_file.c src/util/csv_write.c
noinst_HEADERS += src/util/atomic_file.h src/util/csv_write.h
