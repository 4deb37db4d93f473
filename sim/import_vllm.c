// SPDX-License-Identifier: MIT
/*
 * sim import: the JSON that vLLM's benchmarks and llama-benchy write
 * (import.h lists the versions read). Field names are vLLM's own:
 *
 * vllm bench latency --output-json F (benchmarks/latency.py):
 *	{"avg_latency": s, "latencies": [s, ...], "percentiles": {"10": s,
 *	 "25", "50", "75", "90", "99"}}
 *   Each latency is one llm.generate() of batch_size prompts of input_len
 *   random tokens, max_tokens = output_len with ignore_eos: prefill
 *   included. F.pytorch.json (benchmarks/lib/utils.py, only with
 *   SAVE_TO_PYTORCH_BENCHMARK_FORMAT set) is a list of records
 *	{"benchmark": {"name": "vLLM benchmark", "extra_info": {"args":
 *	 vars(args), ...}}, "model": {"name"}, "metric": {"name": "latency",
 *	 "benchmark_values": [...], "extra_info": {"avg_latency",
 *	 "percentiles"}}}
 *   and is the only place the args (tensor_parallel_size, input_len, ...)
 *   are recorded.
 *
 * vllm bench serve --save-result (benchmarks/serve.py): one flat object:
 *	date, endpoint_type, backend, label, model_id, tokenizer_id,
 *	num_prompts, <--metadata KEY=VALUE pairs, strings>, request_rate,
 *	burstiness, max_concurrency, duration, completed, [failed],
 *	total_input_tokens, total_output_tokens, ..., [spec_decode_*],
 *	{mean,median,std,p<P>}_{ttft,tpot,itl}_ms
 *   tpot per request = (latency - ttft) / (output_tokens - 1): per token,
 *   the first excluded; itl is per SSE chunk (several tokens under EAGLE).
 *
 * llama-benchy --format json (results.py): {version, timestamp,
 *   latency_mode, latency_ms, model, prefix_caching_enabled,
 *   max_concurrency, benchmarks: [{concurrency, context_size, prompt_size,
 *   response_size, is_context_prefill_phase, tg_throughput: {mean, std,
 *   values} | null, e2e_ttft, ...}]}; tg per request = (chunks - 1) /
 *   (stream end - first content chunk).
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bm.h"
#include "import.h"

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int missing(const char *where, const char *key, const char *what)
{
	BM_ERR("%s: %s missing (%s)", where, key, what);
	return -EINVAL;
}

/* A number member > 0 (ge0: >= 0). */
static int get_num(const char *where, const json_t *o, const char *key,
		   bool ge0, const char *what, double *v_p)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return missing(where, key, what);
	if (!json_is_number(v) || (ge0 ? json_number_value(v) < 0 :
				   json_number_value(v) <= 0)) {
		BM_ERR("%s: %s is not a number %s 0 (%s)", where, key,
		       ge0 ? ">=" : ">", what);
		return -EINVAL;
	}
	*v_p = json_number_value(v);
	return 0;
}

static void extra_set(struct sim_mrow *r, const char *key, json_t *v)
{
	if (!v)
		return;
	if (!r->extra)
		r->extra = json_object();
	json_object_set_new(r->extra, key, v);
}

/* A new row of set, read at where. */
static int add_row(struct sim_mset *set, const char *path, const char *where,
		   struct sim_mrow **r_p)
{
	int ret = sim_mset_add(set, path, r_p);

	if (ret)
		return ret;
	snprintf((*r_p)->source, sizeof((*r_p)->source), "%s", where);
	snprintf((*r_p)->where, sizeof((*r_p)->where), "%s", where);
	return 0;
}

/* The model as the benchmark names it (resolve_model uses it only when it
 * is a netroof name). */
static void rec_bench_model(struct sim_deploy *rec, const char *name,
			    const char *from)
{
	snprintf(rec->bench_model, sizeof(rec->bench_model), "%s", name);
	snprintf(rec->bench_model_from, sizeof(rec->bench_model_from), "%s",
		 from);
}

/* rec[k] = a number the file records (ctx, out: may be a mean). */
static void rec_num(struct sim_deploy *rec, enum sim_dkey k, double v,
		    const char *from)
{
	if (k == SIM_D_CTX)
		rec->ctx = v;
	else
		rec->out = v;
	rec->set |= 1u << k;
	snprintf(rec->from[k], sizeof(rec->from[k]), "%s", from);
}

