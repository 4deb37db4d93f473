/* SPDX-License-Identifier: MIT */
/*
 * agrs: vLLM's default EP backend. Dispatch: all-gather of the hidden
 * states and of the top-k ids/weights; every rank runs its local experts
 * on all tokens; combine: reduce-scatter (sum) of the partial outputs.
 */
#include <string.h>

#include "config.h"
#if HAVE_NCCL
#include "a2a_run.h"
#else
#include "a2a.h"
#endif

static void pattern_bytes(const struct a2a_geom *g, int ntok, int nranks,
			  int me, const uint64_t *sel, const uint64_t *tok,
			  uint64_t sel_total, struct a2a_bytes *b_p)
{
	a2a_bytes_agrs(ntok, nranks, g->hidden, g->topk, sel_total, b_p);
}

#if HAVE_NCCL
/* Combine: the partials summed, each rank its own tokens' block. */
static int combine(struct a2a_run *s, int T)
{
	NCALL(s, ncclReduceScatter(s->d_csend, s->d_crecv, (size_t)T * s->H,
				   ncclBfloat16, ncclSum, s->ctx->comm.comm,
				   s->ctx->stream));
	return 0;
}

static int check(struct a2a_run *s, int T)
{
	return a2a_check_reduced(s, T, s->me, &s->routes[s->me]);
}

static int pattern_step(struct a2a_run *s, int T, struct a2a_times *t_p)
{
	struct a2a_route *me = &s->routes[s->me];
	ncclComm_t comm	     = s->ctx->comm.comm;
	cudaStream_t st	     = s->ctx->stream;
	uint64_t t0, t2;
	int t, i, src, ret;

	for (t = 0; t < T; t++) {
		a2a_xrow(s, s->me, t, s->h_send + (size_t)t * s->H);
		a2a_pack_meta(s, s->h_msend + (size_t)t * s->M, me, t, -1);
	}
	ret = a2a_h2d(s, s->d_send, s->h_send, (size_t)T * HB(s));
	ret = ret ? ret
		  : a2a_h2d(s, s->d_msend, s->h_msend, (size_t)T * s->M * 4);
	ret = ret ? ret : nrt_barrier(&s->ctx->boot);
	if (ret)
		return ret;

	t0 = bm_now_ns();
	NCALL(s, ncclGroupStart());
	NCALL_IN_GROUP(s, ncclAllGather(s->d_send, s->d_recv, (size_t)T * s->H,
					ncclBfloat16, comm, st));
	NCALL_IN_GROUP(s, ncclAllGather(s->d_msend, s->d_mrecv,
					(size_t)T * s->M, ncclInt32, comm, st));
	NCALL(s, ncclGroupEnd());
	ret = nrt_sync(s->ctx, &s->ctx->comm, st, 0);
	if (ret)
		return ret;
	t2 = bm_now_ns();

	/* expert side (host, untimed): check what came, compute partials */
	ret = a2a_d2h(s, s->h_recv, s->d_recv, (size_t)s->n * T * HB(s));
	ret = ret ? ret
		  : a2a_d2h(s, s->h_mrecv, s->d_mrecv,
			    (size_t)s->n * T * s->M * 4);
	if (ret)
		return ret;
	memset(s->active, 0, (size_t)s->E);
	for (src = 0; src < s->n; src++) {
		for (t = 0; t < T; t++) {
			i = src * T + t;
			s->wrong += a2a_check_xrow(
			    s, s->h_recv + (size_t)i * s->H, src, t);
			s->wrong +=
			    a2a_check_meta(s, s->h_mrecv + (size_t)i * s->M,
					   &s->routes[src], t, -1);
			a2a_expert_record(s, (size_t)i);
		}
	}
	t_p->dispatch_us = (double)(t2 - t0) / 1e3;
	return a2a_combine(s, T, (size_t)s->n * T, t2 - t0, combine, check,
			   t_p);
}
#endif

const struct a2a_pattern_ops a2a_pat_agrs = {
    .name	  = "agrs",
    .desc	  = "vLLM EP backend: all-gather hidden + ids/weights, local "
		    "experts, reduce-scatter",
    .has_dispatch = true,
    .bytes	  = pattern_bytes,
    A2A_STEP(pattern_step),
};
