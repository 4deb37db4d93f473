// SPDX-License-Identifier: MIT
/*
 * sim netmodel: NCCL's algorithm/protocol choice (its own tuning model,
 * replayed) and the cost of that choice on a link (see netmodel.h).
 *
 * Citations are to NVIDIA/nccl at tag v2.28.3-1 (commit f1308997).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netmodel.h"

static const char *const algo_names[SIM_ALGO_NR] = { "tree", "ring", "pat",
						     "p2p" };
static const char *const proto_names[SIM_PROTO_NR] = { "LL", "LL128",
						       "Simple" };
static const char *const kind_names[SIM_KIND_NR] = {
	"physical", "published", "derived", "fitted", "measured",
};

const char *sim_algo_name(enum sim_algo a)
{
	return a < SIM_ALGO_NR ? algo_names[a] : "?";
}

const char *sim_proto_name(enum sim_proto p)
{
	return p < SIM_PROTO_NR ? proto_names[p] : "?";
}

const char *sim_kind_name(enum sim_kind k)
{
	return k < SIM_KIND_NR ? kind_names[k] : "?";
}

static int name_parse(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return -1;
}

int sim_algo_parse(const char *s, enum sim_algo *a_p)
{
	int i = name_parse(s, algo_names, SIM_ALGO_NR);

	if (i < 0)
		return -EINVAL;
	*a_p = i;
	return 0;
}

int sim_proto_parse(const char *s, enum sim_proto *p_p)
{
	int i = name_parse(s, proto_names, SIM_PROTO_NR);

	if (i < 0)
		return -EINVAL;
	*p_p = i;
	return 0;
}

int sim_kind_parse(const char *s, enum sim_kind *k_p)
{
	int i = name_parse(s, kind_names, SIM_KIND_NR);

	if (i < 0)
		return -EINVAL;
	*k_p = i;
	return 0;
}

/* ---- NCCL's tuning model (src/graph/tuning.cc) ------------------------ */

/* baseLatencies, tuning.cc:144-147: [algo][proto], us */
static const double nccl_base[SIM_ALGO_NR][SIM_PROTO_NR] = {
	[SIM_ALGO_TREE] = { 6.8, 14.0, 8.4 },
	[SIM_ALGO_RING] = { 6.6, 14.0, 8.4 },
	[SIM_ALGO_PAT] = { 8.0, 8.0, 8.0 },
};
/* hwLatencies[NCCL_HW_NET], tuning.cc:163: Tree, Ring */
static const double nccl_net_lat_tree[SIM_PROTO_NR] = { 5.0, 8.5, 14.0 };
static const double nccl_net_lat_ring[SIM_PROTO_NR] = { 2.7, 4.0, 14.0 };
/* llMaxBws[index1][index2], tuning.cc:170-175; for multi-node index1 is 1
 * for AMD (or mixed) CPUs and 0 otherwise (tuning.cc:252-253) */
static const double nccl_ll_max_bw[2][3] = { { 39.0, 39.0, 20.4 },
					     { 87.7, 22.5, 19.0 } };
/* per-channel caps by GPU generation [arch][index2], tuning.cc:176-193 */
static const double nccl_ring_ll128_bw[4][3] = {
	{ 20.0, 20.0, 20.0 }, { 20.0, 20.0, 20.0 }, { 36.7, 36.7, 36.7 },
	{ 2 * 36.7, 2 * 36.7, 2 * 36.7 },
};
static const double nccl_tree_ll128_bw[4][3] = {
	{ 20.0, 20.0, 20.0 }, { 20.0, 20.0, 20.0 }, { 36.7, 36.7, 29.0 },
	{ 55.6, 31.67, 20.0 },
};
static const double nccl_tree_bw[4][3] = {
	{ 26.5, 18.5, 10.0 }, { 24.0, 23.6, 17.8 }, { 38.7, 41.4, 36.0 },
	{ 70.0, 42.8, 24.0 },
};
/* treeCorrectionFactor, tuning.cc:578-582: powers of two from 64 B */
static const double nccl_tree_corr[SIM_PROTO_NR][23] = {
	{ 1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7, .7, .7, .6, .5, .4, .4, .5, .6,
	  .7, .8, .9, 1.0, 1.0, 1.0, 1.0 },
	{ 1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7, .6, .6, .6, .6, .6, .6,
	  .8, .9, .9, .9, .9, 1.0, 1.0 },
	{ .9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7,
	  .8, .7, .7, .8, .9, .9 },
};

