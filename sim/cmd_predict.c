// SPDX-License-Identifier: MIT
/*
 * sim predict: tok/s and the per-token breakdown of one setup.
 *
 * Output: the human breakdown on stdout; one row (cli.h sim_row) in
 * results; summary: tok_s, ms_per_token, network (where the network terms
 * came from), terms (what each term is).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "memfit.h"

enum { K_STAGE_TP = SIM_K_CMD };

const struct bm_opt sim_predict_opts[] = {
	SIM_OPT_MODEL,
	SIM_OPT_MODE,
	{ "nodes", SIM_K_NODES, "N", "nodes (default 2; 1 for single)" },
	SIM_OPT_TRANSPORT,
	SIM_OPT_CTX,
	SIM_OPT_LENGTH,
	SIM_OPTS_SPEC,
	{ "net", SIM_K_NET, "FILE", "measured ib_lat (link facts) or nccl_coll/moe_alltoall (2+ ranks: curves) JSON of the transport; repeatable" },
	SIM_OPT_HW,
	SIM_OPT_QUANT,
	{ "stage-tp", K_STAGE_TP, "N", "PP only: TP degree inside each stage (TP x PP: --nodes = stages x N)" },
	SIM_OPTS_DEPLOY,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

/* predict's own options: the deploy flags (memfit.h) and --stage-tp. */
struct predict_opts {
	struct sim_memcfg deploy;
	int		  stage_tp;
};

static int own_opt(int key, const char *arg, void *priv)
{
	struct predict_opts *po = priv;

	if (key == K_STAGE_TP)
		return sim_parse_count("--stage-tp (1..64)", arg, 1, 64,
				       &po->stage_tp);
	return sim_memcfg_opt(&po->deploy, key, arg) > 0 ? 0 : -EINVAL;
}

/* bytes as GiB to 3 decimals */
static double gib3(double b)
{
	return round(b / SIM_GIB * 1e3) / 1e3;
}

