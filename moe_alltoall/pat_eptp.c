/* SPDX-License-Identifier: MIT */
/*
 * eptp: vLLM's EP with TP and no data parallel. The tokens are the same on
 * every rank (rank 0's routing), the experts split across ranks; combine is
 * one all-reduce of the MoE output; no dispatch. The per-rank expert load
 * is the point.
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
	/* every rank's experts see all of the shared tokens' selections */
	a2a_bytes_eptp(ntok, nranks, g->hidden, (uint64_t)ntok * g->topk, b_p);
}

#if HAVE_NCCL
/* Combine: one all-reduce of the MoE output. */
static int combine(struct a2a_run *s, int T)
{
	NCALL(s, ncclAllReduce(s->d_csend, s->d_crecv, (size_t)T * s->H,
			       ncclBfloat16, ncclSum, s->ctx->comm.comm,
			       s->ctx->stream));
	return 0;
}

/* The outputs of the shared tokens (rank 0's). */
static int check(struct a2a_run *s, int T)
{
	return a2a_check_reduced(s, T, 0, &s->routes[0]);
}

static int pattern_step(struct a2a_run *s, int T, struct a2a_times *t_p)
{
	struct a2a_route *r0 = &s->routes[0]; /* the shared tokens */
	int t, h;

	memset(s->active, 0, (size_t)s->E);
	for (t = 0; t < T; t++) {
		a2a_xrow(s, 0, t, s->h_xrow + s->H);
		a2a_partial(s, s->h_xrow + s->H, r0->ids + (size_t)t * s->k,
			    r0->w + (size_t)t * s->k, s->me, s->part,
			    s->active);
		for (h = 0; h < s->H; h++)
			s->h_csend[(size_t)t * s->H + h] =
			    bm_f2bf16(s->part[h]);
	}
	return a2a_combine(s, T, (size_t)T, 0, combine, check, t_p);
}
#endif

const struct a2a_pattern_ops a2a_pat_eptp = {
    .name	   = "eptp",
    .desc	   = "vLLM EP with TP (no DP): experts split, one all-reduce "
		     "of the MoE output",
    .shared_tokens = true,
    .bytes	   = pattern_bytes,
    A2A_STEP(pattern_step),
};
