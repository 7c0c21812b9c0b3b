# man: moespec(1) (lead) and moespec-traces(5) (data module).
dist_man_MANS += man/moespec.1
dist_man_MANS += man/moespec-traces.5
