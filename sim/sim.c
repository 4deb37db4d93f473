// SPDX-License-Identifier: MIT
/*
 * sim: roofline simulator of batch-1 decode on GB10 nodes.
 *
 *   sim predict   tok/s and the per-token breakdown of one setup
 *   sim explain   socket against RoCE for every mode, and why
 *   sim validate  predictions against a measured CSV (MAPE, speedups)
 *   sim sweep     what-ifs to CSV (+ gnuplot SVGs)
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bm.h"
#include "config.h"
#include "roofline.h"
#include "sim.h"

enum {
	K_MODEL = 'm',
	K_MODE = 'M',
	K_NODES = 'N',
	K_TRANSPORT = 't',
	K_CTX = 'c',
	K_LENGTH = 'l',
	K_HELP = 'h',
	K_QUIET = 'q',
	K_VERSION = 'V',
	K_SPEC = BM_KEY_TOOL,
	K_SPEC_TOKENS,
	K_ACCEPT,
	K_NET,
	K_HW,
	K_QUANT,
	K_JSON,
	K_MEASURED,
	K_PLOT,
	K_OUT,
	K_MAX_MAPE,
	K_MAX_CELL,
	K_MAX_SPEEDUP,
	K_NO_PLOT,
	K_CSV_OUT,
};

#define O_MODEL { "model", K_MODEL, "M", "named model (qwen3-coder-30b-a3b, minimax-m2.5) or config.json path" }
#define O_CTX { "ctx", K_CTX, "C", "context tokens already in the KV cache (K suffix ok)" }
#define O_LENGTH { "length", K_LENGTH, "L", "output-length class: short|medium|long (default long)" }
#define O_HW { "hw", K_HW, "NAME", "hardware profile (default gb10) or a profile JSON path" }
#define O_QUANT { "quant", K_QUANT, "Q", "weights: w4g128 (default), w8g128, bf16" }
#define O_JSON { "json", K_JSON, NULL, "one JSON object on stdout instead of the table" }
#define O_TAIL { "quiet", K_QUIET, NULL, "only warnings and errors on stderr" }, \
	{ "version", K_VERSION, NULL, "print version and build features" },  \
	{ "help", K_HELP, NULL, "this help" }

static const struct bm_opt predict_opts[] = {
	O_MODEL,
	{ "mode", K_MODE, "MODE", "single|pp|tp|ep (default tp)" },
	{ "nodes", K_NODES, "N", "nodes (default 2; 1 for single)" },
	{ "transport", K_TRANSPORT, "T", "roce|socket|roce-oneshot (default roce)" },
	O_CTX, O_LENGTH,
	{ "spec", K_SPEC, "S", "speculative decoding: none|eagle3" },
	{ "spec-tokens", K_SPEC_TOKENS, "K", "speculative tokens per step (default 1)" },
	{ "accept", K_ACCEPT, "A", "acceptance rate 0..1 (default: profile)" },
	{ "net", K_NET, "FILE", "measured ib_lat/nccl_coll/moe_alltoall JSON for the transport" },
	O_HW, O_QUANT, O_JSON, O_TAIL, BM_OPT_END,
};

static const struct bm_opt explain_opts[] = {
	O_MODEL,
	{ "nodes", K_NODES, "N", "nodes (default 2)" },
	O_CTX, O_LENGTH,
	{ "net", K_NET, "FILE", "measured RoCE JSON (ib_lat/nccl_coll) for the roce side" },
	O_HW, O_QUANT, O_JSON, O_TAIL, BM_OPT_END,
};

static const struct bm_opt validate_opts[] = {
	{ "measured", K_MEASURED, "FILE", "CSV: model,mode,nodes,transport,spec,length,ctx,tok_s" },
	{ "plot", K_PLOT, "DIR", "write predicted-vs-measured CSV, gnuplot script and SVG to DIR" },
	{ "max-mape", K_MAX_MAPE, "PCT", "fail (exit 1) above this overall MAPE (default 8)" },
	{ "max-cell", K_MAX_CELL, "PCT", "fail above this error on any cell (default 15)" },
	{ "max-speedup", K_MAX_SPEEDUP, "PTS", "fail when a socket->RoCE speedup is off by more (default 15)" },
	O_HW, O_JSON, O_TAIL, BM_OPT_END,
};

static const struct bm_opt sweep_opts[] = {
	O_MODEL,
	{ "out", K_OUT, "DIR", "output folder for CSVs, gnuplot scripts and SVGs (required)" },
	{ "no-plot", K_NO_PLOT, NULL, "CSV only, do not run gnuplot" },
	O_HW, O_QUANT, O_TAIL, BM_OPT_END,
};

static const struct bm_opt top_opts[] = { O_TAIL, BM_OPT_END };

static const char top_epilogue[] =
	"Commands:\n"
	"  predict   tok/s and per-token time breakdown of one setup\n"
	"  explain   socket against RoCE for every mode: speedup and the terms\n"
	"            that account for it\n"
	"  validate  every row of a measured CSV predicted, error per row,\n"
	"            MAPE per mode and overall, socket->RoCE speedups\n"
	"  sweep     what-ifs (context to 128K, latency, bandwidth, nodes\n"
	"            2/4/8, socket/RoCE/one-shot all-reduce) to CSV + SVG\n"
	"'sim COMMAND --help' lists each command's options.\n"
	"Data (models/, profiles/): $NETROOF_SIM_DATA, the install tree or the\n"
	"source tree's sim/.\n"
	"Examples:\n"
	"  sim predict --model qwen3-coder-30b-a3b --mode tp --transport roce\n"
	"  sim explain --model qwen3-coder-30b-a3b\n"
	"  sim validate --measured results/vllm/qwen3-coder-gb10-2node.csv\n";


static int bad(const char *what, const char *arg)
{
	BM_ERR("invalid %s: '%s'", what, arg ? arg : "");
	return -EINVAL;
}

static int parse_ctx(const char *s, double *v_p)
{
	size_t v;

	if (bm_parse_size(s, &v))
		return -EINVAL;
	*v_p = (double)v;
	return 0;
}

/* Parse a subcommand's options. 1: --help/--version printed (exit 0). */
int sim_parse(int argc, char **argv, const struct bm_opt *tab,
		 const char *cmd, const char *synopsis, const char *about,
		 struct sim_opts *o)
{
	struct bm_getopt g;
	char tool[64];
	long l;
	int c, ret = 0;

