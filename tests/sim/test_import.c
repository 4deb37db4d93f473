// SPDX-License-Identifier: MIT
/*
 * sim import against hand-computed values: tok/s from vllm bench latency
 * (output length over average latency, and with the prefill share taken
 * out), from vllm bench serve (1000 / median TPOT), from llama-benchy; the
 * deployment from the files and from --deploy; RFC 4180 CSV; bad and
 * foreign files refused with the missing field named. The fixtures in
 * tests/sim/vllm/ are written in vLLM's own schemas (sim/import_vllm.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_test.h"
#include "import.h"
#include "log.h"
#include "sim_test.h"

static const char *srcdir;

static int load(const char *rel, const char *deploy, struct sim_mset *set)
{
	struct sim_deploy d;
	char path[1024];

	memset(set, 0, sizeof(*set));
	snprintf(path, sizeof(path), "%s/%s", srcdir, rel);
	if (deploy && sim_deploy_parse(deploy, &d))
		return -100;
	return sim_import_path(path, deploy ? &d : NULL, set);
}

/* rel is refused (-EINVAL) and the message names field */
static void refused(const char *rel, const char *deploy, const char *field)
{
	struct sim_mset set;
	const char *e;

	EXPECT_EQ(load(rel, deploy, &set), -EINVAL);
	e = bm_log_last_error();
	if (!e || !strstr(e, field)) {
		fprintf(stderr, "%s: message lacks '%s': %s\n", rel, field,
			e ? e : "(none)");
		bm_test_failures++;
	}
	sim_mset_free(&set);
}

static void test_deploy(void)
{
	struct sim_deploy d;

	EXPECT_EQ(sim_deploy_parse("tp=2 ep=1 nodes=2 transport=roce "
				   "spec=eagle3:1 model=qwen3-coder-30b-a3b "
				   "ctx=16K", &d), 0);
	EXPECT_EQ(d.tp, 2);
	EXPECT(d.ep);
	EXPECT_EQ(d.nodes, 2);
	EXPECT_STREQ(d.transport, "roce");
	EXPECT_EQ(d.spec_tokens, 1);
	EXPECT_STREQ(d.model, "qwen3-coder-30b-a3b");
	EXPECT_NEAR(d.ctx, 16384, 0);
	EXPECT_EQ(sim_deploy_parse("spec=eagle3 ttft=60.5 out=128", &d), 0);
	EXPECT_EQ(d.spec_tokens, 1);
	EXPECT_NEAR(d.ttft_ms, 60.5, 0);
	EXPECT_NEAR(d.out, 128, 0);
	EXPECT_EQ(sim_deploy_parse("spec=eagle3:3", &d), 0);
	EXPECT_EQ(d.spec_tokens, 3);
	EXPECT_EQ(sim_deploy_parse("tp=0", &d), -EINVAL);
	EXPECT_EQ(sim_deploy_parse("tp", &d), -EINVAL);
	EXPECT_EQ(sim_deploy_parse("warp=9", &d), -EINVAL);
	EXPECT_EQ(sim_deploy_parse("transport=carrier-pigeon", &d), -EINVAL);
	EXPECT_EQ(sim_deploy_parse("spec=ngram", &d), -EINVAL);
	EXPECT_EQ(sim_deploy_parse("out=0", &d), -EINVAL);
}

