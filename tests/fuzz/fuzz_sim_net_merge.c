// SPDX-License-Identifier: MIT
/*
 * sim --net FILE: a measured ib_lat, nccl_coll or moe_alltoall document
 * merged into a built-in profile (sim_netprof_merge_json), then costs and
 * predictions on the result.
 *   input: the document's JSON
 * Invariants: the merge into each of the RoCE link, the socket link and
 * the fitted RoCE curves ends in 0, -EINVAL, -EXDEV (the other transport)
 * or -ENOSPC (too many curves), nothing else; after a merge the link keeps
 * a positive bandwidth and a finite one-way latency, every measured curve
 * has 2 or more ranks, growing sizes and positive latencies, "used" says
 * what the file set; every collective cost is finite and >= 0; a
 * prediction of TP, EP and PP on two nodes (and TP on the measured rank
 * count) is finite with tok/s > 0, or refused.
 */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "roofline.h"

#define NBASE 3

static struct sim_ctx *ctx;
static struct sim_netprof base[NBASE];

static void init(void)
{
	static const char *const names[NBASE] = { "roce", "socket",
						  "roce-fitted" };
	int i;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx || sim_find_datadir(ctx->datadir, sizeof(ctx->datadir)) ||
	    sim_hw_load(ctx->datadir, "gb10", &ctx->hw) ||
	    sim_model_load("qwen3-coder-30b-a3b", &ctx->model) ||
	    sim_sched_load(ctx->datadir, ctx->model.model_type, &ctx->sched))
		abort();
	sim_ctx_apply_hw(ctx);
	for (i = 0; i < NBASE; i++)
		if (sim_netprof_load_builtin(ctx->datadir, names[i], &base[i]))
			abort();
}

static void check_merged(const struct sim_netprof *p,
			 const struct sim_netprof *b)
{
	int i, j;

	FUZZ_CHECK(p->used[0]);
	FUZZ_CHECK(p->ncurves >= b->ncurves && p->ncurves <= SIM_NET_CURVES);
	FUZZ_CHECK(p->has_link == b->has_link && p->tr == b->tr);
	if (p->has_link) {
		FUZZ_CHECK(isfinite(p->link.bw_gbs.v) && p->link.bw_gbs.v > 0);
		FUZZ_FINITE_GE(p->link.one_way_us.v, 0);
	}
	for (i = 0; i < p->ncurves; i++) {
		const struct sim_op_curve *c = &p->curve[i];

		if (c->kind != SIM_KIND_MEASURED)
			continue;
		FUZZ_CHECK(c->op < SIM_OP_NR && c->nranks >= 2);
		FUZZ_CHECK(c->n >= 1 && c->n <= SIM_NET_POINTS);
		FUZZ_CHECK(c->source[0]);
		for (j = 0; j < c->n; j++) {
			FUZZ_CHECK(isfinite(c->size[j]) && c->size[j] > 0);
			FUZZ_CHECK(isfinite(c->us[j]) && c->us[j] > 0);
			FUZZ_CHECK(!j || c->size[j] > c->size[j - 1]);
		}
	}
}

static void check_use(void)
{
	struct sim_query qs[] = {
		{ .mode = SIM_TP, .nodes = 2, .length = SIM_LEN_LONG,
		  .accept = -1 },
		{ .mode = SIM_EP, .nodes = 2, .ctx = 8192,
		  .length = SIM_LEN_SHORT, .accept = -1 },
		{ .mode = SIM_PP, .nodes = 2, .length = SIM_LEN_LONG,
		  .accept = -1 },
		{ .mode = SIM_TP, .nodes = 4, .length = SIM_LEN_LONG,
		  .accept = -1, .spec_tokens = 2 },
	};
	const struct sim_netprof *p = &ctx->net;
	struct sim_net_cost c;
	struct sim_result r;
	double s;
	int i, op, ret;

	for (i = 0; i < p->ncurves; i++) {
		for (op = 0; op < SIM_OP_NR; op++) {
			for (s = 1; s <= 1 << 30; s *= 64) {
				ret = sim_net_cost(p, op, s,
						   p->curve[i].nranks, 2.5, &c);
				FUZZ_CHECK(ret == 0 || ret == -EINVAL);
				if (!ret)
					FUZZ_FINITE_GE(c.us, 0);
			}
		}
	}
	for (i = 0; i < (int)(sizeof(qs) / sizeof(qs[0])); i++) {
		ret = sim_predict(ctx, &qs[i], &r);
		FUZZ_CHECK(ret == 0 || ret == -EINVAL);
		if (ret)
			continue;
		FUZZ_CHECK(isfinite(r.tok_s) && r.tok_s > 0);
		FUZZ_CHECK(isfinite(r.ms_per_token) && r.ms_per_token > 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root;
	int i, ret;

	if (!ctx)
		init();
	root = fuzz_json(data, size);
	if (!root)
		return 0;
	for (i = 0; i < NBASE; i++) {
		ctx->net = base[i];
		ctx->net.quiet_mismatch = i & 1;
		ret = sim_netprof_merge_json(&ctx->net, "fuzz.json", root);
		FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EXDEV ||
			   ret == -ENOSPC);
		if (ret)
			continue;
		check_merged(&ctx->net, &base[i]);
		check_use();
	}
	json_decref(root);
	return 0;
}
