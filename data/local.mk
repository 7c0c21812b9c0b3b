# data: the synthetic-MoE profiles. The program has them compiled in
# (src/data/profile.c), so it needs no data files at run time; these are
# their documented source (test_synth checks that the two agree), installed
# as examples for `moespec gen --profile FILE.conf`.
profilesdir = $(pkgdatadir)/profiles
dist_profiles_DATA = data/profiles/demo.conf data/profiles/qwen1.5-moe-a2.7b.conf \
	data/profiles/mixtral-8x7b.conf data/profiles/olmoe-1b-7b.conf \
	data/profiles/deepseek-v2-lite.conf
# The probe that checks the synthetic sets' residual-stream property (manual;
# needs numpy and torch; see its header).
EXTRA_DIST += tools/synth_probe.py