/* rec[key] from a JSON scalar of the args, through sim_deploy_set. */
static int rec_json(struct sim_deploy *rec, const char *key, const json_t *v,
		    const char *from)
{
	char buf[64];

	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof(buf), "%d", json_is_true(v));
	else if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	else
		snprintf(buf, sizeof(buf), "(not a scalar)");
	return sim_deploy_set(rec, key, buf, from);
}

/* ---- vllm bench latency ---- */

/* speculative_config of the args: null (off) or {"method", ...}. */
static int spec_of_args(const char *where, const json_t *sc,
			const char *from, struct sim_deploy *rec)
{
	const json_t *m = json_object_get(sc, "method");
	const json_t *k = json_object_get(sc, "num_speculative_tokens");
	char buf[32];

	if (json_is_null(sc))
		return sim_deploy_set(rec, "spec", "none", from);
	if (!json_is_object(sc)) {
		BM_ERR("%s: %s is not an object", where, from);
		return -EINVAL;
	}
	if (!json_is_string(m)) {
		BM_ERR("%s: speculative_config.method missing (%s; vLLM "
		       "guesses it from the draft model at run time): give "
		       "--deploy spec=eagle3:K", where, from);
		return -EINVAL;
	}
	if (strcmp(json_string_value(m), "eagle3")) {
		BM_ERR("%s: speculative_config.method '%s' (%s): sim models "
		       "eagle3 only", where, json_string_value(m), from);
		return -EINVAL;
	}
	if (!json_is_integer(k)) {
		BM_ERR("%s: speculative_config.num_speculative_tokens missing "
		       "(%s)", where, from);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "eagle3:%" JSON_INTEGER_FORMAT,
		 json_integer_value(k));
	return sim_deploy_set(rec, "spec", buf, from);
}

/* What vars(args) records: rec (deployment) and r's extras. */
static int latency_args(const char *where, const json_t *args,
			const char *side, struct sim_deploy *rec,
			struct sim_mrow *r)
{
	static const struct {
		const char *arg, *key;
	} map[] = {
		{ "tensor_parallel_size", "tp" },
		{ "pipeline_parallel_size", "pp" },
		{ "enable_expert_parallel", "ep" },
		{ "batch_size", "batch" },
		{ "kv_cache_dtype", "kv" },
	};
	const json_t *v;
	char from[96];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		v = json_object_get(args, map[i].arg);
		if (!v || json_is_null(v))
			continue;
		snprintf(from, sizeof(from), "%s in %s", map[i].arg, side);
		ret = rec_json(rec, map[i].key, v, from);
		if (ret)
			return ret;
	}
	v = json_object_get(args, "data_parallel_size");
	if (json_is_integer(v) && json_integer_value(v) != 1) {
		BM_ERR("%s: data_parallel_size %" JSON_INTEGER_FORMAT " (%s): "
		       "sim has no data parallelism", where,
		       json_integer_value(v), side);
		return -EINVAL;
	}
	v = json_object_get(args, "n");
	if (json_is_integer(v) && json_integer_value(v) != 1) {
		BM_ERR("%s: n %" JSON_INTEGER_FORMAT " sequences per prompt "
		       "(%s): sim models one", where, json_integer_value(v),
		       side);
		return -EINVAL;
	}
	if (json_is_true(json_object_get(args, "use_beam_search"))) {
		BM_ERR("%s: use_beam_search (%s): sim models greedy/sampled "
		       "decode", where, side);
		return -EINVAL;
	}
	v = json_object_get(args, "speculative_config");
	if (v) {
		snprintf(from, sizeof(from), "speculative_config in %s", side);
		ret = spec_of_args(where, v, from, rec);
		if (ret)
			return ret;
	}
	v = json_object_get(args, "input_len");
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(from, sizeof(from), "input_len in %s", side);
		rec_num(rec, SIM_D_CTX, (double)json_integer_value(v), from);
	}
	v = json_object_get(args, "output_len");
	if (json_is_integer(v) && json_integer_value(v) >= 1) {
		snprintf(from, sizeof(from), "output_len in %s", side);
		rec_num(rec, SIM_D_OUT, (double)json_integer_value(v), from);
	}
	v = json_object_get(args, "model");
	if (json_is_string(v)) {
		snprintf(from, sizeof(from), "model in %s", side);
		rec_bench_model(rec, json_string_value(v), from);
		extra_set(r, "vllm_model", json_incref((json_t *)v));
	}
	v = json_object_get(args, "max_model_len");
	if (v && !json_is_null(v))
		extra_set(r, "max_model_len", json_incref((json_t *)v));
	v = json_object_get(args, "kv_cache_dtype");
	if (json_is_string(v))
		extra_set(r, "kv_cache_dtype", json_incref((json_t *)v));
	v = json_object_get(args, "quantization");
	if (json_is_string(v))
		extra_set(r, "quantization", json_incref((json_t *)v));
	return 0;
}