	snprintf(tool, sizeof(tool), "sim %s", cmd);
	if (bm_getopt_init(&g, tab))
		return -ENOMEM;
	optind = 1;
	while ((c = bm_getopt_next(&g, argc, argv)) != -1) {
		switch (c) {
		case K_MODEL:
			o->model = optarg;
			break;
		case K_MODE:
			if (sim_mode_parse(optarg, &o->mode))
				ret = bad("--mode (single|pp|tp|ep)", optarg);
			break;
		case K_NODES:
			if (bm_parse_int(optarg, 1, 64, &l))
				ret = bad("--nodes (1..64)", optarg);
			o->nodes = (int)l;
			o->nodes_set = true;
			break;
		case K_TRANSPORT:
			o->transport = optarg;
			break;
		case K_CTX:
			if (parse_ctx(optarg, &o->ctx))
				ret = bad("--ctx (tokens, e.g. 16K)", optarg);
			break;
		case K_LENGTH:
			if (sim_length_parse(optarg, &o->length))
				ret = bad("--length (short|medium|long)", optarg);
			break;
		case K_SPEC:
			if (!strcmp(optarg, "eagle3"))
				o->spec = true;
			else if (!strcmp(optarg, "none"))
				o->spec = false;
			else
				ret = bad("--spec (none|eagle3)", optarg);
			break;
		case K_SPEC_TOKENS:
			if (bm_parse_int(optarg, 1, 16, &l))
				ret = bad("--spec-tokens (1..16)", optarg);
			o->spec_tokens = (int)l;
			break;
		case K_ACCEPT:
			if (bm_parse_double(optarg, &o->accept) ||
			    o->accept < 0 || o->accept > 1)
				ret = bad("--accept (0..1)", optarg);
			break;
		case K_NET:
			o->net = optarg;
			break;
		case K_HW:
			o->hw = optarg;
			break;
		case K_QUANT:
			o->quant = optarg;
			break;
		case K_JSON:
			o->json = true;
			break;
		case K_MEASURED:
			o->measured = optarg;
			break;
		case K_PLOT:
			o->plot = optarg;
			break;
		case K_OUT:
			o->out = optarg;
			break;
		case K_NO_PLOT:
			o->no_plot = true;
			break;
		case K_MAX_MAPE:
		case K_MAX_CELL:
		case K_MAX_SPEEDUP: {
			double d;

			if (bm_parse_double(optarg, &d) || d < 0) {
				ret = bad("threshold", optarg);
				break;
			}
			if (c == K_MAX_MAPE)
				o->max_mape = d;
			else if (c == K_MAX_CELL)
				o->max_cell = d;
			else
				o->max_speedup = d;
			break;
		}
		case K_QUIET:
			o->quiet = true;
			bm_log_set_level(BM_LOG_WARN);
			break;
		case K_VERSION:
			bm_print_version(stdout, "sim");
			bm_getopt_free(&g);
			return 1;
		case K_HELP:
			bm_usage(stdout, tool, synopsis, about, tab, NULL);
			bm_getopt_free(&g);
			return 1;
		default:
			ret = -EINVAL;
			break;
		}
		if (ret)
			break;
	}
	if (!ret && optind < argc)
		ret = bad("argument", argv[optind]);
	bm_getopt_free(&g);
	if (ret)
		fprintf(stderr, "Try 'sim %s --help'.\n", cmd);
	return ret;
}

