/* SPDX-License-Identifier: MIT */
/*
 * a2a: all-to-all dispatch and combine, DeepEP's shape over grouped NCCL
 * send/recv. Dispatch: one int32 record count per peer exchanged (DeepEP's
 * notify step, "layout"), then one BF16 hidden vector + metadata record per
 * (token, rank owning >= 1 of its top-k experts); the expert side sums its
 * experts' outputs into one BF16 partial per record; combine sends the
 * partials back and the origin sums its token's partials (exact check).
 */
#include <errno.h>
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
	a2a_bytes_a2a(sel, tok, me, nranks, g->hidden, g->topk, b_p);
}

#if HAVE_NCCL
/* Origin side: records grouped by destination, tokens ascending, staged
 * on the device with their per-peer counts. */
static int pack_dispatch(struct a2a_run *s, int T)
{
	struct a2a_route *me = &s->routes[s->me];
	int32_t *cs	     = s->h_cnt;
	int d, t, i, ret;

	for (d = 0, i = 0; d < s->n; d++) {
		s->off[d] = i;
		for (t = 0; t < T; t++) {
			if (!a2a_has_expert_on(s, me, t, d))
				continue;
			s->rec_tok[i] = t;
			a2a_xrow(s, s->me, t, s->h_send + (size_t)i * s->H);
			a2a_pack_meta(s, s->h_msend + (size_t)i * s->M, me, t,
				      d);
			i++;
		}
		cs[d] = i - s->off[d];
	}
	s->off[s->n] = i;
	ret	     = a2a_h2d(s, s->d_send, s->h_send, (size_t)i * HB(s));
	ret	     = ret ? ret
			   : a2a_h2d(s, s->d_msend, s->h_msend, (size_t)i * s->M * 4);
	return ret ? ret : a2a_h2d(s, s->d_cnt, cs, (size_t)s->n * 4);
}

/* Expert side: what came must be the origins' tokens and routing; then
 * this rank's experts on every record. */
static void expert_side(struct a2a_run *s, int T)
{
	int src, t, i;

	memset(s->active, 0, (size_t)s->E);
	for (src = 0; src < s->n; src++) {
		const struct a2a_route *r = &s->routes[src];

		i = s->roff[src];
		for (t = 0; t < T; t++) {
			if (!a2a_has_expert_on(s, r, t, s->me))
				continue;
			if (i >= s->roff[src + 1]) {
				s->wrong += s->H; /* a record went missing */
				continue;
			}
			s->wrong += a2a_check_xrow(
			    s, s->h_recv + (size_t)i * s->H, src, t);
			s->wrong += a2a_check_meta(
			    s, s->h_mrecv + (size_t)i * s->M, r, t, s->me);
			i++;
		}
		if (i != s->roff[src + 1])
			s->wrong += (uint64_t)(s->roff[src + 1] - i) * s->H;
	}
	for (i = 0; i < s->roff[s->n]; i++)
		a2a_expert_record(s, (size_t)i);
}

/* Origin side after the combine: sum the partials in rank order, check
 * exactly. */
static int origin_sum(struct a2a_run *s, int T)
{
	struct a2a_route *me = &s->routes[s->me];
	int i, t, h, ret;

	ret = a2a_d2h(s, s->h_crecv, s->d_crecv, (size_t)s->off[s->n] * HB(s));
	if (ret)
		return ret;
	memset(s->h_out, 0, (size_t)T * s->H * sizeof(float));
	for (i = 0; i < s->off[s->n]; i++) {
		float *o = s->h_out + (size_t)s->rec_tok[i] * s->H;

		for (h = 0; h < s->H; h++)
			o[h] += bm_bf162f(s->h_crecv[(size_t)i * s->H + h]);
	}
	for (t = 0; t < T; t++) {
		a2a_xrow(s, s->me, t, s->h_xrow + s->H);
		a2a_check_out(s, s->h_xrow + s->H, me, t,
			      s->h_out + (size_t)t * s->H, 0);
	}
	return 0;
}