/* The sidecar of F.json: F.pytorch.json (os.path.splitext(F)[0]). Loads
 * its "latency" record's args, checking it is the same run. 0 and *args_p
 * NULL when there is none. */
static int latency_sidecar(const char *path, double avg, json_t **root_p,
			   const json_t **args_p, char *side, size_t side_len)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	const json_t *rec = NULL, *ei, *a;
	json_error_t err;
	struct stat st;
	double avg2;
	json_t *root;
	size_t i;
	int n;

	*root_p = NULL;
	*args_p = NULL;
	n = dot && (!slash || dot > slash) ? (int)(dot - path) :
					     (int)strlen(path);
	if (snprintf(side, side_len, "%.*s.pytorch.json", n, path) >=
	    (int)side_len || stat(side, &st))
		return 0;
	root = json_load_file(side, 0, &err);
	if (!root) {
		BM_ERR("%s:%d: malformed JSON: %s", side, err.line, err.text);
		return -EINVAL;
	}
	for (i = 0; json_is_array(root) && i < json_array_size(root); i++) {
		const json_t *m = json_object_get(json_array_get(root, i),
						  "metric");

		if (json_is_string(json_object_get(m, "name")) &&
		    !strcmp(json_string_value(json_object_get(m, "name")),
			    "latency"))
			rec = json_array_get(root, i);
	}
	ei = json_object_get(json_object_get(rec, "metric"), "extra_info");
	a = json_object_get(json_object_get(json_object_get(rec, "benchmark"),
					    "extra_info"), "args");
	if (!rec || !json_is_object(a)) {
		BM_ERR("%s: no record with metric.name \"latency\" and "
		       "benchmark.extra_info.args", side);
		json_decref(root);
		return -EINVAL;
	}
	if (!get_num(side, ei, "avg_latency", false, "metric.extra_info",
		     &avg2) && !(fabs(avg2 - avg) <= 1e-9 * avg)) {
		BM_ERR("%s: avg_latency %.9g, but %s says %.9g: not the same "
		       "run", side, avg2, path, avg);
		json_decref(root);
		return -EINVAL;
	}
	*root_p = root;
	*args_p = a;
	return 0;
}

static int read_latency(const char *path, const char *where,
			const json_t *root, const struct sim_deploy *user,
			struct sim_mset *set)
{
	struct sim_deploy rec = { 0 };
	const json_t *args = NULL, *lat, *pct;
	json_t *side_root = NULL;
	char side[4096] = "";
	double avg, ttft = 0;
	struct sim_mrow *r;
	int ret;