/* Data dir, hardware profile; model and network come per query. */
int sim_ctx_init(struct sim_ctx *c, const char *hw)
{
	int ret;

	memset(c, 0, sizeof(*c));
	ret = sim_find_datadir(c->datadir, sizeof(c->datadir));
	if (!ret)
		ret = sim_hw_load(c->datadir, hw ? hw : "gb10", &c->hw);
	return ret;
}

int sim_ctx_model(struct sim_ctx *c, const char *model, const char *quant)
{
	int ret;

	ret = sim_model_load(model, &c->model);
	if (!ret && quant)
		ret = sim_model_set_quant(&c->model, quant);
	if (!ret)
		ret = sim_sched_load(c->datadir, c->model.model_type,
				     &c->sched);
	return ret;
}

int sim_ctx_net(struct sim_ctx *c, const char *transport, const char *net,
		char *used, size_t used_len)
{
	int ret;

	if (used_len)
		snprintf(used, used_len, "built-in %s", transport);
	if (!strcmp(transport, "none")) {
		memset(&c->net, 0, sizeof(c->net));
		snprintf(c->net.name, sizeof(c->net.name), "none");
		return 0;
	}
	ret = sim_netprof_load_builtin(c->datadir, transport, &c->net);
	if (!ret && net)
		ret = sim_netprof_merge_measured(&c->net, net, used, used_len);
	return ret;
}

int sim_exit_of(int ret)
{
	if (ret == -EDOM)
		return BM_EXIT_HARNESS;
	return ret ? BM_EXIT_USAGE : BM_EXIT_OK;
}

void sim_model_line(FILE *f, const struct sim_model *m)
{
	fprintf(f, "# model %s: %s, %d layers, hidden %d, %d/%d heads", m->name,
		m->model_type, m->layers, m->hidden, m->heads, m->kv_heads);
	if (sim_is_moe(m))
		fprintf(f, ", %d experts top-%d", m->experts, m->topk);
	if (m->wbits >= 16)
		fprintf(f, ", bf16 weights");
	else
		fprintf(f, ", w%dg%d (%.3f bits/weight)", m->wbits, m->group,
			m->bits_per_weight);
	fprintf(f, "; %.2f B active params, %.2f GB/token on one node\n",
		sim_active_params(m) / 1e9, sim_bytes_per_token(m) / 1e9);
}

static json_t *breakdown_json(const struct sim_result *r)
{
	json_t *b = json_object();
	int i;

	for (i = 0; i < r->n_terms; i++)
		json_object_set_new(b, r->term[i].name,
				    json_real(round(r->term[i].ms * 1e4) / 1e4));
	return b;
}