/* floor(log2(n)), -1 for n <= 0 (utils.h:42) */
static int log2i(long n)
{
	int l = -1;

	while (n > 0) {
		n >>= 1;
		l++;
	}
	return l;
}

static int ceil_log2(int n)
{
	int l = 0;

	while ((1 << l) < n)
		l++;
	return l;
}

static bool op_is_gather(enum sim_op op)
{
	return op == SIM_OP_ALLGATHER || op == SIM_OP_REDUCESCATTER;
}

/* Is (algo, proto) one NCCL's model considers for op (tuning.cc:272-282,
 * LL128 enablement tuning.cc:478-494, PAT only Simple and one GPU per node
 * on a host network, tuning.cc:201-209)? */
static bool nccl_valid(const struct sim_link *l, enum sim_op op,
		       enum sim_algo a, enum sim_proto p)
{
	if (p == SIM_PROTO_LL128 && !l->ll128)
		return false;
	switch (op) {
	case SIM_OP_ALLREDUCE:
		return a == SIM_ALGO_RING || a == SIM_ALGO_TREE;
	case SIM_OP_ALLGATHER:
	case SIM_OP_REDUCESCATTER:
		return a == SIM_ALGO_RING ||
		       (a == SIM_ALGO_PAT && p == SIM_PROTO_SIMPLE);
	case SIM_OP_BROADCAST:
		return a == SIM_ALGO_RING;
	default:
		return false;
	}
}

double sim_nccl_time(const struct sim_link *l, enum sim_op op,
		     enum sim_algo a, enum sim_proto p, double bytes, int n)
{
	int arch = l->gpu, i2 = n <= 2 ? n - 1 : 2;
	int i1 = l->cpu == SIM_CPU_AMD ? 1 : 0;
	double ll_max = nccl_ll_max_bw[i1][i2], bw, lat, inter;
	int nsteps, logsz;