	ret = get_num(where, root, "avg_latency", false,
		      "vllm bench latency --output-json, seconds", &avg);
	if (ret)
		return ret;
	lat = json_object_get(root, "latencies");
	if (!json_is_array(lat))
		return missing(where, "latencies", "vllm bench latency "
			       "--output-json: a list of seconds");
	ret = latency_sidecar(path, avg, &side_root, &args, side,
			      sizeof(side));
	if (!ret)
		ret = add_row(set, path, where, &r);
	if (ret)
		goto out;
	if (args)
		ret = latency_args(where, args, base(side), &rec, r);
	if (ret)
		goto out;
	if (!args && !sim_deploy_has(user, SIM_D_OUT)) {
		BM_ERR("%s: output_len missing: only %s records it "
		       "(SAVE_TO_PYTORCH_BENCHMARK_FORMAT=1); give --deploy "
		       "out=TOKENS", where, side);
		ret = -EINVAL;
		goto out;
	}
	if (!args && !sim_deploy_has(user, SIM_D_CTX)) {
		BM_ERR("%s: input_len missing: only %s records it; give "
		       "--deploy ctx=TOKENS", where, side);
		ret = -EINVAL;
		goto out;
	}
	if (!(rec.set & (1u << SIM_D_BATCH)) &&
	    !sim_deploy_has(user, SIM_D_BATCH)) {
		BM_ERR("%s: batch_size missing: only %s records it, and "
		       "vLLM's default is 8; give --deploy batch=1 if it was",
		       where, side);
		ret = -EINVAL;
		goto out;
	}
	ret = sim_deploy_resolve(&rec, user, r);
	if (ret)
		goto out;
	if (sim_deploy_has(user, SIM_D_TTFT))
		ttft = user->ttft_ms / 1000;
	if (ttft > 0 && (r->out_tokens < 2 || ttft >= avg)) {
		BM_ERR("%s: ttft %g ms leaves no decode time (avg_latency "
		       "%g s, output_len %g)", where, ttft * 1000, avg,
		       r->out_tokens);
		ret = -EINVAL;
		goto out;
	}
	if (ttft > 0) {
		/* as vllm bench serve's TPOT: the first token is prefill's */
		r->tok_s = (r->out_tokens - 1) / (avg - ttft);
		snprintf(r->how, sizeof(r->how), "vllm-latency: "
			 "(output_len-1)/(avg_latency-ttft) = %g/(%.6g-%.6g "
			 "s), ttft from --deploy", r->out_tokens - 1, avg,
			 ttft);
	} else {
		r->tok_s = r->out_tokens / avg;
		snprintf(r->how, sizeof(r->how), "vllm-latency: "
			 "output_len/avg_latency = %g/%.6g s, includes the "
			 "prefill of input_len=%g tokens (--deploy ttft=MS "
			 "takes it out)", r->out_tokens, avg, r->ctx);
	}
	extra_set(r, "avg_latency_s", json_real(avg));
	pct = json_object_get(root, "percentiles");
	if (json_is_number(json_object_get(pct, "50")))
		extra_set(r, "p50_latency_s",
			  json_incref(json_object_get(pct, "50")));
	extra_set(r, "iterations", json_integer(
		(json_int_t)json_array_size(lat)));
out:
	json_decref(side_root);
	return ret;
}

/* ---- vllm bench serve ---- */

static int serve_concurrency(const char *where, const json_t *root)
{
	const json_t *mc = json_object_get(root, "max_concurrency");
	const json_t *np = json_object_get(root, "num_prompts");

	if (!mc)
		return missing(where, "max_concurrency", "vllm bench serve "
			       "--save-result");
	if (json_is_integer(mc) && json_integer_value(mc) == 1)
		return 0;
	if (json_is_null(mc) && json_is_integer(np) &&
	    json_integer_value(np) == 1)
		return 0;	/* one request: nothing to overlap with */
	if (json_is_integer(mc))
		BM_ERR("%s: max_concurrency %" JSON_INTEGER_FORMAT ": sim "
		       "models one request at a time (batch 1); rerun with "
		       "--max-concurrency 1", where, json_integer_value(mc));
	else
		BM_ERR("%s: max_concurrency null (unbounded) with num_prompts "
		       "!= 1: sim models one request at a time (batch 1); "
		       "rerun with --max-concurrency 1", where);
	return -EINVAL;
}

/* --metadata netroof_<key>=VALUE: the deployment the run recorded. */
static int serve_metadata(const char *where, const json_t *root,
			  struct sim_deploy *rec)
{
	const char *key;
	char from[sizeof(rec->from[0])];
	json_t *v;
	int ret;

	json_object_foreach((json_t *)root, key, v) {
		if (strncmp(key, "netroof_", 8))
			continue;
		snprintf(from, sizeof(from), "--metadata %.32s in %.40s", key,
			 base(where));
		if (!json_is_string(v)) {
			BM_ERR("%s: %s is not a string (--metadata KEY=VALUE "
			       "writes strings)", where, key);
			return -EINVAL;
		}
		if (!strcmp(key, "netroof_ctx") || !strcmp(key, "netroof_out") ||
		    !strcmp(key, "netroof_batch") ||
		    !strcmp(key, "netroof_ttft")) {
			BM_ERR("%s: %s: the serve result records that itself "
			       "(token totals, max_concurrency, TPOT)", where,
			       key);
			return -EINVAL;
		}
		ret = sim_deploy_set(rec, key + 8, json_string_value(v), from);
		if (ret)
			return ret;
	}
	return 0;
}

