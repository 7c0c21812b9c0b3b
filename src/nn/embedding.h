/*
 * embedding.h: table lookup (nn.Embedding), added to an activation: the
 * layer-id embedding of all three models (learned positions, indexed by
 * place in the window, are attention.h's posemb). Ids are trusted here:
 * the model checks them against the table size once per batch, before any
 * lookup.
 * Conventions as in linear.h: backward adds (+=).
 */
#ifndef MOESPEC_NN_EMBEDDING_H
#define MOESPEC_NN_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

/* out[B][C] += table[ids[b]][C] (an embedding added to another activation). */
void embedding_add_forward(float *out, const int32_t *ids, const float *table, size_t B,
                           size_t C);
/* dtable[ids[b]][C] += dout[b][C]. */
void embedding_backward(float *dtable, const float *dout, const int32_t *ids, size_t B,
                        size_t C);

#endif
