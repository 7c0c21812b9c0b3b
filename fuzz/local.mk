# fuzz: libFuzzer targets (built only with --enable-fuzz and CC=clang); owned by the data module
