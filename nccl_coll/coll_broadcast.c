// SPDX-License-Identifier: MIT
/* Broadcast: every rank ends with the root's send buffer. */
#include "coll.h"

static float broadcast_expected(int rank, int nranks, int root,
				size_t recv_count, size_t i)
{
	return coll_val(root, i);
}

#if HAVE_NCCL
static int broadcast_enqueue(const struct coll_call *c)
{
	return ncclBroadcast(c->send, c->recv, c->recv_count,
			     coll_nccl_type(c->dtype), c->root, c->comm,
			     c->stream);
}
#endif

const struct coll_ops coll_broadcast_ops = {
	.name = "broadcast",
	.aliases = (const char *const[]){ "bcast", NULL },
	.redop = "none",
	.nccl_func = "Broadcast",
	.has_root = true,
	.in_place_ok = true,
	.bus_factor = coll_factor_one,
	.counts = coll_counts_same,
	.expected = broadcast_expected,
	COLL_ENQUEUE(broadcast_enqueue),
};
