// SPDX-License-Identifier: MIT
/*
 * nccl_coll on the GPU-tool harness (nccl_rt/harness.h): the plan (a sweep
 * or a decode preset), the run over it, the decode summary, and the
 * harness hooks. The measurement itself is in coll_bench.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coll_bench.h"

/* The list of (op, type, size, per_token, what) to run. */
static int make_plan(struct coll_state *st)
{
	struct coll_params *p = st->p;
	struct bm_out *out = st->h->out;
	int nr = st->ctx->boot.nranks, i, cap = 0;
	size_t sz;

	st->nitems = 0;
	if (p->decode) {
		struct coll_model m;
		char path[1024];
		int tp = p->tp ? p->tp : (nr > 1 ? nr : 2), n;

		if (coll_model_load(p->decode, &m, path, sizeof(path)))
			return -EINVAL;
		st->items = calloc(16, sizeof(*st->items));
		if (!st->items)
			return -ENOMEM;
		n = coll_decode_items(&m, p->decode_mode, tp, st->items, 16);
		if (n < 0)
			return n;
		st->nitems = n;
		bm_out_param(out, "model_path", json_string(path));
		bm_out_param(out, "model_type", json_string(m.model_type));
		bm_out_param(out, "decode_tp", json_integer(tp));
		bm_out_comment(out, "decode preset %s (%s, hidden %ld, %ld "
			       "layers), mode %s, tp %d: one token sends:",
			       m.name, m.model_type, m.hidden_size,
			       m.num_hidden_layers, p->decode_mode, tp);
		for (i = 0; i < n; i++) {
			struct coll_item *it = &st->items[i];

			it->size = coll_round_size(it->op, it->dtype, nr,
						   it->size);
			bm_out_comment(out, "  %3d x %-13s %8zu B %s  (%s)",
				       it->per_token,
				       coll_ops_table[it->op]->name, it->size,
				       coll_dtype_name(it->dtype), it->what);
		}
		return 0;
	}
	for (i = 0; i < COLL_NOPS; i++)
		if (p->ops[i])
			cap += (int)bm_sweep_count(&p->com.sweep);
	st->items = calloc((size_t)cap + 1, sizeof(*st->items));
	if (!st->items)
		return -ENOMEM;
	for (i = 0; i < COLL_NOPS; i++) {
		if (!p->ops[i])
			continue;
		for (sz = p->com.sweep.min; sz && st->nitems < cap;
		     sz = bm_sweep_next(&p->com.sweep, sz)) {
			size_t r = coll_round_size((enum coll_op)i, p->dtype,
						   nr, sz);

			const struct coll_item *last =
				st->nitems ? &st->items[st->nitems - 1] : NULL;

			if (!r || (last && last->size == r &&
				   last->op == (enum coll_op)i))
				continue;
			st->items[st->nitems++] = (struct coll_item){
				(enum coll_op)i, p->dtype, r, 0, NULL };
		}
	}
	return 0;
}

/* Decode presets: what one token's communication costs, summed over the
 * items (count per token x latency), out-of-place (vLLM's all-reduce
 * writes a new tensor). */
static void add_token_cost(double *acc, json_t *row, int per_token)
{
	static const char *const keys[3] = { "oop_lat_us_p50", "oop_lat_us_p99",
					     "oop_time_us" };
	int k;

	for (k = 0; k < 3; k++)
		acc[k] += per_token *
			  json_real_value(json_object_get(row, keys[k]));
}

static void token_summary(struct coll_state *st, double tok[2][3])
{
	static const char *const mode[2] = { "eager", "graph" };
	json_t *o = json_object();
	int m;

	for (m = 0; m < 2; m++) {
		json_t *x;

		if ((m == 0 && !st->p->eager) || (m == 1 && !st->p->graph))
			continue;
		x = json_pack("{s:f, s:f, s:f}", "isolated_p50_us", tok[m][0],
			      "isolated_p99_us", tok[m][1],
			      "pipelined_us", tok[m][2]);
		json_object_set_new(o, mode[m], x);
		bm_out_comment(st->h->out, "per decoded token, %s: "
			       "communication "
			       "%.1f us (sum of isolated p50), %.1f us (p99), "
			       "%.1f us (pipelined)", mode[m], tok[m][0],
			       tok[m][1], tok[m][2]);
	}
	json_object_set_new(o, "method", json_string(
		"sum over the preset's items of per_token x out-of-place "
		"latency of this run's ranks"));
	bm_out_summary(st->h->out, "decode_token_comm", o);
}

/* The checks the plan makes: one per item, mode and placement. */
static uint64_t planned_checks(const struct coll_state *st)
{
	const struct coll_params *p = st->p;
	uint64_t n = 0;
	int i, pl;

	for (i = 0; i < st->nitems; i++)
		for (pl = 0; pl < 2; pl++)
			if (coll_runs_place(p, st->items[i].op, pl == 1))
				n += (uint64_t)p->eager + p->graph;
	return n;
}

