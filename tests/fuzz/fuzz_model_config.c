// SPDX-License-Identifier: MIT
/*
 * A Hugging Face config.json as every tool reads one: the common loader
 * (common/hfconfig.c, through bm_hf_load), sim's model on top of it
 * (sim_model_load: families, sliding layers, dense layers, quantisation),
 * nccl_coll's --decode presets (coll_model_load, coll_decode_items) and
 * moe_alltoall's --model geometry (a2a_geom_load).
 *   input: the file's bytes (handed over as a memfd path)
 * Invariants: every accepted geometry is in range (layers, hidden > 0,
 * top-k <= experts, sizes within the loaders' caps); what bm_hf_require
 * says matches the fields; where two loaders both accept a file they agree
 * on hidden size, layers, vocabulary, experts and top-k; sim's bytes per
 * token and per rank are finite and positive and a prediction on the GB10
 * profile is finite; every decode preset has a size that is exactly the
 * model's hidden (or logits) bytes.
 */
#include <errno.h>
#include <math.h>

#include "coll.h"
#include "fuzz.h"
#include "hfconfig.h"
#include "roofline.h"
#include "routing.h"

#define HF_MAX 100000000

static struct sim_ctx *ctx;

/* The GB10 profile and the built-in RoCE link, once. */
static void ctx_init(void)
{
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx || sim_find_datadir(ctx->datadir, sizeof(ctx->datadir)) ||
	    sim_hw_load(ctx->datadir, "gb10", &ctx->hw) ||
	    sim_netprof_load_builtin(ctx->datadir, "roce", &ctx->net))
		abort();
}

/* arch.json's schedule of a family, read once per family. */
static int sched_of(const char *type, struct sim_arch_sched *s)
{
	static struct {
		char type[64];
		struct sim_arch_sched s;
	} cache[16];
	static int n;
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(cache[i].type, type)) {
			*s = cache[i].s;
			return 0;
		}
	}
	if (sim_sched_load(ctx->datadir, type, s))
		return -EINVAL;
	if (n < 16) {
		snprintf(cache[n].type, sizeof(cache[n].type), "%s", type);
		cache[n++].s = *s;
	}
	return 0;
}

static void check_geom(const struct bm_hf *hf)
{
	const struct bm_hf_geom *g = &hf->geom;

	FUZZ_CHECK(hf->root && json_is_object(hf->root));
	FUZZ_CHECK(g->layers >= 1 && g->layers <= HF_MAX);
	FUZZ_CHECK(g->hidden >= 1 && g->hidden <= HF_MAX);
	FUZZ_CHECK(g->heads >= 0 && g->heads <= HF_MAX);
	FUZZ_CHECK(g->kv_heads >= 0 && g->kv_heads <= HF_MAX);
	FUZZ_CHECK(g->head_dim >= 0 && g->head_dim <= HF_MAX);
	FUZZ_CHECK(g->vocab >= 0 && g->vocab <= HF_MAX);
	FUZZ_CHECK(g->experts >= 0 && g->experts <= HF_MAX);
	FUZZ_CHECK(g->topk >= 0 && g->topk <= HF_MAX);
	FUZZ_CHECK(g->moe_inter >= 0 && g->moe_inter <= HF_MAX);
	FUZZ_CHECK(g->shared_inter >= 0 && g->shared_inter <= HF_MAX);
	FUZZ_CHECK(g->mlp_inter >= 0 && g->mlp_inter <= HF_MAX);
	FUZZ_CHECK(!g->experts || g->topk <= g->experts);
	FUZZ_CHECK(strlen(g->model_type) < sizeof(g->model_type));
	FUZZ_CHECK(strlen(g->architecture) < sizeof(g->architecture));
	FUZZ_CHECK(g->has_model_type || !strncmp(g->model_type,
			g->architecture, sizeof(g->model_type) - 1));
	FUZZ_CHECK(!bm_hf_require(hf, 0));
	FUZZ_CHECK(!bm_hf_require(hf, BM_HF_NEED_TYPE) == !!g->model_type[0]);
	FUZZ_CHECK(!bm_hf_require(hf, BM_HF_NEED_HEADS) == !!g->heads);
	FUZZ_CHECK(!bm_hf_require(hf, BM_HF_NEED_VOCAB) == !!g->vocab);
	if (!bm_hf_require(hf, BM_HF_NEED_MOE))
		FUZZ_CHECK(g->experts >= 1 && g->topk >= 1 &&
			   g->topk <= g->experts && g->moe_inter >= 1);
}

