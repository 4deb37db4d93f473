/* SPDX-License-Identifier: MIT */
/* moe_alltoall: model geometry from an HF config.json (routing.h), through
 * the one loader every tool uses (common/hfconfig.h). */
#include <stdio.h>

#include "hfconfig.h"
#include "routing.h"

void a2a_geom_from_hf(const struct bm_hf *hf, struct a2a_geom *g_p)
{
	const struct bm_hf_geom *h = &hf->geom;

	*g_p = (struct a2a_geom){
		.hidden = h->hidden,
		.n_experts = h->experts,
		.topk = h->topk,
		.moe_inter = h->moe_inter,
		.layers = h->layers,
	};
	snprintf(g_p->name, sizeof(g_p->name), "%s", hf->name);
	snprintf(g_p->model_type, sizeof(g_p->model_type), "%s", h->model_type);
}

int a2a_geom_load(const char *name, struct a2a_geom *g_p, char *path_p,
		  size_t pathlen)
{
	struct bm_hf hf;
	int ret;

	/* hidden, layers, experts, top-k, expert size; 0 < top-k <= experts */
	ret = bm_hf_load(name, BM_HF_NEED_MOE, &hf);
	if (ret)
		return ret;
	a2a_geom_from_hf(&hf, g_p);
	if (path_p)
		snprintf(path_p, pathlen, "%s", hf.path);
	bm_hf_free(&hf);
	return 0;
}

double a2a_expert_bytes(const struct a2a_geom *g, double bits)
{
	return 3.0 * g->hidden * g->moe_inter * bits / 8.0;
}
