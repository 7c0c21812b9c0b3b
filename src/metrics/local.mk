# src/metrics: files of this folder (see the top-level Makefile.am)
