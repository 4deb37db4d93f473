// SPDX-License-Identifier: MIT
/*
 * nccl_coll: NCCL collectives at LLM-decode sizes, the way vLLM incurs them.
 *
 * Methodology
 * -----------
 * For every (collective, size) and each launch mode (eager: one NCCL call
 * per operation; graph: operations captured into a CUDA graph, as vLLM
 * decodes) and each placement (out-of-place, in-place):
 *
 *  1. warm-up: --warmup operations, not timed.
 *  2. data check: buffers filled with small integers (exact in bf16/fp16/
 *     fp32), one operation, result copied back and compared element by
 *     element with the host's expected values -> #wrong. Any wrong element
 *     makes the exit status 1.
 *  3. pipelined time (nccl-tests' "time"): ranks meet at a bootstrap
 *     barrier, the host clock runs around --pipe-iters back-to-back
 *     operations (graph mode: one graph of --pipe-iters operations launched
 *     --graph-launches times) and a stream sync; time = elapsed / number of
 *     operations (nccl-tests -n, -G). Repeated --pipe-reps times (default
 *     5) and averaged, to tame the noise of one short timing; every
 *     repetition is in the JSON. Averaged over ranks, as nccl-tests does. algbw = size / time; busbw = algbw x
 *     factor (coll.h). Comparable with all_reduce_perf column by column.
 *  4. isolated latency: -n samples of one operation each. Each sample is
 *     [memset of --gate-bytes][1-element all-reduce "start barrier"][event
 *     e0][operation][event e1] on one stream; the sample is e1 - e0 (GPU
 *     time, CUDA events, ~0.5 us resolution). The barrier lines the ranks
 *     up so they start together; the memset ahead of it keeps the GPU busy
 *     while the host enqueues, so host launch cost is not in the sample
 *     (inside vLLM's graph the all-reduce also starts right after the
 *     previous kernel). Samples are gathered to rank 0: percentiles per
 *     rank, and for the slowest rank (per-sample maximum over ranks); the
 *     raw samples go into the JSON.
 *
 * The transport NCCL really used is read back from NCCL's own INFO log
 * (nccl_rt.h) and recorded in meta; --net ib that ended on sockets is an
 * error (exit 1) unless --allow-fallback, and then it is labelled.
 * --compare opens a second communicator on the other network (ncclConfig_t
 * netName) in the same process and measures both in alternating blocks,
 * order reversed every block; ratio socket/IB with a 95% CI over blocks.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm.h"
#include "coll.h"
#include "config.h"
#include "nccl_rt.h"

#define TOOL "nccl_coll"

enum {
	KEY_OP = 'o',
	KEY_DTYPE = 'd',
	KEY_ROOT = 'r',
	KEY_MODE = BM_KEY_TOOL,
	KEY_PLACE,
	KEY_DECODE,
	KEY_DECODE_MODE,
	KEY_TP,
	KEY_PIPE_ITERS,
	KEY_GRAPH_LAUNCHES,
	KEY_PIPE_REPS,
	KEY_GATE,
	KEY_COMPARE,
	KEY_BLOCKS,
	KEY_DRY_RUN,
	KEY_NO_SAMPLES,
};

static const struct bm_opt opt_tab[] = {
	{ "op", KEY_OP, "OP[,OP]", "allreduce (default), allgather, "
	  "reducescatter, broadcast, sendrecv, or all" },
	{ "dtype", KEY_DTYPE, "T", "bf16 (default), fp16, fp32" },
	{ "root", KEY_ROOT, "R", "broadcast root (default 0)" },
	{ "mode", KEY_MODE, "M", "eager, graph or both (default both)" },
	{ "place", KEY_PLACE, "P", "oop, inplace or both (default both)" },
	{ "decode", KEY_DECODE, "MODEL", "sizes one decoded token sends "
	  "(sim/models/MODEL.json or a path)" },
	{ "decode-mode", KEY_DECODE_MODE, "tp|pp", "parallelism for --decode "
	  "(default tp)" },
	{ "tp", KEY_TP, "N", "tensor-parallel size for --decode (default: "
	  "nranks, at least 2)" },
	{ "pipe-iters", KEY_PIPE_ITERS, "N", "pipelined: operations per timing "
	  "(nccl-tests -n; default 20)" },
	{ "graph-launches", KEY_GRAPH_LAUNCHES, "N", "pipelined graph mode: "
	  "graph launches (nccl-tests -G; default 10)" },
	{ "pipe-reps", KEY_PIPE_REPS, "N", "pipelined: repeat the timing N "
	  "times, report the mean (default 5)" },
	{ "gate-bytes", KEY_GATE, "SIZE", "isolated: memset ahead of each "
	  "sample (default 64M; 0: none)" },
	{ "compare", KEY_COMPARE, NULL, "IB against sockets in one run, "
	  "alternating blocks" },
	{ "blocks", KEY_BLOCKS, "N", "--compare: blocks per size (default 10)" },
	{ "dry-run", KEY_DRY_RUN, NULL, "same as --print-launch" },
	{ "no-samples", KEY_NO_SAMPLES, NULL, "leave raw samples out of JSON" },
	BM_OPTS_SWEEP,
	NRT_OPTS,
	BM_OPTS_OOB,
	BM_OPTS_OUT,
	BM_OPT_END,
};

struct coll_params {
	struct bm_common com;
	struct nrt_opts	 nrt;
	bool		 ops[COLL_NOPS];
	enum coll_dtype	 dtype;
	int		 root;
	bool		 eager, graph;
	bool		 oop, inplace;
	const char	*decode;
	const char	*decode_mode;
	int		 tp;
	int		 pipe_iters;
	int		 graph_launches;
	int		 pipe_reps;
	size_t		 gate_bytes;
	bool		 compare;
	int		 blocks;
	bool		 no_samples;
};

/* One measurement target: an operation on fixed buffers. */
struct coll_target {
	enum coll_op	 op;
	enum coll_dtype	 dt;
	size_t		 size, send_count, recv_count;
	int		 root;
	bool		 in_place;
	void		*send, *recv;	/* device */
	struct nrt_comm *nc;
	int		 rank, nranks;
};

