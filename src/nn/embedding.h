/*
 * embedding.h: table lookup (nn.Embedding), used for the layer id and,
 * later, learned positions. Ids are trusted here: the model checks them
 * against the table size once per batch, before any lookup.
 * Conventions as in linear.h: backward adds (+=).
 */
#ifndef MOESPEC_NN_EMBEDDING_H
#define MOESPEC_NN_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

/* out[B][C] = table[ids[b]][C]. */
void embedding_forward(float *out, const int32_t *ids, const float *table, size_t B, size_t C);
/* out[B][C] += table[ids[b]][C] (an embedding added to another activation). */
void embedding_add_forward(float *out, const int32_t *ids, const float *table, size_t B,
                           size_t C);
/* dtable[ids[b]][C] += dout[b][C] (the same for both forwards). */
void embedding_backward(float *dtable, const float *dout, const int32_t *ids, size_t B,
                        size_t C);

#endif
