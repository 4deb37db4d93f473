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
	/* TP all-reduce term on the link model: 97 x one 4 KB all-reduce
	 * over the built-in RoCE link, launched at the profile's kernel time */
	{
		struct sim_coll_cost cc;

		EXPECT_EQ(sim_coll_cost(&ctx.net.link, SIM_OP_ALLREDUCE, 4096, 2,
					ctx.hw.kernel_us, &cc), 0);
		EXPECT_NEAR(sim_term_ms(&r, "allreduce"),
			    97 * cc.total_us / 1000.0, 1e-9);
	}

	r = run(SIM_EP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_EQ(r.n_allreduce, 97);
	/* rendezvous after each MoE block: 48 x the fitted count of the
	 * link's one-way latency */
	EXPECT_NEAR(sim_term_ms(&r, "ep_skew"), 48 * ctx.hw.ep_rendezvous *
		    ctx.net.link.one_way_us.v / 1000.0, 1e-9);
	EXPECT(sim_term_ms(&r, "ep_imbalance") > 0);

	/* the fitted what-if curves, as the first calibration had them:
	 * 97 x the 4 KB point (41 us), 48 x one-way p2p (8 us) */
	EXPECT_EQ(setup("qwen3-coder-30b-a3b", "roce-fitted"), 0);
	r = run(SIM_TP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_NEAR(sim_term_ms(&r, "allreduce"), 97 * 0.041, 1e-9);
	r = run(SIM_EP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_NEAR(sim_term_ms(&r, "ep_skew"), 48 * 0.008, 1e-9);

	EXPECT_EQ(setup("qwen3-coder-30b-a3b", "roce"), 0);
	r = run(SIM_PP, 2, 0, SIM_LEN_LONG, 0);
	EXPECT_EQ(r.n_allreduce, 0);
	/* one stage boundary: hidden_states and residual, two messages */
	EXPECT_EQ(r.n_p2p, 2);
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

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_netprof(const char *tmpdir)
{
	struct sim_netprof p;
	struct sim_net_cost c;
	char path[512];

	/* curve profiles (the fitted what-if): interpolation as before */
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce-fitted", &p), 0);
	EXPECT(!p.has_link && p.whatif);
	/* on a point */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 2, 1), 41.0, 1e-9);
	/* halfway in log2 between 4 KB (41) and 8 KB (44) */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096 * 1.41421356237,
			       2, 1), 42.5, 1e-6);
	/* below the first point: the first point */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 1, 2, 1), 40.0, 1e-9);
	/* past the last (1 MiB, 120 us): + extra bytes / 10 GB/s */
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 1048576 + 1e6, 2, 1),
		    120.0 + 100.0, 1e-6);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 1, 1), 0, 0);
	/* 2-rank curves cannot cost 4 ranks: no log2 guess */
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 4, 1, &c), -EINVAL);

	/* link-level built-ins: the model costs every rank count */
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	EXPECT(p.has_link && !p.whatif && p.tr == SIM_TR_IB);
	EXPECT_EQ(p.link.one_way_us.kind, SIM_KIND_PUBLISHED);
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 2, 1, &c), 0);
	EXPECT(c.modelled && c.model.crossings == 2);
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 8, 1, &c), 0);
	EXPECT(c.modelled && c.model.algo == SIM_ALGO_TREE &&
	       c.model.crossings == 6);

	/* a 2-rank nccl_coll document over IB: curves that beat the model at
	 * 2 ranks only; graph rows use the in-graph time */
	snprintf(path, sizeof(path), "%s/nccl.json", tmpdir);
	EXPECT_EQ(write_file(path, "{\"meta\":{\"tool\":\"nccl_coll\","
	      "\"nranks\":2,\"transport\":\"ib\"},\"params\":{},\"results\":["
	      "{\"op\":\"allreduce\",\"mode\":\"graph\",\"size\":4096,"
	      "\"oop_time_us\":20.0,\"oop_lat_us_p50\":90},"
	      "{\"op\":\"allreduce\",\"mode\":\"eager\",\"size\":16384,"
	      "\"oop_lat_us_p50\":30.0},"
	      "{\"op\":\"weird\",\"size\":8,\"oop_lat_us_p50\":1.0},"
	      "{\"size\":8}],\"summary\":{},\"error\":null}"), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), 0);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 2, 1), 20.0, 1e-9);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 8192, 2, 1), 25.0, 1e-9);
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 2, 1, &c), 0);
	EXPECT(!c.modelled && strstr(c.source, "nccl.json"));
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 4, 1, &c), 0);
	EXPECT(c.modelled);
	EXPECT(strstr(p.used, "allreduce at 2 ranks: 2 sizes") != NULL);
	/* ... and refused by the socket profile (another transport) */
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), -EXDEV);

	/* nccl_coll --compare: both networks in one document, each profile
	 * takes its own median */
	EXPECT_EQ(write_file(path, "{\"meta\":{\"tool\":\"nccl_coll\","
	      "\"nranks\":2,\"transport\":\"ib\",\"compare_path\":"
	      "{\"transport\":\"socket\"}},\"params\":{\"compare\":true},"
	      "\"results\":[{\"op\":\"allreduce\",\"mode\":\"graph\","
	      "\"size\":4096,\"ib_lat_us_p50\":28.0,"
	      "\"socket_lat_us_p50\":75.0}],\"summary\":{},"
	      "\"error\":null}"), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), 0);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 2, 1), 75.0, 1e-9);
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 2, 1, &c), 0);
	EXPECT(!c.modelled && strstr(c.source, "2 ranks over socket"));
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), 0);
	EXPECT_NEAR(sim_net_us(&p, SIM_OP_ALLREDUCE, 4096, 2, 1), 28.0, 1e-9);
	EXPECT_EQ(sim_net_cost(&p, SIM_OP_ALLREDUCE, 4096, 2, 1, &c), 0);
	EXPECT(!c.modelled && strstr(c.source, "2 ranks over ib"));

	/* one rank crossed no network: refused */
	EXPECT_EQ(write_file(path, "{\"meta\":{\"tool\":\"nccl_coll\","
	      "\"nranks\":1,\"transport\":\"none/intra-process\"},"
	      "\"results\":[{\"op\":\"allreduce\",\"size\":4096,"
	      "\"oop_lat_us_p50\":3.7}]}"), 0);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), -EINVAL);

	/* ib_lat: write rows set the IB link, tcp rows the socket link, a
	 * read (a round trip) only when nothing else is there, halved */
	snprintf(path, sizeof(path), "%s/iblat.json", tmpdir);
	EXPECT_EQ(write_file(path, "{\"meta\":{\"tool\":\"ib_lat\"},"
	      "\"results\":["
	      "{\"op\":\"lat\",\"transport\":\"read\",\"size\":2,"
	      "\"lat_us_p50\":6.0,\"lat_is\":\"rtt\"},"
	      "{\"op\":\"lat\",\"transport\":\"write\",\"size\":64,"
	      "\"lat_us_p50\":2.6,\"lat_is\":\"rtt/2\"},"
	      "{\"op\":\"lat\",\"transport\":\"write\",\"size\":2,"
	      "\"lat_us_p50\":2.5,\"lat_is\":\"rtt/2\"},"
	      "{\"op\":\"bw\",\"transport\":\"write\",\"size\":65536,"
	      "\"bw_gbps\":11.5},"
	      "{\"op\":\"lat\",\"transport\":\"tcp\",\"size\":2,"
	      "\"lat_us_p50\":30.0,\"lat_is\":\"rtt/2\"}]}"), 0);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), 0);
	EXPECT_NEAR(p.link.one_way_us.v, 2.5, 1e-9);
	EXPECT_EQ(p.link.one_way_us.kind, SIM_KIND_MEASURED);
	EXPECT_NEAR(p.link.bw_gbs.v, 11.5, 1e-9);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), 0);
	EXPECT_NEAR(p.link.one_way_us.v, 30.0, 1e-9);
	EXPECT_EQ(write_file(path, "{\"meta\":{\"tool\":\"ib_lat\"},"
	      "\"results\":[{\"op\":\"lat\",\"transport\":\"read\","
	      "\"size\":2,\"lat_us_p50\":6.0,\"lat_is\":\"rtt\"}]}"), 0);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "roce", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), 0);
	EXPECT_NEAR(p.link.one_way_us.v, 3.0, 1e-9);
	/* tcp-only file for the IB profile: the other transport */
	EXPECT_EQ(write_file(path, "{\"meta\":{\"tool\":\"ib_lat\"},"
	      "\"results\":[{\"op\":\"lat\",\"transport\":\"tcp\","
	      "\"size\":2,\"lat_us_p50\":30.0}]}"), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), -EXDEV);
	/* an ib_lat file cannot set a curve-only what-if */
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket-fitted", &p), 0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), -EINVAL);
	/* no usable row, no tool: refused */
	EXPECT_EQ(write_file(path, "{\"results\":[{\"op\":\"allreduce\"}]}"),
		  0);
	EXPECT_EQ(sim_netprof_merge_measured(&p, path), -EINVAL);
	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "carrier-pigeon", &p),
		  -EINVAL);
}