json_t *sim_result_json(const struct sim_ctx *c, const struct sim_query *q,
			const struct sim_result *r, const char *transport)
{
	json_t *o = json_object(), *what = json_object();
	int i;

	for (i = 0; i < r->n_terms; i++)
		json_object_set_new(what, r->term[i].name,
				    json_string(r->term[i].what));
	json_object_set_new(o, "model", json_string(c->model.name));
	json_object_set_new(o, "mode", json_string(sim_mode_name(q->mode)));
	json_object_set_new(o, "nodes", json_integer(q->nodes));
	json_object_set_new(o, "transport", json_string(transport));
	json_object_set_new(o, "ctx", json_integer((json_int_t)q->ctx));
	json_object_set_new(o, "length",
			    json_string(sim_length_name(q->length)));
	json_object_set_new(o, "spec", json_string(q->spec_tokens ? "eagle3" :
						   "none"));
	json_object_set_new(o, "spec_tokens", json_integer(q->spec_tokens));
	json_object_set_new(o, "tok_s", json_real(round(r->tok_s * 100) / 100));
	json_object_set_new(o, "ms_per_token",
			    json_real(round(r->ms_per_token * 1e4) / 1e4));
	json_object_set_new(o, "step_ms", json_real(round(r->step_ms * 1e4) / 1e4));
	json_object_set_new(o, "tokens_per_step", json_real(r->tokens_per_step));
	json_object_set_new(o, "breakdown", breakdown_json(r));
	json_object_set_new(o, "breakdown_what", what);
	json_object_set_new(o, "counts",
		json_pack("{s:f,s:f,s:i,s:i,s:i,s:i}",
			  "rank_weight_bytes", r->rank_weight_bytes,
			  "rank_kv_bytes", r->rank_kv_bytes,
			  "allreduce", r->n_allreduce,
			  "allgather", r->n_allgather,
			  "p2p", r->n_p2p, "kernels", r->n_kernels));
	return o;
}

static void print_breakdown(FILE *f, const struct sim_result *r)
{
	int i;

	fprintf(f, "%-14s %9s %7s  %s\n", "term", "ms/token", "share", "what");
	for (i = 0; i < r->n_terms; i++) {
		if (r->term[i].ms < 5e-5)
			continue;
		fprintf(f, "%-14s %9.3f %6.1f%%  %s\n", r->term[i].name,
			r->term[i].ms, 100 * r->term[i].ms / r->ms_per_token,
			r->term[i].what);
	}
	fprintf(f, "%-14s %9.3f %6.1f%%\n", "total", r->ms_per_token, 100.0);
}