static void test_serve(void)
{
	struct sim_mset set;
	struct sim_mrow *r;

	EXPECT_EQ(load("vllm/serve/tp2-roce.json", NULL, &set), 0);
	EXPECT_EQ(set.n, 1);
	r = &set.rows[0];
	/* median_tpot_ms 10.917: 1000 / 10.917 = 91.60025648... tok/s */
	EXPECT_NEAR(r->tok_s, 91.600256480718146, 1e-9);
	EXPECT_STREQ(r->model, "qwen3-coder-30b-a3b");
	EXPECT_EQ(r->mode, SIM_TP);
	EXPECT_EQ(r->nodes, 2);
	EXPECT_STREQ(r->transport, "roce");
	EXPECT_EQ(r->spec_tokens, 0);
	/* 320 input and 40960 output tokens over 10 requests */
	EXPECT_NEAR(r->ctx, 32, 0);
	EXPECT_NEAR(r->out_tokens, 4096, 0);
	EXPECT_STREQ(r->length_txt, "4096");
	EXPECT(strstr(r->how, "1000/median_tpot_ms"));
	/* the other figures stay as columns */
	EXPECT_NEAR(json_real_value(json_object_get(r->extra,
		"mean_tpot_ms")), 10.922, 1e-12);
	EXPECT_NEAR(json_real_value(json_object_get(r->extra,
		"p99_itl_ms")), 17.60544, 1e-9);
	sim_mset_free(&set);

	/* EAGLE3: spec_decode_draft_tokens / num_drafts = 720/720 = 1 */
	EXPECT_EQ(load("vllm/serve/tp2-roce-eagle3.json", NULL, &set), 0);
	EXPECT_EQ(set.rows[0].spec_tokens, 1);
	/* 1000 / 10.549 */
	EXPECT_NEAR(set.rows[0].tok_s, 94.795715233671438, 1e-9);
	sim_mset_free(&set);

	/* --append-result: JSON Lines, one row per object, ~v0.11 schema */
	EXPECT_EQ(load("vllm/serve/ep2.jsonl", NULL, &set), 0);
	EXPECT_EQ(set.n, 2);
	EXPECT_EQ(set.rows[0].mode, SIM_EP);
	EXPECT_STREQ(set.rows[1].transport, "socket");
	EXPECT_NEAR(set.rows[0].tok_s, 85.499316005471956, 1e-9); /* 1000/11.696 */
	EXPECT_NEAR(set.rows[1].tok_s, 35.000525007875118, 1e-9); /* 1000/28.571 */
	EXPECT(strstr(set.rows[1].source, "ep2.jsonl#2") != NULL);
	sim_mset_free(&set);

	/* a directory: every file, in name order */
	EXPECT_EQ(load("vllm/serve", NULL, &set), 0);
	EXPECT_EQ(set.n, 5);
	EXPECT_EQ(set.files, 4);
	sim_mset_free(&set);
}

static void test_latency(void)
{
	const char *dep = "model=qwen3-coder-30b-a3b transport=roce";
	const double avg = 1.4499999999999997;	/* avg_latency in the file */
	struct sim_mset set;
	struct sim_mrow *r;

	/* args from tp2.pytorch.json: tp 2, input_len 32, output_len 128 */
	EXPECT_EQ(load("vllm/latency/tp2.json", dep, &set), 0);
	EXPECT_EQ(set.n, 1);
	r = &set.rows[0];
	EXPECT_EQ(r->mode, SIM_TP);
	EXPECT_EQ(r->nodes, 2);
	EXPECT_NEAR(r->ctx, 32, 0);
	EXPECT_NEAR(r->out_tokens, 128, 0);
	/* 128 tokens / 1.45 s = 88.2758620689655 tok/s, prefill included */
	EXPECT_NEAR(r->tok_s, 128 / avg, 1e-12);
	EXPECT_NEAR(r->tok_s, 88.275862068965537, 1e-9);
	EXPECT(strstr(r->how, "includes the prefill") != NULL);
	EXPECT_STREQ(json_string_value(json_object_get(r->extra,
		"kv_cache_dtype")), "auto");
	EXPECT_EQ(json_integer_value(json_object_get(r->extra,
		"max_model_len")), 32768);
	sim_mset_free(&set);

	/* ttft 60.3 ms out: (128 - 1) / (1.45 - 0.0603) = 91.38663 tok/s */
	EXPECT_EQ(load("vllm/latency/tp2.json",
		       "model=qwen3-coder-30b-a3b transport=roce ttft=60.3",
		       &set), 0);
	EXPECT_NEAR(set.rows[0].tok_s, 127 / (avg - 0.0603), 1e-12);
	EXPECT_NEAR(set.rows[0].tok_s, 91.386630207958578, 1e-9);
	sim_mset_free(&set);

	/* the sidecar is read with its file, never as a file of its own */
	EXPECT_EQ(load("vllm/latency", dep, &set), 0);
	EXPECT_EQ(set.n, 1);
	sim_mset_free(&set);

	/* without the sidecar everything comes from --deploy */
	EXPECT_EQ(load("vllm/latency-bare.json", "model=qwen3-coder-30b-a3b "
		       "tp=2 transport=roce ctx=32 out=128 batch=1 spec=none",
		       &set), 0);
	EXPECT_NEAR(set.rows[0].tok_s, 128 / avg, 1e-12);
	sim_mset_free(&set);
	refused("vllm/latency-bare.json", dep, "output_len");
	refused("vllm/latency-bare.json", "model=qwen3-coder-30b-a3b tp=2 "
		"transport=roce out=128 ctx=32", "batch_size");
	refused("vllm/latency/tp2.json", NULL, "model");
	refused("vllm/latency/tp2.json", "model=qwen3-coder-30b-a3b",
		"transport");
	refused("vllm/latency/tp2.json", "model=qwen3-coder-30b-a3b "
		"transport=roce tp=4", "tensor_parallel_size");
	refused("vllm/latency/tp2.json", "model=qwen3-coder-30b-a3b "
		"transport=roce ttft=1500", "ttft");
}