/* K of the spec_decode_* counters (vLLM >= 0.14): draft tokens per draft;
 * 0 when the file has none. */
static int serve_spec_k(const char *where, const json_t *root, int *k_p)
{
	const json_t *d = json_object_get(root, "spec_decode_num_drafts");
	const json_t *t = json_object_get(root, "spec_decode_draft_tokens");
	double k;

	*k_p = 0;
	if (!d)
		return 0;
	if (!json_is_integer(d) || !json_is_integer(t) ||
	    json_integer_value(d) <= 0) {
		BM_ERR("%s: spec_decode_num_drafts/spec_decode_draft_tokens "
		       "are not counts > 0", where);
		return -EINVAL;
	}
	k = (double)json_integer_value(t) / (double)json_integer_value(d);
	if (k != floor(k) || k < 1 || k > 16) {
		BM_ERR("%s: spec_decode_draft_tokens/spec_decode_num_drafts = "
		       "%g is not a whole number of draft tokens", where, k);
		return -EINVAL;
	}
	*k_p = (int)k;
	return 0;
}

/* The metric keys process_one_metric writes, and counters worth keeping */
static void serve_extras(const json_t *root, struct sim_mrow *r)
{
	static const char *const keep[] = {
		"completed", "failed", "spec_decode_acceptance_rate",
		"spec_decode_acceptance_length", "date",
	};
	regex_t re;
	const char *key;
	json_t *v;
	size_t i;

	extra_set(r, "vllm_model",
		  json_incref(json_object_get(root, "model_id")));
	if (!regcomp(&re, "^(mean|median|std|p[0-9.]+)_(tpot|itl|ttft|e2el)"
			  "_ms$", REG_EXTENDED | REG_NOSUB)) {
		json_object_foreach((json_t *)root, key, v)
			if (json_is_number(v) && !regexec(&re, key, 0, NULL, 0))
				extra_set(r, key, json_incref(v));
		regfree(&re);
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		v = json_object_get(root, keep[i]);
		if (v && !json_is_null(v))
			extra_set(r, keep[i], json_incref(v));
	}
}

static int read_serve(const char *path, const char *where, const json_t *root,
		      const struct sim_deploy *user, struct sim_mset *set)
{
	const char *what = "vllm bench serve --save-result";
	struct sim_deploy rec = { 0 };
	double done, tin, tout, tpot;
	const json_t *id = json_object_get(root, "model_id");
	struct sim_mrow *r;
	char spec[32];
	int k, ret;

	if (!json_is_string(id))
		return missing(where, "model_id", what);
	if (!json_object_get(root, "median_tpot_ms"))
		return missing(where, "median_tpot_ms", "written when "
			       "--percentile-metrics includes tpot, as by "
			       "default for generation; a pooling run has none");
	ret = get_num(where, root, "median_tpot_ms", false, what, &tpot);
	if (!ret)
		ret = get_num(where, root, "completed", false, what, &done);
	if (!ret)
		ret = get_num(where, root, "total_input_tokens", false, what,
			      &tin);
	if (!ret)
		ret = get_num(where, root, "total_output_tokens", false, what,
			      &tout);
	if (!ret)
		ret = serve_concurrency(where, root);
	if (!ret)
		ret = serve_metadata(where, root, &rec);
	if (!ret)
		ret = serve_spec_k(where, root, &k);
	if (!ret)
		ret = add_row(set, path, where, &r);
	if (ret)
		return ret;
	rec_bench_model(&rec, json_string_value(id), "model_id");
	rec_num(&rec, SIM_D_CTX, tin / done, "total_input_tokens/completed");
	rec_num(&rec, SIM_D_OUT, tout / done, "total_output_tokens/completed");
	if (k && !(rec.set & (1u << SIM_D_SPEC)) &&
	    !sim_deploy_has(user, SIM_D_SPEC)) {
		BM_ERR("%s: spec missing: the spec_decode_* counters show %d "
		       "draft token(s) per step but not the method; give "
		       "--metadata netroof_spec=eagle3:%d (or --deploy)", where,
		       k, k);
		return -EINVAL;
	}
	ret = sim_deploy_resolve(&rec, user, r);
	if (ret)
		return ret;
	if (k && r->spec_tokens != k) {
		BM_ERR("%s: spec is %s (%s), but the spec_decode_* counters "
		       "show eagle3 with %d draft token(s) per step; give "
		       "spec=eagle3:%d", where,
		       sim_spec_text(r->spec_tokens, spec, sizeof(spec)),
		       (rec.set & (1u << SIM_D_SPEC)) ?
		       rec.from[SIM_D_SPEC] : "--deploy", k, k);
		return -EINVAL;
	}
	r->tok_s = 1000 / tpot;
	snprintf(r->how, sizeof(r->how), "vllm-serve: 1000/median_tpot_ms = "
		 "1000/%.6g ms (%g requests at concurrency 1)", tpot, done);
	serve_extras(root, r);
	return 0;
}

