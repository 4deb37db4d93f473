// SPDX-License-Identifier: MIT
/*
 * sim arithmetic against hand-computed values: parameter counts, bytes per
 * token, KV bytes, the EP expectation, collective counts per mode, network
 * interpolation and measured-profile merging, PP never above single node.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_test.h"
#include "log.h"
#include "model.h"
#include "netprof.h"
#include "roofline.h"
#include "sim_test.h"

static struct sim_ctx ctx;

static int setup(const char *model, const char *transport)
{
	int ret = sim_model_load(model, &ctx.model);

	if (!ret)
		ret = sim_sched_load(ctx.datadir, ctx.model.model_type,
				     &ctx.sched);
	if (!ret && transport)
		ret = sim_netprof_load_builtin(ctx.datadir, transport,
					       &ctx.net);
	return ret;
}

static struct sim_result run(enum sim_mode mode, int nodes, double c,
			     enum sim_length len, int spec)
{
	struct sim_query q = { .mode = mode, .nodes = nodes, .ctx = c,
			       .length = len, .spec_tokens = spec,
			       .accept = -1 };
	struct sim_result r;

	memset(&r, 0, sizeof(r));
	EXPECT_EQ(sim_predict(&ctx, &q, &r), 0);
	return r;
}

static void test_qwen_geometry(void)
{
	const struct sim_model *m = &ctx.model;

	EXPECT_EQ(setup("qwen3-coder-30b-a3b", "roce"), 0);
	EXPECT_STREQ(m->model_type, "qwen3_moe");
	EXPECT_EQ(m->layers, 48);
	EXPECT_EQ(m->experts, 128);
	EXPECT_EQ(m->topk, 8);
	/* 4 + 16/128 + 4/128 bits */
	EXPECT_NEAR(m->bits_per_weight, 4.15625, 1e-12);
	/* q 2048x4096 + k,v 2048x512 + o 4096x2048 */
	EXPECT_NEAR(sim_attn_params(m), 18874368, 0.5);
	/* gate, up, down: 3 x 2048 x 768 */
	EXPECT_NEAR(sim_expert_params(m), 4718592, 0.5);
	EXPECT_NEAR(sim_router_params(m), 262144, 0.5);
	EXPECT_NEAR(sim_lm_head_params(m), 311164928, 0.5);
	/* read, not held: symmetric GPTQ/AutoRound reads no zero points
	 * (vLLM gptq_marlin.py:369), 4 + 16/128 = 4.125 bits:
	 * 48 x ((18874368 + 8 x 4718592) x 4.125/8 + 2 x 262144)
	 * + 2 x 151936 x 2048 = 2,048,917,504 bytes */
	EXPECT_NEAR(sim_bytes_per_token(m), 2048917504.0, 1);
	/* K+V, 48 layers, 4 KV heads x 128, BF16: 98,304 bytes per token */
	EXPECT_NEAR(sim_kv_bytes_per_ctx_token(m), 98304, 0);
}

static void test_minimax_geometry(void)
{
	const struct sim_model *m = &ctx.model;

	EXPECT_EQ(setup("minimax-m2.5", "roce"), 0);
	EXPECT_STREQ(m->model_type, "minimax_m2");
	EXPECT_EQ(m->experts, 256);
	/* 3072x6144 + 2 x 3072x1024 + 6144x3072 */
	EXPECT_NEAR(sim_attn_params(m), 44040192, 0.5);
	EXPECT_NEAR(sim_expert_params(m), 14155776, 0.5);
	/* 2 x 62 x 8 x 128 x 2 */
	EXPECT_NEAR(sim_kv_bytes_per_ctx_token(m), 253952, 0);
	/* ~10.4 B active (published), lm_head included, embeddings not */
	EXPECT_NEAR(sim_active_params(m) / 1e9, 10.4, 0.4);
}

