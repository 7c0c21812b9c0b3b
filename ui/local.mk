# ui: the program (main, command layer) and, later, the curses dashboard.
bin_PROGRAMS += moespec
moespec_SOURCES = ui/main.c ui/opts.c ui/cmd_train.c ui/cmd_gen.c ui/cmd_import.c \
	ui/cmd_info.c ui/cmd_eval.c ui/cmd_simulate.c ui/demo_data.c ui/progress_bar.c ui/headless.c ui/stop_signal.c ui/cli_export.c ui/train_resume.c
noinst_HEADERS += ui/commands.h ui/opts.h ui/demo_data.h ui/progress_bar.h ui/headless.h ui/stop_signal.h ui/cli_export.h ui/train_resume.h
moespec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui $(NCURSES_CFLAGS)
moespec_LDADD = $(CORE_LIBS) $(NCURSES_LIBS) $(EXT_LIBS)
# the dashboard (dash)
moespec_SOURCES += ui/canvas.c ui/chart.c ui/crt.c ui/keys.c ui/layout.c ui/dashboard.c \
	ui/panel_status.c ui/panel_loss.c ui/panel_topk.c ui/panel_coverage.c \
	ui/panel_confusion.c ui/panel_compare.c ui/panel_deploy.c ui/panel_overlay.c
noinst_HEADERS += ui/canvas.h ui/chart.h ui/crt.h ui/keys.h ui/panels.h ui/dashboard.h
# the terminal given back on a fatal signal (armed by crt.c)
moespec_SOURCES += ui/fatal_signal.c
noinst_HEADERS += ui/fatal_signal.h
# text captures of the dashboard on the demo set (dash), for the README
EXTRA_DIST += docs/dashboard-120x40.txt docs/dashboard-80x24.txt
