// SPDX-License-Identifier: MIT
/*
 * sim front end: option parsing, the prediction context, output (cli.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"

static int bad(const char *what, const char *arg)
{
	BM_ERR("invalid %s: '%s'", what, arg ? arg : "");
	return -EINVAL;
}

int sim_parse_nonneg(const char *what, const char *arg, double *v_p)
{
	double d;

	if (bm_parse_double(arg, &d) || d < 0)
		return bad(what, arg);
	*v_p = d;
	return 0;
}

int sim_parse_count(const char *what, const char *arg, long lo, long hi,
		    int *v_p)
{
	long l;

	if (bm_parse_int(arg, lo, hi, &l))
		return bad(what, arg);
	*v_p = (int)l;
	return 0;
}

/* One key of the shared options. */
static int parse_one(int c, const char *arg, struct sim_opts *o)
{
	size_t sz;
	long l;

	switch (c) {
	case SIM_K_MODEL:
		o->model = arg;
		return 0;
	case SIM_K_MODE:
		if (sim_mode_parse(arg, &o->mode))
			return bad("--mode (single|pp|tp|ep)", arg);
		return 0;
	case SIM_K_NODES:
		if (bm_parse_int(arg, 1, 64, &l))
			return bad("--nodes (1..64)", arg);
		o->nodes = (int)l;
		o->nodes_set = true;
		return 0;
	case SIM_K_TRANSPORT:
		o->transport = arg;
		return 0;
	case SIM_K_CTX:
		if (bm_parse_size(arg, &sz))
			return bad("--ctx (tokens, e.g. 16K)", arg);
		o->ctx = (double)sz;
		return 0;
	case SIM_K_LENGTH:
		if (sim_length_parse(arg, &o->length))
			return bad("--length (short|medium|long)", arg);
		return 0;
	case SIM_K_SPEC:
		if (strcmp(arg, "eagle3") && strcmp(arg, "none"))
			return bad("--spec (none|eagle3)", arg);
		o->spec = !strcmp(arg, "eagle3");
		return 0;
	case SIM_K_SPEC_TOKENS:
		if (bm_parse_int(arg, 1, 16, &l))
			return bad("--spec-tokens (1..16)", arg);
		o->spec_tokens = (int)l;
		return 0;
	case SIM_K_ACCEPT:
		if (bm_parse_double(arg, &o->accept) || o->accept < 0 ||
		    o->accept > 1)
			return bad("--accept (0..1)", arg);
		return 0;
	case SIM_K_NET:
		if (o->n_net >= SIM_NET_FILES)
			return bad("--net (at most 8 files)", arg);
		o->net[o->n_net++] = arg;
		return 0;
	case SIM_K_HW:
		o->hw = arg;
		return 0;
	case SIM_K_QUANT:
		o->quant = arg;
		return 0;
	case SIM_K_PLOT:
		o->plot = arg;
		return 0;
	case SIM_K_DEPLOY:
		o->deploy = arg;
		return 0;
	case SIM_K_JSON:
		o->json_path = arg;
		return 0;
	case SIM_K_CSV:
		o->csv_path = arg;
		return 0;
	case SIM_K_QUIET:
		o->quiet = true;
		bm_log_set_level(BM_LOG_WARN);
		return 0;
	default:
		return -EINVAL;	/* '?': getopt said why */
	}
}

int sim_parse(int argc, char **argv, const struct sim_cmd *cmd,
	      struct sim_opts *o, sim_own_fn *own, void *priv)
{
	struct bm_getopt g;
	char tool[64];
	int c, ret = 0;

	snprintf(tool, sizeof(tool), "sim %s", cmd->name);
	if (bm_getopt_init(&g, cmd->opts))
		return -ENOMEM;
	optind = 2;	/* argv[1] is the command */
	while (!ret && (c = bm_getopt_next(&g, argc, argv)) != -1) {
		if (c == SIM_K_VERSION || c == SIM_K_HELP) {
			if (c == SIM_K_VERSION)
				bm_print_version(stdout, "sim");
			else
				bm_usage(stdout, tool, cmd->synopsis,
					 cmd->about, cmd->opts, o->epilogue);
			bm_getopt_free(&g);
			return 1;
		}
		if (c >= SIM_K_CMD && own)
			ret = own(c, optarg, priv);
		else
			ret = parse_one(c, optarg, o);
	}
	if (!ret && optind < argc && o->want_args) {
		o->args = argv + optind;
		o->n_args = argc - optind;
	} else if (!ret && optind < argc) {
		ret = bad("argument", argv[optind]);
	}
	bm_getopt_free(&g);
	if (ret)
		fprintf(stderr, "Try 'sim %s --help'.\n", cmd->name);
	return ret;
}

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
		sim_ctx_apply_hw(c);
	if (!ret)
		ret = sim_sched_load(c->datadir, c->model.model_type,
				     &c->sched);
	return ret;
}

