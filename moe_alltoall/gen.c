/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: the generators' table, specs, and one generator's
 * life (routing.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "log.h"

const struct a2a_routing_ops *const a2a_routing_table[A2A_GEN_NKINDS] = {
    [A2A_GEN_UNIFORM] = &a2a_gen_uniform_ops,
    [A2A_GEN_ZIPF]    = &a2a_gen_zipf_ops,
    [A2A_GEN_MATRIX]  = &a2a_gen_matrix_ops,
    [A2A_GEN_TRACE]   = &a2a_gen_trace_ops,
};

void a2a_random_weights(struct a2a_rng *rng, float *w, int k)
{
	double sum = 0, v[256];
	int j;

	for (j = 0; j < k; j++) {
		v[j] = 0.25 + a2a_rng_unif(rng);
		sum += v[j];
	}
	for (j = 0; j < k; j++)
		w[j] = (float)(v[j] / sum);
}

int a2a_gen_parse(const char *spec, struct a2a_gen_cfg *cfg)
{
	const char *colon = strchr(spec, ':');
	size_t nl	  = colon ? (size_t)(colon - spec) : strlen(spec);
	int i;

	for (i = 0; i < A2A_GEN_NKINDS; i++) {
		const char *nm = a2a_routing_table[i]->name;

		if (strlen(nm) == nl && !strncmp(spec, nm, nl))
			break;
	}
	if (i == A2A_GEN_NKINDS)
		return -EINVAL;
	cfg->kind    = (enum a2a_gen_kind)i;
	cfg->path[0] = '\0';
	if (i == A2A_GEN_UNIFORM) {
		if (colon)
			return -EINVAL;
	} else if (i == A2A_GEN_ZIPF) {
		cfg->zipf_s = 1.0;
		if (colon) {
			char *end;

			cfg->zipf_s = strtod(colon + 1, &end);
			if (end == colon + 1 || *end || !(cfg->zipf_s >= 0) ||
			    cfg->zipf_s > 10)
				return -EINVAL;
		}
	} else {
		if (!colon || !colon[1] ||
		    strlen(colon + 1) >= sizeof(cfg->path))
			return -EINVAL;
		snprintf(cfg->path, sizeof(cfg->path), "%s", colon + 1);
	}
	return 0;
}

const char *a2a_gen_spec(const struct a2a_gen_cfg *cfg, char *buf, size_t len)
{
	const char *nm = a2a_routing_table[cfg->kind]->name;

	if (cfg->kind == A2A_GEN_ZIPF)
		snprintf(buf, len, "%s:%g", nm, cfg->zipf_s);
	else if (cfg->path[0])
		snprintf(buf, len, "%s:%s", nm, cfg->path);
	else
		snprintf(buf, len, "%s", nm);
	return buf;
}

void a2a_gen_close(struct a2a_gen *g)
{
	if (!g)
		return;
	if (g->ops && g->ops->fini)
		g->ops->fini(g);
	free(g->perm);
	free(g->taken);
	free(g->pop);
	free(g->cdf);
	free(g->share);
	free(g->dest);
	free(g->tperm);
	free(g->trace_ids);
	free(g->trace_w);
	free(g);
}

int a2a_gen_open(const struct a2a_gen_cfg *cfg, struct a2a_gen **g_p)
{
	struct a2a_gen *g;
	int ret;

	if (cfg->kind < 0 || cfg->kind >= A2A_GEN_NKINDS ||
	    cfg->n_experts < 1 || cfg->topk < 1 || cfg->topk > 256 ||
	    cfg->topk > cfg->n_experts || cfg->nranks < 1 ||
	    cfg->nranks > 1024) {
		BM_ERR("routing: bad geometry (%d experts, top-%d, %d ranks)",
		       cfg->n_experts, cfg->topk, cfg->nranks);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg	 = *cfg;
	g->ops	 = a2a_routing_table[cfg->kind];
	g->perm	 = calloc((size_t)cfg->n_experts, sizeof(*g->perm));
	g->taken = calloc((size_t)cfg->n_experts, 1);
	if (!g->perm || !g->taken) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (g->ops->init) {
		ret = g->ops->init(g);
		if (ret)
			goto out_free;
	}
	*g_p = g;
	return 0;
out_free:
	g->ops = NULL;
	a2a_gen_close(g);
	return ret;
}

int a2a_gen_route(struct a2a_gen *g, int rank, uint64_t step,
		  struct a2a_route *r)
{
	if (r->topk != g->cfg.topk || rank < 0 || rank >= g->cfg.nranks ||
	    r->ntok < 0)
		return -EINVAL;
	return g->ops->route(g, rank, step, r);
}

const double *a2a_gen_popularity(const struct a2a_gen *g)
{
	return g->pop;
}

int a2a_route_alloc(struct a2a_route *r, int ntok, int topk)
{
	r->ntok = ntok;
	r->topk = topk;
	r->ids	= calloc((size_t)(ntok ? ntok : 1) * topk, sizeof(*r->ids));
	r->w	= calloc((size_t)(ntok ? ntok : 1) * topk, sizeof(*r->w));
	if (!r->ids || !r->w) {
		a2a_route_free(r);
		return -ENOMEM;
	}
	return 0;
}

void a2a_route_free(struct a2a_route *r)
{
	free(r->ids);
	free(r->w);
	r->ids = NULL;
	r->w   = NULL;
}