/* ---- llama-benchy ---- */

/* A count of the run, >= lo. */
static int benchy_int(const char *where, const json_t *b, const char *key,
		      json_int_t lo, json_int_t *v_p)
{
	const json_t *v = json_object_get(b, key);

	if (!json_is_integer(v))
		return missing(where, key, "llama-benchy --format json: an "
			       "integer");
	if (json_integer_value(v) < lo) {
		BM_ERR("%s: %s = %" JSON_INTEGER_FORMAT ": want >= %"
		       JSON_INTEGER_FORMAT, where, key, json_integer_value(v),
		       lo);
		return -EINVAL;
	}
	*v_p = json_integer_value(v);
	return 0;
}

static int benchy_run(const char *path, const char *where, int run,
		      const json_t *b, const char *version,
		      struct sim_deploy *rec,
		      const struct sim_deploy *user, struct sim_mset *set)
{
	json_int_t depth, pp, tg;
	const json_t *tgt = json_object_get(b, "tg_throughput");
	const json_t *ph = json_object_get(b, "is_context_prefill_phase");
	const json_t *vals = json_object_get(tgt, "values");
	struct sim_mrow *r;
	double mean;
	char test[64];
	int ret;

	ret = benchy_int(where, b, "context_size", 0, &depth);
	if (!ret)
		ret = benchy_int(where, b, "prompt_size", 0, &pp);
	if (!ret)
		ret = benchy_int(where, b, "response_size", 1, &tg);
	if (!ret && !json_is_boolean(ph))
		ret = missing(where, "is_context_prefill_phase",
			      "llama-benchy --format json: a boolean");
	if (!ret)
		ret = get_num(where, tgt, "mean", false,
			      "tg_throughput.mean, t/s", &mean);
	if (!ret)
		ret = add_row(set, path, where, &r);
	if (ret)
		return ret;
	r->line = run;
	/* the context-load phase sends the context alone; the other runs
	 * send context + prompt, all in the KV cache when decode starts */
	rec_num(rec, SIM_D_CTX, (double)depth + (json_is_true(ph) ? 0 :
						 (double)pp),
		json_is_true(ph) ? "context_size" : "context_size+prompt_size");
	rec_num(rec, SIM_D_OUT, (double)tg, "response_size");
	ret = sim_deploy_resolve(rec, user, r);
	if (ret)
		return ret;
	r->tok_s = mean;
	if (json_is_true(ph))
		snprintf(test, sizeof(test), "ctx_tg @ d%" JSON_INTEGER_FORMAT,
			 depth);
	else if (depth)
		snprintf(test, sizeof(test), "tg%" JSON_INTEGER_FORMAT " @ d%"
			 JSON_INTEGER_FORMAT, tg, depth);
	else
		snprintf(test, sizeof(test), "tg%" JSON_INTEGER_FORMAT, tg);
	snprintf(r->how, sizeof(r->how), "llama-benchy %s '%s': "
		 "tg_throughput.mean of %zu runs, (chunks-1)/(stream end - "
		 "first chunk): counts SSE chunks, not tokens, and includes "
		 "the stream tail", version, test, json_array_size(vals));
	extra_set(r, "vllm_model", json_string(rec->bench_model));
	extra_set(r, "test", json_string(test));
	if (json_is_number(json_object_get(tgt, "std")))
		extra_set(r, "tg_std",
			  json_incref(json_object_get(tgt, "std")));
	return 0;
}

