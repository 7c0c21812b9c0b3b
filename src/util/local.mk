# src/util: small shared helpers of the core (errors, atomic files).
src_libmoespec_a_SOURCES += src/util/err.c
noinst_HEADERS += src/util/err.h
