/* embedding.c: table lookup forward/backward; see embedding.h. */
#include "nn/embedding.h"

void embedding_add_forward(float *out, const int32_t *ids, const float *table, size_t B,
                           size_t C)
{
    for (size_t b = 0; b < B; b++) {
        const float *row = table + (size_t)ids[b] * C;
        float *o = out + b * C;
        for (size_t c = 0; c < C; c++)
            o[c] += row[c];
    }
}

void embedding_backward(float *dtable, const float *dout, const int32_t *ids, size_t B,
                        size_t C)
{
    for (size_t b = 0; b < B; b++) {
        float *row = dtable + (size_t)ids[b] * C;
        const float *d = dout + b * C;
        for (size_t c = 0; c < C; c++)
            row[c] += d[c];
    }
}
