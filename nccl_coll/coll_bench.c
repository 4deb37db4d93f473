// SPDX-License-Identifier: MIT
/* nccl_coll's measurement of one size (methodology: nccl_coll.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "coll_bench.h"

int coll_launch(void *arg, cudaStream_t s)
{
	struct coll_target *t = arg;
	const struct coll_ops *ops = coll_ops_table[t->op];

	/* read at every launch: an aborted communicator is NULL */
	t->call.comm = t->nc->comm;
	t->call.stream = s;
	return nrt_call_done(t->nc->comm, (ncclResult_t)ops->enqueue(&t->call),
			     ops->name, t->nc->timeout_ms);
}

/* The 1-element all-reduce that lines the ranks up before a sample. */
static int launch_barrier(struct coll_state *st, struct nrt_comm *nc)
{
	return nrt_call_done(nc->comm,
			     ncclAllReduce(st->dbar, st->dbar, 1, ncclFloat32,
					   ncclSum, nc->comm, st->ctx->stream),
			     "barrier all-reduce", nc->timeout_ms);
}

void coll_target_setup(struct coll_state *st, struct coll_target *t,
		       enum coll_op op, enum coll_dtype dt, size_t size,
		       bool in_place, struct nrt_comm *nc)
{
	const struct coll_ops *ops = coll_ops_table[op];
	size_t elt = coll_dtype_size(dt);
	struct coll_call *c = &t->call;

	memset(t, 0, sizeof(*t));
	t->op = op;
	t->size = size;
	t->in_place = in_place;
	t->nc = nc;
	c->dtype = dt;
	c->root = st->p->root;
	c->rank = st->ctx->boot.rank;
	c->nranks = st->ctx->boot.nranks;
	ops->counts(size / elt, c->nranks, &c->send_count, &c->recv_count);
	c->send = st->dsend;
	c->recv = st->drecv;
	if (!in_place)
		return;
	if (ops->in_place) {
		ops->in_place(c, st->drecv, elt);
	} else {
		c->send = st->drecv;
		c->recv = st->drecv;
	}
}

/* Fill, run once (eager or the 1-op graph), copy back, count wrong on
 * every rank. */
int coll_check_target(struct coll_state *st, struct coll_target *t,
		      cudaGraphExec_t g1, uint64_t *wrong_p)
{
	const struct coll_call *c = &t->call;
	size_t elt = coll_dtype_size(c->dtype);
	cudaStream_t s = st->ctx->stream;
	uint64_t wrong;
	int ret;

	coll_fill(c->dtype, st->hsend, c->send_count, c->rank, 0);
	/* all on the tool's (non-blocking) stream and synced: a plain
	 * cudaMemcpy from pageable memory may return before its DMA lands,
	 * and the legacy stream does not order a non-blocking one */
	CUDA_CHECK(cudaMemsetAsync(st->drecv, 0xff, st->cap, s), return -EIO);
	CUDA_CHECK(cudaMemcpyAsync((void *)c->send, st->hsend,
				   c->send_count * elt, cudaMemcpyHostToDevice,
				   s), return -EIO);
	CUDA_CHECK(cudaStreamSynchronize(s), return -EIO);
	if (g1)
		CUDA_CHECK(cudaGraphLaunch(g1, s), return -EIO);
	else if ((ret = coll_launch(t, s)))
		return ret;
	ret = nrt_sync(st->ctx, t->nc, s, 0);
	if (ret)
		return ret;
	CUDA_CHECK(cudaMemcpyAsync(st->hrecv, c->recv, c->recv_count * elt,
				   cudaMemcpyDeviceToHost, s), return -EIO);
	CUDA_CHECK(cudaStreamSynchronize(s), return -EIO);
	wrong = coll_count_wrong(t->op, c->dtype, st->hrecv, c->recv_count,
				 c->rank, c->nranks, c->root);
	/* over every rank, as nccl-tests counts #wrong */
	ret = nrt_sum_u64(&st->ctx->boot, &wrong);
	if (ret)
		return ret;
	nrt_check_add(&st->h->check, wrong);
	*wrong_p = wrong;
	return 0;
}

