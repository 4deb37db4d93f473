/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: uniform top-k (routing.h). */
#include <stdint.h>

#include "gen.h"
#include "log.h"

static int uniform_route(struct a2a_gen *g, int rank, uint64_t step,
			 struct a2a_route *r)
{
	int E = g->cfg.n_experts, k = r->topk, t, j;
	struct a2a_rng rng;

	a2a_rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	for (j = 0; j < E; j++)
		g->perm[j] = j;
	for (t = 0; t < r->ntok; t++) {
		/* partial Fisher-Yates: the first k of a random permutation */
		for (j = 0; j < k; j++) {
			int p = j + (int)a2a_rng_below(&rng, (uint32_t)(E - j));
			int tmp = g->perm[j];

			g->perm[j]	  = g->perm[p];
			g->perm[p]	  = tmp;
			r->ids[t * k + j] = g->perm[j];
		}
		a2a_random_weights(&rng, r->w + (size_t)t * k, k);
	}
	return 0;
}

const struct a2a_routing_ops a2a_gen_uniform_ops = {
    .name  = "uniform",
    .desc  = "top-k distinct experts, uniform (a well load-balanced router)",
    .route = uniform_route,
};
