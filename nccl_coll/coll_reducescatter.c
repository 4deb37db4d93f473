// SPDX-License-Identifier: MIT
/* Reduce-scatter (sum): rank r ends with block r of the sum of all send
 * buffers; in place, that block is the rank's own slot of the send buffer. */
#include "coll.h"

static double reducescatter_factor(int n)
{
	return (double)(n - 1) / n;
}

static void reducescatter_counts(size_t count, int n, size_t *s, size_t *r)
{
	*r = count / (size_t)n;
	*s = *r * (size_t)n;
}

static void reducescatter_in_place(struct coll_call *c, char *buf,
				   size_t elt)
{
	c->send = buf;
	c->recv = buf + (size_t)c->rank * c->recv_count * elt;
}

static float reducescatter_expected(int rank, int nranks, int root,
				    size_t recv_count, size_t i)
{
	float s = 0;
	int r;

	for (r = 0; r < nranks; r++)
		s += coll_val(r, (size_t)rank * recv_count + i);
	return s;
}

#if HAVE_NCCL
static int reducescatter_enqueue(const struct coll_call *c)
{
	return ncclReduceScatter(c->send, c->recv, c->recv_count,
				 coll_nccl_type(c->dtype), ncclSum, c->comm,
				 c->stream);
}
#endif

const struct coll_ops coll_reducescatter_ops = {
	.name = "reducescatter",
	.aliases = (const char *const[]){ "reduce_scatter", "rs", NULL },
	.redop = "sum",
	.nccl_func = "ReduceScatter",
	.in_place_ok = true,
	.rank_blocks = true,
	.bus_factor = reducescatter_factor,
	.counts = reducescatter_counts,
	.in_place = reducescatter_in_place,
	.expected = reducescatter_expected,
	COLL_ENQUEUE(reducescatter_enqueue),
};
