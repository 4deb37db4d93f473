// SPDX-License-Identifier: MIT
/*
 * sim plan: which deployment to run, and how fast it will be (plan.h).
 *
 * Output: the ranked table and the recommendation on stdout; one row per
 * candidate (rank, deployment, status, tok/s, the largest term, memory of
 * the worst rank, headroom, what limits it); summary: best, tok_s, reason,
 * vllm (the command line), max_model_len; --plot DIR: plan.csv, plan.gp and
 * plan.svg (tok/s per deployment).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plan.h"
#include "plot.h"

enum { K_NODES_MAX = SIM_K_CMD };

const struct bm_opt sim_plan_opts[] = {
	SIM_OPT_MODEL,
	{ "nodes-max", K_NODES_MAX, "N", "largest deployment, 1..8 nodes (default 2)" },
	{ "transport", SIM_K_TRANSPORT, "T", "roce|socket (default roce)" },
	SIM_OPT_CTX,
	{ "net", SIM_K_NET, "FILE", "measured ib_lat/nccl_coll/moe_alltoall JSON for the transport" },
	SIM_OPTS_DEPLOY,
	SIM_OPT_HW,
	SIM_OPT_QUANT,
	{ "plot", SIM_K_PLOT, "DIR", "write plan.csv, plan.gp and plan.svg (tok/s per deployment) to DIR" },
	SIM_OPTS_OUT,
	BM_OPT_END,
};

struct plan_opts {
	int		 nodes_max;
	struct sim_memcfg deploy;
};

static int own_opt(int key, const char *arg, void *priv)
{
	struct plan_opts *po = priv;

	if (key == K_NODES_MAX)
		return sim_parse_count("--nodes-max (1..8)", arg, 1, 8,
				       &po->nodes_max);
	return sim_memcfg_opt(&po->deploy, key, arg) > 0 ? 0 : -EINVAL;
}

static double gib(double b)
{
	return b / SIM_GIB;
}

static void print_row(FILE *f, const struct sim_plan_row *w, int rank)
{
	char r[12] = "-";

	if (rank > 0)
		snprintf(r, sizeof(r), "%d", rank);
	if (w->status == SIM_PLAN_IMPOSSIBLE) {
		fprintf(f, "%3s  %-18s %5d  %s\n", r, w->name, w->q.nodes,
			w->why);
		return;
	}
	fprintf(f, "%3s  %-18s %5d %7.1f %7.2f  %-13s %6.2f %8.1f %8.1f "
		   "%9.1f  %s\n", r, w->name, w->q.nodes, w->r.tok_s,
		w->r.ms_per_token, w->bound, w->bound_ms, gib(w->f.weights),
		gib(w->f.kv_need), gib(w->f.headroom), w->f.limit);
}

static void print_human(FILE *f, const struct sim_ctx *c,
			const struct sim_plan *p, const char *transport,
			const char *used)
{
	const struct sim_model *m = &c->model;
	enum sim_plan_status st;
	int k, rank = 0;

	fprintf(f, "# sim plan: %s on up to %d GB10 node(s) over %s, ctx %.0f, "
		   "max_model_len %.0f, KV %s, gpu_memory_utilization %.2f",
		m->name, p->nodes_max, transport, p->ctx,
		p->deploy.max_model_len, m->kv_bytes == 1 ? "fp8" : "bf16",
		p->deploy.gpu_util);
	if (p->deploy.kv_cache_bytes > 0)
		fprintf(f, ", kv_cache_memory_bytes %.0f",
			p->deploy.kv_cache_bytes);
	fprintf(f, "\n");
	sim_model_line(f, m);
	fprintf(f, "# network: %s; batch 1, steady-state decode; memory of the "
		   "worst rank against %.1f GiB free of %.1f GiB\n"
		   "# +EAGLE3: one speculative token; needs a trained draft, "
		   "acceptance %.2f is the Qwen3-Coder fit\n", used,
		c->hw.mem.free_gib, c->hw.mem.total_gib, c->hw.accept);
	fprintf(f, "%3s  %-18s %5s %7s %7s  %-13s %6s %8s %8s %9s  %s\n", "#",
		"deployment", "nodes", "tok/s", "ms/tok", "bound", "ms",
		"wt_GiB", "kv_GiB", "room_GiB", "mem_limit");
	for (st = SIM_PLAN_FITS; st <= SIM_PLAN_IMPOSSIBLE; st++) {
		bool header = false;

		for (k = 0; k < p->n; k++) {
			const struct sim_plan_row *w = &p->row[p->order[k]];

			if (w->status != st)
				continue;
			if (st != SIM_PLAN_FITS && !header) {
				fprintf(f, "%s:\n", sim_plan_status_name(st));
				header = true;
			}
			print_row(f, w, st == SIM_PLAN_FITS ? ++rank : 0);
			if (w->note[0])
				fprintf(f, "%24s note: %s\n", "", w->note);
			if (st == SIM_PLAN_NO_FIT)
				fprintf(f, "%24s %s\n", "", w->why);
		}
	}
	if (p->best < 0) {
		fprintf(f, "=> nothing fits on %d node(s)\n", p->nodes_max);
		return;
	}
	fprintf(f, "=> run %s over %s: %.1f tok/s. %s.\n   %s\n",
		p->row[p->best].name, p->row[p->best].q.nodes > 1 ?
		transport : "one node", p->row[p->best].r.tok_s, p->reason,
		p->flags);
	if (p->best_spec >= 0)
		fprintf(f, "   with an EAGLE3 draft: %s, %.1f tok/s at the "
			   "assumed acceptance %.2f (--speculative-config "
			   "'{\"method\":\"eagle3\",\"model\":\"<draft>\","
			   "\"num_speculative_tokens\":1}')\n",
			p->row[p->best_spec].name,
			p->row[p->best_spec].r.tok_s, c->hw.accept);
}

static json_t *rounded(double v, double scale)
{
	return json_real(round(v * scale) / scale);
}

static json_t *row_json(const struct sim_plan_row *w, int rank,
			const char *transport)
{
	json_t *o = json_object();
	bool ran = w->status != SIM_PLAN_IMPOSSIBLE;

	json_object_set_new(o, "rank", rank > 0 ? json_integer(rank) :
				       json_null());
	json_object_set_new(o, "deployment", json_string(w->name));
	json_object_set_new(o, "status",
			    json_string(sim_plan_status_name(w->status)));
	json_object_set_new(o, "mode", json_string(sim_mode_name(w->q.mode)));
	json_object_set_new(o, "nodes", json_integer(w->q.nodes));
	json_object_set_new(o, "tp", json_integer(sim_query_tp(&w->q)));
	json_object_set_new(o, "pp", json_integer(sim_query_stages(&w->q)));
	json_object_set_new(o, "spec", json_string(w->q.spec_tokens ?
						   "eagle3" : "none"));
	json_object_set_new(o, "transport",
			    json_string(w->q.nodes > 1 ? transport : "none"));
	json_object_set_new(o, "tok_s", ran ? rounded(w->r.tok_s, 100) :
				       json_null());
	json_object_set_new(o, "ms_per_token", ran ?
			    rounded(w->r.ms_per_token, 1e4) : json_null());
	json_object_set_new(o, "bound", ran ? json_string(w->bound) :
				       json_null());
	json_object_set_new(o, "bound_ms", ran ? rounded(w->bound_ms, 1e4) :
				       json_null());
	json_object_set_new(o, "weights_gib", ran ? rounded(gib(w->f.weights),
							   1e3) : json_null());
	json_object_set_new(o, "kv_need_gib", ran ? rounded(gib(w->f.kv_need),
							   1e3) : json_null());
	json_object_set_new(o, "kv_pool_gib", ran ?
			    rounded(gib(fmax(w->f.kv_pool, 0)), 1e3) :
			    json_null());
	json_object_set_new(o, "reserve_gib", ran ?
			    rounded(gib(w->f.activation + w->f.non_torch +
					w->f.graphs), 1e3) : json_null());
	json_object_set_new(o, "headroom_gib", ran ?
			    rounded(gib(w->f.headroom), 1e3) : json_null());
	json_object_set_new(o, "mem_limit", ran ? json_string(w->f.limit) :
				       json_null());
	json_object_set_new(o, "attn_ctas", ran ? json_integer(w->r.attn_ctas) :
				       json_null());
	json_object_set_new(o, "note", json_string(w->note));
	json_object_set_new(o, "why", json_string(w->why));
	return o;
}

static void write_doc(struct sim_out *so, const struct sim_ctx *c,
		      const struct sim_opts *o, const struct sim_plan *p,
		      const char *used)
{
	int k, rank = 0;

	sim_out_params(so, c, o);
	bm_out_param(so->out, "nodes_max", json_integer(p->nodes_max));
	bm_out_param(so->out, "transport", json_string(o->transport));
	bm_out_param(so->out, "ctx", json_integer((json_int_t)p->ctx));
	bm_out_param(so->out, "max_model_len",
		     json_integer((json_int_t)p->deploy.max_model_len));
	bm_out_param(so->out, "gpu_memory_utilization",
		     json_real(p->deploy.gpu_util));
	bm_out_param(so->out, "kv_cache_memory_bytes",
		     p->deploy.kv_cache_bytes > 0 ?
		     json_integer((json_int_t)p->deploy.kv_cache_bytes) : NULL);
	bm_out_param(so->out, "net_files", sim_net_files_json(o));
	for (k = 0; k < p->n; k++) {
		const struct sim_plan_row *w = &p->row[p->order[k]];

		bm_out_row(so->out, row_json(w, w->status == SIM_PLAN_FITS ?
					     ++rank : 0, o->transport));
	}
	bm_out_summary(so->out, "network", json_string(used));
	bm_out_summary(so->out, "fitting", json_integer(rank));
	if (p->best < 0) {
		bm_out_summary(so->out, "best", NULL);
		return;
	}
	bm_out_summary(so->out, "best", json_string(p->row[p->best].name));
	bm_out_summary(so->out, "tok_s", rounded(p->row[p->best].r.tok_s, 100));
	bm_out_summary(so->out, "versus", p->versus >= 0 ?
		       json_string(p->row[p->versus].name) : NULL);
	bm_out_summary(so->out, "reason", json_string(p->reason));
	bm_out_summary(so->out, "vllm", json_string(p->flags));
	bm_out_summary(so->out, "best_eagle3", p->best_spec >= 0 ?
		       json_string(p->row[p->best_spec].name) : NULL);
	bm_out_summary(so->out, "best_eagle3_tok_s", p->best_spec >= 0 ?
		       rounded(p->row[p->best_spec].r.tok_s, 100) : NULL);
	bm_out_summary(so->out, "eagle3_accept", json_real(c->hw.accept));
}

/* A bar per deployment that ran: the recommended one orange, the other
 * fitting ones blue, those that do not fit grey. */