/* nccl-tests' timing: host clock around back-to-back operations. */
static int time_pipelined(struct coll_state *st, struct coll_target *t,
			  cudaGraphExec_t gk, double *us_p)
{
	struct coll_params *p = st->p;
	cudaStream_t s = st->ctx->stream;
	uint64_t t0, t1;
	long nops;
	int i, ret;

	ret = nrt_barrier(&st->ctx->boot);
	if (ret)
		return ret;
	t0 = bm_now_ns();
	if (gk) {
		for (i = 0; i < p->graph_launches; i++)
			CUDA_CHECK(cudaGraphLaunch(gk, s), return -EIO);
		nops = (long)p->graph_launches * p->pipe_iters;
	} else {
		for (i = 0; i < p->pipe_iters; i++)
			if ((ret = coll_launch(t, s)))
				return ret;
		nops = p->pipe_iters;
	}
	ret = nrt_sync(st->ctx, t->nc, s, 0);
	if (ret)
		return ret;
	t1 = bm_now_ns();
	*us_p = (double)(t1 - t0) / 1e3 / (double)nops;
	return 0;
}

int coll_time_one(struct coll_state *st, struct coll_target *t,
		  cudaGraphExec_t g1, double *us_p)
{
	cudaStream_t s = st->ctx->stream;
	int ret;

	if (st->p->gate_bytes)
		CUDA_CHECK(cudaMemsetAsync(st->dgate, 0, st->p->gate_bytes, s),
			   return -EIO);
	if ((ret = launch_barrier(st, t->nc)))
		return ret;
	CUDA_CHECK(cudaEventRecord(st->e0, s), return -EIO);
	if (g1)
		CUDA_CHECK(cudaGraphLaunch(g1, s), return -EIO);
	else if ((ret = coll_launch(t, s)))
		return ret;
	CUDA_CHECK(cudaEventRecord(st->e1, s), return -EIO);
	if ((ret = nrt_sync(st->ctx, t->nc, s, 0)))
		return ret;
	return nrt_event_us(st->e0, st->e1, us_p);
}

int coll_slowest(struct coll_state *st, size_t n, double *slow)
{
	int nr = st->ctx->boot.nranks, r, ret;
	size_t i;

	ret = nrt_allgather(&st->ctx->boot, st->samples, st->all,
			    n * sizeof(double));
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		slow[i] = st->all[i];
		for (r = 1; r < nr; r++)
			if (st->all[(size_t)r * n + i] > slow[i])
				slow[i] = st->all[(size_t)r * n + i];
	}
	return 0;
}

/* Samples of all ranks to everyone: stats per rank, of the slowest rank,
 * and (rank 0) the JSON object. */
static int reduce_samples(struct coll_state *st, size_t n, const char *pfx,
			  json_t *row, struct bm_stats *slow_p)
{
	int nr = st->ctx->boot.nranks, r, ret;
	double *slow;
	struct bm_stats rs;
	json_t *obj, *per, *raw;
	char key[64];

	slow = malloc(n * sizeof(double));
	if (!slow)
		return -ENOMEM;
	ret = coll_slowest(st, n, slow);
	if (ret) {
		free(slow);
		return ret;
	}
	bm_stats_compute(slow, n, slow_p);
	snprintf(key, sizeof(key), "%s_lat_us", pfx);
	bm_json_stats(row, key, slow_p, 1.0);
	obj = json_object();
	per = json_array();
	raw = json_array();
	for (r = 0; r < nr; r++) {
		bm_stats_compute(st->all + (size_t)r * n, n, &rs);
		json_array_append_new(per, bm_json_stats(json_object(), "lat_us",
							 &rs, 1.0));
		if (!st->p->no_samples)
			json_array_append_new(raw, bm_json_samples(
				st->all + (size_t)r * n, n, 1.0));
	}
	json_object_set_new(obj, "slowest", bm_json_stats(json_object(),
							  "lat_us", slow_p,
							  1.0));
	json_object_set_new(obj, "per_rank", per);
	json_object_set_new(obj, "samples_us", raw);
	snprintf(key, sizeof(key), "%s_isolated", pfx);
	json_object_set_new(row, key, obj);
	free(slow);
	return 0;
}

