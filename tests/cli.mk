# tests of the command line (lead)
TESTS += tests/cli.sh
EXTRA_DIST += tests/cli.sh
