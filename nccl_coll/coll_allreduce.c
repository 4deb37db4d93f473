// SPDX-License-Identifier: MIT
/* All-reduce (sum): every rank ends with the sum of all send buffers. */
#include "coll.h"

static double allreduce_factor(int n)
{
	return 2.0 * (n - 1) / n;
}

static float allreduce_expected(int rank, int nranks, int root,
				size_t recv_count, size_t i)
{
	float s = 0;
	int r;

	for (r = 0; r < nranks; r++)
		s += coll_val(r, i);
	return s;
}

#if HAVE_NCCL
static int allreduce_enqueue(const struct coll_call *c)
{
	return ncclAllReduce(c->send, c->recv, c->recv_count,
			     coll_nccl_type(c->dtype), ncclSum, c->comm,
			     c->stream);
}
#endif

const struct coll_ops coll_allreduce_ops = {
	.name = "allreduce",
	.aliases = (const char *const[]){ "all_reduce", "ar", NULL },
	.redop = "sum",
	.nccl_func = "AllReduce",
	.in_place_ok = true,
	.bus_factor = allreduce_factor,
	.counts = coll_counts_same,
	.expected = allreduce_expected,
	COLL_ENQUEUE(allreduce_enqueue),
};
