# tests of ui: the dashboard (dash). test_ui compiles the dashboard's pure
# pieces (no crt.c, no dashboard.c: no terminal needed) with the core they
# read (snapshot types); curses.h is included for key codes only.
check_PROGRAMS += tests/test_ui
TESTS += tests/test_ui
tests_test_ui_SOURCES = tests/test_ui.c ui/canvas.c ui/chart.c ui/keys.c ui/layout.c \
	ui/panel_status.c ui/panel_loss.c ui/panel_topk.c ui/panel_coverage.c \
	ui/panel_confusion.c ui/panel_compare.c ui/panel_deploy.c ui/panel_overlay.c
tests_test_ui_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui $(NCURSES_CFLAGS)
tests_test_ui_CFLAGS = $(TEST_CFLAGS)
# Linked against the snapshot and command library alone (and util for
# errors): a panel that calls into the trainer, a model or a metric does not link.
tests_test_ui_LDADD = src/train/libsnapshot.a src/util/libutil.a $(NCURSES_LIBS) $(PTHREAD_LIBS) $(MATH_LIBS) $(CMOCKA_LIBS)
TESTS += tests/dashboard_noterm.sh tests/dashboard_keys.sh tests/dashboard_life.sh \
	tests/dashboard_signals.sh
EXTRA_DIST += tests/tmux.sh tests/dashboard_noterm.sh tests/dashboard_keys.sh \
	tests/dashboard_life.sh tests/dashboard_signals.sh
# the signal endings run the worker thread while signals arrive: also under TSan
THREADED_TESTS += tests/dashboard_signals.sh tests/dashboard_keys.sh tests/dashboard_life.sh