void coll_columns(struct bm_out *out)
{
	static const struct bm_col cols[] = {
		{ "op", "op", 13, -1 },
		{ "mode", "mode", 5, -1 },
		{ "size", "size(B)", 11, -1 },
		{ "count", "count", 11, -1 },
		{ "type", "type", 5, -1 },
		{ "redop", "redop", 5, -1 },
		{ "root", "root", 4, -1 },
		{ "oop_time_us", "oop_us", 9, 2 },
		{ "oop_algbw_gbps", "algbw", 7, 2 },
		{ "oop_busbw_gbps", "busbw", 7, 2 },
		{ "oop_wrong", "#wrong", 6, -1 },
		{ "ip_time_us", "ip_us", 9, 2 },
		{ "ip_algbw_gbps", "algbw", 7, 2 },
		{ "ip_busbw_gbps", "busbw", 7, 2 },
		{ "ip_wrong", "#wrong", 6, -1 },
		{ "oop_lat_us_p50", "iso_p50", 8, 2 },
		{ "oop_lat_us_p99", "iso_p99", 8, 2 },
		{ "nccl_algo", "algo", 6, -1 },
		{ "nccl_proto", "proto", 6, -1 },
	};

	bm_out_columns(out, cols, sizeof(cols) / sizeof(cols[0]));
}

/* The row's identity columns. */
static json_t *row_new(struct coll_state *st, const struct coll_item *it,
		       bool graph, struct nrt_comm *nc)
{
	const struct coll_ops *ops = coll_ops_table[it->op];
	json_t *row = json_object();

	json_object_set_new(row, "op", json_string(ops->name));
	json_object_set_new(row, "mode",
			    json_string(graph ? "graph" : "eager"));
	json_object_set_new(row, "size", json_integer((json_int_t)it->size));
	json_object_set_new(row, "count",
			    json_integer((json_int_t)(it->size /
						      coll_dtype_size(
							      it->dtype))));
	json_object_set_new(row, "type", json_string(coll_dtype_name(
					     it->dtype)));
	json_object_set_new(row, "redop", json_string(ops->redop));
	json_object_set_new(row, "root", ops->has_root ?
			    json_integer(st->p->root) : json_integer(-1));
	json_object_set_new(row, "transport", json_string(nc->path.transport));
	if (it->per_token > 0) {
		json_object_set_new(row, "per_token",
				    json_integer(it->per_token));
		json_object_set_new(row, "what", json_string(it->what));
	}
	return row;
}

/* The algorithm and protocol NCCL chose, for the out-of-place columns:
 * rank 0's TUNING lines for this operation and byte count since the row
 * began (graph: written at capture; eager: at each call). */
static void row_algo(struct coll_state *st, const struct coll_target *t,
		     json_t *row)
{
	const struct coll_ops *ops = coll_ops_table[t->op];
	const struct coll_call *c = &t->call;
	size_t n = c->send_count < c->recv_count ? c->send_count :
						   c->recv_count;
	char algo[32], proto[32];
	int lines = -1;

	if (c->nranks == 1) {
		snprintf(algo, sizeof(algo), "none/1-rank");
		snprintf(proto, sizeof(proto), "none/1-rank");
	} else if (!ops->nccl_func) {
		/* NCCL schedules send/recv as p2p and logs no protocol */
		snprintf(algo, sizeof(algo), "p2p");
		snprintf(proto, sizeof(proto), "not-logged");
	} else if (c->rank != 0) {
		/* NCCL logs TUNING on rank 0; only rank 0 writes rows */
		snprintf(algo, sizeof(algo), "rank-0-only");
		snprintf(proto, sizeof(proto), "rank-0-only");
	} else {
		lines = nrt_log_algo(&st->ctx->log, ops->nccl_func,
				     (long long)(n * coll_dtype_size(c->dtype)),
				     algo, sizeof(algo), proto, sizeof(proto));
	}
	json_object_set_new(row, "nccl_algo", json_string(algo));
	json_object_set_new(row, "nccl_proto", json_string(proto));
	if (lines >= 0)
		json_object_set_new(row, "nccl_tuning_lines",
				    json_integer(lines));
}

/* --pipe-reps pipelined timings of equal op counts, their mean (the mean
 * over all ops, as nccl-tests'), then averaged over the ranks (nccl-tests
 * too); reps and the minimum go into the row. */