struct coll_state {
	struct coll_params *p;
	struct nrt_ctx	    ctx;
	struct bm_out	   *out;
	void		   *dsend, *drecv, *dbar, *dgate;
	void		   *hsend, *hrecv;
	size_t		    cap;	/* bytes of each buffer */
	cudaEvent_t	    e0, e1;
	double		   *samples, *all;	/* n, n * nranks */
	struct nrt_check    check;	/* the data check, counted */
	int		    failed;
};

static ncclDataType_t nccl_type(enum coll_dtype t)
{
	return t == COLL_BF16 ? ncclBfloat16 :
	       t == COLL_FP16 ? ncclFloat16 : ncclFloat32;
}

/* Non-blocking communicators may answer ncclInProgress: wait it out, as
 * long as --timeout allows. */
static int nccl_done(struct nrt_comm *nc, ncclResult_t r, const char *what)
{
	return nrt_call_done(nc->comm, r, what, nc->timeout_ms);
}

static int launch_target(void *arg, cudaStream_t s)
{
	struct coll_target *t = arg;
	ncclComm_t comm = t->nc->comm;
	ncclDataType_t dt = nccl_type(t->dt);
	ncclResult_t r;

	switch (t->op) {
	case COLL_ALLREDUCE:
		r = ncclAllReduce(t->send, t->recv, t->recv_count, dt, ncclSum,
				  comm, s);
		break;
	case COLL_ALLGATHER:
		r = ncclAllGather(t->send, t->recv, t->send_count, dt, comm, s);
		break;
	case COLL_REDUCESCATTER:
		r = ncclReduceScatter(t->send, t->recv, t->recv_count, dt,
				      ncclSum, comm, s);
		break;
	case COLL_BROADCAST:
		r = ncclBroadcast(t->send, t->recv, t->recv_count, dt, t->root,
				  comm, s);
		break;
	case COLL_SENDRECV:
		r = ncclGroupStart();
		if (r == ncclSuccess)
			r = ncclSend(t->send, t->send_count, dt,
				     (t->rank + 1) % t->nranks, comm, s);
		if (r == ncclSuccess)
			r = ncclRecv(t->recv, t->recv_count, dt,
				     (t->rank + t->nranks - 1) % t->nranks,
				     comm, s);
		{
			ncclResult_t r2 = ncclGroupEnd();

			if (r == ncclSuccess)
				r = r2;
		}
		break;
	default:
		return -EINVAL;
	}
	return nccl_done(t->nc, r, coll_ops_table[t->op].name);
}

/* The 1-element all-reduce that lines the ranks up before a sample. */
static int launch_barrier(struct coll_state *st, struct nrt_comm *nc)
{
	return nccl_done(nc, ncclAllReduce(st->dbar, st->dbar, 1, ncclFloat32,
					   ncclSum, nc->comm, st->ctx.stream),
			 "barrier all-reduce");
}

static void target_setup(struct coll_state *st, struct coll_target *t,
			 enum coll_op op, enum coll_dtype dt, size_t size,
			 bool in_place, struct nrt_comm *nc)
{
	size_t elt = coll_dtype_size(dt), count = size / elt;
	char *recv = st->drecv;

	memset(t, 0, sizeof(*t));
	t->op = op;
	t->dt = dt;
	t->size = size;
	t->root = st->p->root;
	t->in_place = in_place;
	t->nc = nc;
	t->rank = st->ctx.rank;
	t->nranks = st->ctx.nranks;
	coll_ops_table[op].counts(count, t->nranks, &t->send_count,
				  &t->recv_count);
	t->send = st->dsend;
	t->recv = recv;
	if (!in_place)
		return;
	switch (op) {
	case COLL_ALLGATHER:
		t->send = recv + (size_t)t->rank * t->send_count * elt;
		break;
	case COLL_REDUCESCATTER:
		t->send = recv;
		t->recv = recv + (size_t)t->rank * t->recv_count * elt;
		break;
	default:
		t->send = recv;
		break;
	}
}

/* Fill, run once (eager or the 1-op graph), copy back, count wrong on
 * every rank. */
static int check_target(struct coll_state *st, struct coll_target *t,
			cudaGraphExec_t g1, uint64_t *wrong_p)
{
	size_t elt = coll_dtype_size(t->dt);
	cudaStream_t s = st->ctx.stream;
	uint64_t wrong;
	int ret;

	coll_fill(t->dt, st->hsend, t->send_count, t->rank, 0);
	/* all on the tool's (non-blocking) stream and synced: a plain
	 * cudaMemcpy from pageable memory may return before its DMA lands,
	 * and the legacy stream does not order a non-blocking one */
	CUDA_CHECK(cudaMemsetAsync(st->drecv, 0xff, st->cap, s), return -EIO);
	CUDA_CHECK(cudaMemcpyAsync(t->send, st->hsend, t->send_count * elt,
				   cudaMemcpyHostToDevice, s), return -EIO);
	CUDA_CHECK(cudaStreamSynchronize(s), return -EIO);
	if (g1)
		CUDA_CHECK(cudaGraphLaunch(g1, s), return -EIO);
	else if ((ret = launch_target(t, s)))
		return ret;
	ret = nrt_sync(&st->ctx, t->nc, s, 0);
	if (ret)
		return ret;
	CUDA_CHECK(cudaMemcpyAsync(st->hrecv, t->recv, t->recv_count * elt,
				   cudaMemcpyDeviceToHost, s), return -EIO);
	CUDA_CHECK(cudaStreamSynchronize(s), return -EIO);
	wrong = coll_count_wrong(t->op, t->dt, st->hrecv, t->recv_count,
				 t->rank, t->nranks, t->root);
	/* over every rank, as nccl-tests counts #wrong */
	ret = nrt_sum_u64(&st->ctx, &wrong);
	if (ret)
		return ret;
	*wrong_p = wrong;
	return 0;
}

