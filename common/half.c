// SPDX-License-Identifier: MIT
/* bf16/fp16 <-> float on the host (see half.h). */
#include "half.h"

uint16_t bm_f2bf16(float f)
{
	uint32_t u = bm_f2u(f);

	if ((u & 0x7fffffffu) > 0x7f800000u)	/* NaN stays NaN */
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

float bm_bf162f(uint16_t h)
{
	return bm_u2f((uint32_t)h << 16);
}

uint16_t bm_f2fp16(float f)
{
	uint32_t u = bm_f2u(f), sign = (u >> 16) & 0x8000u, mant;
	int exp;

	u &= 0x7fffffffu;
	if (u > 0x7f800000u)
		return (uint16_t)(sign | 0x7e00u);
	if (u >= 0x477ff000u)	/* rounds to >= 65520: inf */
		return (uint16_t)(sign | 0x7c00u);
	exp = (int)(u >> 23) - 127 + 15;
	mant = u & 0x7fffffu;
	if (exp <= 0) {		/* subnormal half */
		uint32_t m, sh, r;

		if (exp < -10)
			return (uint16_t)sign;
		m = mant | 0x800000u;
		sh = (uint32_t)(14 - exp);
		r = m >> sh;
		if ((m & ((1u << sh) - 1)) > (1u << (sh - 1)) ||
		    ((m & ((1u << sh) - 1)) == (1u << (sh - 1)) && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t h = ((uint32_t)exp << 10) | (mant >> 13);
		uint32_t rest = mant & 0x1fffu;

		if (rest > 0x1000u || (rest == 0x1000u && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
}

float bm_fp162f(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	int exp = (h >> 10) & 0x1f;
	uint32_t mant = h & 0x3ffu;

	if (exp == 0x1f)
		return bm_u2f(sign | 0x7f800000u | (mant << 13));
	if (exp == 0) {
		float f = (float)mant / 1024.0f / 16384.0f;

		return sign ? -f : f;
	}
	return bm_u2f(sign | ((uint32_t)(exp - 15 + 127) << 23) | (mant << 13));
}