/* Two ib_lat files that differ only in the TCP latency: the socket TP
 * prediction moves by what the model says, every crossing of every
 * collective of the step once more by the difference. */
static void test_tcp_latency_moves_tp(const char *tmpdir)
{
	static const double lat[2] = { 20.0, 50.0 };
	struct sim_query q = { .mode = SIM_TP, .nodes = 2, .accept = -1 };
	struct sim_result r[2];
	char path[512], doc[512];
	int i, k, crossings = 0;

	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/tcp%d.json", tmpdir, k);
		snprintf(doc, sizeof(doc), "{\"meta\":{\"tool\":\"ib_lat\"},"
			 "\"results\":[{\"op\":\"lat\",\"transport\":\"tcp\","
			 "\"size\":2,\"lat_us_p50\":%.1f,\"lat_is\":"
			 "\"rtt/2\"}]}", lat[k]);
		EXPECT_EQ(write_file(path, doc), 0);
		EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket",
						   &ctx.net), 0);
		EXPECT_EQ(sim_netprof_merge_measured(&ctx.net, path), 0);
		EXPECT_EQ(sim_predict(&ctx, &q, &r[k]), 0);
	}
	EXPECT(r[1].tok_s < r[0].tok_s);		/* the right direction */
	for (i = 0; i < r[0].n_net; i++) {
		EXPECT(r[0].net[i].cost.modelled);
		crossings += r[0].net[i].count * r[0].net[i].cost.model.crossings;
	}
	/* 97 all-reduces x 2 crossings + the logits all-gather x 1 */
	EXPECT_EQ(crossings, 97 * 2 + 1);
	EXPECT_NEAR(r[1].ms_per_token - r[0].ms_per_token,
		    crossings * (lat[1] - lat[0]) / 1000.0, 1e-9);
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