/* nccl-tests' timing: host clock around back-to-back operations. */
static int time_pipelined(struct coll_state *st, struct coll_target *t,
			  cudaGraphExec_t gk, double *us_p)
{
	struct coll_params *p = st->p;
	cudaStream_t s = st->ctx.stream;
	uint64_t t0, t1;
	long nops;
	int i, ret;

	ret = nrt_barrier(&st->ctx);
	if (ret)
		return ret;
	t0 = bm_now_ns();
	if (gk) {
		for (i = 0; i < p->graph_launches; i++)
			CUDA_CHECK(cudaGraphLaunch(gk, s), return -EIO);
		nops = (long)p->graph_launches * p->pipe_iters;
	} else {
		for (i = 0; i < p->pipe_iters; i++)
			if ((ret = launch_target(t, s)))
				return ret;
		nops = p->pipe_iters;
	}
	ret = nrt_sync(&st->ctx, t->nc, s, 0);
	if (ret)
		return ret;
	t1 = bm_now_ns();
	*us_p = (double)(t1 - t0) / 1e3 / (double)nops;
	return 0;
}

/* One isolated sample (see the methodology at the top). */
static int time_one(struct coll_state *st, struct coll_target *t,
		    cudaGraphExec_t g1, double *us_p)
{
	cudaStream_t s = st->ctx.stream;
	int ret;

	if (st->p->gate_bytes)
		CUDA_CHECK(cudaMemsetAsync(st->dgate, 0, st->p->gate_bytes, s),
			   return -EIO);
	if ((ret = launch_barrier(st, t->nc)))
		return ret;
	CUDA_CHECK(cudaEventRecord(st->e0, s), return -EIO);
	if (g1)
		CUDA_CHECK(cudaGraphLaunch(g1, s), return -EIO);
	else if ((ret = launch_target(t, s)))
		return ret;
	CUDA_CHECK(cudaEventRecord(st->e1, s), return -EIO);
	if ((ret = nrt_sync(&st->ctx, t->nc, s, 0)))
		return ret;
	return nrt_event_us(st->e0, st->e1, us_p);
}

/* Samples of all ranks to everyone: stats per rank, of the slowest rank,
 * and (rank 0) the JSON object. */