static void check_sim(const char *path)
{
	static const struct sim_query qs[] = {
		{ .mode = SIM_SINGLE, .nodes = 1, .length = SIM_LEN_LONG,
		  .accept = -1 },
		{ .mode = SIM_TP, .nodes = 2, .ctx = 4096,
		  .length = SIM_LEN_SHORT, .accept = -1 },
		{ .mode = SIM_EP, .nodes = 2, .length = SIM_LEN_LONG,
		  .accept = -1, .spec_tokens = 3 },
		{ .mode = SIM_PP, .nodes = 2, .ctx = 100000,
		  .length = SIM_LEN_MEDIUM, .accept = -1 },
	};
	struct sim_model *m = &ctx->model;
	struct sim_result r;
	size_t i;
	int ret;

	if (sim_model_load(path, m))
		return;
	FUZZ_CHECK(m->layers >= 1 && m->layers <= SIM_LAYERS_MAX);
	FUZZ_CHECK(m->hidden >= 1 && m->heads >= 1 && m->vocab >= 1);
	FUZZ_CHECK(m->n_sliding >= 0 && m->n_sliding <= m->layers);
	FUZZ_CHECK((m->window > 0) == (m->n_sliding > 0));
	/* a scale per few weights can cost more than BF16 (gptq group 1:
	 * 20 bits; fp8 1x1 blocks: 40): odd, not wrong */
	FUZZ_CHECK(m->bits_per_weight > 0 && m->bits_per_weight <= 64);
	FUZZ_CHECK(!sim_is_moe(m) || (m->topk >= 1 && m->topk <= m->experts &&
				      m->moe_inter >= 1));
	FUZZ_FINITE_GE(sim_bytes_per_token(m), 1);
	FUZZ_FINITE_GE(sim_kv_bytes_per_ctx_token(m), 0);
	FUZZ_FINITE_GE(sim_active_params(m), 1);
	FUZZ_FINITE_GE(sim_weights_rank(m, 0, m->layers, 1, false, true,
					true), 1);
	FUZZ_FINITE_GE(sim_weights_rank(m, 0, m->layers, 2, true, true,
					false), 0);
	sim_ctx_apply_hw(ctx);
	if (sched_of(m->model_type, &ctx->sched))
		return;
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		ret = sim_predict(ctx, &qs[i], &r);
		FUZZ_CHECK(ret == 0 || ret == -EINVAL);
		if (ret)
			continue;
		FUZZ_FINITE_GE(r.ms_per_token, 0);
		FUZZ_CHECK(r.ms_per_token > 0);
		FUZZ_FINITE_GE(r.tok_s, 0);
		FUZZ_CHECK(r.tok_s > 0);
	}
}

static void check_coll(const char *path, const struct bm_hf *hf, bool hf_ok)
{
	static const char *const modes[] = { "tp", "pp" };
	static const int tps[] = { 1, 2, 8 };
	struct coll_item items[16];
	struct coll_model m;
	size_t i, t;
	int n, j;

	if (coll_model_load(path, &m, NULL, 0))
		return;
	FUZZ_CHECK(m.hidden_size >= 1 && m.hidden_size <= HF_MAX &&
		   m.num_hidden_layers >= 1 && m.num_hidden_layers <= HF_MAX &&
		   m.vocab_size >= 0 && m.vocab_size <= HF_MAX);
	if (hf_ok) {
		FUZZ_CHECK(m.hidden_size == hf->geom.hidden);
		FUZZ_CHECK(m.num_hidden_layers == hf->geom.layers);
		FUZZ_CHECK(m.vocab_size == hf->geom.vocab);
		/* "" is no model_type to hfconfig (architectures[0] then),
		 * a name to nccl_coll */
		FUZZ_CHECK(!hf->geom.has_model_type ||
			   !strcmp(m.model_type, hf->geom.model_type));
	}
	for (i = 0; i < 2; i++) {
		for (t = 0; t < 3; t++) {
			n = coll_decode_items(&m, modes[i], tps[t], items, 16);
			FUZZ_CHECK(n >= 1 && n <= 16);
			/* tp: the first two are per layer, pp: per hop */
			FUZZ_CHECK(i ? items[0].per_token == 2 :
				   items[0].per_token == m.num_hidden_layers &&
				   items[1].per_token == m.num_hidden_layers);
			for (j = 0; j < n; j++) {
				FUZZ_CHECK(items[j].size > 0 &&
					   items[j].per_token >= 1);
				FUZZ_CHECK(items[j].op != COLL_ALLGATHER ?
					   items[j].size == 8 ||
					   items[j].size / 2 ==
					   (size_t)m.hidden_size :
					   items[j].size / 2 >=
					   (size_t)m.vocab_size);
			}
		}
	}
}

static void check_a2a(const char *path, const struct bm_hf *hf, bool hf_ok)
{
	struct a2a_geom g;

	if (a2a_geom_load(path, &g, NULL, 0))
		return;
	FUZZ_CHECK(g.hidden >= 1 && g.n_experts >= 1 && g.topk >= 1 &&
		   g.topk <= g.n_experts && g.moe_inter >= 1 &&
		   g.layers >= 1);
	FUZZ_FINITE_GE(a2a_expert_bytes(&g, 4.156), 0);
	if (hf_ok && !bm_hf_require(hf, BM_HF_NEED_MOE)) {
		FUZZ_CHECK(g.hidden == hf->geom.hidden);
		FUZZ_CHECK(g.layers == hf->geom.layers);
		FUZZ_CHECK(g.n_experts == hf->geom.experts);
		FUZZ_CHECK(g.topk == hf->geom.topk);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	struct bm_hf hf;
	bool ok;
	int ret;

	if (size > 1 << 16)
		return 0;
	if (!ctx)
		ctx_init();
	path = fuzz_file(data, size);
	ret = bm_hf_load(path, 0, &hf);
	ok = !ret;
	if (ok)
		check_geom(&hf);
	else
		FUZZ_CHECK(ret == -EINVAL && !hf.root);
	check_sim(path);
	check_coll(path, &hf, ok);
	check_a2a(path, &hf, ok);
	bm_hf_free(&hf);
	return 0;
}