static void test_ep_expectation(void)
{
	/* 4 experts on 2 ranks, top-2: 2 of 6 picks land on one rank (max 2),
	 * 4 split (max 1): (2 x 2 + 4 x 1) / 6 */
	EXPECT_NEAR(sim_ep_expected_max(4, 2, 2), 8.0 / 6.0, 1e-12);
	/* 128 experts 64/64, top-8: sum_k P(k) max(k, 8-k), hypergeometric:
	 * 15936664 / 3150235 */
	EXPECT_NEAR(sim_ep_expected_max(128, 2, 8), 15936664.0 / 3150235.0,
		    1e-9);
	/* four ranks of 32: enumerated by hand script, 3.4859025011 */
	EXPECT_NEAR(sim_ep_expected_max(128, 4, 8), 3.4859025011066698, 1e-9);
	/* one rank holds everything */
	EXPECT_NEAR(sim_ep_expected_max(128, 1, 8), 8, 1e-12);
	EXPECT(sim_ep_expected_max(128, 3, 8) < 0);	/* 3 does not divide */
	/* two tokens: 8 + 8 x 120/128 distinct experts */
	EXPECT_NEAR(sim_expected_union(128, 8, 2), 15.5, 1e-12);
}

static void test_counts(void)
{
	struct sim_result r;
	int i;
	double sum;

	EXPECT_EQ(setup("qwen3-coder-30b-a3b", "roce"), 0);
	r = run(SIM_TP, 2, 0, SIM_LEN_LONG, 0);
	/* 48 layers x 2 + embedding; logits all-gather */
	EXPECT_EQ(r.n_allreduce, 97);
	EXPECT_EQ(r.n_allgather, 1);
	EXPECT_EQ(r.n_p2p, 0);
	/* rank weights: half of the quantised layers (4.125 bits read),
	 * all of the router, half of lm_head: 1,037,041,664 bytes */
	EXPECT_NEAR(r.rank_weight_bytes, 1037041664.0, 1);
	/* 48 x 14 + 10 kernels */
	EXPECT_EQ(r.n_kernels, 682);
	sum = 0;
	for (i = 0; i < r.n_terms; i++)
		sum += r.term[i].ms;
	EXPECT_NEAR(sum, r.ms_per_token, 1e-9);
	EXPECT_NEAR(r.tok_s, 1000 / r.ms_per_token, 1e-9);
	/* TP all-reduce term: 97 x the 4 KB point of net-roce (41 us) */
	EXPECT_NEAR(sim_term_ms(&r, "allreduce"), 97 * 0.041, 1e-9);

	r = run(SIM_EP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_EQ(r.n_allreduce, 97);
	/* skewed rendezvous after each MoE block: 48 x one-way p2p (8 us) */
	EXPECT_NEAR(sim_term_ms(&r, "ep_skew"), 48 * 0.008, 1e-9);
	EXPECT(sim_term_ms(&r, "ep_imbalance") > 0);

	r = run(SIM_PP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_EQ(r.n_allreduce, 0);
	EXPECT_EQ(r.n_p2p, 1);
	/* stages run one after the other: every weight byte once */
	EXPECT_NEAR(r.rank_weight_bytes, 2048917504.0, 1);
	EXPECT_EQ(r.n_kernels, 48 * 14 + 2 * 10);

	r = run(SIM_SINGLE, 1, 16384, SIM_LEN_LONG, 0);
	EXPECT_EQ(r.n_allreduce + r.n_allgather + r.n_p2p, 0);
	EXPECT_NEAR(r.rank_kv_bytes, 98304.0 * 16384, 1);
	r = run(SIM_TP, 2, 16384, SIM_LEN_LONG, 0);
	EXPECT_NEAR(r.rank_kv_bytes, 98304.0 * 16384 / 2, 1);

	/* MiniMax-M2: a third all-reduce per layer */
	EXPECT_EQ(setup("minimax-m2.5", "roce"), 0);
	r = run(SIM_TP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_EQ(r.n_allreduce, 62 * 3 + 1);
	EXPECT_EQ(r.n_allgather, 1);
}

static void test_pp_never_beats_single(void)
{
	static const char *const trs[] = { "roce", "socket", "roce-oneshot" };
	static const double ctxs[] = { 0, 512, 8192, 131072 };
	struct sim_result pp, one;
	size_t t, i;
	int n;

	EXPECT_EQ(setup("qwen3-coder-30b-a3b", NULL), 0);
	for (t = 0; t < 3; t++) {
		EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, trs[t],
						   &ctx.net), 0);
		for (i = 0; i < 4; i++) {
			for (n = 2; n <= 8; n *= 2) {
				pp = run(SIM_PP, n, ctxs[i], SIM_LEN_LONG, 0);
				one = run(SIM_SINGLE, 1, ctxs[i], SIM_LEN_LONG,
					  0);
				EXPECT(pp.tok_s > 0);
				EXPECT(pp.tok_s <= one.tok_s);
			}
		}
	}
	/* and socket TP is never faster than RoCE TP */
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket", &ctx.net), 0);
	pp = run(SIM_TP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &ctx.net), 0);
	one = run(SIM_TP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT(pp.tok_s < one.tok_s);
}

static void test_spec_and_length(void)
{
	struct sim_result a, b;

	EXPECT_EQ(setup("qwen3-coder-30b-a3b", "roce"), 0);
	a = run(SIM_SINGLE, 1, 0, SIM_LEN_LONG, 1);
	/* 1 + accept tokens per step with one speculative token */
	EXPECT_NEAR(a.tokens_per_step, 1 + ctx.hw.accept, 1e-12);
	EXPECT(sim_term_ms(&a, "spec_draft") > 0);
	/* short output: PP pays its per-request cost / 128 tokens */
	a = run(SIM_PP, 2, 0, SIM_LEN_SHORT, 0);
	b = run(SIM_PP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_NEAR(a.ms_per_token - b.ms_per_token,
		    ctx.hw.request_fixed_ms[SIM_PP] /
		    ctx.hw.out_tokens[SIM_LEN_SHORT], 1e-9);
	/* refused: EAGLE3 with PP, EP of a dense model, odd node counts */
	{
		struct sim_query q = { .mode = SIM_PP, .nodes = 2,
				       .spec_tokens = 1, .accept = -1 };
		struct sim_result r;

		EXPECT_EQ(sim_predict(&ctx, &q, &r), -EINVAL);
		q = (struct sim_query){ .mode = SIM_EP, .nodes = 3,
					.accept = -1 };
		EXPECT_EQ(sim_predict(&ctx, &q, &r), -EINVAL);
		q = (struct sim_query){ .mode = SIM_SINGLE, .nodes = 2,
					.accept = -1 };
		EXPECT_EQ(sim_predict(&ctx, &q, &r), -EINVAL);
	}
}

static void test_netprof(const char *tmpdir)
{
	struct sim_netprof p;
	char path[512], used[512];
	FILE *f;

	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	/* on a point */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 2), 41.0, 1e-9);
	/* halfway in log2 between 4 KB (41) and 8 KB (44) */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096 * 1.41421356237,
			       2), 42.5, 1e-6);
	/* below the first point: the first point */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 1, 2), 40.0, 1e-9);
	/* past the last (1 MiB, 120 us): + extra bytes / 10 GB/s */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 1048576 + 1e6, 2),
		    120.0 + 100.0, 1e-6);
	/* 4 ranks: two tree steps */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 4), 82.0, 1e-9);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_SENDRECV, 8192, 4), 18.0, 1e-9);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 1), 0, 0);

	/* a measured nccl_coll-style document replaces the all-reduce */
	snprintf(path, sizeof(path), "%s/nccl.json", tmpdir);
	f = fopen(path, "w");
	EXPECT(f != NULL);
	if (!f)
		return;
	fputs("{\"meta\":{\"tool\":\"nccl_coll\"},\"params\":{},\"results\":["
	      "{\"op\":\"allreduce\",\"size\":4096,\"oop_lat_us_p50\":20.0},"
	      "{\"op\":\"allreduce\",\"size\":16384,\"oop_lat_us_p50\":30.0},"
	      "{\"op\":\"sendrecv\",\"size\":8,\"oop_lat_us_p50\":6.0},"
	      "{\"op\":\"weird\",\"size\":8,\"oop_lat_us_p50\":1.0},"
	      "{\"size\":8}],\"summary\":{},\"error\":null}", f);
	fclose(f);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path, used, sizeof(used)), 0);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 2), 20.0, 1e-9);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 8192, 2), 25.0, 1e-9);
	EXPECT_NEAR(p.p2p_one_way_us, 6.0, 1e-9);
	/* the all-gather curve was not measured: built-in stays */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLGATHER, 4096, 2), 40.0, 1e-9);
	EXPECT(strstr(used, "allreduce 2 sizes") != NULL);

	/* ib_lat rows (one-way p50, transport named): tcp rows go to socket */
	snprintf(path, sizeof(path), "%s/iblat.json", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs("{\"meta\":{\"tool\":\"ib_lat\"},\"results\":["
	      "{\"op\":\"lat\",\"transport\":\"rc_write\",\"size\":8,\"lat_us_p50\":2.5},"
	      "{\"op\":\"lat\",\"transport\":\"tcp\",\"size\":8,\"lat_us_p50\":30.0}]}", f);
	fclose(f);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path, used, sizeof(used)), 0);
	EXPECT_NEAR(p.p2p_one_way_us, 2.5, 1e-9);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path, used, sizeof(used)), 0);
	EXPECT_NEAR(p.p2p_one_way_us, 30.0, 1e-9);
	/* no usable row: refused */
	f = fopen(path, "w");
	if (!f)
		return;
	fputs("{\"results\":[{\"op\":\"allreduce\"}]}", f);
	fclose(f);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path, used, sizeof(used)),
		  -EINVAL);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "carrier-pigeon", &p),
		  -ENOENT);
}

