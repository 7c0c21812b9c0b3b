# src/deploy: SPEC 11's deployment simulator (pure: routing and predictions in, numbers out).
noinst_LIBRARIES += src/deploy/libdeploy.a
CORE_LIBS += src/deploy/libdeploy.a
src_deploy_libdeploy_a_SOURCES = src/deploy/sim.c src/deploy/replay.c src/deploy/pred.c
noinst_HEADERS += src/deploy/sim.h