static void test_benchy(void)
{
	const char *dep = "model=qwen3-coder-30b-a3b tp=2 transport=roce "
			  "spec=none";
	struct sim_mset set;

	EXPECT_EQ(load("vllm/llama-benchy.json", dep, &set), 0);
	/* 4 runs: one at concurrency 2 is skipped */
	EXPECT_EQ(set.n, 3);
	/* pp 2048 at depth 0; the context-load phase at depth 4096 sends
	 * the context alone; then depth 4096 + pp 2048 */
	EXPECT_NEAR(set.rows[0].ctx, 2048, 0);
	EXPECT_NEAR(set.rows[1].ctx, 4096, 0);
	EXPECT_NEAR(set.rows[2].ctx, 6144, 0);
	EXPECT_NEAR(set.rows[0].out_tokens, 128, 0);
	/* tg_throughput.mean of 88.2, 88.0, 88.1 */
	EXPECT_NEAR(set.rows[0].tok_s, 88.1, 1e-9);
	EXPECT_NEAR(set.rows[2].tok_s, 82.9, 1e-9);
	sim_mset_free(&set);
	refused("vllm/llama-benchy.json", "model=qwen3-coder-30b-a3b", "tp");
}

static void test_csv(const char *tmpdir)
{
	struct sim_mset set = { 0 };
	char path[512];
	FILE *f;

	/* RFC 4180, as common/out writes it: commas and quotes inside */
	snprintf(path, sizeof(path), "%s/q.csv", tmpdir);
	f = fopen(path, "w");
	if (!f) {
		bm_test_failures++;
		return;
	}
	fprintf(f, "# a comment\nmodel,mode,nodes,transport,spec,length,ctx,"
		   "tok_s,source,tok_s_from,median_itl_ms\n"
		   "qwen3-coder-30b-a3b,tp,2,roce,eagle3:2,128,32,91.5,"
		   "\"a,b.json\",\"1000/x = \"\"y\"\", z\",10.5\n"
		   "qwen3-coder-30b-a3b,single,1,none,none,long,16K,86,,,\n");
	fclose(f);
	EXPECT_EQ(sim_import_path(path, NULL, &set), 0);
	EXPECT_EQ(set.n, 2);
	if (set.n == 2) {
		EXPECT_STREQ(set.rows[0].source, "a,b.json");
		EXPECT_STREQ(set.rows[0].how, "1000/x = \"y\", z");
		EXPECT_EQ(set.rows[0].spec_tokens, 2);
		EXPECT_NEAR(set.rows[0].out_tokens, 128, 0);
		EXPECT_NEAR(json_real_value(json_object_get(set.rows[0].extra,
			"median_itl_ms")), 10.5, 0);
		EXPECT_EQ(set.rows[1].length, SIM_LEN_LONG);
		EXPECT_NEAR(set.rows[1].out_tokens, 0, 0);
		EXPECT_NEAR(set.rows[1].ctx, 16384, 0);
		EXPECT_STREQ(set.rows[1].how, "");
	}
	sim_mset_free(&set);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "model,mode,nodes,transport,spec,length,ctx,tok_s\n"
			   "m,tp,2,roce,none,long,0,\"91\n");
		fclose(f);
	}
	EXPECT_EQ(sim_import_path(path, NULL, &set), -EINVAL);
	sim_mset_free(&set);
}

static void test_bad(void)
{
	const char *dep = "model=qwen3-coder-30b-a3b transport=roce";

	refused("bad/foreign.json", NULL, "unknown schema");
	refused("bad/malformed.json", NULL, "malformed JSON");
	refused("bad/orphan.pytorch.json", NULL, "sidecar");
	refused("bad/vllm-serve-concurrency4.json", NULL, "max_concurrency");
	refused("bad/vllm-serve-unbounded.json", NULL, "max_concurrency");
	refused("bad/vllm-serve-no-tp.json", NULL, "tp missing");
	refused("bad/vllm-serve-no-model-id.json", NULL, "model_id");
	refused("bad/vllm-serve-pooling.json", NULL, "median_tpot_ms");
	refused("bad/vllm-serve-spec-unsaid.json", NULL, "spec");
	refused("bad/vllm-serve-spec-mismatch.json", NULL, "spec_decode");
	refused("bad/vllm-serve-bad-metadata.json", NULL, "netroof_tpp");
	refused("bad/vllm-latency-batch8.json", dep, "batch");
	refused("bad/vllm-latency-fp8.json", dep, "fp8");
	refused("bad/vllm-latency-ngram.json", dep, "speculative_config");
	refused("bad/vllm-latency-tp2pp2.json", dep, "pp=2");
	refused("bad/vllm-latency-other-run.json", dep, "avg_latency");
	refused("bad/llama-benchy-c2.json", dep, "concurrency");
}

