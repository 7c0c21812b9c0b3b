/*
 * text.h: what the line-based readers (the trace-set manifest, synthetic
 * profiles) share for taking a line apart.
 *
 * Not here: parsing values or reporting errors (each reader's own).
 */
#ifndef MOESPEC_UTIL_TEXT_H
#define MOESPEC_UTIL_TEXT_H

/* Strips leading spaces and tabs and trailing spaces, tabs and '\r' (a
 * file written on Windows) in place; returns the first kept character. */
char *text_trim(char *s);

#endif