/* The memory fit as a summary object. */
static json_t *memfit_json(const struct sim_memfit *f)
{
	return json_pack("{s:b,s:s,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,"
			 "s:i}", "fits", f->fits, "limit", f->limit,
			 "max_model_len", (json_int_t)f->max_model_len,
			 "gpu_memory_utilization", f->util,
			 "weights_gib", gib3(f->weights),
			 "kv_need_gib", gib3(f->kv_need),
			 "kv_pool_gib", gib3(fmax(f->kv_pool, 0)),
			 "activation_gib", gib3(f->activation),
			 "non_torch_gib", gib3(f->non_torch),
			 "cuda_graph_gib", gib3(f->graphs),
			 "free_gib", gib3(f->free),
			 "headroom_gib", gib3(f->headroom),
			 "stage", f->stage);
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

static void print_human(FILE *f, const struct sim_ctx *c,
			const struct sim_opts *o, const struct sim_query *q,
			const struct sim_result *r, const char *used,
			const struct sim_memfit *mf)
{
	char mem[512];

	fprintf(f, "# sim predict: %s %s", c->model.name,
		sim_mode_name(q->mode));
	if (q->mode != SIM_SINGLE && q->tp > 1)
		fprintf(f, "=%d (TP %d per stage) over %s", q->nodes, q->tp,
			o->transport);
	else if (q->mode != SIM_SINGLE)
		fprintf(f, "=%d over %s", q->nodes, o->transport);
	fprintf(f, ", ctx %.0f, %s output", q->ctx, sim_length_name(q->length));
	if (q->spec_tokens)
		fprintf(f, ", EAGLE3 %d token(s) accept %.2f", q->spec_tokens,
			o->accept >= 0 ? o->accept : c->hw.accept);
	fprintf(f, "\n");
	sim_model_line(f, &c->model);
	fprintf(f, "# per step: critical-path weights %.3f GB, KV %.3f GB, "
		   "%d all-reduce + %d all-gather, %d hop(s), %d kernels; "
		   "%.2f token(s)/step\n", r->rank_weight_bytes / 1e9,
		r->rank_kv_bytes / 1e9, r->n_allreduce, r->n_allgather,
		r->n_p2p, r->n_kernels, r->tokens_per_step);
	if (q->mode != SIM_SINGLE) {
		fprintf(f, "# network: %s\n", used);
		sim_print_network(f, c, r);
	}
	sim_memfit_line(mf, mem, sizeof(mem));
	fprintf(f, "# memory (worst rank): %s\n", mem);
	if (r->attn_ctas)
		fprintf(f, "# attention: %s, %d program(s) on the layer with "
			   "the fewest, %s-bound\n",
			sim_attn_backend_name(r->attn_backend), r->attn_ctas,
			r->attn_compute_bound ? "compute" : "bandwidth");
	else
		fprintf(f, "# attention: %s, no context to read\n",
			sim_attn_backend_name(r->attn_backend));
	print_breakdown(f, r);
	fprintf(f, "=> %.1f tok/s\n", r->tok_s);
}

static void write_doc(struct sim_out *so, const struct sim_ctx *c,
		      const struct sim_opts *o, const struct sim_query *q,
		      const struct sim_result *r, const char *used,
		      const struct sim_memfit *mf)
{
	json_t *what = json_object();
	int i;

	sim_out_params(so, c, o);
	bm_out_param(so->out, "net_files", sim_net_files_json(o));
	bm_out_row(so->out, sim_row(c, q, r, o->transport));
	for (i = 0; i < r->n_terms; i++)
		json_object_set_new(what, r->term[i].name,
				    json_string(r->term[i].what));
	bm_out_summary(so->out, "tok_s",
		       json_real(round(r->tok_s * 100) / 100));
	bm_out_summary(so->out, "ms_per_token",
		       json_real(round(r->ms_per_token * 1e4) / 1e4));
	bm_out_summary(so->out, "network", q->mode == SIM_SINGLE ? NULL :
		       json_string(used));
	bm_out_summary(so->out, "terms", what);
	if (q->mode != SIM_SINGLE)
		bm_out_summary(so->out, "network_terms",
			       sim_network_json(c, r));
	bm_out_summary(so->out, "memory", memfit_json(mf));
	bm_out_summary(so->out, "attention", json_pack("{s:s,s:i,s:b}",
		       "backend", sim_attn_backend_name(r->attn_backend),
		       "min_ctas", r->attn_ctas, "compute_bound",
		       r->attn_compute_bound));
}

int sim_predict_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct sim_opts o = { .mode = SIM_TP, .nodes = 2, .transport = "roce",
			      .length = SIM_LEN_LONG, .accept = -1 };
	struct predict_opts po = { 0 };
	struct sim_out so = { 0 };
	struct sim_memfit mf;
	struct sim_query q;
	struct sim_result r;
	struct sim_ctx *c;
	char used[512], mem[512];
	int ret;

	ret = sim_parse(argc, argv, cmd, &o, own_opt, &po);
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
	if (po.stage_tp > 1 && o.mode != SIM_PP) {
		BM_ERR("--stage-tp goes with --mode pp");
		return BM_EXIT_USAGE;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return BM_EXIT_FAIL;
	ret = sim_out_open(&o, cmd, argc, argv, &so);
	if (!ret)
		ret = sim_ctx_init(c, o.hw);
	if (!ret)
		ret = sim_ctx_model(c, o.model, o.quant);
	if (!ret && po.deploy.kv_dtype)
		ret = sim_model_set_kv_dtype(&c->model, po.deploy.kv_dtype);
	if (!ret)
		ret = sim_ctx_net(c, o.transport, o.net, o.n_net, true, NULL,
				  used, sizeof(used));
	q = (struct sim_query){ .mode = o.mode, .nodes = o.nodes, .ctx = o.ctx,
				.tp = po.stage_tp, .length = o.length,
				.accept = o.accept };
	if (o.spec)
		q.spec_tokens = o.spec_tokens ? o.spec_tokens : 1;
	if (!ret)
		ret = sim_memcfg_resolve(c, o.ctx, &po.deploy);
	if (!ret)
		ret = sim_predict(c, &q, &r);
	if (!ret)
		ret = sim_memfit(c, &q, &po.deploy, &mf);
	if (!ret && !mf.fits) {
		/* refused: the numbers, no prediction */
		sim_memfit_line(&mf, mem, sizeof(mem));
		BM_ERR("%s %s on %d node(s) does not fit: %s (%s)",
		       c->model.name, sim_mode_name(q.mode), q.nodes, mf.why,
		       mem);
		sim_out_params(&so, c, &o);
		bm_out_summary(so.out, "memory", memfit_json(&mf));
		ret = -ENOSPC;
	} else if (!ret) {
		if (so.table)
			print_human(so.table, c, &o, &q, &r, used, &mf);
		write_doc(&so, c, &o, &q, &r, used, &mf);
	}
	free(c);
	return sim_out_close(&so, ret);
}