/* text (with --deploy dep) is refused (-EINVAL) naming what */
static void refused_text(const char *text, const char *dep, const char *what)
{
	struct sim_mset set = { 0 };
	struct sim_deploy d;
	const char *e;

	if (dep && sim_deploy_parse(dep, &d)) {
		bm_test_failures++;
		return;
	}
	EXPECT_EQ(sim_import_buf("/nonexistent/t.json", text, strlen(text),
				 dep ? &d : NULL, &set), -EINVAL);
	e = bm_log_last_error();
	if (!e || !strstr(e, what)) {
		fprintf(stderr, "'%.40s...': message lacks '%s': %s\n", text,
			what, e ? e : "(none)");
		bm_test_failures++;
	}
	sim_mset_free(&set);
}

/* Rows fuzzing found accepted (tests/fuzz/corpus/sim_import/regress-*):
 * each would have reached validate as something it cannot predict, or
 * undefined behaviour (a context past long long). */
static void test_fuzz_found(void)
{
	static const char *const hdr = "model,mode,nodes,transport,spec,"
				       "length,ctx,tok_s\n";
	const char *lat = "model=qwen3-coder-30b-a3b transport=roce tp=2 "
			  "ctx=32 out=128 batch=1 spec=none";
	const char *bdep = "model=qwen3-coder-30b-a3b tp=2 transport=roce "
			   "spec=none";
	char buf[512];

	snprintf(buf, sizeof(buf), "%s,tp,2,roce,none,128,32,88.2\n", hdr);
	refused_text(buf, NULL, "model missing");
	snprintf(buf, sizeof(buf), "%sq,single,4,none,none,long,0,88\n", hdr);
	refused_text(buf, NULL, "mode single is 1 node");
	snprintf(buf, sizeof(buf), "%sq,tp,1,roce,none,long,0,88\n", hdr);
	refused_text(buf, NULL, "the others 2 or more");
	refused_text("model,mode,nodes,transport,spec,length,ctx,tok_s,tok_s\n"
		     "q,tp,2,roce,none,long,0,88.2,1\n", NULL,
		     "column 'tok_s' twice");
	snprintf(buf, sizeof(buf), "%sq,tp,2,roce,none,long,1.1e101,88\n",
		 hdr);
	refused_text(buf, NULL, "ctx (context tokens) not in 0..1e8");
	refused_text("{\"avg_latency\": 1e-320, \"latencies\": [1.45]}", lat,
		     "tok/s not a finite number > 0");
	refused_text("{\"model\": \"x\", \"benchmarks\": [{\"concurrency\": 1, "
		     "\"context_size\": 0, \"prompt_size\": 2048, "
		     "\"response_size\": 0, \"is_context_prefill_phase\": "
		     "false, \"tg_throughput\": {\"mean\": 88.0}}]}", bdep,
		     "response_size = 0: want >= 1");
	refused_text("{\"model\": \"x\", \"benchmarks\": [{\"concurrency\": 1, "
		     "\"context_size\": -4096, \"prompt_size\": 8192, "
		     "\"response_size\": 128, \"is_context_prefill_phase\": "
		     "false, \"tg_throughput\": {\"mean\": 88.0}}]}", bdep,
		     "context_size = -4096");
}

int main(int argc, char **argv)
{
	char tmpdir[] = "/tmp/sim_import_XXXXXX";

	srcdir = argc > 1 ? argv[1] : ".";
	bm_log_init("test_import", -1);
	bm_log_set_level(BM_LOG_ERR);
	if (!mkdtemp(tmpdir))
		return 1;
	test_deploy();
	test_serve();
	test_latency();
	test_benchy();
	test_csv(tmpdir);
	test_bad();
	test_fuzz_found();
	sim_test_cleanup(tmpdir);
	return TEST_DONE();
}