static int alloc_state(struct coll_state *st)
{
	struct coll_params *p = st->p;
	size_t n = p->com.iters;
	int i;

	st->cap = 0;
	for (i = 0; i < st->nitems; i++)
		if (st->items[i].size > st->cap)
			st->cap = st->items[i].size;
	if (!st->cap) {
		BM_ERR("no size to run (smaller than one element?)");
		return -EINVAL;
	}
	CUDA_CHECK(cudaMalloc(&st->dsend, st->cap), return -ENOMEM);
	CUDA_CHECK(cudaMalloc(&st->drecv, st->cap), return -ENOMEM);
	CUDA_CHECK(cudaMalloc(&st->dbar, 64), return -ENOMEM);
	CUDA_CHECK(cudaMemset(st->dbar, 0, 64), return -EIO);
	if (p->gate_bytes)
		CUDA_CHECK(cudaMalloc(&st->dgate, p->gate_bytes),
			   return -ENOMEM);
	CUDA_CHECK(cudaEventCreate(&st->e0), return -EIO);
	CUDA_CHECK(cudaEventCreate(&st->e1), return -EIO);
	st->hsend = malloc(st->cap);
	st->hrecv = malloc(st->cap);
	st->samples = calloc(n + 5, sizeof(double));
	st->all = calloc((n + 5) * (size_t)st->ctx->boot.nranks,
			 sizeof(double));
	if (!st->hsend || !st->hrecv || !st->samples || !st->all)
		return -ENOMEM;
	return 0;
}

/* Every item in every mode, a row each (both placements). */
static int run_sweep(struct coll_state *st)
{
	struct coll_params *p = st->p;
	double tok[2][3] = { { 0 } };	/* [eager|graph][iso p50|p99|pipe] */
	int i, m, ret = 0;

	coll_columns(st->h->out);
	for (i = 0; i < st->nitems && !ret; i++) {
		const struct coll_item *it = &st->items[i];

		for (m = 0; m < 2 && !ret; m++) {
			json_t *row = NULL;

			if ((m == 0 && !p->eager) || (m == 1 && !p->graph))
				continue;
			if (!p->com.quiet && st->ctx->boot.rank == 0)
				fprintf(stderr, "%s: %d/%d %s %zu B %s\n", TOOL,
					i + 1, st->nitems,
					coll_ops_table[it->op]->name, it->size,
					m ? "graph" : "eager");
			ret = coll_run_size(st, it, m == 1, &row);
			if (!ret && it->per_token > 0)
				add_token_cost(tok[m], row, it->per_token);
			if (!ret)
				ret = nrt_harness_row(st->h, row);
		}
	}
	if (!ret && p->decode)
		token_summary(st, tok);
	return ret;
}

/* ---- the harness hooks ---- */

static json_t *hook_params(struct nrt_harness *h)
{
	struct coll_state *st = h->tool;

	return coll_params_json(st->p);
}

static int hook_setup(struct nrt_harness *h)
{
	struct coll_state *st = h->tool;

	st->h = h;
	st->ctx = &h->ctx;
	if (st->p->root >= h->ctx.boot.nranks) {
		BM_ERR("--root %d but %d rank(s)", st->p->root,
		       h->ctx.boot.nranks);
		return -EINVAL;
	}
	return 0;
}

static void hook_meta(struct nrt_harness *h)
{
	struct coll_state *st = h->tool;
	struct coll_params *p = st->p;

	bm_out_comment(h->out, "oop_us/ip_us: pipelined mean as nccl-tests "
		       "(%d back-to-back ops; graph: a %d-op graph launched %d "
		       "times; mean of %d repetitions); iso_p50/p99: isolated "
		       "per-op latency of the slowest rank, %llu samples; us, "
		       "GB/s", p->pipe_iters, p->pipe_iters, p->graph_launches,
		       p->pipe_reps, (unsigned long long)p->com.iters);
	if (h->ctx.boot.nranks == 1)
		bm_out_comment(h->out, "one rank: NCCL copies out-of-place and "
			       "does nothing in-place; busbw is 0 by the "
			       "formulas' (n-1) factor");
}

static int hook_run(struct nrt_harness *h)
{
	struct coll_state *st = h->tool;
	int ret;

	ret = make_plan(st);
	if (!ret)
		ret = alloc_state(st);
	if (ret)
		return ret;
	if (st->p->compare)
		return coll_run_compare(st);
	h->check.planned = planned_checks(st);
	return run_sweep(st);
}

static void hook_teardown(struct nrt_harness *h)
{
	struct coll_state *st = h->tool;

	if (st->e0)
		cudaEventDestroy(st->e0);
	if (st->e1)
		cudaEventDestroy(st->e1);
	cudaFree(st->dsend);
	cudaFree(st->drecv);
	cudaFree(st->dbar);
	cudaFree(st->dgate);
	free(st->hsend);
	free(st->hrecv);
	free(st->samples);
	free(st->all);
	free(st->items);
}

static const struct nrt_tool coll_tool = {
	.name = TOOL,
	.params = hook_params,
	.setup = hook_setup,
	.meta = hook_meta,
	.run = hook_run,
	.teardown = hook_teardown,
};

int coll_run_nccl(struct coll_params *p, int argc, char **argv)
{
	struct coll_state st = { .p = p };

	return nrt_harness_main(&coll_tool, &st, &p->com, &p->nrt, argc, argv);
}
