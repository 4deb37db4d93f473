/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: bytes per rank per step, DeepEP-style and on the
 * wire, per pattern (routing.h). */
#include "routing.h"

void a2a_bytes_a2a(const uint64_t *sel, const uint64_t *tok, int me, int nranks,
		   int hidden, int topk, struct a2a_bytes *b_p)
{
	uint64_t fp8 =
	    (uint64_t)hidden +
	    (uint64_t)(hidden + A2A_FP8_BLOCK - 1) / A2A_FP8_BLOCK * 4;
	uint64_t rec	   = 2 * (uint64_t)hidden + a2a_meta_bytes(topk);
	struct a2a_bytes b = {0};
	int d;

	for (d = 0; d < nranks; d++) {
		b.deepep_dispatch += sel[d] * fp8;
		b.deepep_combine += sel[d] * 2 * (uint64_t)hidden;
		if (d == me) {
			b.self_dispatch += tok[d] * rec;
			b.self_combine += tok[d] * 2 * (uint64_t)hidden;
		} else {
			b.wire_dispatch += tok[d] * rec;
			b.wire_combine += tok[d] * 2 * (uint64_t)hidden;
		}
	}
	*b_p = b;
}

static void deepep_bytes(uint64_t sel_total, int hidden, struct a2a_bytes *b)
{
	uint64_t fp8 =
	    (uint64_t)hidden +
	    (uint64_t)(hidden + A2A_FP8_BLOCK - 1) / A2A_FP8_BLOCK * 4;

	b->deepep_dispatch = sel_total * fp8;
	b->deepep_combine  = sel_total * 2 * (uint64_t)hidden;
}

void a2a_bytes_agrs(int ntok, int nranks, int hidden, int topk,
		    uint64_t sel_total, struct a2a_bytes *b_p)
{
	struct a2a_bytes b = {0};
	uint64_t n1 = (uint64_t)(nranks - 1), T = (uint64_t)ntok;

	deepep_bytes(sel_total, hidden, &b);
	/* ring all-gather: each rank forwards n-1 blocks of ntok records */
	b.wire_dispatch = n1 * T * (2 * (uint64_t)hidden + 8 * (uint64_t)topk);
	/* ring reduce-scatter of n x ntok x hidden BF16: n-1 blocks out */
	b.wire_combine = n1 * T * 2 * (uint64_t)hidden;
	*b_p	       = b;
}

void a2a_bytes_eptp(int ntok, int nranks, int hidden, uint64_t sel_total,
		    struct a2a_bytes *b_p)
{
	struct a2a_bytes b = {0};
	uint64_t size	   = (uint64_t)ntok * 2 * (uint64_t)hidden;

	deepep_bytes(sel_total, hidden, &b);
	/* ring all-reduce: 2(n-1)/n of the buffer leaves each rank */
	b.wire_combine = 2 * (uint64_t)(nranks - 1) * size / (uint64_t)nranks;
	*b_p	       = b;
}