static int reduce_samples(struct coll_state *st, size_t n, const char *pfx,
			  json_t *row, struct bm_stats *slow_p)
{
	int nr = st->ctx.nranks, r, ret;
	double *slow;
	struct bm_stats rs;
	json_t *obj, *per, *raw;
	size_t i;
	char key[64];

	ret = nrt_allgather(&st->ctx, st->samples, st->all, n * sizeof(double));
	if (ret)
		return ret;
	slow = malloc(n * sizeof(double));
	if (!slow)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		slow[i] = st->all[i];
		for (r = 1; r < nr; r++)
			if (st->all[(size_t)r * n + i] > slow[i])
				slow[i] = st->all[(size_t)r * n + i];
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

/* Whether op runs out-of-place (in_place false) or in place under p. */
static bool runs_place(const struct coll_params *p, enum coll_op op,
		       bool in_place)
{
	if (in_place)
		return p->inplace && coll_ops_table[op].in_place_ok;
	return p->oop;
}

/* One size, one mode, both placements: one row. */
static int run_size(struct coll_state *st, enum coll_op op,
		    enum coll_dtype dt, size_t size, bool graph,
		    struct nrt_comm *nc, int per_token, const char *what,
		    json_t **row_p)
{
	struct coll_params *p = st->p;
	const struct coll_ops *ops = &coll_ops_table[op];
	json_t *row = json_object();
	int pl, ret = 0;
	size_t n = p->com.iters, i;
	uint64_t w;

	json_object_set_new(row, "op", json_string(ops->name));
	json_object_set_new(row, "mode", json_string(graph ? "graph" : "eager"));
	json_object_set_new(row, "size", json_integer((json_int_t)size));
	json_object_set_new(row, "count",
			    json_integer((json_int_t)(size /
						      coll_dtype_size(dt))));
	json_object_set_new(row, "type", json_string(coll_dtype_name(dt)));
	json_object_set_new(row, "redop", json_string(ops->redop));
	json_object_set_new(row, "root", ops->has_root ?
			    json_integer(p->root) : json_integer(-1));
	json_object_set_new(row, "transport", json_string(nc->path.transport));
	if (per_token > 0) {
		json_object_set_new(row, "per_token", json_integer(per_token));
		json_object_set_new(row, "what", json_string(what));
	}
	for (pl = 0; pl < 2; pl++) {
		bool ip = pl == 1;
		const char *pfx = ip ? "ip" : "oop";
		struct coll_target t;
		cudaGraphExec_t g1 = NULL, gk = NULL;
		double us, algbw;
		struct bm_stats slow;
		char key[64];

		if (!runs_place(p, op, ip))
			continue;
		target_setup(st, &t, op, dt, size, ip, nc);
		if (graph) {
			ret = nrt_graph_capture(&st->ctx, launch_target, &t, 1,
						&g1);
			if (!ret)
				ret = nrt_graph_capture(&st->ctx, launch_target,
							&t, p->pipe_iters, &gk);
			if (ret)
				goto next;
		}
		for (i = 0; i < p->com.warmup && !ret; i++)
			ret = g1 ? (cudaGraphLaunch(g1, st->ctx.stream) ?
				    -EIO : 0) : launch_target(&t, st->ctx.stream);
		if (!ret)
			ret = nrt_sync(&st->ctx, nc, st->ctx.stream, 0);
		if (ret)
			goto next;
		ret = check_target(st, &t, g1, &w);
		if (ret)
			goto next;
		nrt_check_add(&st->check, w);
		if (!ip) {
			char algo[32], proto[32];

			if (st->ctx.nranks == 1) {
				snprintf(algo, sizeof(algo), "none/1-rank");
				snprintf(proto, sizeof(proto), "none/1-rank");
			} else if (p->nrt.coll_log) {
				nrt_log_algo(&st->ctx, algo, sizeof(algo),
					     proto, sizeof(proto));
			} else {
				snprintf(algo, sizeof(algo), "unknown");
				snprintf(proto, sizeof(proto), "unknown");
			}
			json_object_set_new(row, "nccl_algo", json_string(algo));
			json_object_set_new(row, "nccl_proto",
					    json_string(proto));
		}
		snprintf(key, sizeof(key), "%s_wrong", pfx);
		json_object_set_new(row, key, json_integer((json_int_t)w));
		{
			/* --pipe-reps timings of equal op counts: their mean
			 * is the mean over all ops, as nccl-tests' */
			double sum = 0, mn = 0, one = 0;
			json_t *reps = json_array();
			int k;

			for (k = 0; k < p->pipe_reps && !ret; k++) {
				ret = time_pipelined(st, &t, gk, &one);
				sum += one;
				mn = k == 0 || one < mn ? one : mn;
				json_array_append_new(reps, json_real(one));
			}
			snprintf(key, sizeof(key), "%s_time_us_reps", pfx);
			json_object_set_new(row, key, reps);
			snprintf(key, sizeof(key), "%s_time_us_min", pfx);
			json_object_set_new(row, key, json_real(mn));
			us = sum / p->pipe_reps;
		}
		if (ret)
			goto next;
		/* nccl-tests averages the time over ranks */
		{
			double *all = calloc((size_t)st->ctx.nranks,
					     sizeof(double)), sum = 0;
			int r;

			if (!all) {
				ret = -ENOMEM;
				goto next;
			}
			ret = nrt_allgather(&st->ctx, &us, all, sizeof(us));
			for (r = 0; r < st->ctx.nranks; r++)
				sum += all[r];
			us = sum / st->ctx.nranks;
			free(all);
			if (ret)
				goto next;
		}
		algbw = (double)size / (us * 1e-6) / 1e9;
		snprintf(key, sizeof(key), "%s_time_us", pfx);
		json_object_set_new(row, key, json_real(us));
		snprintf(key, sizeof(key), "%s_algbw_gbps", pfx);
		json_object_set_new(row, key, json_real(algbw));
		snprintf(key, sizeof(key), "%s_busbw_gbps", pfx);
		json_object_set_new(row, key, json_real(
			algbw * ops->bus_factor(st->ctx.nranks)));
		for (i = 0; i < n && !ret; i++)
			ret = time_one(st, &t, g1, &st->samples[i]);
		if (!ret && n)
			ret = reduce_samples(st, n, pfx, row, &slow);
next:
		nrt_graph_destroy(g1);
		nrt_graph_destroy(gk);
		if (ret)
			break;
	}
	if (ret) {
		json_decref(row);
		return ret;
	}
	*row_p = row;
	return 0;
}

/* --compare: both networks, alternating blocks of isolated graph samples,
 * order reversed each block. Row: medians, ratio socket/ib and its CI. */
static int run_compare(struct coll_state *st, struct nrt_comm *ib,
		       struct nrt_comm *sock, enum coll_op op,
		       enum coll_dtype dt, size_t size)
{
	struct coll_params *p = st->p;
	int nb = p->blocks, b, k, ret = 0;
	size_t per = p->com.iters / (size_t)nb, i;
	double *ratio = calloc((size_t)nb, sizeof(double));
	double *med[2], lo = NAN, hi = NAN;
	struct nrt_comm *nc[2] = { ib, sock };
	struct bm_stats s;
	json_t *row;

	med[0] = calloc((size_t)nb, sizeof(double));
	med[1] = calloc((size_t)nb, sizeof(double));
	if (per < 5)
		per = 5;
	if (!ratio || !med[0] || !med[1]) {
		ret = -ENOMEM;
		goto out;
	}
	for (b = 0; b < nb && !ret; b++) {
		for (k = 0; k < 2 && !ret; k++) {
			int which = (b & 1) ? 1 - k : k;
			struct coll_target t;
			cudaGraphExec_t g1 = NULL;

			target_setup(st, &t, op, dt, size, false, nc[which]);
			ret = nrt_graph_capture(&st->ctx, launch_target, &t, 1,
						&g1);
			for (i = 0; i < per && !ret; i++)
				ret = time_one(st, &t, g1, &st->samples[i]);
			nrt_graph_destroy(g1);
			if (ret)
				break;
			/* slowest rank per sample */
			ret = nrt_allgather(&st->ctx, st->samples, st->all,
					    per * sizeof(double));
			for (i = 0; i < per && !ret; i++) {
				int r;

				for (r = 1; r < st->ctx.nranks; r++)
					if (st->all[r * per + i] > st->all[i])
						st->all[i] = st->all[r * per + i];
			}
			if (!ret) {
				bm_stats_compute(st->all, per, &s);
				med[which][b] = s.p50;
			}
		}
		if (!ret)
			ratio[b] = med[1][b] / med[0][b];
	}
	if (ret)
		goto out;
	if (nb >= 6)
		bm_median_ci95(ratio, (size_t)nb, &lo, &hi);
	bm_stats_compute(ratio, (size_t)nb, &s);
	row = json_object();
	json_object_set_new(row, "op", json_string(coll_ops_table[op].name));
	json_object_set_new(row, "mode", json_string("graph"));
	json_object_set_new(row, "size", json_integer((json_int_t)size));
	json_object_set_new(row, "type", json_string(coll_dtype_name(dt)));
	{
		struct bm_stats a, c;

		bm_stats_compute(med[0], (size_t)nb, &a);
		bm_stats_compute(med[1], (size_t)nb, &c);
		json_object_set_new(row, "ib_lat_us_p50", json_real(a.p50));
		json_object_set_new(row, "socket_lat_us_p50", json_real(c.p50));
	}
	json_object_set_new(row, "ratio_socket_ib", json_real(s.p50));
	json_object_set_new(row, "ratio_ci95_lo", isnan(lo) ? json_null() :
			    json_real(lo));
	json_object_set_new(row, "ratio_ci95_hi", isnan(hi) ? json_null() :
			    json_real(hi));
	json_object_set_new(row, "blocks", json_integer(nb));
	json_object_set_new(row, "samples_per_block", json_integer((int)per));
	json_object_set_new(row, "ib_transport", json_string(
		ib->path.transport));
	json_object_set_new(row, "socket_transport", json_string(
		sock->path.transport));
	bm_out_row(st->out, row);	/* ranks > 0: quiet, no files */
out:
	free(ratio);
	free(med[0]);
	free(med[1]);
	return ret;
}

static int parse_ops(struct coll_params *p, const char *arg)
{
	char buf[256], *tok, *save = NULL;
	enum coll_op op;

	snprintf(buf, sizeof(buf), "%s", arg);
	memset(p->ops, 0, sizeof(p->ops));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (int i = 0; i < COLL_NOPS; i++)
				p->ops[i] = true;
			continue;
		}
		if (coll_op_parse(tok, &op)) {
			BM_ERR("unknown --op '%s'", tok);
			return -EINVAL;
		}
		p->ops[op] = true;
	}
	return 0;
}

