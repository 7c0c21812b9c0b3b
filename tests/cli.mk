# tests of the command line (lead)
TESTS += tests/cli.sh
EXTRA_DIST += tests/cli.sh
TESTS += tests/collected_sets.sh tests/simulate_cli.sh tests/deploy_live.sh
# signals during gen, import and the demo build; litter; a damaged demo cache
TESTS += tests/interrupted_writes.sh
EXTRA_DIST += tests/interrupted_writes.sh
# the live simulation replays on threads beside the worker
THREADED_TESTS += tests/deploy_live.sh
EXTRA_DIST += tests/collected_sets.sh tests/simulate_cli.sh tests/deploy_live.sh tests/fixtures/collected/README \
	tests/fixtures/collected/qwen2_moe/manifest tests/fixtures/collected/qwen2_moe/shard-0000.bin \
	tests/fixtures/collected/qwen2_moe/router.safetensors \
	tests/fixtures/collected/mixtral/manifest tests/fixtures/collected/mixtral/shard-0000.bin \
	tests/fixtures/collected/mixtral/router.safetensors \
	tests/fixtures/collected/olmoe/manifest tests/fixtures/collected/olmoe/shard-0000.bin \
	tests/fixtures/collected/olmoe/router.safetensors \
	tests/fixtures/collected/deepseek_v2/manifest tests/fixtures/collected/deepseek_v2/shard-0000.bin \
	tests/fixtures/collected/deepseek_v2/router.safetensors
# the bad-input battery (P13): every class of bad file and option through
# the binary; bad_craft reseals crafted shards and checkpoints
TESTS += tests/bad_inputs.sh
EXTRA_DIST += tests/bad_inputs.sh tests/bad_lib.sh tests/bad_during.sh tests/bad_fsize.sh
check_PROGRAMS += tests/bad_craft
tests_bad_craft_SOURCES = tests/bad_craft.c
tests_bad_craft_LDADD = src/data/libdata.a
