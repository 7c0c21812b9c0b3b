/*
 * rng.c: xoshiro256** (Blackman and Vigna, 2018) seeded by splitmix64; see
 * rng.h. Chosen because its state is small, plain data and fast to step,
 * which is what exact checkpoint/resume of dropout masks needs.
 */
#include "nn/rng.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        r->s[i] = splitmix64(&x);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs
     * are never all zero; no further check is needed. */
}

uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(Rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

float rng_uniform_f(Rng *r)
{
    return (float)(rng_next(r) >> 40) * 0x1.0p-24f;
}

uint64_t rng_below(Rng *r, uint64_t n)
{
    /* Reject the top partial block of 2^64 so every residue is equally
     * likely; the loop runs more than once with probability < n / 2^64. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_next(r);
    while (x >= limit);
    return x % n;
}

double rng_normal(Rng *r)
{
    double u1 = 1.0 - rng_uniform(r); /* (0, 1]: log(u1) is finite */
    double u2 = rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void rng_jump(Rng *r)
{
    static const uint64_t jump[RNG_STATE_WORDS] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                                   0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
    uint64_t acc[RNG_STATE_WORDS] = {0, 0, 0, 0};
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        for (int b = 0; b < 64; b++) {
            if (jump[i] & ((uint64_t)1 << b))
                for (int w = 0; w < RNG_STATE_WORDS; w++)
                    acc[w] ^= r->s[w];
            rng_next(r);
        }
    for (int w = 0; w < RNG_STATE_WORDS; w++)
        r->s[w] = acc[w];
}

void rng_save(const Rng *r, uint64_t out[RNG_STATE_WORDS])
{
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        out[i] = r->s[i];
}

int rng_restore(Rng *r, const uint64_t in[RNG_STATE_WORDS], Err *e)
{
    if ((in[0] | in[1] | in[2] | in[3]) == 0)
        return err_set(e, ERR_INPUT, "rng: all-zero state is not a valid xoshiro256** state");
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        r->s[i] = in[i];
    return ERR_OK;
}
