/*
 * f16.c: IEEE binary16 <-> binary32 conversion (declared in traceset.h).
 *
 * Bit manipulation only (F. Giesen's exact "magic number" method): f16 -> f32
 * is exact for every input, subnormals included; f32 -> f16 rounds to
 * nearest even, overflows to Inf and maps NaN to a quiet NaN. No F16C
 * intrinsics, so it builds anywhere; the bulk loop vectorises under -O2.
 */
#include "data/traceset.h"

#include <string.h>

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

float f16_to_f32(uint16_t h)
{
    const uint32_t shifted_exp = 0x7c00u << 13; /* exponent mask after the shift */
    uint32_t o = (uint32_t)(h & 0x7fffu) << 13;
    uint32_t exp = shifted_exp & o;
    o += (uint32_t)(127 - 15) << 23;          /* exponent adjust */
    if (exp == shifted_exp) {
        o += (uint32_t)(128 - 16) << 23;      /* Inf / NaN */
    } else if (exp == 0) {                    /* zero / subnormal: renormalise */
        o += 1u << 23;
        o = bits_of(float_of(o) - float_of(113u << 23));
    }
    o |= (uint32_t)(h & 0x8000u) << 16;
    return float_of(o);
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

void f16_to_f32_n(const uint16_t *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = f16_to_f32(in[i]);
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