static int cmd_predict(int argc, char **argv)
{
	struct sim_opts o = { .mode = SIM_TP, .nodes = 2, .transport = "roce",
			      .length = SIM_LEN_LONG, .accept = -1 };
	struct sim_query q;
	struct sim_result r;
	struct sim_ctx *c;
	char used[512];
	int ret;

	ret = sim_parse(argc, argv, predict_opts, "predict", "[OPTIONS]",
		    "Predict batch-1 decode tok/s and the per-token breakdown.",
		    &o);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!o.model) {
		BM_ERR("--model is required (try qwen3-coder-30b-a3b)");
		return BM_EXIT_USAGE;
	}
	if (o.mode == SIM_SINGLE) {
		if (o.nodes_set && o.nodes != 1) {
			BM_ERR("mode single runs on 1 node");
			return BM_EXIT_USAGE;
		}
		o.nodes = 1;
		o.transport = "none";
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return BM_EXIT_FAIL;
	ret = sim_ctx_init(c, o.hw);
	if (!ret)
		ret = sim_ctx_model(c, o.model, o.quant);
	if (!ret)
		ret = sim_ctx_net(c, o.transport, o.net, used, sizeof(used));
	q = (struct sim_query){ .mode = o.mode, .nodes = o.nodes, .ctx = o.ctx,
				.length = o.length, .accept = o.accept,
				.spec_tokens = o.spec ? (o.spec_tokens ?
							 o.spec_tokens : 1) : 0 };
	if (!ret)
		ret = sim_predict(c, &q, &r);
	if (ret)
		goto out;
	if (o.json) {
		json_t *j = sim_result_json(c, &q, &r, o.transport);

		json_object_set_new(j, "net", json_string(used));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
		fputc('\n', stdout);
		json_decref(j);
		goto out;
	}
	printf("# sim predict: %s %s", c->model.name, sim_mode_name(q.mode));
	if (q.mode != SIM_SINGLE)
		printf("=%d over %s", q.nodes, o.transport);
	printf(", ctx %.0f, %s output", q.ctx, sim_length_name(q.length));
	if (q.spec_tokens)
		printf(", EAGLE3 %d token(s) accept %.2f", q.spec_tokens,
		       o.accept >= 0 ? o.accept : c->hw.accept);
	printf("\n");
	sim_model_line(stdout, &c->model);
	printf("# per step: critical-path weights %.3f GB, KV %.3f GB, "
	       "%d all-reduce + %d all-gather, %d hop(s), %d kernels; "
	       "%.2f token(s)/step\n", r.rank_weight_bytes / 1e9,
	       r.rank_kv_bytes / 1e9, r.n_allreduce, r.n_allgather, r.n_p2p,
	       r.n_kernels, r.tokens_per_step);
	if (q.mode != SIM_SINGLE)
		printf("# network: %s\n", used);
	print_breakdown(stdout, &r);
	printf("=> %.1f tok/s\n", r.tok_s);
out:
	free(c);
	return sim_exit_of(ret);
}

/* ---- explain ------------------------------------------------------- */

struct explain_case {
	const char   *label;
	enum sim_mode mode;
	int	      spec;
};

static const struct explain_case explain_cases[] = {
	{ "PP", SIM_PP, 0 },
	{ "TP", SIM_TP, 0 },
	{ "EP", SIM_EP, 0 },
	{ "TP+EAGLE3", SIM_TP, 1 },
};

static int cmp_delta(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return fabs(y[1]) > fabs(x[1]) ? 1 : fabs(y[1]) < fabs(x[1]) ? -1 : 0;
}