static void test_bad_configs(const char *srcdir)
{
	static const char *const bad[] = { "missing-field.json",
		"unknown-arch.json", "malformed.json", "not-object.json",
		"bad-experts.json" };
	struct sim_model m;
	char path[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/bad/%s", srcdir, bad[i]);
		EXPECT_EQ(sim_model_load(path, &m), -EINVAL);
	}
	snprintf(path, sizeof(path), "%s/bad/no-such-file.json", srcdir);
	EXPECT_EQ(sim_model_load(path, &m), -ENOENT);
	/* a dense Llama-style config loads */
	snprintf(path, sizeof(path), "%s/dense-llama.json", srcdir);
	EXPECT_EQ(sim_model_load(path, &m), 0);
	EXPECT(!sim_is_moe(&m));
	/* no quantization_config: a BF16 checkpoint */
	EXPECT_EQ(m.quant.scheme, SIM_Q_BF16);
	/* 32 layers x (4096x4096 x2 + 4096x1024 x2 + 3 x 4096 x 14336)
	 * at w4g128 (4.125 bits read) + lm_head 128256 x 4096 BF16 */
	EXPECT_EQ(sim_model_set_quant(&m, "w4g128"), 0);
	EXPECT_NEAR(sim_bytes_per_token(&m),
		    32.0 * (2 * 4096.0 * 4096 + 2 * 4096.0 * 1024 +
			    3 * 4096.0 * 14336) * 4.125 / 8 +
		    2.0 * 128256 * 4096, 1);
	EXPECT_EQ(sim_model_set_quant(&m, "bf16"), 0);
	EXPECT_NEAR(m.bits_per_weight, 16, 0);
	EXPECT_EQ(sim_model_set_quant(&m, "w3g"), -EINVAL);
}

int main(int argc, char **argv)
{
	const char *srcdir = argc > 1 ? argv[1] : ".";
	char tmpdir[] = "/tmp/sim_test_XXXXXX";

	if (sim_test_init("test_sim", &ctx, tmpdir))
		return 1;
	test_qwen_geometry();
	test_minimax_geometry();
	test_ep_expectation();
	test_counts();
	test_pp_never_beats_single();
	test_spec_and_length();
	test_netprof(tmpdir);
	test_bad_configs(srcdir);
	sim_test_cleanup(tmpdir);
	return TEST_DONE();
}
