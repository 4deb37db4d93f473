// SPDX-License-Identifier: MIT
/* Send/recv around the ring: rank r sends to r + 1 and receives from
 * r - 1, in one NCCL group (a PP hop in both directions of the ring). No
 * in-place run. */
#include "coll.h"

static float sendrecv_expected(int rank, int nranks, int root,
			       size_t recv_count, size_t i)
{
	return coll_val((rank + nranks - 1) % nranks, i);
}

#if HAVE_NCCL
static int sendrecv_enqueue(const struct coll_call *c)
{
	ncclDataType_t dt = coll_nccl_type(c->dtype);
	ncclResult_t r, r2;

	r = ncclGroupStart();
	if (r == ncclSuccess)
		r = ncclSend(c->send, c->send_count, dt,
			     (c->rank + 1) % c->nranks, c->comm, c->stream);
	if (r == ncclSuccess)
		r = ncclRecv(c->recv, c->recv_count, dt,
			     (c->rank + c->nranks - 1) % c->nranks, c->comm,
			     c->stream);
	r2 = ncclGroupEnd();
	return r == ncclSuccess ? r2 : r;
}
#endif

const struct coll_ops coll_sendrecv_ops = {
	.name = "sendrecv",
	.aliases = (const char *const[]){ "send_recv", "p2p", NULL },
	.redop = "none",
	.bus_factor = coll_factor_one,
	.counts = coll_counts_same,
	.expected = sendrecv_expected,
	COLL_ENQUEUE(sendrecv_enqueue),
};