int sim_ctx_net(struct sim_ctx *c, const char *transport,
		const char *const *nets, int n_net, bool strict, bool *fitted,
		char *used, size_t used_len)
{
	int ret, i;

	if (used_len)
		snprintf(used, used_len, "built-in %s", transport);
	if (!strcmp(transport, "none")) {
		memset(&c->net, 0, sizeof(c->net));
		snprintf(c->net.name, sizeof(c->net.name), "none");
		return 0;
	}
	ret = sim_netprof_load_builtin(c->datadir, transport, &c->net);
	c->net.quiet_mismatch = !strict;
	for (i = 0; i < n_net && !ret; i++) {
		ret = sim_netprof_merge_measured(&c->net, nets[i]);
		if (fitted && !ret)
			fitted[i] = true;
		if (ret == -EXDEV)
			ret = strict ? -EINVAL : 0;
	}
	if (!ret && used_len && c->net.used[0])
		snprintf(used, used_len, "%s over built-in %s", c->net.used,
			 transport);
	return ret;
}

int sim_net_files_check(const char *const *nets, int n_net,
			const bool *fitted)
{
	int i;

	for (i = 0; i < n_net; i++) {
		if (!fitted[i]) {
			BM_ERR("--net %s: it measured neither IB/RoCE nor "
			       "sockets in a form sim can use", nets[i]);
			return -EINVAL;
		}
	}
	return 0;
}

json_t *sim_net_files_json(const struct sim_opts *o)
{
	json_t *a;
	int i;

	if (!o->n_net)
		return json_null();
	a = json_array();
	for (i = 0; i < o->n_net; i++)
		json_array_append_new(a, json_string(o->net[i]));
	return a;
}

int sim_exit(int ret)
{
	return bm_exit_of(ret == -ENOENT ? -EINVAL : ret);
}

int sim_out_open(const struct sim_opts *o, const struct sim_cmd *cmd,
		 int argc, char **argv, struct sim_out *so)
{
	struct bm_out_cfg cfg = { .json_path = o->json_path,
				  .csv_path = o->csv_path, .quiet = o->quiet };
	int ret;

	memset(so, 0, sizeof(*so));
	ret = bm_out_open(&cfg, "sim", argc, argv, &so->out);
	if (ret)
		return ret;
	bm_out_meta(so->out, "command", json_string(cmd->name));
	/* the rule bm_out_open applies to its own table */
	if (!o->quiet && !(o->json_path && !strcmp(o->json_path, "-")) &&
	    !(o->csv_path && !strcmp(o->csv_path, "-")))
		so->table = stdout;
	return 0;
}

void sim_out_params(struct sim_out *so, const struct sim_ctx *c,
		    const struct sim_opts *o)
{
	const struct sim_model *m = &c->model;

	bm_out_meta(so->out, "data_dir", json_string(c->datadir));
	bm_out_param(so->out, "hw", json_string(c->hw.name));
	if (!o->model || !m->name[0])
		return;		/* validate: the model is per row */
	bm_out_param(so->out, "model", json_string(m->name));
	bm_out_param(so->out, "model_file", json_string(m->path));
	bm_out_param(so->out, "quant", json_string(m->quant.name));
	bm_out_param(so->out, "quant_source",
		     json_string(o->quant ? "--quant" : "config.json"));
	bm_out_param(so->out, "quant_bf16_source",
		     json_string(m->quant.keep_source));
	bm_out_param(so->out, "kv_dtype",
		     json_string(m->kv_bytes == 1 ? "fp8" : "bf16"));
}

int sim_out_close(struct sim_out *so, int ret)
{
	const char *err = NULL;
	int st = sim_exit(ret);

	if (!so->out)
		return st;
	if (ret < 0)
		err = bm_log_last_error() ? bm_log_last_error() : "failed";
	if (bm_out_close(so->out, err) && !st)
		st = BM_EXIT_FAIL;
	so->out = NULL;
	return st;
}

