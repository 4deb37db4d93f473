/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall's random numbers: splitmix64 seeding xoshiro256**, one
 * independent stream per (seed, rank, step), so the routing of a step does
 * not depend on which steps were generated before (routing.h). Inline: the
 * generators draw per token and expert.
 */
#ifndef A2A_RNG_H
#define A2A_RNG_H
#include <stdint.h>

struct a2a_rng {
	uint64_t s[4];
};

static inline uint64_t a2a_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One independent stream per (seed, rank, step). */
static inline void a2a_rng_seed(struct a2a_rng *g, uint64_t seed, uint64_t a,
				uint64_t b)
{
	uint64_t x = seed;
	int i;

	x = a2a_splitmix64(&x) ^ (a * 0xd1b54a32d192ed03ull);
	x = a2a_splitmix64(&x) ^ (b * 0x8cb92ba72f3d8dd7ull);
	for (i = 0; i < 4; i++)
		g->s[i] = a2a_splitmix64(&x);
}

static inline uint64_t a2a_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t a2a_rng_next(struct a2a_rng *g)
{
	uint64_t *s = g->s, r = a2a_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = a2a_rotl(s[3], 45);
	return r;
}

/* [0, 1) with 53 bits */
static inline double a2a_rng_unif(struct a2a_rng *g)
{
	return (double)(a2a_rng_next(g) >> 11) * (1.0 / 9007199254740992.0);
}

/* [0, n) without modulo bias (Lemire) */
static inline uint32_t a2a_rng_below(struct a2a_rng *g, uint32_t n)
{
	uint64_t m = (uint64_t)(uint32_t)(a2a_rng_next(g) >> 32) * n;
	uint32_t l = (uint32_t)m;

	if (l < n) {
		uint32_t t = -n % n;

		while (l < t) {
			m = (uint64_t)(uint32_t)(a2a_rng_next(g) >> 32) * n;
			l = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

#endif