/* Canonical params: what every rank must agree on. */
static json_t *params_json(struct coll_params *p)
{
	json_t *o = json_object(), *ops = json_array();
	int i;

	for (i = 0; i < COLL_NOPS; i++)
		if (p->ops[i])
			json_array_append_new(ops, json_string(
				coll_ops_table[i].name));
	json_object_set_new(o, "ops", ops);
	json_object_set_new(o, "dtype", json_string(coll_dtype_name(p->dtype)));
	json_object_set_new(o, "root", json_integer(p->root));
	json_object_set_new(o, "eager", json_boolean(p->eager));
	json_object_set_new(o, "graph", json_boolean(p->graph));
	json_object_set_new(o, "oop", json_boolean(p->oop));
	json_object_set_new(o, "inplace", json_boolean(p->inplace));
	json_object_set_new(o, "minbytes", json_integer((json_int_t)
							p->com.sweep.min));
	json_object_set_new(o, "maxbytes", json_integer((json_int_t)
							p->com.sweep.max));
	json_object_set_new(o, "stepfactor", json_real(p->com.sweep.factor));
	json_object_set_new(o, "stepbytes", json_integer((json_int_t)
							 p->com.sweep.incr));
	json_object_set_new(o, "iters", json_integer((json_int_t)p->com.iters));
	json_object_set_new(o, "warmup", json_integer((json_int_t)
						      p->com.warmup));
	json_object_set_new(o, "pipe_iters", json_integer(p->pipe_iters));
	json_object_set_new(o, "graph_launches", json_integer(
		p->graph_launches));
	json_object_set_new(o, "pipe_reps", json_integer(p->pipe_reps));
	json_object_set_new(o, "gate_bytes", json_integer((json_int_t)
							  p->gate_bytes));
	json_object_set_new(o, "decode", p->decode ? json_string(p->decode) :
			    json_null());
	json_object_set_new(o, "decode_mode", json_string(p->decode_mode));
	json_object_set_new(o, "net", json_string(nrt_net_name(p->nrt.net)));
	json_object_set_new(o, "compare", json_boolean(p->compare));
	json_object_set_new(o, "blocks", json_integer(p->blocks));
	json_object_set_new(o, "timing_isolated", json_string(
		"GPU events around one op after a 1-element all-reduce start "
		"barrier, a memset gate ahead hides host launch cost"));
	json_object_set_new(o, "timing_pipelined", json_string(
		"host clock around back-to-back ops / op count (nccl-tests)"));
	return o;
}

static void usage(FILE *f)
{
	bm_usage(f, TOOL, "[options]   (one process per GPU; --local N forks)",
		 "NCCL collectives at LLM-decode sizes: isolated per-op latency "
		 "(p50..max per rank and slowest rank) and nccl-tests' "
		 "pipelined time, eager and in CUDA graphs, over IB/RoCE or "
		 "sockets, with the transport NCCL really used.", opt_tab,
		 "Rank/size: --rank/--nranks/--peer, NETROOF_*, torchrun "
		 "(RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), Slurm, Open "
		 "MPI, PMI.\n"
		 "Examples:\n"
		 "  nccl_coll -b 8 -e 64M -f 2                    1 GPU sweep\n"
		 "  nccl_coll --local 2 --decode qwen3-coder-30b-a3b\n"
		 "  nccl_coll --rank 0 --nranks 2 --net ib -p 18515   (node A)\n"
		 "  nccl_coll --rank 1 --nranks 2 --net ib --peer A:18515 (B)\n"
		 "  nccl_coll --compare ... (both nets, ratio socket/IB)\n"
		 "Exit: 0 ok, 1 failure or #wrong > 0, 2 usage, 77 no GPU.\n");
}