static int cmd_explain(int argc, char **argv)
{
	struct sim_opts o = { .nodes = 2, .length = SIM_LEN_LONG, .accept = -1 };
	struct sim_result rs, rr, best_r;
	struct sim_ctx *c;
	json_t *jall = NULL;
	double best = 0, single_tok;
	const char *best_label = "?";
	char used[512];
	size_t k;
	int ret, i;

	ret = sim_parse(argc, argv, explain_opts, "explain", "[OPTIONS]",
		    "Socket against RoCE for every mode: tok/s, speedup and "
		    "the terms\nthat account for it.", &o);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!o.model)
		o.model = "qwen3-coder-30b-a3b";
	c = calloc(1, sizeof(*c));
	if (!c)
		return BM_EXIT_FAIL;
	ret = sim_ctx_init(c, o.hw);
	if (!ret)
		ret = sim_ctx_model(c, o.model, o.quant);
	if (ret)
		goto out;
	{
		struct sim_query sq = { .mode = SIM_SINGLE, .nodes = 1,
					.ctx = o.ctx, .length = o.length,
					.accept = -1 };

		ret = sim_ctx_net(c, "none", NULL, used, sizeof(used));
		if (!ret)
			ret = sim_predict(c, &sq, &rs);
		if (ret)
			goto out;
		single_tok = rs.tok_s;
	}
	if (o.json)
		jall = json_pack("{s:s,s:i,s:I,s:f,s:[]}", "model",
				 c->model.name, "nodes", o.nodes, "ctx",
				 (json_int_t)o.ctx, "single_tok_s",
				 round(single_tok * 100) / 100, "modes");
	else {
		printf("# sim explain: %s, %d nodes, ctx %.0f, %s output; "
		       "single node %.1f tok/s\n", c->model.name, o.nodes,
		       o.ctx, sim_length_name(o.length), single_tok);
		sim_model_line(stdout, &c->model);
		printf("%-10s %9s %9s %9s   %s\n", "mode", "socket", "roce",
		       "speedup", "terms that account for the difference "
		       "(socket - roce, ms/token)");
	}
	for (k = 0; k < sizeof(explain_cases) / sizeof(explain_cases[0]); k++) {
		const struct explain_case *e = &explain_cases[k];
		struct sim_query q = { .mode = e->mode, .nodes = o.nodes,
				       .ctx = o.ctx, .length = o.length,
				       .accept = -1, .spec_tokens = e->spec };
		double d[SIM_TERMS_MAX][2], total, speed;
		char line[512];
		size_t off = 0;
		json_t *jt;

		if (e->mode == SIM_EP && !sim_is_moe(&c->model))
			continue;
		ret = sim_ctx_net(c, "socket", NULL, used, sizeof(used));
		if (!ret)
			ret = sim_predict(c, &q, &rs);
		if (!ret)
			ret = sim_ctx_net(c, "roce", o.net, used, sizeof(used));
		if (!ret)
			ret = sim_predict(c, &q, &rr);
		if (ret)
			goto out;
		total = rs.ms_per_token - rr.ms_per_token;
		speed = 100.0 * (rr.tok_s / rs.tok_s - 1);
		for (i = 0; i < rr.n_terms; i++) {
			d[i][0] = i;
			d[i][1] = rs.term[i].ms - rr.term[i].ms;
		}
		qsort(d, rr.n_terms, sizeof(d[0]), cmp_delta);
		jt = json_object();
		for (i = 0; i < rr.n_terms && i < 4; i++) {
			if (fabs(d[i][1]) < 0.005)
				break;
			if (fabs(total) >= 0.05)
				off += snprintf(line + off, sizeof(line) - off,
						"%s%s %+.2f (%.0f%%)",
						i ? ", " : "",
						rr.term[(int)d[i][0]].name,
						d[i][1], 100 * d[i][1] / total);
			else
				off += snprintf(line + off, sizeof(line) - off,
						"%s%s %+.2f", i ? ", " : "",
						rr.term[(int)d[i][0]].name,
						d[i][1]);
			json_object_set_new(jt, rr.term[(int)d[i][0]].name,
					    json_real(round(d[i][1] * 1e4) / 1e4));
		}
		if (!off)
			snprintf(line, sizeof(line), "none");
		if (rr.tok_s > best) {
			best = rr.tok_s;
			best_r = rr;
			best_label = e->label;
		}
		if (jall) {
			json_t *m = json_pack("{s:s,s:f,s:f,s:f,s:f,s:o,s:o,s:o}",
				"mode", e->label,
				"socket_tok_s", round(rs.tok_s * 100) / 100,
				"roce_tok_s", round(rr.tok_s * 100) / 100,
				"speedup_pct", round(speed * 10) / 10,
				"delta_ms_per_token", round(total * 1e4) / 1e4,
				"delta_terms", jt,
				"socket_breakdown", breakdown_json(&rs),
				"roce_breakdown", breakdown_json(&rr));

			json_array_append_new(json_object_get(jall, "modes"), m);
			continue;
		}
		json_decref(jt);
		printf("%-10s %9.1f %9.1f %+8.0f%%   %.2f ms: %s\n", e->label,
		       rs.tok_s, rr.tok_s, speed, total, line);
	}
	(void)best_r;
	if (jall) {
		json_object_set_new(jall, "best", json_string(best_label));
		json_dumpf(jall, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
		fputc('\n', stdout);
		json_decref(jall);
		goto out;
	}
	/* the per-term table of the ctx, both transports, every mode */
	printf("\nper-token breakdown, ms (socket / roce):\n%-14s", "term");
	for (k = 0; k < sizeof(explain_cases) / sizeof(explain_cases[0]); k++)
		printf(" %15s", explain_cases[k].label);
	printf("\n");
	{
		struct sim_result rsv[4], rrv[4];
		int nk = 0;

		for (k = 0; k < 4; k++) {
			const struct explain_case *e = &explain_cases[k];
			struct sim_query q = { .mode = e->mode, .nodes = o.nodes,
					       .ctx = o.ctx, .length = o.length,
					       .accept = -1,
					       .spec_tokens = e->spec };

			if (e->mode == SIM_EP && !sim_is_moe(&c->model)) {
				memset(&rsv[k], 0, sizeof(rsv[k]));
				memset(&rrv[k], 0, sizeof(rrv[k]));
				continue;
			}
			sim_ctx_net(c, "socket", NULL, used, sizeof(used));
			sim_predict(c, &q, &rsv[k]);
			sim_ctx_net(c, "roce", o.net, used, sizeof(used));
			sim_predict(c, &q, &rrv[k]);
			nk = rrv[k].n_terms;
		}
		for (i = 0; i < nk; i++) {
			bool any = false;

			for (k = 0; k < 4; k++)
				any |= rsv[k].n_terms &&
				       (rsv[k].term[i].ms > 5e-4 ||
					rrv[k].term[i].ms > 5e-4);
			if (!any)
				continue;
			printf("%-14s", rrv[0].term[i].name);
			for (k = 0; k < 4; k++) {
				char cell[32];

				snprintf(cell, sizeof(cell), "%.2f / %.2f",
					 rsv[k].term[i].ms, rrv[k].term[i].ms);
				printf(" %15s", rsv[k].n_terms ? cell : "-");
			}
			printf("\n");
		}
		printf("%-14s", "tok/s");
		for (k = 0; k < 4; k++) {
			char cell[32];

			snprintf(cell, sizeof(cell), "%.1f / %.1f", rsv[k].tok_s,
				 rrv[k].tok_s);
			printf(" %15s", rsv[k].n_terms ? cell : "-");
		}
		printf("\n");
		if (rrv[1].n_terms && rrv[0].n_terms) {
			double tp_net_s = sim_term_ms(&rsv[1], "allreduce") +
					  sim_term_ms(&rsv[1], "allgather");
			double tp_net_r = sim_term_ms(&rrv[1], "allreduce") +
					  sim_term_ms(&rrv[1], "allgather");

			printf("\n=> TP gains %+.0f%% from RoCE because its %d "
			       "collectives per token cost %.1f ms over sockets "
			       "against %.1f ms over RoCE; PP moves %+.0f%%: it "
			       "crosses the network once per token (hop %.2f "
			       "against %.2f ms), mostly hidden behind the next "
			       "stage's host chain, and its time is weights, "
			       "host and the stage hand-off. Best over RoCE: %s "
			       "at %.1f tok/s (single node %.1f).\n",
			       100 * (rrv[1].tok_s / rsv[1].tok_s - 1),
			       rrv[1].n_allreduce + rrv[1].n_allgather,
			       tp_net_s, tp_net_r,
			       100 * (rrv[0].tok_s / rsv[0].tok_s - 1),
			       sim_term_ms(&rsv[0], "pp_hop"),
			       sim_term_ms(&rrv[0], "pp_hop"),
			       best_label, best, single_tok);
		}
	}
out:
	free(c);
	return sim_exit_of(ret);
}

/* ---- entry ---------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	bm_log_init("sim", -1);
	if (!cmd || !strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		bm_usage(cmd ? stdout : stderr, "sim", "COMMAND [OPTIONS]",
			 "Roofline simulator of batch-1 LLM decode on GB10 nodes "
			 "over RoCE and sockets:\npredicts, explains and "
			 "validates tok/s for single, PP, TP and EP.",
			 top_opts, top_epilogue);
		return cmd ? BM_EXIT_OK : BM_EXIT_USAGE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		bm_print_version(stdout, "sim");
		return BM_EXIT_OK;
	}
	if (!strcmp(cmd, "predict"))
		return cmd_predict(argc - 1, argv + 1);
	if (!strcmp(cmd, "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "validate"))
		return sim_cmd_validate(argc - 1, argv + 1, validate_opts);
	if (!strcmp(cmd, "sweep"))
		return sim_cmd_sweep(argc - 1, argv + 1, sweep_opts);
	BM_ERR("unknown command '%s' (predict, explain, validate, sweep; "
	       "sim --help)", cmd);
	return BM_EXIT_USAGE;
}