	if (n < 2 || !(bytes > 0) || !nccl_valid(l, op, a, p))
		return -1;
	nsteps = op == SIM_OP_ALLREDUCE ? 2 * (n - 1) :
		 op_is_gather(op) ? n - 1 : n;		/* tuning.cc:268-270 */
	/* one ring/tree graph channel at the graph bandwidth; with two nodes
	 * NCCL uses bwIntra, beyond bwInter: one value here (tuning.cc:284) */
	bw = l->nccl_bw_gbs;
	if (a == SIM_ALGO_RING && p == SIM_PROTO_LL)
		bw = fmin(ll_max, bw * .5);			/* :304 */
	if (a == SIM_ALGO_RING && p == SIM_PROTO_LL128)
		bw = fmin(bw * .92, nccl_ring_ll128_bw[arch][i2]); /* :305 */
	if (a == SIM_ALGO_TREE && op == SIM_OP_ALLREDUCE)
		bw = fmin(bw * .92, nccl_tree_bw[arch][i2]);	/* :306 */
	if (a == SIM_ALGO_TREE && p == SIM_PROTO_LL)
		bw = fmin(bw / 3.8, ll_max);			/* :307 */
	if (a == SIM_ALGO_TREE && p == SIM_PROTO_LL128)
		bw = fmin(bw * 120.0 / 128.0, nccl_tree_ll128_bw[arch][i2]);
	/* one GPU per node forces the TREE pattern (search.cc:1017) */
	if (a == SIM_ALGO_TREE)
		bw *= .85;					/* :309 */
	if (a == SIM_ALGO_PAT)
		bw *= .75;					/* :310 */
	if (!(a != SIM_ALGO_RING && op_is_gather(op)))	/* :345-351 */
		bw *= a == SIM_ALGO_RING ? (double)n / nsteps : .5;
	/* with one GPU per node every step is an inter-node step at the tree
	 * row's network latency (tuning.cc:355-356); graph latencyInter is 0
	 * for both IB and socket (net_ib.cc:891, net_socket.cc:120) */
	inter = nccl_net_lat_tree[p];
	lat = nccl_base[a][p];
	if (a == SIM_ALGO_RING && op == SIM_OP_BROADCAST)
		lat += nccl_net_lat_ring[p];		/* sameChannels, :363-366 */
	else if (a == SIM_ALGO_RING)
		lat += (op == SIM_OP_ALLREDUCE ? 2 * (n - 1) : n - 1) * inter;
	else if (a == SIM_ALGO_TREE)
		lat += 2 * log2i(n) * inter;			/* :381-385 */
	else if (a == SIM_ALGO_PAT)
		lat += log2i(n) * (inter / 3.5) + n * 2.8;	/* :396-400 */
	/* ncclTopoGetAlgoTime, tuning.cc:584-601 */
	logsz = log2i((long)bytes >> 6);
	if (a == SIM_ALGO_TREE && op == SIM_OP_ALLREDUCE && logsz >= 0 &&
	    logsz < 23)
		bw *= nccl_tree_corr[p][logsz];
	if (a == SIM_ALGO_RING && p == SIM_PROTO_SIMPLE &&
	    op == SIM_OP_ALLREDUCE &&
	    bytes / ((double)l->channels * n) >= 64)
		lat *= arch >= SIM_GPU_AMPERE ? 1.4 : 1.9;	/* plateau */
	if (!(bw > 0))
		return -1;
	return lat + bytes / (1000.0 * bw);
}

int sim_nccl_choose(const struct sim_link *l, enum sim_op op, double bytes,
		    int n, enum sim_algo *algo_p, enum sim_proto *proto_p,
		    double *nccl_us_p)
{
	double best = -1, t;
	int a, p, ba = 0, bp = 0;

	if (n < 2 || !(bytes > 0))
		return -EINVAL;
	if (op == SIM_OP_SENDRECV) {
		/* not in NCCL's model (nccl_common.h:58); network p2p has no
		 * LL buffers by default, so Simple (enqueue.cc:797-818) */
		*algo_p = SIM_ALGO_P2P;
		*proto_p = SIM_PROTO_SIMPLE;
		if (nccl_us_p)
			*nccl_us_p = -1;
		return 0;
	}
	for (a = 0; a < SIM_ALGO_NR; a++) {
		for (p = 0; p < SIM_PROTO_NR; p++) {
			t = sim_nccl_time(l, op, a, p, bytes, n);
			if (t >= 0 && (best < 0 || t < best)) {
				best = t;
				ba = a;
				bp = p;
			}
		}
	}
	if (best < 0)
		return -EINVAL;
	*algo_p = ba;
	*proto_p = bp;
	if (nccl_us_p)
		*nccl_us_p = best;
	return 0;
}

/* ---- the cost on this link ------------------------------------------ */

/* Channels NCCL runs at this size: it drops channels while each thread
 * would get less than its threshold of bytes (enqueue.cc:1871-1875;
 * thresholds comm.h:41-43, ring LL x nRanks tuning.cc:547; threads
 * device.h:88-109). */
static int channels_for(const struct sim_link *l, enum sim_algo a,
			enum sim_proto p, double bytes, int n)
{
	static const double thr[SIM_PROTO_NR] = { 8, 8, 64 };
	static const double nthreads[SIM_PROTO_NR] = { 512, 640, 512 };
	double t = thr[p] * (a == SIM_ALGO_RING && p == SIM_PROTO_LL ? n : 1);
	int nc = l->channels > 0 ? l->channels : 1;

	if (a == SIM_ALGO_P2P)
		return 1;
	while (nc >= 2 && bytes < nc * nthreads[p] * t)
		nc--;
	return nc;
}

