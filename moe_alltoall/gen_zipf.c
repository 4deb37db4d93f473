/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: Zipf-skewed expert popularity (routing.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "log.h"

static int zipf_init(struct a2a_gen *g)
{
	int E = g->cfg.n_experts, i;
	struct a2a_rng rng;
	double sum = 0;

	if (!(g->cfg.zipf_s >= 0) || g->cfg.zipf_s > 10) {
		BM_ERR("zipf exponent %g: want 0..10", g->cfg.zipf_s);
		return -EINVAL;
	}
	g->pop = calloc((size_t)E, sizeof(*g->pop));
	g->cdf = calloc((size_t)E, sizeof(*g->cdf));
	if (!g->pop || !g->cdf)
		return -ENOMEM;
	/* which expert is the i-th most popular: a permutation of the seed
	 * alone (rank and step fixed), so all ranks agree on the hot ones */
	a2a_rng_seed(&rng, g->cfg.seed, UINT64_MAX, UINT64_MAX);
	for (i = 0; i < E; i++)
		g->perm[i] = i;
	for (i = E - 1; i > 0; i--) {
		int p	= (int)a2a_rng_below(&rng, (uint32_t)i + 1);
		int tmp = g->perm[i];

		g->perm[i] = g->perm[p];
		g->perm[p] = tmp;
	}
	for (i = 0; i < E; i++)
		sum += pow((double)(i + 1), -g->cfg.zipf_s);
	for (i = 0; i < E; i++)
		g->pop[g->perm[i]] = pow((double)(i + 1), -g->cfg.zipf_s) / sum;
	sum = 0;
	for (i = 0; i < E; i++) {
		sum += g->pop[i];
		g->cdf[i] = sum;
	}
	g->cdf[E - 1] = 1.0;
	return 0;
}

static int zipf_draw(const double *cdf, int E, double u)
{
	int lo = 0, hi = E - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int zipf_route(struct a2a_gen *g, int rank, uint64_t step,
		      struct a2a_route *r)
{
	int E = g->cfg.n_experts, k = r->topk, t, j;
	struct a2a_rng rng;

	a2a_rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	memset(g->taken, 0, (size_t)E);
	for (t = 0; t < r->ntok; t++) {
		int32_t *ids = r->ids + (size_t)t * k;

		for (j = 0; j < k; j++) {
			int e = -1, tries;

			/* without replacement: redraw a taken expert; past a
			 * bound (extreme skew) scan the remaining mass */
			for (tries = 0; tries < 64 * k; tries++) {
				e = zipf_draw(g->cdf, E, a2a_rng_unif(&rng));
				if (!g->taken[e])
					break;
				e = -1;
			}
			if (e < 0) {
				double left = 0, u, acc = 0;

				for (e = 0; e < E; e++)
					left += g->taken[e] ? 0 : g->pop[e];
				u = a2a_rng_unif(&rng) * left;
				for (e = 0; e < E - 1; e++) {
					if (g->taken[e])
						continue;
					acc += g->pop[e];
					if (acc > u)
						break;
				}
				while (g->taken[e])
					e = (e + 1) % E;
			}
			g->taken[e] = 1;
			ids[j]	    = e;
		}
		for (j = 0; j < k; j++)
			g->taken[ids[j]] = 0;
		a2a_random_weights(&rng, r->w + (size_t)t * k, k);
	}
	return 0;
}

const struct a2a_routing_ops a2a_gen_zipf_ops = {
    .name  = "zipf",
    .desc  = "zipf[:S]: expert popularity ~ 1/rank^S (default S 1.0)",
    .init  = zipf_init,
    .route = zipf_route,
};