static int write_plot(const char *dir, const struct sim_ctx *c,
		      const struct sim_plan *p, const char *transport)
{
	int k, n = 0, bars = 0, nofit = 0, ret;
	double top = 0;
	char title[200];
	FILE *f;

	ret = sim_mkdir(dir);
	if (ret)
		return ret;
	f = sim_plot_create(dir, "plan.csv");
	if (!f)
		return -EEXIST;
	fprintf(f, "deployment,status,tok_s,headroom_gib,label\n");
	for (k = 0; k < p->n; k++) {
		int i = p->order[k];
		const struct sim_plan_row *w = &p->row[i];

		if (w->status == SIM_PLAN_IMPOSSIBLE)
			continue;
		nofit += w->status == SIM_PLAN_NO_FIT;
		top = fmax(top, w->r.tok_s);
		/* the label as the table prints it */
		fprintf(f, "%s,%s,%.2f,%.2f,%.1f\n", w->name,
			i == p->best ? "recommended" :
			w->status == SIM_PLAN_FITS ? "fits" : "no_fit",
			w->r.tok_s, gib(w->f.headroom), w->r.tok_s);
		bars++;
	}
	ret = sim_plot_close(f, true);
	if (ret)
		return ret;
	snprintf(title, sizeof(title), "sim plan: %s on up to %d GB10 over %s, "
		 "ctx %.0f (batch-1 decode)", c->model.name, p->nodes_max,
		 transport, p->ctx);
	f = sim_plot_begin(dir, "plan", 300 + 60 * bars, 560, title, "",
			   "predicted tok/s");
	if (!f)
		return -EEXIST;
	fprintf(f, "set style fill solid 0.85 border -1\nset boxwidth 0.7\n"
		   "set yrange [0:%.0f]\nset xrange [-0.6:%d.6]\n"
		   "set xtics rotate by -35 left nomirror\nset grid ytics\n"
		   "set grid noxtics\nset bmargin 8\n", ceil(top * 1.12 + 1),
		bars - 1);
	sim_plot_curve(f, &n, "'plan.csv' every ::1 using 0:(strcol(2) eq "
		       "'recommended' ? $3 : 1/0):xtic(1) with boxes lc rgb "
		       "'#ff7f0e' title 'recommended'");
	sim_plot_curve(f, &n, "'plan.csv' every ::1 using 0:(strcol(2) eq "
		       "'fits' ? $3 : 1/0) with boxes lc rgb '#1f77b4' "
		       "title 'fits'");
	if (nofit)
		sim_plot_curve(f, &n, "'plan.csv' every ::1 using "
			       "0:(strcol(2) eq 'no_fit' ? $3 : 1/0) with "
			       "boxes lc rgb '#bbbbbb' title 'does not fit'");
	sim_plot_curve(f, &n, "'plan.csv' every ::1 using 0:3:5 with labels "
		       "offset 0,0.8 notitle");
	ret = sim_plot_end(f);
	return ret ? ret : sim_gnuplot(dir, "plan.gp");
}