/* Sequential one-way crossings and the bytes each carries per channel. */
static int crossings_of(enum sim_op op, enum sim_algo a, int n,
			double bytes, int nc, double *per_p)
{
	int h;

	switch (a) {
	case SIM_ALGO_RING:
		if (op == SIM_OP_ALLREDUCE) {
			h = 2 * (n - 1);		/* ring twice */
			*per_p = bytes / n / nc;
		} else if (op == SIM_OP_BROADCAST) {
			h = n - 1;			/* chain from root */
			*per_p = bytes / nc;
		} else {
			h = n - 1;
			*per_p = bytes / n / nc;
		}
		return h;
	case SIM_ALGO_TREE:
		/* up the tree (reduce) and back down (broadcast) */
		h = 2 * ceil_log2(n);
		*per_p = bytes / nc;
		return h;
	case SIM_ALGO_PAT:
		/* log2(n) stages carrying (n-1)/n of the output in all */
		h = ceil_log2(n);
		*per_p = bytes * (n - 1) / n / h / nc;
		return h;
	case SIM_ALGO_P2P:
	default:
		*per_p = bytes;
		return 1;
	}
}

/* Proxy hand-offs on the critical path of one crossing (see netmodel.h). */
static int proxies_of(enum sim_transport tr, enum sim_proto p)
{
	if (tr == SIM_TR_SOCKET)
		return 2;
	return p == SIM_PROTO_SIMPLE ? 2 : 1;
}

double sim_link_crossing_us(const struct sim_link *l, enum sim_proto p)
{
	return l->one_way_us.v + proxies_of(l->tr, p) * l->proxy_us.v;
}

static const double wire_factor[SIM_PROTO_NR] = { 2.0, 128.0 / 120.0, 1.0 };

int sim_coll_cost_with(const struct sim_link *l, enum sim_op op,
		       double bytes, int n, enum sim_algo a, enum sim_proto p,
		       double launch_us, struct sim_coll_cost *c)
{
	double per, rate;

	memset(c, 0, sizeof(*c));
	if (n < 2 || !(bytes > 0) || a >= SIM_ALGO_NR || p >= SIM_PROTO_NR)
		return -EINVAL;
	c->algo = a;
	c->proto = p;
	c->channels = channels_for(l, a, p, bytes, n);
	c->crossings = crossings_of(op, a, n, bytes, c->channels, &per);
	c->proxies = proxies_of(l->tr, p);
	/* one proxy thread moves every channel's bytes through the kernel's
	 * TCP stack one after the other (net_socket.cc: no helper threads on
	 * ConnectX), while IB channels' RDMA writes proceed in parallel */
	c->wire_bytes = per * wire_factor[p] *
			(l->tr == SIM_TR_SOCKET ? c->channels : 1);
	rate = l->bw_gbs.v;
	if (p != SIM_PROTO_SIMPLE && l->ll_bw_gbs.v > 0)
		rate = fmin(rate, l->ll_bw_gbs.v);
	if (!(rate > 0))
		return -EINVAL;
	c->launch_us = launch_us;
	c->base_us = a == SIM_ALGO_P2P ? nccl_base[SIM_ALGO_RING][p] :
		     nccl_base[a][p];
	c->link_us = c->crossings * l->one_way_us.v;
	c->proxy_us = c->crossings * c->proxies * l->proxy_us.v;
	c->wire_us = c->crossings * c->wire_bytes / (rate * 1e3);
	c->total_us = c->launch_us + c->base_us + c->link_us + c->proxy_us +
		      c->wire_us;
	c->nccl_us = sim_nccl_time(l, op, a, p, bytes, n);
	return 0;
}

int sim_coll_cost(const struct sim_link *l, enum sim_op op, double bytes,
		  int n, double launch_us, struct sim_coll_cost *c)
{
	enum sim_algo a;
	enum sim_proto p;
	double nccl;
	int ret;

	ret = sim_nccl_choose(l, op, bytes, n, &a, &p, &nccl);
	if (ret)
		return ret;
	return sim_coll_cost_with(l, op, bytes, n, a, p, launch_us, c);
}