static json_t *rounded(double v, double scale)
{
	return json_real(round(v * scale) / scale);
}

json_t *sim_breakdown_json(const struct sim_result *r)
{
	json_t *b = json_object();
	int i;

	for (i = 0; i < r->n_terms; i++)
		json_object_set_new(b, r->term[i].name,
				    rounded(r->term[i].ms, 1e4));
	return b;
}

json_t *sim_row(const struct sim_ctx *c, const struct sim_query *q,
		const struct sim_result *r, const char *transport)
{
	json_t *o = json_object();
	char key[64];
	int i;

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
	json_object_set_new(o, "accept", q->spec_tokens ?
			    json_real(q->accept >= 0 ? q->accept :
				      c->hw.accept) : json_null());
	json_object_set_new(o, "tok_s", rounded(r->tok_s, 100));
	json_object_set_new(o, "ms_per_token", rounded(r->ms_per_token, 1e4));
	json_object_set_new(o, "step_ms", rounded(r->step_ms, 1e4));
	json_object_set_new(o, "tokens_per_step",
			    json_real(r->tokens_per_step));
	json_object_set_new(o, "weight_bytes",
		json_integer((json_int_t)round(r->rank_weight_bytes)));
	json_object_set_new(o, "kv_bytes",
		json_integer((json_int_t)round(r->rank_kv_bytes)));
	json_object_set_new(o, "allreduce_n", json_integer(r->n_allreduce));
	json_object_set_new(o, "allgather_n", json_integer(r->n_allgather));
	json_object_set_new(o, "p2p_n", json_integer(r->n_p2p));
	json_object_set_new(o, "kernels_n", json_integer(r->n_kernels));
	for (i = 0; i < r->n_terms; i++) {
		snprintf(key, sizeof(key), "%s_ms", r->term[i].name);
		json_object_set_new(o, key, rounded(r->term[i].ms, 1e4));
	}
	return o;
}

void sim_model_line(FILE *f, const struct sim_model *m)
{
	fprintf(f, "# model %s: %s, %d layers, hidden %d, %d/%d heads", m->name,
		m->model_type, m->layers, m->hidden, m->heads, m->kv_heads);
	if (sim_is_moe(m))
		fprintf(f, ", %d experts top-%d", m->experts, m->topk);
	if (m->quant.scheme == SIM_Q_BF16)
		fprintf(f, ", bf16 weights");
	else
		fprintf(f, ", %s (%.3f bits read/weight)", m->quant.name,
			m->quant.read_bits);
	if (m->kv_bytes == 1)
		fprintf(f, ", fp8 KV");
	fprintf(f, "; %.2f B active params, %.2f GB/token on one node\n",
		sim_active_params(m) / 1e9, sim_bytes_per_token(m) / 1e9);
}

int sim_cost_text(char *buf, size_t len, const struct sim_net_cost *c)
{
	const struct sim_coll_cost *m = &c->model;

	if (!c->modelled)
		return snprintf(buf, len, "%.1f us measured (%s)", c->us,
				c->source ? c->source : "?");
	return snprintf(buf, len, "%s/%s, %d crossing%s x (%.2f one-way + %d x "
			"%.2f proxy) + %.1f wire + %.1f base + %.1f launch = "
			"%.1f us", sim_algo_name(m->algo),
			sim_proto_name(m->proto), m->crossings,
			m->crossings == 1 ? "" : "s",
			m->crossings ? m->link_us / m->crossings : 0,
			m->proxies, m->crossings && m->proxies ?
			m->proxy_us / m->crossings / m->proxies : 0,
			m->wire_us, m->base_us, m->launch_us, m->total_us);
}

static void param_line(FILE *f, const char *name, const struct sim_param *p,
		       const char *unit)
{
	int n = (int)strlen(p->src);

	fprintf(f, "#   %-10s %8.2f %-5s %-9s %.*s%s\n", name, p->v, unit,
		sim_kind_name(p->kind), n > 110 ? 107 : n, p->src,
		n > 110 ? "..." : "");
}