static int parse_args(struct coll_params *p, int argc, char **argv)
{
	struct bm_getopt g;
	int c, ret = 0;
	long v;

	*p = (struct coll_params){
		.com = BM_COMMON_INIT(8, 64u << 20, 1000, 20,
				      BM_OOB_DEFAULT_PORT),
		.nrt = NRT_OPTS_INIT,
		.dtype = COLL_BF16,
		.eager = true, .graph = true, .oop = true, .inplace = true,
		.decode_mode = "tp",
		.pipe_iters = 20, .graph_launches = 10, .pipe_reps = 5,
		.gate_bytes = 64u << 20,
		.blocks = 10,
	};
	p->ops[COLL_ALLREDUCE] = true;
	if (bm_getopt_init(&g, opt_tab))
		return -ENOMEM;
	while ((c = bm_getopt_next(&g, argc, argv)) != -1) {
		ret = bm_common_opt(&p->com, c, optarg);
		if (ret > 0) {
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		ret = nrt_opt(&p->nrt, c, optarg);
		if (ret > 0) {
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		switch (c) {
		case KEY_OP:
			ret = parse_ops(p, optarg);
			break;
		case KEY_DTYPE:
			if (coll_dtype_parse(optarg, &p->dtype)) {
				BM_ERR("unknown --dtype '%s'", optarg);
				ret = -EINVAL;
			}
			break;
		case KEY_ROOT:
			ret = bm_parse_int(optarg, 0, 65534, &v);
			p->root = (int)v;
			break;
		case KEY_MODE:
			p->eager = !strcmp(optarg, "eager") ||
				   !strcmp(optarg, "both");
			p->graph = !strcmp(optarg, "graph") ||
				   !strcmp(optarg, "both");
			if (!p->eager && !p->graph) {
				BM_ERR("--mode eager|graph|both");
				ret = -EINVAL;
			}
			break;
		case KEY_PLACE:
			p->oop = !strcmp(optarg, "oop") ||
				 !strcmp(optarg, "both");
			p->inplace = !strcmp(optarg, "inplace") ||
				     !strcmp(optarg, "both");
			if (!p->oop && !p->inplace) {
				BM_ERR("--place oop|inplace|both");
				ret = -EINVAL;
			}
			break;
		case KEY_DECODE:
			p->decode = optarg;
			break;
		case KEY_DECODE_MODE:
			if (strcmp(optarg, "tp") && strcmp(optarg, "pp")) {
				BM_ERR("--decode-mode tp|pp");
				ret = -EINVAL;
			}
			p->decode_mode = optarg;
			break;
		case KEY_TP:
			ret = bm_parse_int(optarg, 1, 1024, &v);
			p->tp = (int)v;
			break;
		case KEY_PIPE_ITERS:
			ret = bm_parse_int(optarg, 1, 100000, &v);
			p->pipe_iters = (int)v;
			break;
		case KEY_GRAPH_LAUNCHES:
			ret = bm_parse_int(optarg, 1, 100000, &v);
			p->graph_launches = (int)v;
			break;
		case KEY_PIPE_REPS:
			ret = bm_parse_int(optarg, 1, 1000, &v);
			p->pipe_reps = (int)v;
			break;
		case KEY_GATE:
			ret = bm_parse_size(optarg, &p->gate_bytes);
			break;
		case KEY_COMPARE:
			p->compare = true;
			break;
		case KEY_BLOCKS:
			ret = bm_parse_int(optarg, 2, 1000, &v);
			p->blocks = (int)v;
			break;
		case KEY_DRY_RUN:
			p->nrt.print_launch = true;
			break;
		case KEY_NO_SAMPLES:
			p->no_samples = true;
			break;
		default:
			ret = -EINVAL;
			break;
		}
		if (ret) {
			if (ret != -EINVAL || c == KEY_ROOT || c == KEY_TP ||
			    c == KEY_PIPE_ITERS || c == KEY_GRAPH_LAUNCHES ||
			    c == KEY_PIPE_REPS ||
			    c == KEY_GATE || c == KEY_BLOCKS)
				BM_ERR("bad value for option (-%c/%d): '%s'",
				       c < 256 ? c : '-', c,
				       optarg ? optarg : "");
			ret = -EINVAL;
			break;
		}
	}
	if (!ret && optind < argc) {
		BM_ERR("unexpected argument '%s'", argv[optind]);
		ret = -EINVAL;
	}
	bm_getopt_free(&g);
	if (!ret)
		ret = bm_common_check(&p->com);
	if (!ret && p->com.iters < 1 && !p->com.help && !p->com.version) {
		BM_ERR("-n must be at least 1");
		ret = -EINVAL;
	}
	nrt_opts_from_common(&p->nrt, &p->com);
	return ret;
}

/* The list of (op, type, size, per_token, what) to run. */
struct plan {
	struct coll_item *items;
	int		  n;
};

static int make_plan(struct coll_state *st, struct plan *pl)
{
	struct coll_params *p = st->p;
	int nr = st->ctx.nranks, i, cap = 0;
	size_t sz;

	pl->n = 0;
	if (p->decode) {
		struct coll_model m;
		char path[1024];
		int tp = p->tp ? p->tp : (nr > 1 ? nr : 2), n;

		if (coll_model_load(p->decode, &m, path, sizeof(path)))
			return -EINVAL;
		pl->items = calloc(16, sizeof(*pl->items));
		if (!pl->items)
			return -ENOMEM;
		n = coll_decode_items(&m, p->decode_mode, tp, pl->items, 16);
		if (n < 0)
			return n;
		pl->n = n;
		bm_out_param(st->out, "model_path", json_string(path));
		bm_out_param(st->out, "model_type", json_string(m.model_type));
		bm_out_param(st->out, "decode_tp", json_integer(tp));
		bm_out_comment(st->out, "decode preset %s (%s, hidden %ld, %ld "
			       "layers), mode %s, tp %d: one token sends:",
			       m.name, m.model_type, m.hidden_size,
			       m.num_hidden_layers, p->decode_mode, tp);
		for (i = 0; i < n; i++) {
			struct coll_item *it = &pl->items[i];

			it->size = coll_round_size(it->op, it->dtype, nr,
						   it->size);
			bm_out_comment(st->out, "  %3d x %-13s %8zu B %s  (%s)",
				       it->per_token,
				       coll_ops_table[it->op].name, it->size,
				       coll_dtype_name(it->dtype), it->what);
		}
		return 0;
	}
	for (i = 0; i < COLL_NOPS; i++)
		if (p->ops[i])
			cap += (int)bm_sweep_count(&p->com.sweep);
	pl->items = calloc((size_t)cap + 1, sizeof(*pl->items));
	if (!pl->items)
		return -ENOMEM;
	for (i = 0; i < COLL_NOPS; i++) {
		if (!p->ops[i])
			continue;
		for (sz = p->com.sweep.min; sz && pl->n < cap;
		     sz = bm_sweep_next(&p->com.sweep, sz)) {
			size_t r = coll_round_size((enum coll_op)i, p->dtype,
						   nr, sz);

			if (!r || (pl->n && pl->items[pl->n - 1].size == r &&
				   pl->items[pl->n - 1].op == (enum coll_op)i))
				continue;
			pl->items[pl->n++] = (struct coll_item){
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
		bm_out_comment(st->out, "per decoded token, %s: communication "
			       "%.1f us (sum of isolated p50), %.1f us (p99), "
			       "%.1f us (pipelined)", mode[m], tok[m][0],
			       tok[m][1], tok[m][2]);
	}
	json_object_set_new(o, "method", json_string(
		"sum over the preset's items of per_token x out-of-place "
		"latency of this run's ranks"));
	bm_out_summary(st->out, "decode_token_comm", o);
}

static int run(struct coll_state *st)
{
	struct coll_params *p = st->p;
	struct plan pl = { 0 };
	struct nrt_comm other = { 0 };
	size_t n = p->com.iters;
	double tok[2][3] = { { 0 } };	/* [eager|graph][iso p50|p99|pipe] */
	int i, m, ret;

	ret = make_plan(st, &pl);
	if (ret)
		goto out;
	st->cap = 0;
	for (i = 0; i < pl.n; i++)
		if (pl.items[i].size > st->cap)
			st->cap = pl.items[i].size;
	if (!st->cap) {
		BM_ERR("no size to run (smaller than one element?)");
		ret = -EINVAL;
		goto out;
	}
	CUDA_CHECK(cudaMalloc(&st->dsend, st->cap), ret = -ENOMEM; goto out);
	CUDA_CHECK(cudaMalloc(&st->drecv, st->cap), ret = -ENOMEM; goto out);
	CUDA_CHECK(cudaMalloc(&st->dbar, 64), ret = -ENOMEM; goto out);
	CUDA_CHECK(cudaMemset(st->dbar, 0, 64), ret = -EIO; goto out);
	if (p->gate_bytes)
		CUDA_CHECK(cudaMalloc(&st->dgate, p->gate_bytes),
			   ret = -ENOMEM; goto out);
	CUDA_CHECK(cudaEventCreate(&st->e0), ret = -EIO; goto out);
	CUDA_CHECK(cudaEventCreate(&st->e1), ret = -EIO; goto out);
	st->hsend = malloc(st->cap);
	st->hrecv = malloc(st->cap);
	st->samples = calloc(n + 5, sizeof(double));
	st->all = calloc((n + 5) * (size_t)st->ctx.nranks, sizeof(double));
	if (!st->hsend || !st->hrecv || !st->samples || !st->all) {
		ret = -ENOMEM;
		goto out;
	}
	if (p->compare) {
		enum nrt_net o = p->nrt.net == NRT_NET_SOCKET ? NRT_NET_IB :
				 NRT_NET_SOCKET;

		st->check.none_why = "--compare times isolated samples only; "
				     "it makes no data check";

		ret = nrt_comm_open(&st->ctx, o, &other);
		if (ret) {
			BM_ERR("--compare: NCCL could not open a second "
			       "communicator on %s in this process; measure the "
			       "two networks in two runs instead (--net ib, then "
			       "--net socket)", nrt_net_name(o));
			goto out;
		}
		bm_out_meta(st->out, "compare_path", nrt_path_json(&other));
		bm_out_comment(st->out, "compare: %s -> %s, %s -> %s",
			       nrt_net_name(st->ctx.comm.net),
			       st->ctx.comm.path.transport,
			       nrt_net_name(other.net), other.path.transport);
		if (st->ctx.nranks == 1)
			bm_out_comment(st->out, "compare: one rank crosses no "
				       "network: the ratio measures noise only");
		bm_out_columns(st->out, (const struct bm_col[]){
			{ "op", "op", 13, -1 }, { "size", "size(B)", 11, -1 },
			{ "type", "type", 5, -1 },
			{ "ib_lat_us_p50", "ib_p50", 9, 2 },
			{ "socket_lat_us_p50", "sock_p50", 9, 2 },
			{ "ratio_socket_ib", "ratio", 6, 2 },
			{ "ratio_ci95_lo", "ci_lo", 6, 2 },
			{ "ratio_ci95_hi", "ci_hi", 6, 2 } }, 8);
		for (i = 0; i < pl.n && !ret; i++) {
			struct nrt_comm *ib = st->ctx.comm.net == NRT_NET_SOCKET ?
					      &other : &st->ctx.comm;
			struct nrt_comm *so = ib == &other ? &st->ctx.comm :
					      &other;

			if (!p->com.quiet && st->ctx.rank == 0)
				fprintf(stderr, "%s: compare %d/%d: %s %zu B\n",
					TOOL, i + 1, pl.n,
					coll_ops_table[pl.items[i].op].name,
					pl.items[i].size);
			ret = run_compare(st, ib, so, pl.items[i].op,
					  pl.items[i].dtype, pl.items[i].size);
		}
		goto out;
	}
	/* one check per item, mode and placement (as run_size runs them) */
	for (i = 0; i < pl.n; i++)
		for (m = 0; m < 2; m++)
			if (runs_place(p, pl.items[i].op, m == 1))
				st->check.planned += (uint64_t)p->eager +
						     p->graph;
	bm_out_columns(st->out, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < pl.n && !ret; i++) {
		for (m = 0; m < 2 && !ret; m++) {
			json_t *row = NULL;

			if ((m == 0 && !p->eager) || (m == 1 && !p->graph))
				continue;
			if (!p->com.quiet && st->ctx.rank == 0)
				fprintf(stderr, "%s: %d/%d %s %zu B %s\n", TOOL,
					i + 1, pl.n,
					coll_ops_table[pl.items[i].op].name,
					pl.items[i].size, m ? "graph" : "eager");
			ret = run_size(st, pl.items[i].op, pl.items[i].dtype,
				       pl.items[i].size, m == 1, &st->ctx.comm,
				       pl.items[i].per_token, pl.items[i].what,
				       &row);
			if (!ret && pl.items[i].per_token > 0)
				add_token_cost(tok[m], row, pl.items[i].per_token);
			if (!ret)
				bm_out_row(st->out, row);
		}
	}
	if (!ret && p->decode)
		token_summary(st, tok);
out:
	nrt_comm_close(&other, ret != 0);
	free(pl.items);
	return ret;
}

static void free_state(struct coll_state *st)
{
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
}

int main(int argc, char **argv)
{
	struct coll_params p;
	struct coll_state st = { .p = &p };
	struct bm_out_cfg ocfg;
	json_t *params;
	char *ptext = NULL;
	const char *v;
	int ret, code;

	bm_log_init(TOOL, -1);
	if (parse_args(&p, argc, argv)) {
		usage(stderr);
		return BM_EXIT_USAGE;
	}
	if (p.com.help) {
		usage(stdout);
		return BM_EXIT_OK;
	}
	if (p.com.version) {
		bm_print_version(stdout, TOOL);
		return BM_EXIT_OK;
	}
	if (p.com.quiet)
		bm_log_set_level(BM_LOG_WARN);
	if (p.nrt.print_launch) {
		if (nrt_print_launch(&p.nrt, stdout))
			return BM_EXIT_USAGE;
		return BM_EXIT_OK;
	}
	if (p.compare && p.nrt.net == NRT_NET_AUTO)
		p.nrt.net = NRT_NET_IB;
	ret = nrt_launch(&p.nrt, &code);
	if (ret > 0)
		return code;
	params = params_json(&p);
	ptext = bm_params_text(params);
	p.nrt.tool = TOOL;
	p.nrt.params = ptext;
	ret = nrt_init(&st.ctx, &p.nrt);
	if (ret) {
		json_decref(params);
		free(ptext);
		if (ret == -ENODEV) {
			fprintf(stderr, "%s: no CUDA GPU here: skipping "
				"(exit 77)\n", TOOL);
			return BM_EXIT_UNAVAIL;
		}
		return ret == -EINVAL ? BM_EXIT_USAGE : BM_EXIT_FAIL;
	}
	if (p.root >= st.ctx.nranks) {
		BM_ERR("--root %d but %d rank(s)", p.root, st.ctx.nranks);
		ret = -EINVAL;
		goto out_fini;
	}
	/* only rank 0 writes the table, CSV and JSON */
	ocfg = (struct bm_out_cfg){
		.json_path = st.ctx.rank == 0 ? p.com.json_path : NULL,
		.csv_path = st.ctx.rank == 0 ? p.com.csv_path : NULL,
		.quiet = st.ctx.rank != 0 || p.com.quiet,
	};
	ret = bm_out_open(&ocfg, TOOL, argc, argv, &st.out);
	if (ret) {
		json_decref(params);
		ret = -EINVAL;
		goto out_fini;
	}
	{
		const char *k;
		json_t *v;

		json_object_foreach(params, k, v)
			bm_out_param(st.out, k, json_incref(v));
		json_decref(params);
	}
	nrt_meta(&st.ctx, st.out);
	bm_out_comment(st.out, "nccl_coll: %d rank(s) (%s), GPU %s, NCCL "
		       "%d, transport %s (%s)", st.ctx.nranks,
		       st.ctx.launch.source, st.ctx.gpu_name,
		       st.ctx.nccl_version, st.ctx.comm.path.transport,
		       st.ctx.comm.path.detail);
	if (st.ctx.comm.path.mismatch)
		bm_out_comment(st.out, "!!! asked for %s, NCCL used %s: these "
			       "are NOT %s numbers !!!",
			       nrt_net_name(p.nrt.net),
			       st.ctx.comm.path.transport,
			       nrt_net_name(p.nrt.net));
	bm_out_comment(st.out, "oop_us/ip_us: pipelined mean as nccl-tests "
		       "(%d back-to-back ops; graph: a %d-op graph launched %d "
		       "times; mean of %d repetitions); iso_p50/p99: isolated "
		       "per-op latency of the slowest rank, %llu samples; us, "
		       "GB/s", p.pipe_iters, p.pipe_iters, p.graph_launches,
		       p.pipe_reps, (unsigned long long)p.com.iters);
	if (st.ctx.nranks == 1)
		bm_out_comment(st.out, "one rank: NCCL copies out-of-place and "
			       "does nothing in-place; busbw is 0 by the "
			       "formulas' (n-1) factor");
	ret = run(&st);
	/* "passed" only when every planned check was made */
	v = nrt_check_summary(&st.check, ret ? (bm_log_last_error() ?
			      bm_log_last_error() : strerror(-ret)) : NULL,
			      st.out);
	if (!ret && st.check.wrong) {
		BM_ERR("data check FAILED: %llu wrong element(s)",
		       (unsigned long long)st.check.wrong);
		ret = -EBADMSG;
	} else if (!ret && st.check.done != st.check.planned) {
		BM_ERR("internal: %llu checks planned, %llu made (%s)",
		       (unsigned long long)st.check.planned,
		       (unsigned long long)st.check.done, v);
		ret = -EDOM;
	}
	bm_out_close(st.out, ret ? (bm_log_last_error() ?
				    bm_log_last_error() : strerror(-ret)) :
		     NULL);
	free_state(&st);
out_fini:
	if (ret && ret != -EBADMSG)
		nrt_comm_close(&st.ctx.comm, true);
	nrt_fini(&st.ctx);
	free(ptext);
	return bm_exit_of(ret);
}
