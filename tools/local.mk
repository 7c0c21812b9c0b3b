# tools: the Hugging Face trace collector (Python; not built, shipped).
EXTRA_DIST += tools/collect_traces.py tools/moespec_traces.py tools/test_collect.py