void sim_print_network(FILE *f, const struct sim_ctx *c,
		       const struct sim_result *r)
{
	const struct sim_netprof *p = &c->net;
	char text[512];
	int i;

	if (!r->n_net)
		return;
	fprintf(f, "# network terms (%s: %s)\n", p->name, p->about);
	for (i = 0; i < r->n_net; i++) {
		const struct sim_net_use *u = &r->net[i];

		sim_cost_text(text, sizeof(text), &u->cost);
		fprintf(f, "#   %4d x %-9s %8.0f B  %-40s %s\n", u->count,
			sim_op_name(u->op), u->bytes, u->what, text);
	}
	if (!p->has_link)
		return;
	fprintf(f, "# link facts (%s):\n", p->name);
	param_line(f, "one_way", &p->link.one_way_us, "us");
	param_line(f, "proxy", &p->link.proxy_us, "us");
	param_line(f, "bandwidth", &p->link.bw_gbs, "GB/s");
	if (p->link.ll_bw_gbs.v > 0)
		param_line(f, "LL rate", &p->link.ll_bw_gbs, "GB/s");
}

json_t *sim_network_json(const struct sim_ctx *c, const struct sim_result *r)
{
	json_t *a = json_array();
	char text[512];
	int i;

	for (i = 0; i < r->n_net; i++) {
		const struct sim_net_use *u = &r->net[i];
		json_t *o;

		sim_cost_text(text, sizeof(text), &u->cost);
		o = json_pack("{s:s,s:s,s:f,s:i,s:i,s:f,s:b,s:s}",
			      "what", u->what, "op", sim_op_name(u->op),
			      "bytes", u->bytes, "nranks", u->nranks,
			      "count", u->count,
			      "us", round(u->cost.us * 1e3) / 1e3,
			      "modelled", u->cost.modelled, "how", text);
		if (u->cost.modelled)
			json_object_set_new(o, "model", json_pack(
				"{s:s,s:s,s:i,s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:f}",
				"algo", sim_algo_name(u->cost.model.algo),
				"proto", sim_proto_name(u->cost.model.proto),
				"crossings", u->cost.model.crossings,
				"proxies", u->cost.model.proxies,
				"channels", u->cost.model.channels,
				"link_us", u->cost.model.link_us,
				"proxy_us", u->cost.model.proxy_us,
				"wire_us", u->cost.model.wire_us,
				"base_us", u->cost.model.base_us,
				"launch_us", u->cost.model.launch_us,
				"nccl_model_us", u->cost.model.nccl_us));
		else
			json_object_set_new(o, "source",
					    json_string(u->cost.source));
		json_array_append_new(a, o);
	}
	if (c->net.has_link) {
		const struct sim_link *l = &c->net.link;
		json_t *link = json_object();
		const struct { const char *k; const struct sim_param *p; } ps[] = {
			{ "one_way_us", &l->one_way_us },
			{ "proxy_us", &l->proxy_us },
			{ "bw_gbs", &l->bw_gbs },
			{ "ll_bw_gbs", &l->ll_bw_gbs },
		};
		size_t k;

		for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
			json_object_set_new(link, ps[k].k, json_pack(
				"{s:f,s:s,s:s}", "value", ps[k].p->v, "kind",
				sim_kind_name(ps[k].p->kind), "source",
				ps[k].p->src));
		json_array_append_new(a, json_pack("{s:s,s:o}", "link",
						   c->net.name, "facts", link));
	}
	return a;
}

int sim_mrow_predict(struct sim_ctx *c, const struct sim_mrow *m,
		     const char *transport, const char *const *nets,
		     int n_net, struct sim_loaded *ld, double *tok_p)
{
	struct sim_query q = { .mode = m->mode, .nodes = m->nodes,
			       .ctx = m->ctx, .length = m->length,
			       .out_tokens = m->out_tokens,
			       .spec_tokens = m->spec_tokens, .accept = -1 };
	const char *tr = transport ? transport : m->transport;
	struct sim_result res;
	char net[sizeof(ld->net)];
	int ret = 0;

	if (strcmp(ld->model, m->model)) {
		ret = sim_ctx_model(c, m->model, NULL);
		snprintf(ld->model, sizeof(ld->model), "%s", ret ? "" :
			 m->model);
	}
	/* the network depends on these alone (not on the model or hw) */
	snprintf(net, sizeof(net), "%.31s +%d", tr, nets ? n_net : 0);
	if (!ret && strcmp(ld->net, net)) {
		ret = sim_ctx_net(c, tr, nets, n_net, false, NULL, NULL, 0);
		snprintf(ld->net, sizeof(ld->net), "%s", ret ? "" : net);
	}
	if (!ret)
		ret = sim_predict(c, &q, &res);
	if (ret) {
		BM_ERR("%s: cannot predict this row", m->where);
		return ret;
	}
	*tok_p = res.tok_s;
	return 0;
}
