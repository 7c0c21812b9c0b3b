/* init.c: Xavier-uniform, normal and constant fills; see init.h. */
#include "nn/init.h"

#include <math.h>

void init_xavier_uniform(float *w, size_t fan_out, size_t fan_in, Rng *r)
{
    double bound = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < fan_out * fan_in; i++)
        w[i] = (float)(bound * (2.0 * rng_uniform(r) - 1.0));
}

void init_normal(float *x, size_t n, double std, Rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(std * rng_normal(r));
}

void init_fill(float *x, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        x[i] = v;
}