static int pipelined(struct coll_state *st, struct coll_target *t,
		     cudaGraphExec_t gk, const char *pfx, json_t *row,
		     double *us_p)
{
	struct coll_params *p = st->p;
	int nr = st->ctx->boot.nranks, k, r, ret = 0;
	double sum = 0, mn = 0, one = 0, us, *all;
	json_t *reps = json_array();
	char key[64];

	for (k = 0; k < p->pipe_reps && !ret; k++) {
		ret = time_pipelined(st, t, gk, &one);
		sum += one;
		mn = k == 0 || one < mn ? one : mn;
		json_array_append_new(reps, json_real(one));
	}
	snprintf(key, sizeof(key), "%s_time_us_reps", pfx);
	json_object_set_new(row, key, reps);
	snprintf(key, sizeof(key), "%s_time_us_min", pfx);
	json_object_set_new(row, key, json_real(mn));
	if (ret)
		return ret;
	us = sum / p->pipe_reps;
	all = calloc((size_t)nr, sizeof(double));
	if (!all)
		return -ENOMEM;
	ret = nrt_allgather(&st->ctx->boot, &us, all, sizeof(us));
	for (sum = 0, r = 0; r < nr; r++)
		sum += all[r];
	free(all);
	if (ret)
		return ret;
	*us_p = sum / nr;
	return 0;
}

/* One placement of one row: graphs, warm-up, check, timings. */
static int run_place(struct coll_state *st, const struct coll_item *it,
		     bool graph, bool ip, json_t *row)
{
	struct coll_params *p = st->p;
	const struct coll_ops *ops = coll_ops_table[it->op];
	struct nrt_comm *nc = &st->ctx->comm;
	const char *pfx = ip ? "ip" : "oop";
	struct coll_target t;
	cudaGraphExec_t g1 = NULL, gk = NULL;
	size_t n = p->com.iters, i;
	double us, algbw;
	struct bm_stats slow;
	uint64_t w;
	char key[64];
	int ret = 0;

	coll_target_setup(st, &t, it->op, it->dtype, it->size, ip, nc);
	/* the algorithm columns read NCCL's log from here on */
	if (!ip && st->ctx->boot.rank == 0)
		nrt_log_skip(&st->ctx->log);
	if (graph) {
		ret = nrt_graph_capture(st->ctx, coll_launch, &t, 1, &g1);
		if (!ret)
			ret = nrt_graph_capture(st->ctx, coll_launch, &t,
						p->pipe_iters, &gk);
		if (ret)
			goto out;
	}
	for (i = 0; i < p->com.warmup && !ret; i++)
		ret = g1 ? (cudaGraphLaunch(g1, st->ctx->stream) ? -EIO : 0) :
			   coll_launch(&t, st->ctx->stream);
	if (!ret)
		ret = nrt_sync(st->ctx, nc, st->ctx->stream, 0);
	if (ret)
		goto out;
	ret = coll_check_target(st, &t, g1, &w);
	if (ret)
		goto out;
	if (!ip)
		row_algo(st, &t, row);
	snprintf(key, sizeof(key), "%s_wrong", pfx);
	json_object_set_new(row, key, json_integer((json_int_t)w));
	ret = pipelined(st, &t, gk, pfx, row, &us);
	if (ret)
		goto out;
	algbw = (double)it->size / (us * 1e-6) / 1e9;
	snprintf(key, sizeof(key), "%s_time_us", pfx);
	json_object_set_new(row, key, json_real(us));
	snprintf(key, sizeof(key), "%s_algbw_gbps", pfx);
	json_object_set_new(row, key, json_real(algbw));
	snprintf(key, sizeof(key), "%s_busbw_gbps", pfx);
	json_object_set_new(row, key, json_real(
		algbw * ops->bus_factor(st->ctx->boot.nranks)));
	for (i = 0; i < n && !ret; i++)
		ret = coll_time_one(st, &t, g1, &st->samples[i]);
	if (!ret && n)
		ret = reduce_samples(st, n, pfx, row, &slow);
out:
	nrt_graph_destroy(g1);
	nrt_graph_destroy(gk);
	return ret;
}

int coll_run_size(struct coll_state *st, const struct coll_item *it,
		  bool graph, json_t **row_p)
{
	json_t *row = row_new(st, it, graph, &st->ctx->comm);
	int pl, ret = 0;

	for (pl = 0; pl < 2 && !ret; pl++)
		if (coll_runs_place(st->p, it->op, pl == 1))
			ret = run_place(st, it, graph, pl == 1, row);
	if (ret) {
		json_decref(row);
		return ret;
	}
	*row_p = row;
	return 0;
}