static int read_benchy(const char *path, const char *where,
		       const json_t *root, const struct sim_deploy *user,
		       struct sim_mset *set)
{
	const json_t *runs = json_object_get(root, "benchmarks");
	const json_t *model = json_object_get(root, "model");
	const json_t *ver = json_object_get(root, "version");
	int skipped = 0, n = 0, ret = 0;
	char run_where[SIM_SRC_MAX];
	struct sim_deploy rec;
	json_int_t c;
	size_t i;

	if (!json_is_array(runs))
		return missing(where, "benchmarks", "llama-benchy --format "
			       "json: a list of runs");
	if (!json_is_string(model))
		return missing(where, "model", "llama-benchy --format json");
	for (i = 0; i < json_array_size(runs) && !ret; i++) {
		const json_t *b = json_array_get(runs, i);

		snprintf(run_where, sizeof(run_where), "%.*s#%zu",
			 (int)sizeof(run_where) - 24, where, i + 1);
		ret = benchy_int(run_where, b, "concurrency", 1, &c);
		if (ret)
			break;
		if (c != 1) {
			skipped++;
			continue;
		}
		if (!json_is_object(json_object_get(b, "tg_throughput")))
			continue;	/* no generation measured */
		memset(&rec, 0, sizeof(rec));
		rec_bench_model(&rec, json_string_value(model), "model");
		ret = sim_deploy_set(&rec, "batch", "1", "concurrency");
		if (!ret)
			ret = benchy_run(path, run_where, (int)i + 1, b,
					 json_is_string(ver) ?
					 json_string_value(ver) : "?", &rec,
					 user, set);
		n += !ret;
	}
	if (ret)
		return ret;
	if (!n) {
		BM_ERR("%s: no run at concurrency 1 with a tg_throughput (%d at "
		       "higher concurrency: sim models batch 1)", where,
		       skipped);
		return -EINVAL;
	}
	if (skipped)
		BM_WARN("%s: skipped %d runs at concurrency > 1 (sim models "
			"batch 1)", where, skipped);
	return 0;
}

static int foreign(const char *where, const json_t *root)
{
	if (json_object_get(root, "meta") && json_object_get(root, "results"))
		BM_ERR("%s: a netroof result document (meta, results), not a "
		       "benchmark result; sim validate reads the benchmark's "
		       "own file", where);
	else
		BM_ERR("%s: unknown schema: no avg_latency (vllm bench latency "
		       "--output-json), no model_id (vllm bench serve "
		       "--save-result), no benchmarks (llama-benchy --format "
		       "json)", where);
	return -EINVAL;
}

int sim_read_json(const char *path, json_t *root, int record,
		  const struct sim_deploy *user, struct sim_mset *set)
{
	char where[SIM_SRC_MAX];
	int i, n0 = set->n, ret;

	if (record)
		snprintf(where, sizeof(where), "%s#%d", path, record);
	else
		snprintf(where, sizeof(where), "%s", path);
	if (json_is_array(root) &&
	    json_object_get(json_array_get(root, 0), "benchmark")) {
		BM_ERR("%s: a PyTorch-benchmark-format sidecar: pass the JSON "
		       "of vllm bench latency --output-json, which is read with "
		       "its NAME.pytorch.json", where);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		BM_ERR("%s: not a benchmark result: expected a JSON object "
		       "(vLLM latency or serve, llama-benchy)", where);
		return -EINVAL;
	}
	if (json_object_get(root, "avg_latency"))
		ret = read_latency(path, where, root, user, set);
	else if (json_object_get(root, "model_id") ||
		 json_object_get(root, "median_tpot_ms"))
		ret = read_serve(path, where, root, user, set);
	else if (json_object_get(root, "benchmarks"))
		ret = read_benchy(path, where, root, user, set);
	else
		return foreign(where, root);
	for (i = n0; !ret && i < set->n; i++) {
		if (!set->rows[i].line)
			set->rows[i].line = record;
		ret = sim_mrow_check(&set->rows[i]);
	}
	return ret;
}
