/* SPDX-License-Identifier: MIT */
/*
 * Half-precision numbers on the host: bf16 and IEEE fp16 to and from float,
 * round to nearest even, NaN kept NaN, fp16 overflow to infinity and its
 * subnormals exact. The GPU tools fill and check buffers with these, so a
 * check compares against the value the device type can hold.
 */
#ifndef BM_HALF_H
#define BM_HALF_H
#include <stdint.h>
#include <string.h>

/* A float's bits and back (for bit-exact comparison and wire records). */
static inline uint32_t bm_f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static inline float bm_u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

uint16_t bm_f2bf16(float f);
float	 bm_bf162f(uint16_t h);
uint16_t bm_f2fp16(float f);
float	 bm_fp162f(uint16_t h);

#endif
