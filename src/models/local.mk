# src/models: the predictor architectures behind one interface (model.h).
# Knows src/nn (and util for errors).
noinst_LIBRARIES += src/models/libmodels.a
CORE_LIBS += src/models/libmodels.a
src_models_libmodels_a_SOURCES = src/models/arch.c src/models/model.c src/models/linear.c \
	src/models/simple.c src/models/hybrid.c src/models/complex.c src/models/window.c
noinst_HEADERS += src/models/arch.h src/models/model.h src/models/linear.h \
	src/models/simple.h src/models/hybrid.h src/models/complex.h src/models/window.h
