/*
 * slice.h: carving a flat float block into consecutive slices, the way
 * every model and the transformer layer lay out their parameter,
 * gradient and activation blocks (llm.c's one-allocation style).
 *
 * A layout function calls slice_take for each buffer in a fixed order and
 * returns how far the cursor moved, which the models check against the
 * closed-form counts their blocks were sized with. Not here: allocation.
 */
#ifndef MOESPEC_NN_SLICE_H
#define MOESPEC_NN_SLICE_H

#include <stddef.h>

/* The next n floats at *cursor; advances *cursor past them. */
static inline float *slice_take(float **cursor, size_t n)
{
    float *p = *cursor;
    *cursor += n;
    return p;
}

#endif
