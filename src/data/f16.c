/*
 * f16.c: IEEE binary16 <-> binary32 conversion (declared in traceset.h).
 *
 * Bit manipulation only (after F. Giesen's exact "magic number" method):
 * f16 -> f32 is exact for every input, subnormals included; f32 -> f16
 * rounds to nearest even, overflows to Inf and maps NaN to a quiet NaN. No
 * F16C intrinsics, so it builds anywhere; the bulk f16 -> f32 loop is
 * branch-free and vectorises under -O2 (the batcher's hot loop).
 */
#include "data/traceset.h"

#include <string.h>

#include "util/simd.h"

static inline uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Branch-free, so that loops over it vectorise: every case is computed and
 * the right one selected with masks. o holds exponent and mantissa moved
 * to their f32 places; the exponent is rebiased (+112), all-ones
 * exponents (Inf/NaN) get another +112, and zero/subnormal inputs are
 * renormalised by one float subtraction. */
static inline float f16_to_f32_inline(uint16_t hv)
{
    const uint32_t h = hv;
    const uint32_t o = (h & 0x7fffu) << 13;
    const uint32_t exp = o & (0x1fu << 23);
    const uint32_t m_inf = 0u - (((exp + (1u << 23)) >> 28) & 1u); /* exp all ones */
    const uint32_t m_sub = 0u - ((exp - 1u) >> 31);                /* exp zero */
    uint32_t r = o + (112u << 23) + (m_inf & (112u << 23));
    uint32_t sub = bits_of(float_of(o + (113u << 23)) - float_of(113u << 23));
    r = (r & ~m_sub) | (sub & m_sub);
    return float_of(r | (h & 0x8000u) << 16);
}

float f16_to_f32(uint16_t h)
{
    return f16_to_f32_inline(h);
}

uint16_t f32_to_f16(float f)
{
    const uint32_t f32_inf = 255u << 23;
    const uint32_t f16_max = (127u + 16u) << 23;                /* 65536.0f */
    const uint32_t denorm_magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    uint32_t u = bits_of(f);
    uint32_t sign = u & 0x80000000u;
    uint32_t o;
    u ^= sign;
    if (u >= f16_max) {
        o = u > f32_inf ? 0x7e00u : 0x7c00u;
    } else if (u < (113u << 23)) {
        /* result is subnormal or zero: let the FPU round the mantissa */
        uint32_t r = bits_of(float_of(u) + float_of(denorm_magic));
        o = r - denorm_magic;
    } else {
        uint32_t mant_odd = (u >> 13) & 1u;
        u += ((uint32_t)(15 - 127) << 23) + 0xfffu;
        u += mant_odd;
        o = u >> 13;
    }
    return (uint16_t)(o | (sign >> 16));
}

/* NN_HOT: the batcher's hot loop, at AVX-512's width where there is one. */
NN_HOT void f16_to_f32_n(const uint16_t *in, float *out, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) /* fixed-length blocks vectorise at -O2 */
        for (size_t j = 0; j < 16; j++)
            out[i + j] = f16_to_f32_inline(in[i + j]);
    for (; i < n; i++)
        out[i] = f16_to_f32_inline(in[i]);
}

void traceset_seq_hidden(const TraceHeader *h, const TraceSeqView *v, int t, int layer,
                         float *out)
{
    size_t D = (size_t)h->D;
    size_t row = ((size_t)t * (size_t)h->L + (size_t)layer) * D;
    if (h->dtype == DTYPE_F16)
        f16_to_f32_n((const uint16_t *)v->hidden + row, out, D);
    else
        memcpy(out, (const float *)v->hidden + row, D * sizeof *out);
}