/* Combine: every partial back to its origin, grouped send/recv. */
static int combine(struct a2a_run *s, int T)
{
	ncclComm_t comm = s->ctx->comm.comm;
	cudaStream_t st = s->ctx->stream;
	int32_t *cs = s->h_cnt, *cr = s->h_cnt + s->n;
	int d;

	NCALL(s, ncclGroupStart());
	for (d = 0; d < s->n; d++) {
		if (cr[d])
			NCALL_IN_GROUP(s,
				       ncclSend(s->d_csend + s->roff[d] * HB(s),
						(size_t)cr[d] * s->H,
						ncclBfloat16, d, comm, st));
		if (cs[d])
			NCALL_IN_GROUP(s,
				       ncclRecv(s->d_crecv + s->off[d] * HB(s),
						(size_t)cs[d] * s->H,
						ncclBfloat16, d, comm, st));
	}
	NCALL(s, ncclGroupEnd());
	return 0;
}

static int pattern_step(struct a2a_run *s, int T, struct a2a_times *t_p)
{
	ncclComm_t comm = s->ctx->comm.comm;
	cudaStream_t st = s->ctx->stream;
	uint64_t t0, t1, t2;
	int32_t *cs = s->h_cnt, *cr = s->h_cnt + s->n;
	int d, i, ret;

	ret = pack_dispatch(s, T);
	ret = ret ? ret : nrt_barrier(&s->ctx->boot);
	if (ret)
		return ret;

	t0 = bm_now_ns();
	/* layout: one count per peer, as DeepEP's notify step */
	NCALL(s, ncclGroupStart());
	for (d = 0; d < s->n; d++) {
		NCALL_IN_GROUP(
		    s, ncclSend(s->d_cnt + d, 1, ncclInt32, d, comm, st));
		NCALL_IN_GROUP(s, ncclRecv(s->d_cnt + s->n + d, 1, ncclInt32, d,
					   comm, st));
	}
	NCALL(s, ncclGroupEnd());
	CUDA_CHECK(cudaMemcpyAsync(cr, s->d_cnt + s->n, (size_t)s->n * 4,
				   cudaMemcpyDeviceToHost, st),
		   return -EIO);
	ret = nrt_sync(s->ctx, &s->ctx->comm, st, 0);
	if (ret)
		return ret;
	t1 = bm_now_ns();
	for (d = 0, i = 0; d < s->n; d++) {
		if (cr[d] < 0 || cr[d] > T) {
			BM_ERR("rank %d announced %d records (max %d)", d,
			       cr[d], T);
			return -EPROTO;
		}
		s->roff[d] = i;
		i += cr[d];
	}
	s->roff[s->n] = i;
	NCALL(s, ncclGroupStart());
	for (d = 0; d < s->n; d++) {
		if (cs[d]) {
			NCALL_IN_GROUP(s,
				       ncclSend(s->d_send + s->off[d] * HB(s),
						(size_t)cs[d] * s->H,
						ncclBfloat16, d, comm, st));
			NCALL_IN_GROUP(
			    s, ncclSend(s->d_msend + (size_t)s->off[d] * s->M,
					(size_t)cs[d] * s->M, ncclInt32, d,
					comm, st));
		}
		if (cr[d]) {
			NCALL_IN_GROUP(s,
				       ncclRecv(s->d_recv + s->roff[d] * HB(s),
						(size_t)cr[d] * s->H,
						ncclBfloat16, d, comm, st));
			NCALL_IN_GROUP(
			    s, ncclRecv(s->d_mrecv + (size_t)s->roff[d] * s->M,
					(size_t)cr[d] * s->M, ncclInt32, d,
					comm, st));
		}
	}
	NCALL(s, ncclGroupEnd());
	ret = nrt_sync(s->ctx, &s->ctx->comm, st, 0);
	if (ret)
		return ret;
	t2 = bm_now_ns();

	/* expert side (host, untimed): check what came, compute partials */
	ret = a2a_d2h(s, s->h_recv, s->d_recv, (size_t)s->roff[s->n] * HB(s));
	ret = ret ? ret
		  : a2a_d2h(s, s->h_mrecv, s->d_mrecv,
			    (size_t)s->roff[s->n] * s->M * 4);
	if (ret)
		return ret;
	expert_side(s, T);
	t_p->dispatch_us = (double)(t2 - t0) / 1e3;
	t_p->layout_us	 = (double)(t1 - t0) / 1e3;
	return a2a_combine(s, T, (size_t)s->roff[s->n], t2 - t0, combine,
			   origin_sum, t_p);
}
#endif

const struct a2a_pattern_ops a2a_pat_a2a = {
    .name	  = "a2a",
    .desc	  = "all-to-all dispatch (grouped NCCL send/recv with per-peer "
		    "counts) + expert + combine",
    .has_dispatch = true,
    .has_layout	  = true,
    .bytes	  = pattern_bytes,
    A2A_STEP(pattern_step),
};
