// SPDX-License-Identifier: MIT
/* All-gather: every rank ends with the send buffers of all ranks, in rank
 * order; in place, each rank's block already sits at its offset. */
#include "coll.h"

static double allgather_factor(int n)
{
	return (double)(n - 1) / n;
}

static void allgather_counts(size_t count, int n, size_t *s, size_t *r)
{
	*s = count / (size_t)n;
	*r = *s * (size_t)n;
}

static void allgather_in_place(struct coll_call *c, char *buf, size_t elt)
{
	c->recv = buf;
	c->send = buf + (size_t)c->rank * c->send_count * elt;
}

static float allgather_expected(int rank, int nranks, int root,
				size_t recv_count, size_t i)
{
	size_t per = recv_count / (size_t)nranks;

	return coll_val((int)(i / per), i % per);
}

#if HAVE_NCCL
static int allgather_enqueue(const struct coll_call *c)
{
	return ncclAllGather(c->send, c->recv, c->send_count,
			     coll_nccl_type(c->dtype), c->comm, c->stream);
}
#endif

const struct coll_ops coll_allgather_ops = {
	.name = "allgather",
	.aliases = (const char *const[]){ "all_gather", "ag", NULL },
	.redop = "none",
	.nccl_func = "AllGather",
	.in_place_ok = true,
	.rank_blocks = true,
	.bus_factor = allgather_factor,
	.counts = allgather_counts,
	.in_place = allgather_in_place,
	.expected = allgather_expected,
	COLL_ENQUEUE(allgather_enqueue),
};
