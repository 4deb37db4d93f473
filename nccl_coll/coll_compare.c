// SPDX-License-Identifier: MIT
/*
 * nccl_coll --compare: IB and socket communicators in one process,
 * alternating blocks of isolated graph samples, order reversed each block.
 * A row per item: both medians, ratio socket/IB and its 95% CI over blocks,
 * and the data check of each communicator (one checked operation on each
 * before its blocks: the figures are of a network that moved the right
 * bytes).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "coll_bench.h"

/* Median of one block of isolated samples of t in its graph g1. */
static int block_median(struct coll_state *st, struct coll_target *t,
			cudaGraphExec_t g1, size_t per, double *slow,
			double *med_p)
{
	struct bm_stats s;
	size_t i;
	int ret = 0;

	for (i = 0; i < per && !ret; i++)
		ret = coll_time_one(st, t, g1, &st->samples[i]);
	if (!ret)
		ret = coll_slowest(st, per, slow);
	if (ret)
		return ret;
	bm_stats_compute(slow, per, &s);
	*med_p = s.p50;
	return 0;
}

static json_t *compare_row(const struct coll_item *it, double *med[2],
			   const double *ratio, int nb, size_t per,
			   const struct nrt_comm *ib,
			   const struct nrt_comm *sock, const uint64_t *wrong)
{
	struct bm_stats a, c, s;
	double lo = NAN, hi = NAN;
	json_t *row = json_object();

	if (nb >= 6)
		bm_median_ci95(ratio, (size_t)nb, &lo, &hi);
	bm_stats_compute(ratio, (size_t)nb, &s);
	bm_stats_compute(med[0], (size_t)nb, &a);
	bm_stats_compute(med[1], (size_t)nb, &c);
	json_object_set_new(row, "op", json_string(
				    coll_ops_table[it->op]->name));
	json_object_set_new(row, "mode", json_string("graph"));
	json_object_set_new(row, "size", json_integer((json_int_t)it->size));
	json_object_set_new(row, "type", json_string(coll_dtype_name(
					     it->dtype)));
	json_object_set_new(row, "ib_lat_us_p50", json_real(a.p50));
	json_object_set_new(row, "socket_lat_us_p50", json_real(c.p50));
	json_object_set_new(row, "ratio_socket_ib", json_real(s.p50));
	json_object_set_new(row, "ratio_ci95_lo", isnan(lo) ? json_null() :
			    json_real(lo));
	json_object_set_new(row, "ratio_ci95_hi", isnan(hi) ? json_null() :
			    json_real(hi));
	json_object_set_new(row, "ib_wrong", json_integer((json_int_t)wrong[0]));
	json_object_set_new(row, "socket_wrong",
			    json_integer((json_int_t)wrong[1]));
	json_object_set_new(row, "blocks", json_integer(nb));
	json_object_set_new(row, "samples_per_block", json_integer((int)per));
	json_object_set_new(row, "ib_transport", json_string(
		ib->path.transport));
	json_object_set_new(row, "socket_transport", json_string(
		sock->path.transport));
	return row;
}

/* Both networks for one item. */
static int compare_item(struct coll_state *st, const struct coll_item *it,
			struct nrt_comm *ib, struct nrt_comm *sock)
{
	struct coll_params *p = st->p;
	int nb = p->blocks, b, k, ret = 0;
	size_t per = p->com.iters / (size_t)nb;
	double *ratio = calloc((size_t)nb, sizeof(double)), *med[2], *slow;
	struct nrt_comm *nc[2] = { ib, sock };
	struct coll_target t[2];
	cudaGraphExec_t g1[2] = { NULL, NULL };
	uint64_t wrong[2] = { 0, 0 };

	if (per < 5)
		per = 5;
	med[0] = calloc((size_t)nb, sizeof(double));
	med[1] = calloc((size_t)nb, sizeof(double));
	slow = calloc(per, sizeof(double));
	if (!ratio || !med[0] || !med[1] || !slow) {
		ret = -ENOMEM;
		goto out;
	}
	/* each network's 1-operation graph, checked once, then timed */
	for (k = 0; k < 2 && !ret; k++) {
		coll_target_setup(st, &t[k], it->op, it->dtype, it->size, false,
				  nc[k]);
		ret = nrt_graph_capture(st->ctx, coll_launch, &t[k], 1, &g1[k]);
		if (!ret)
			ret = coll_check_target(st, &t[k], g1[k], &wrong[k]);
	}
	for (b = 0; b < nb && !ret; b++) {
		for (k = 0; k < 2 && !ret; k++) {
			int which = (b & 1) ? 1 - k : k;

			ret = block_median(st, &t[which], g1[which], per, slow,
					   &med[which][b]);
		}
		if (!ret)
			ratio[b] = med[1][b] / med[0][b];
	}
	if (!ret)	/* ranks > 0: quiet, no files */
		ret = nrt_harness_row(st->h, compare_row(it, med, ratio, nb,
							 per, ib, sock, wrong));
out:
	nrt_graph_destroy(g1[0]);
	nrt_graph_destroy(g1[1]);
	free(ratio);
	free(med[0]);
	free(med[1]);
	free(slow);
	return ret;
}

int coll_run_compare(struct coll_state *st)
{
	static const struct bm_col cols[] = {
		{ "op", "op", 13, -1 }, { "size", "size(B)", 11, -1 },
		{ "type", "type", 5, -1 },
		{ "ib_lat_us_p50", "ib_p50", 9, 2 },
		{ "socket_lat_us_p50", "sock_p50", 9, 2 },
		{ "ratio_socket_ib", "ratio", 6, 2 },
		{ "ratio_ci95_lo", "ci_lo", 6, 2 },
		{ "ratio_ci95_hi", "ci_hi", 6, 2 },
	};
	struct nrt_ctx *c = st->ctx;
	struct bm_out *out = st->h->out;
	enum nrt_net o = st->p->nrt.net == NRT_NET_SOCKET ? NRT_NET_IB :
			 NRT_NET_SOCKET;
	struct nrt_comm other;
	struct nrt_comm *ib, *so;
	int i, ret;

	st->h->check.planned = 2 * (uint64_t)st->nitems;
	ret = nrt_comm_open(c, o, &other);
	if (ret) {
		BM_ERR("--compare: NCCL could not open a second communicator "
		       "on %s in this process; measure the two networks in "
		       "two runs instead (--net ib, then --net socket)",
		       nrt_net_name(o));
		return ret;
	}
	ib = c->comm.net == NRT_NET_SOCKET ? &other : &c->comm;
	so = ib == &other ? &c->comm : &other;
	bm_out_meta(out, "compare_path", nrt_path_json(&other));
	bm_out_comment(out, "compare: %s -> %s, %s -> %s",
		       nrt_net_name(c->comm.net), c->comm.path.transport,
		       nrt_net_name(other.net), other.path.transport);
	if (c->boot.nranks == 1)
		bm_out_comment(out, "compare: one rank crosses no network: the "
			       "ratio measures noise only");
	bm_out_columns(out, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < st->nitems && !ret; i++) {
		const struct coll_item *it = &st->items[i];

		if (!st->p->com.quiet && c->boot.rank == 0)
			fprintf(stderr, "%s: compare %d/%d: %s %zu B\n", TOOL,
				i + 1, st->nitems,
				coll_ops_table[it->op]->name, it->size);
		ret = compare_item(st, it, ib, so);
	}
	nrt_comm_close(&other, ret != 0);
	return ret;
}
