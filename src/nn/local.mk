# src/nn: files of this folder (see the top-level Makefile.am)
