/*
 * rng.c: splitmix64 and xoshiro256**; see rng.h (rng_next and the uniforms
 * are inline there). xoshiro256** was chosen because its state is small,
 * plain data and fast to step, which is what exact checkpoint/resume of
 * dropout masks needs; splitmix64 because one multiply-xorshift pass turns
 * any key (a seed, an epoch) into well-mixed bits.
 */
#include "util/rng.h"

#include <math.h>

uint64_t rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_splitmix64(uint64_t *state)
{
    return rng_mix64(*state += 0x9e3779b97f4a7c15ULL);
}

void rng_shuffle_u64(uint64_t *v, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(rng_splitmix64(&s) % (uint64_t)(i + 1));
        uint64_t t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

void rng_seed(Rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < RNG_STATE_WORDS; i++)
        r->s[i] = rng_splitmix64(&x);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs
     * are never all zero; no further check is needed. */
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
