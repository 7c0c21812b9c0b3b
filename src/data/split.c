/* split.c: train/validation split by sequence; see split.h. */
#include "data/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

int split_by_sequence(int64_t n_seqs, double frac, uint64_t seed, uint8_t *is_val,
                      const char *path, Err *e)
{
    memset(is_val, 0, (size_t)n_seqs);
    if (frac <= 0.0)
        return ERR_OK;
    int64_t n_val = (int64_t)llround(frac * (double)n_seqs);
    if (n_val < 1)
        n_val = 1;
    if (n_val >= n_seqs)
        return err_set(e, ERR_INPUT,
                       "%s: %lld sequences cannot be split with --val-frac %g "
                       "(each side needs at least one)", path, (long long)n_seqs, frac);
    uint64_t *order = malloc((size_t)n_seqs * sizeof *order);
    if (!order)
        return err_set(e, ERR_RUNTIME, "out of memory");
    for (int64_t i = 0; i < n_seqs; i++)
        order[i] = (uint64_t)i;
    rng_shuffle_u64(order, n_seqs, seed ^ 0xbb67ae8584caa73bull);
    for (int64_t i = 0; i < n_val; i++)
        is_val[order[i]] = 1;
    free(order);
    return ERR_OK;
}
