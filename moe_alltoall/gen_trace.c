/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: a CSV trace of expert ids per token (routing.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "log.h"

static int trace_init(struct a2a_gen *g)
{
	int k = g->cfg.topk, E = g->cfg.n_experts, lineno = 0, ret = -EINVAL;
	size_t cap = 0, rcap = 0, nw = 0;
	char *line = NULL, *p, *end;
	double vals[512];
	FILE *f;

	f = fopen(g->cfg.path, "r");
	if (!f) {
		BM_ERR("trace file %s: %s", g->cfg.path, strerror(errno));
		return -errno;
	}
	while (getline(&line, &cap, f) >= 0) {
		int nv = 0, j, jj;

		lineno++;
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		/* a header line ("e0,e1,...") */
		if (!isdigit((unsigned char)*p) && *p != '-' && *p != '.' &&
		    !g->trace_rows)
			continue;
		while (*p && nv < 512) {
			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			vals[nv] = strtod(p, &end);
			if (end == p) {
				BM_ERR("%s:%d: not a number: '%.20s'",
				       g->cfg.path, lineno, p);
				goto out;
			}
			nv++;
			p = end;
		}
		if (nv != k && nv != 2 * k) {
			BM_ERR("%s:%d: %d values; want %d expert ids (top-k) "
			       "or %d ids then %d weights",
			       g->cfg.path, lineno, nv, k, k, k);
			goto out;
		}
		if (g->trace_rows && (nv == 2 * k) != (nw > 0)) {
			BM_ERR("%s:%d: weights on some lines only", g->cfg.path,
			       lineno);
			goto out;
		}
		if (g->trace_rows == rcap) {
			size_t nc = rcap ? rcap * 2 : 1024;
			int32_t *ni =
			    realloc(g->trace_ids, nc * k * sizeof(*ni));
			float *nf;

			if (!ni) {
				ret = -ENOMEM;
				goto out;
			}
			g->trace_ids = ni;
			nf = realloc(g->trace_w, nc * k * sizeof(*nf));
			if (!nf) {
				ret = -ENOMEM;
				goto out;
			}
			g->trace_w = nf;
			rcap	   = nc;
		}
		for (j = 0; j < k; j++) {
			double v = vals[j];

			if (v != floor(v) || v < 0 || v >= E) {
				BM_ERR("%s:%d: expert id %g not in 0..%d",
				       g->cfg.path, lineno, v, E - 1);
				goto out;
			}
			for (jj = 0; jj < j; jj++)
				if (vals[jj] == v) {
					BM_ERR("%s:%d: expert %g twice",
					       g->cfg.path, lineno, v);
					goto out;
				}
			g->trace_ids[g->trace_rows * k + j] = (int32_t)v;
		}
		if (nv == 2 * k) {
			double sum = 0;

			for (j = 0; j < k; j++) {
				/* strtod reads "inf" and 1e999 as inf */
				if (!(vals[k + j] >= 0) || isinf(vals[k + j])) {
					BM_ERR("%s:%d: weight not a finite "
					       "number >= 0", g->cfg.path,
					       lineno);
					goto out;
				}
				sum += vals[k + j];
			}
			if (sum <= 0 || isinf(sum)) {
				BM_ERR("%s:%d: weights sum to %g", g->cfg.path,
				       lineno, sum);
				goto out;
			}
			for (j = 0; j < k; j++)
				g->trace_w[g->trace_rows * k + j] =
				    (float)(vals[k + j] / sum);
			nw++;
		}
		g->trace_rows++;
	}
	if (!g->trace_rows) {
		BM_ERR("%s: no routing lines", g->cfg.path);
		goto out;
	}
	if (!nw) {
		free(g->trace_w);
		g->trace_w = NULL;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

static int trace_route(struct a2a_gen *g, int rank, uint64_t step,
		       struct a2a_route *r)
{
	int k = r->topk, t, j;
	uint64_t start =
	    g->cfg.seed + (step * (uint64_t)g->cfg.nranks + (uint64_t)rank) *
			      (uint64_t)r->ntok;
	struct a2a_rng rng;

	a2a_rng_seed(&rng, g->cfg.seed, (uint64_t)rank, step);
	for (t = 0; t < r->ntok; t++) {
		size_t row = (size_t)((start + (uint64_t)t) % g->trace_rows);

		for (j = 0; j < k; j++)
			r->ids[t * k + j] = g->trace_ids[row * k + j];
		if (g->trace_w)
			memcpy(r->w + (size_t)t * k, g->trace_w + row * k,
			       (size_t)k * sizeof(float));
		else
			a2a_random_weights(&rng, r->w + (size_t)t * k, k);
	}
	return 0;
}

const struct a2a_routing_ops a2a_gen_trace_ops = {
    .name  = "trace",
    .desc  = "trace:FILE: CSV of k expert ids (+ k weights) per token",
    .init  = trace_init,
    .route = trace_route,
};