/* Hardware profiles fuzzing found accepted (tests/fuzz/corpus/sim_hw/
 * regress-*): each predicted negative, infinite or NaN tok/s, or cast
 * 1e300 to int. gb10.json with one parameter changed must be refused,
 * the message naming it. */
static void test_bad_hw(void)
{
	static const struct {
		const char *sect, *key;
		double v;
	} bad[] = {
		{ NULL, "eff_int4", 40 },
		{ NULL, "host_step_ms", -5 },
		{ NULL, "kernel_us", -0.1 },
		{ "eagle3", "accept", 1.5 },
		{ "eagle3", "draft_layers", 1e300 },
		{ "eagle3", "draft_vocab", 2.5 },
		{ NULL, "ep_rendezvous", -1 },
	};
	char path[1200];
	struct sim_hw hw;
	json_error_t err;
	json_t *root, *o;
	const char *e;
	size_t i;

	snprintf(path, sizeof(path), "%s/profiles/gb10.json", ctx.datadir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		root = json_load_file(path, 0, &err);
		EXPECT(root != NULL);
		if (!root)
			return;
		EXPECT_EQ(sim_hw_from_json(root, path, "gb10", &hw), 0);
		o = bad[i].sect ? json_object_get(root, bad[i].sect) : root;
		o = json_object_get(o, bad[i].key);
		EXPECT_EQ(json_object_set_new(o, "value", json_real(bad[i].v)),
			  0);
		EXPECT_EQ(sim_hw_from_json(root, path, "gb10", &hw), -EINVAL);
		e = bm_log_last_error();
		if (!e || !strstr(e, bad[i].key)) {
			fprintf(stderr, "%s = %g: message lacks the key: %s\n",
				bad[i].key, bad[i].v, e ? e : "(none)");
			bm_test_failures++;
		}
		json_decref(root);
	}
}

/* A --net document fuzzing found (tests/fuzz/corpus/sim_net_merge/
 * regress-nranks-9e18): meta.nranks 9.1e18 was cast to int; and a
 * profile's channel count read the same way. */
static void test_bad_net_doc(void)
{
	struct sim_netprof p;
	json_t *doc;

	EXPECT_EQ(sim_netprof_load_builtin(ctx.datadir, "socket", &p), 0);
	doc = json_pack("{s:{s:s, s:s, s:f}, s:[{s:s, s:i, s:f}]}", "meta",
			"tool", "nccl_coll", "transport", "socket", "nranks",
			9.1e18, "results", "op", "allreduce", "size", 8,
			"oop_lat_us_p50", 50.0);
	EXPECT_EQ(sim_netprof_merge_json(&p, "doc.json", doc), -EINVAL);
	EXPECT(strstr(bm_log_last_error(), "an integer 1..65535") != NULL);
	json_object_set_new(json_object_get(doc, "meta"), "nranks",
			    json_integer(2));
	EXPECT_EQ(sim_netprof_merge_json(&p, "doc.json", doc), 0);
	json_decref(doc);

	/* a link profile's channels 2^32+1 were cast to int: 1 */
	{
		char path[1200];
		json_error_t err;
		json_t *root;

		snprintf(path, sizeof(path), "%s/profiles/net-roce.json",
			 ctx.datadir);
		root = json_load_file(path, 0, &err);
		EXPECT(root != NULL);
		EXPECT_EQ(sim_netprof_from_json(root, path, "roce", &p), 0);
		json_object_set_new(json_object_get(root, "nccl"), "channels",
				    json_integer(4294967297LL));
		EXPECT_EQ(sim_netprof_from_json(root, path, "roce", &p),
			  -EINVAL);
		json_decref(root);
	}
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
	test_tcp_latency_moves_tp(tmpdir);
	test_netprof(tmpdir);
	test_bad_configs(srcdir);
	test_bad_hw();
	test_bad_net_doc();
	sim_test_cleanup(tmpdir);
	return TEST_DONE();
}
