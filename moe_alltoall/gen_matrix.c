/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: a fixed per-peer matrix from a file (routing.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "log.h"

static int matrix_init(struct a2a_gen *g)
{
	int n = g->cfg.nranks, row = 0, col, lineno = 0, ret = -EINVAL;
	char *line = NULL, *p, *end;
	size_t cap = 0;
	FILE *f;

	f = fopen(g->cfg.path, "r");
	if (!f) {
		BM_ERR("matrix file %s: %s", g->cfg.path, strerror(errno));
		return -errno;
	}
	g->share = calloc((size_t)n * n, sizeof(*g->share));
	if (!g->share) {
		ret = -ENOMEM;
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		double sum = 0;

		lineno++;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		if (row >= n) {
			BM_ERR("%s:%d: more than %d rows (EP size %d)",
			       g->cfg.path, lineno, n, n);
			goto out;
		}
		for (col = 0; col < n; col++) {
			double v;

			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			v = strtod(p, &end);
			if (end == p || !(v >= 0) || isinf(v)) {
				BM_ERR("%s:%d: want %d non-negative numbers "
				       "(row %d = source rank)",
				       g->cfg.path, lineno, n, row);
				goto out;
			}
			g->share[row * n + col] = v;
			sum += v;
			p = end;
		}
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p && *p != '#') {
			BM_ERR("%s:%d: more than %d columns (EP size %d)",
			       g->cfg.path, lineno, n, n);
			goto out;
		}
		/* 1e308 1e308 sums to inf: every share would be 0 */
		if (sum <= 0 || isinf(sum)) {
			BM_ERR("%s:%d: row %d sums to %g", g->cfg.path, lineno,
			       row, sum);
			goto out;
		}
		for (col = 0; col < n; col++)
			g->share[row * n + col] /= sum;
		row++;
	}
	if (row != n) {
		BM_ERR("%s: %d rows, want %d (one per rank of EP size %d)",
		       g->cfg.path, row, n, n);
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

/* Selections per destination for ntok x k: largest remainder, ties to the
 * lower rank, so the counts are exact and deterministic. */
static void apportion(const double *share, int n, uint64_t total, uint64_t *cnt)
{
	uint64_t given = 0;
	int d;

	for (d = 0; d < n; d++) {
		cnt[d] = (uint64_t)floor(share[d] * (double)total);
		given += cnt[d];
	}
	while (given < total) {
		int best     = 0;
		double bestr = -1;

		for (d = 0; d < n; d++) {
			double rem = share[d] * (double)total - (double)cnt[d];

			if (rem > bestr) {
				bestr = rem;
				best  = d;
			}
		}
		cnt[best]++;
		given++;
	}
}

static int matrix_route(struct a2a_gen *g, int rank, uint64_t step,
			struct a2a_route *r)
{
	int n = g->cfg.nranks, E = g->cfg.n_experts, k = r->topk, T = r->ntok;
	size_t total = (size_t)T * k, i;
	uint64_t cnt[1024];
	struct a2a_rng rng;
	int d, t, j;

	if (n > 1024)
		return -EINVAL;
	if (g->dest_cap < total) {
		free(g->dest);
		free(g->tperm);
		g->dest	 = malloc(total * sizeof(*g->dest));
		g->tperm = malloc((size_t)T * sizeof(*g->tperm));
		if (!g->dest || !g->tperm) {
			g->dest_cap = 0;
			return -ENOMEM;
		}
		g->dest_cap = total;
	}
	apportion(g->share + (size_t)rank * n, n, total, cnt);
	/* slots sorted by destination; token t takes slots t, t + T, ...: a
	 * destination's block of c slots lands at most ceil(c / T) times on
	 * one token, which must fit that rank's experts */
	for (d = 0, i = 0; d < n; d++) {
		int have =
		    a2a_expert_first(d + 1, E, n) - a2a_expert_first(d, E, n);
		uint64_t c;

		if ((cnt[d] + T - 1) / T > (uint64_t)have) {
			BM_ERR("matrix row %d: %llu of %zu selections to rank "
			       "%d need %llu distinct experts per token, rank "
			       "%d has %d",
			       rank, (unsigned long long)cnt[d], total, d,
			       (unsigned long long)((cnt[d] + T - 1) / T), d,
			       have);
			return -EINVAL;
		}
		for (c = 0; c < cnt[d]; c++)
			g->dest[i++] = d;
	}
	a2a_rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	for (t = 0; t < T; t++)
		g->tperm[t] = t;
	for (t = T - 1; t > 0; t--) {
		int p	= (int)a2a_rng_below(&rng, (uint32_t)t + 1),
		    tmp = g->tperm[t];

		g->tperm[t] = g->tperm[p];
		g->tperm[p] = tmp;
	}
	memset(g->taken, 0, (size_t)E);
	for (t = 0; t < T; t++) {
		int32_t *ids = r->ids + (size_t)g->tperm[t] * k;

		for (j = 0; j < k; j++) {
			int dd = g->dest[t + (size_t)j * T];
			int lo = a2a_expert_first(dd, E, n);
			int hi = a2a_expert_first(dd + 1, E, n), e;

			/* fits by the check above: a free expert exists */
			e = lo + (int)a2a_rng_below(&rng, (uint32_t)(hi - lo));
			while (g->taken[e])
				e = e + 1 < hi ? e + 1 : lo;
			g->taken[e] = 1;
			ids[j]	    = e;
		}
		for (j = 0; j < k; j++)
			g->taken[ids[j]] = 0;
		a2a_random_weights(&rng, r->w + (size_t)g->tperm[t] * k, k);
	}
	return 0;
}

const struct a2a_routing_ops a2a_gen_matrix_ops = {
    .name  = "matrix",
    .desc  = "matrix:FILE: fixed per-peer shares, row = source rank",
    .init  = matrix_init,
    .route = matrix_route,
};