int sim_plan_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct sim_opts o = { .transport = "roce", .accept = -1 };
	struct plan_opts po = { .nodes_max = 2 };
	struct sim_out so = { 0 };
	struct sim_plan *p = NULL;
	struct sim_ctx *c = NULL;
	char used[512] = "";
	int ret;

	ret = sim_parse(argc, argv, cmd, &o, own_opt, &po);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!o.model) {
		BM_ERR("--model is required (try gpt-oss-120b)");
		return BM_EXIT_USAGE;
	}
	if (strcmp(o.transport, "roce") && strcmp(o.transport, "socket") &&
	    strcmp(o.transport, "roce-oneshot")) {
		BM_ERR("invalid --transport: '%s' (roce|socket)", o.transport);
		return BM_EXIT_USAGE;
	}
	c = calloc(1, sizeof(*c));
	p = calloc(1, sizeof(*p));
	ret = c && p ? sim_out_open(&o, cmd, argc, argv, &so) : -ENOMEM;
	if (!ret)
		ret = sim_ctx_init(c, o.hw);
	if (!ret)
		ret = sim_ctx_model(c, o.model, o.quant);
	if (!ret && po.deploy.kv_dtype)
		ret = sim_model_set_kv_dtype(&c->model, po.deploy.kv_dtype);
	if (!ret)
		ret = sim_ctx_net(c, o.transport, o.net, o.n_net, true, NULL,
				  used, sizeof(used));
	if (!ret)
		ret = sim_plan_run(c, po.nodes_max, o.ctx, &po.deploy,
				   o.transport, p);
	if (!ret) {
		if (so.table)
			print_human(so.table, c, p, o.transport, used);
		write_doc(&so, c, &o, p, used);
		if (o.plot)
			ret = write_plot(o.plot, c, p, o.transport);
	}
	free(p);
	free(c);
	return sim_out_close(&so, ret);
}
