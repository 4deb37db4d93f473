/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall patterns over NCCL (methodology: moe_alltoall.c). Launch,
 * bootstrap, network selection and its proof, and stream waits with a
 * deadline come from nccl_coll's runtime (nccl_rt.h).
 *
 * Buffers: a record is one token's BF16 hidden vector (H elements) plus, for
 * dispatch, an int32 metadata record of M = 1 + 2k words: token index, k
 * expert ids (-1 where the expert is on another rank) and k weights (float
 * bits). Every buffer holds R = nranks x max tokens records, enough for any
 * pattern: a rank sends a token at most once per peer and receives at most
 * `tokens` records from each.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2a.h"

struct a2a_run {
	struct a2a_params *p;
	struct nrt_ctx ctx;
	struct bm_out *out;
	struct a2a_gen *gen;
	int n, me, H, k, E, M, max_tok;
	size_t R;
	struct a2a_route *routes; /* [n]: every rank's routing */
	/* host */
	uint16_t *h_send, *h_recv, *h_csend, *h_crecv, *h_xrow;
	int32_t *h_msend, *h_mrecv;
	int32_t *h_cnt;	 /* pinned [2n]: send, recv counts */
	int *rec_tok;	 /* [R] token of send record i */
	int *off, *roff; /* [n + 1] record offsets */
	float *h_out, *part, *expect;
	uint8_t *active;     /* [E] */
	uint32_t *sel, *tok; /* [n] */
	/* device */
	char *d_send, *d_recv, *d_csend, *d_crecv;
	int32_t *d_msend, *d_mrecv, *d_cnt;
	/* per token count */
	struct bm_samples disp, comb, tot, lay, expt;
	struct a2a_acc acc;
	struct a2a_matrix m;
	uint64_t *hist;			 /* [E] */
	unsigned char *gx_mine, *gx_all; /* per-step exchange */
	size_t gx_len;
	uint64_t wrong;			 /* this rank, this step */
	uint64_t wrong_row;		 /* all ranks, this token count */
	struct nrt_check check;		 /* every step, all ranks */
	double max_err;
};

#define HB(s) ((size_t)(s)->H * 2) /* bytes of one BF16 hidden row */

/* The communicator is non-blocking (nccl_rt): wait out ncclInProgress. */
#define NCALL(s, call)                                                         \
	do {                                                                   \
		int r_ = nrt_call_done((s)->ctx.comm.comm, (call), #call, \
				       (s)->ctx.o.timeout_ms);                        \
		if (r_)                                                        \
			return r_;                                             \
	} while (0)

static int h2d(struct a2a_run *s, void *dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	CUDA_CHECK(cudaMemcpyAsync(dst, src, len, cudaMemcpyHostToDevice,
				   s->ctx.stream),
		   return -EIO);
	return nrt_sync(&s->ctx, &s->ctx.comm, s->ctx.stream, 0);
}

static int d2h(struct a2a_run *s, void *dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	CUDA_CHECK(cudaMemcpyAsync(dst, src, len, cudaMemcpyDeviceToHost,
				   s->ctx.stream),
		   return -EIO);
	return nrt_sync(&s->ctx, &s->ctx.comm, s->ctx.stream, 0);
}

static void spin_us(double us)
{
	uint64_t end = bm_now_ns() + (uint64_t)(us * 1e3);

	while (us > 0 && bm_now_ns() < end)
		;
}

/* Token t of rank r as BF16. */
static void xrow(const struct a2a_run *s, int r, int t, uint16_t *row)
{
	int h;

	for (h = 0; h < s->H; h++)
		row[h] = nrt_f2bf16(a2a_xval(r, t, h));
}

/*
 * The simulated experts of rank d on one token: sum over its top-k entries
 * whose expert lives on d of w_j x BF16(x x scale(e_j)), accumulated in
 * float in top-k order, then rounded to BF16 (what goes on the wire). Both
 * the expert side and the checker call this, so the arithmetic is the same
 * operation for operation. Returns how many experts were used; marks them
 * in active (may be NULL).
 */
static int partial(const struct a2a_run *s, const uint16_t *x,
		   const int32_t *ids, const float *w, int d, float *out,
		   uint8_t *active)
{
	int j, h, used = 0;

	for (h = 0; h < s->H; h++)
		out[h] = 0;
	for (j = 0; j < s->k; j++) {
		int e = ids[j];
		float f;

		if (e < 0 || e >= s->E || a2a_owner(e, s->E, s->n) != d)
			continue;
		f = a2a_expert_scale(e);
		for (h = 0; h < s->H; h++)
			out[h] +=
			    w[j] * nrt_bf162f(nrt_f2bf16(nrt_bf162f(x[h]) * f));
		if (active)
			active[e] = 1;
		used++;
	}
	for (h = 0; h < s->H; h++)
		out[h] = nrt_bf162f(nrt_f2bf16(out[h]));
	return used;
}

static bool has_expert_on(const struct a2a_run *s, const struct a2a_route *r,
			  int t, int d)
{
	int j;

	for (j = 0; j < s->k; j++)
		if (a2a_owner(r->ids[t * s->k + j], s->E, s->n) == d)
			return true;
	return false;
}

/* Wrong elements of a received row against token t of rank r. */
static uint64_t check_xrow(struct a2a_run *s, const uint16_t *got, int r, int t)
{
	uint64_t bad = 0;
	int h;

	xrow(s, r, t, s->h_xrow);
	for (h = 0; h < s->H; h++)
		bad += got[h] != s->h_xrow[h];
	return bad;
}

/* A metadata record against rank r's routing of token t as seen by rank
 * d (-1 for experts elsewhere; d < 0: all ids). */
static uint64_t check_meta(struct a2a_run *s, const int32_t *m,
			   const struct a2a_route *r, int t, int d)
{
	uint64_t bad = m[0] != t;
	int j;

	for (j = 0; j < s->k; j++) {
		int e = r->ids[t * s->k + j];

		if (d >= 0 && a2a_owner(e, s->E, s->n) != d)
			e = -1;
		bad += m[1 + j] != e;
		bad += (uint32_t)m[1 + s->k + j] != nrt_f2u(r->w[t * s->k + j]);
	}
	return bad;
}

static void pack_meta(struct a2a_run *s, int32_t *m, const struct a2a_route *r,
		      int t, int d)
{
	int j;

	m[0] = t;
	for (j = 0; j < s->k; j++) {
		int e = r->ids[t * s->k + j];

		m[1 + j] = d >= 0 && a2a_owner(e, s->E, s->n) != d ? -1 : e;
		m[1 + s->k + j] = (int32_t)nrt_f2u(r->w[t * s->k + j]);
	}
}

/* Compare the combined output of token t with the recomputation; exact
 * when tol_scale is 0, else within tol_scale x sum |partials|. */
static void check_out(struct a2a_run *s, const uint16_t *x,
		      const struct a2a_route *r, int t, const float *got,
		      double tol_scale)
{
	float *mag = s->h_out + (size_t)s->max_tok * s->H; /* scratch row */
	int d, h;

	for (h = 0; h < s->H; h++)
		s->expect[h] = mag[h] = 0;
	for (d = 0; d < s->n; d++) {
		if (!has_expert_on(s, r, t, d))
			continue;
		partial(s, x, r->ids + (size_t)t * s->k,
			r->w + (size_t)t * s->k, d, s->part, NULL);
		for (h = 0; h < s->H; h++) {
			s->expect[h] += s->part[h];
			mag[h] += fabsf(s->part[h]);
		}
	}
	for (h = 0; h < s->H; h++) {
		double err = fabs((double)got[h] - s->expect[h]);

		if (err > s->max_err)
			s->max_err = err;
		if (tol_scale == 0 ? got[h] != s->expect[h]
				   : err > tol_scale * mag[h] + 1e-6)
			s->wrong++;
	}
}

/* ---- a2a: all-to-all dispatch and combine ---- */

static int step_a2a(struct a2a_run *s, int T, uint64_t step, double *t_p)
{
	struct a2a_route *me = &s->routes[s->me];
	ncclComm_t comm	     = s->ctx.comm.comm;
	cudaStream_t st	     = s->ctx.stream;
	uint64_t t0, t1, t2, t3, t4, t5;
	int d, t, i, src, nact = 0, e, ret;
	int32_t *cs = s->h_cnt, *cr = s->h_cnt + s->n;

	/* origin: records grouped by destination, tokens ascending */
	for (d = 0, i = 0; d < s->n; d++) {
		s->off[d] = i;
		for (t = 0; t < T; t++) {
			if (!has_expert_on(s, me, t, d))
				continue;
			s->rec_tok[i] = t;
			xrow(s, s->me, t, s->h_send + (size_t)i * s->H);
			pack_meta(s, s->h_msend + (size_t)i * s->M, me, t, d);
			i++;
		}
		cs[d] = i - s->off[d];
	}
	s->off[s->n] = i;
	ret	     = h2d(s, s->d_send, s->h_send, (size_t)i * HB(s));
	ret = ret ? ret : h2d(s, s->d_msend, s->h_msend, (size_t)i * s->M * 4);
	ret = ret ? ret : h2d(s, s->d_cnt, cs, (size_t)s->n * 4);
	ret = ret ? ret : nrt_barrier(&s->ctx);
	if (ret)
		return ret;

	t0 = bm_now_ns();
	/* layout: one count per peer, as DeepEP's notify step */
	NCALL(s, ncclGroupStart());
	for (d = 0; d < s->n; d++) {
		NCALL(s, ncclSend(s->d_cnt + d, 1, ncclInt32, d, comm, st));
		NCALL(s,
		      ncclRecv(s->d_cnt + s->n + d, 1, ncclInt32, d, comm, st));
	}
	NCALL(s, ncclGroupEnd());
	CUDA_CHECK(cudaMemcpyAsync(cr, s->d_cnt + s->n, (size_t)s->n * 4,
				   cudaMemcpyDeviceToHost, st),
		   return -EIO);
	ret = nrt_sync(&s->ctx, &s->ctx.comm, st, 0);
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
			NCALL(s, ncclSend(s->d_send + s->off[d] * HB(s),
					  (size_t)cs[d] * s->H, ncclBfloat16, d,
					  comm, st));
			NCALL(s, ncclSend(s->d_msend + (size_t)s->off[d] * s->M,
					  (size_t)cs[d] * s->M, ncclInt32, d,
					  comm, st));
		}
		if (cr[d]) {
			NCALL(s, ncclRecv(s->d_recv + s->roff[d] * HB(s),
					  (size_t)cr[d] * s->H, ncclBfloat16, d,
					  comm, st));
			NCALL(s,
			      ncclRecv(s->d_mrecv + (size_t)s->roff[d] * s->M,
				       (size_t)cr[d] * s->M, ncclInt32, d, comm,
				       st));
		}
	}
	NCALL(s, ncclGroupEnd());
	ret = nrt_sync(&s->ctx, &s->ctx.comm, st, 0);
	if (ret)
		return ret;
	t2 = bm_now_ns();

	/* expert side (host, untimed): check what came, compute partials */
	ret = d2h(s, s->h_recv, s->d_recv, (size_t)s->roff[s->n] * HB(s));
	ret = ret ? ret
		  : d2h(s, s->h_mrecv, s->d_mrecv,
			(size_t)s->roff[s->n] * s->M * 4);
	if (ret)
		return ret;
	memset(s->active, 0, (size_t)s->E);
	for (src = 0; src < s->n; src++) {
		const struct a2a_route *r = &s->routes[src];

		i = s->roff[src];
		for (t = 0; t < T; t++) {
			if (!has_expert_on(s, r, t, s->me))
				continue;
			if (i >= s->roff[src + 1]) {
				s->wrong += s->H; /* a record went missing */
				continue;
			}
			s->wrong +=
			    check_xrow(s, s->h_recv + (size_t)i * s->H, src, t);
			s->wrong += check_meta(s, s->h_mrecv + (size_t)i * s->M,
					       r, t, s->me);
			i++;
		}
		if (i != s->roff[src + 1])
			s->wrong += (uint64_t)(s->roff[src + 1] - i) * s->H;
	}
	for (i = 0; i < s->roff[s->n]; i++) {
		const int32_t *m = s->h_mrecv + (size_t)i * s->M;
		float w[256];
		int h, j;

		for (j = 0; j < s->k; j++)
			w[j] = nrt_u2f((uint32_t)m[1 + s->k + j]);
		partial(s, s->h_recv + (size_t)i * s->H, m + 1, w, s->me,
			s->part, s->active);
		for (h = 0; h < s->H; h++)
			s->h_csend[(size_t)i * s->H + h] =
			    nrt_f2bf16(s->part[h]);
	}
	for (e = 0; e < s->E; e++)
		nact += s->active[e];
	ret = h2d(s, s->d_csend, s->h_csend, (size_t)s->roff[s->n] * HB(s));
	ret = ret ? ret : nrt_barrier(&s->ctx);
	if (ret)
		return ret;

	t3 = bm_now_ns();
	spin_us(s->p->expert_us * nact);
	t4 = bm_now_ns();
	NCALL(s, ncclGroupStart());
	for (d = 0; d < s->n; d++) {
		if (cr[d])
			NCALL(s, ncclSend(s->d_csend + s->roff[d] * HB(s),
					  (size_t)cr[d] * s->H, ncclBfloat16, d,
					  comm, st));
		if (cs[d])
			NCALL(s, ncclRecv(s->d_crecv + s->off[d] * HB(s),
					  (size_t)cs[d] * s->H, ncclBfloat16, d,
					  comm, st));
	}
	NCALL(s, ncclGroupEnd());
	ret = nrt_sync(&s->ctx, &s->ctx.comm, st, 0);
	if (ret)
		return ret;
	t5 = bm_now_ns();

	/* origin (host, untimed): sum the partials in rank order, check */
	ret = d2h(s, s->h_crecv, s->d_crecv, (size_t)s->off[s->n] * HB(s));
	if (ret)
		return ret;
	memset(s->h_out, 0, (size_t)T * s->H * sizeof(float));
	for (i = 0; i < s->off[s->n]; i++) {
		float *o = s->h_out + (size_t)s->rec_tok[i] * s->H;
		int h;

		for (h = 0; h < s->H; h++)
			o[h] += nrt_bf162f(s->h_crecv[(size_t)i * s->H + h]);
	}
	for (t = 0; t < T; t++) {
		xrow(s, s->me, t, s->h_xrow + s->H);
		check_out(s, s->h_xrow + s->H, me, t,
			  s->h_out + (size_t)t * s->H, 0);
	}
	t_p[0] = (double)(t2 - t0) / 1e3;
	t_p[1] = (double)(t5 - t4) / 1e3;
	t_p[2] = (double)(t2 - t0 + t5 - t3) / 1e3;
	t_p[3] = (double)(t1 - t0) / 1e3;
	t_p[4] = (double)(t4 - t3) / 1e3;
	(void)step;
	return 0;
}

/* ---- agrs: all-gather, local experts, reduce-scatter ---- */

static int step_agrs(struct a2a_run *s, int T, uint64_t step, double *t_p)
{
	struct a2a_route *me = &s->routes[s->me];
	ncclComm_t comm	     = s->ctx.comm.comm;
	cudaStream_t st	     = s->ctx.stream;
	uint64_t t0, t2, t3, t4, t5;
	int t, i, src, nact = 0, e, ret, h, j;
	/* NCCL sums BF16 with a rounding per step: n-1 roundings */
	double tol = s->n > 1 ? s->n * (1.0 / 256) : 0;

	for (t = 0; t < T; t++) {
		xrow(s, s->me, t, s->h_send + (size_t)t * s->H);
		pack_meta(s, s->h_msend + (size_t)t * s->M, me, t, -1);
	}
	ret = h2d(s, s->d_send, s->h_send, (size_t)T * HB(s));
	ret = ret ? ret : h2d(s, s->d_msend, s->h_msend, (size_t)T * s->M * 4);
	ret = ret ? ret : nrt_barrier(&s->ctx);
	if (ret)
		return ret;

	t0 = bm_now_ns();
	NCALL(s, ncclGroupStart());
	NCALL(s, ncclAllGather(s->d_send, s->d_recv, (size_t)T * s->H,
			       ncclBfloat16, comm, st));
	NCALL(s, ncclAllGather(s->d_msend, s->d_mrecv, (size_t)T * s->M,
			       ncclInt32, comm, st));
	NCALL(s, ncclGroupEnd());
	ret = nrt_sync(&s->ctx, &s->ctx.comm, st, 0);
	if (ret)
		return ret;
	t2 = bm_now_ns();

	ret = d2h(s, s->h_recv, s->d_recv, (size_t)s->n * T * HB(s));
	ret = ret ? ret
		  : d2h(s, s->h_mrecv, s->d_mrecv, (size_t)s->n * T * s->M * 4);
	if (ret)
		return ret;
	memset(s->active, 0, (size_t)s->E);
	for (src = 0; src < s->n; src++) {
		for (t = 0; t < T; t++) {
			const int32_t *m;
			float w[256];

			i = src * T + t;
			m = s->h_mrecv + (size_t)i * s->M;
			s->wrong +=
			    check_xrow(s, s->h_recv + (size_t)i * s->H, src, t);
			s->wrong += check_meta(s, m, &s->routes[src], t, -1);
			for (j = 0; j < s->k; j++)
				w[j] = nrt_u2f((uint32_t)m[1 + s->k + j]);
			partial(s, s->h_recv + (size_t)i * s->H, m + 1, w,
				s->me, s->part, s->active);
			for (h = 0; h < s->H; h++)
				s->h_csend[(size_t)i * s->H + h] =
				    nrt_f2bf16(s->part[h]);
		}
	}
	for (e = 0; e < s->E; e++)
		nact += s->active[e];
	ret = h2d(s, s->d_csend, s->h_csend, (size_t)s->n * T * HB(s));
	ret = ret ? ret : nrt_barrier(&s->ctx);
	if (ret)
		return ret;

	t3 = bm_now_ns();
	spin_us(s->p->expert_us * nact);
	t4 = bm_now_ns();
	NCALL(s, ncclReduceScatter(s->d_csend, s->d_crecv, (size_t)T * s->H,
				   ncclBfloat16, ncclSum, comm, st));
	ret = nrt_sync(&s->ctx, &s->ctx.comm, st, 0);
	if (ret)
		return ret;
	t5 = bm_now_ns();

	ret = d2h(s, s->h_crecv, s->d_crecv, (size_t)T * HB(s));
	if (ret)
		return ret;
	for (t = 0; t < T; t++) {
		float *o = s->h_out + (size_t)t * s->H;

		for (h = 0; h < s->H; h++)
			o[h] = nrt_bf162f(s->h_crecv[(size_t)t * s->H + h]);
		xrow(s, s->me, t, s->h_xrow + s->H);
		check_out(s, s->h_xrow + s->H, me, t, o, tol);
	}
	t_p[0] = (double)(t2 - t0) / 1e3;
	t_p[1] = (double)(t5 - t4) / 1e3;
	t_p[2] = (double)(t2 - t0 + t5 - t3) / 1e3;
	t_p[3] = 0;
	t_p[4] = (double)(t4 - t3) / 1e3;
	(void)step;
	return 0;
}

/* ---- eptp: experts split, one all-reduce ---- */

static int step_eptp(struct a2a_run *s, int T, uint64_t step, double *t_p)
{
	struct a2a_route *r0 = &s->routes[0]; /* the shared tokens */
	ncclComm_t comm	     = s->ctx.comm.comm;
	cudaStream_t st	     = s->ctx.stream;
	uint64_t t3, t4, t5;
	int t, nact = 0, e, ret, h;
	double tol = s->n > 1 ? s->n * (1.0 / 256) : 0;

	memset(s->active, 0, (size_t)s->E);
	for (t = 0; t < T; t++) {
		xrow(s, 0, t, s->h_xrow + s->H);
		partial(s, s->h_xrow + s->H, r0->ids + (size_t)t * s->k,
			r0->w + (size_t)t * s->k, s->me, s->part, s->active);
		for (h = 0; h < s->H; h++)
			s->h_csend[(size_t)t * s->H + h] =
			    nrt_f2bf16(s->part[h]);
	}
	for (e = 0; e < s->E; e++)
		nact += s->active[e];
	ret = h2d(s, s->d_csend, s->h_csend, (size_t)T * HB(s));
	ret = ret ? ret : nrt_barrier(&s->ctx);
	if (ret)
		return ret;

	t3 = bm_now_ns();
	spin_us(s->p->expert_us * nact);
	t4 = bm_now_ns();
	NCALL(s, ncclAllReduce(s->d_csend, s->d_crecv, (size_t)T * s->H,
			       ncclBfloat16, ncclSum, comm, st));
	ret = nrt_sync(&s->ctx, &s->ctx.comm, st, 0);
	if (ret)
		return ret;
	t5 = bm_now_ns();

	ret = d2h(s, s->h_crecv, s->d_crecv, (size_t)T * HB(s));
	if (ret)
		return ret;
	for (t = 0; t < T; t++) {
		float *o = s->h_out + (size_t)t * s->H;

		for (h = 0; h < s->H; h++)
			o[h] = nrt_bf162f(s->h_crecv[(size_t)t * s->H + h]);
		xrow(s, 0, t, s->h_xrow + s->H);
		check_out(s, s->h_xrow + s->H, r0, t, o, tol);
	}
	t_p[0] = 0;
	t_p[1] = (double)(t5 - t4) / 1e3;
	t_p[2] = (double)(t5 - t3) / 1e3;
	t_p[3] = 0;
	t_p[4] = (double)(t4 - t3) / 1e3;
	(void)step;
	return 0;
}

typedef int (*step_fn)(struct a2a_run *s, int T, uint64_t step, double *t_p);
static const step_fn step_fns[A2A_PAT_N] = {
    [A2A_PAT_A2A]  = step_a2a,
    [A2A_PAT_AGRS] = step_agrs,
    [A2A_PAT_EPTP] = step_eptp,
};

/* ---- driver ---- */

static void free_run(struct a2a_run *s)
{
	int r;

	for (r = 0; s->routes && r < s->n; r++)
		a2a_route_free(&s->routes[r]);
	free(s->routes);
	free(s->h_send);
	free(s->h_recv);
	free(s->h_csend);
	free(s->h_crecv);
	free(s->h_xrow);
	free(s->h_msend);
	free(s->h_mrecv);
	if (s->h_cnt)
		cudaFreeHost(s->h_cnt);
	free(s->rec_tok);
	free(s->off);
	free(s->roff);
	free(s->h_out);
	free(s->part);
	free(s->expect);
	free(s->active);
	free(s->sel);
	free(s->tok);
	free(s->hist);
	free(s->gx_mine);
	free(s->gx_all);
	cudaFree(s->d_send);
	cudaFree(s->d_recv);
	cudaFree(s->d_csend);
	cudaFree(s->d_crecv);
	cudaFree(s->d_msend);
	cudaFree(s->d_mrecv);
	cudaFree(s->d_cnt);
	bm_samples_free(&s->disp);
	bm_samples_free(&s->comb);
	bm_samples_free(&s->tot);
	bm_samples_free(&s->lay);
	bm_samples_free(&s->expt);
	a2a_acc_free(&s->acc);
	a2a_matrix_free(&s->m);
	a2a_gen_close(s->gen);
}

static int alloc_run(struct a2a_run *s)
{
	size_t R, H = (size_t)s->H, M = (size_t)s->M, n = (size_t)s->n;
	size_t it = s->p->com.iters;

	s->R = R   = n * (size_t)s->max_tok;
	s->routes  = calloc(n, sizeof(*s->routes));
	s->h_send  = malloc(R * H * 2);
	s->h_recv  = malloc(R * H * 2);
	s->h_csend = malloc(R * H * 2);
	s->h_crecv = malloc(R * H * 2);
	s->h_xrow  = malloc(2 * H * 2);
	s->h_msend = malloc(R * M * 4);
	s->h_mrecv = malloc(R * M * 4);
	s->rec_tok = malloc(R * sizeof(int));
	s->off	   = calloc(n + 1, sizeof(int));
	s->roff	   = calloc(n + 1, sizeof(int));
	s->h_out   = malloc(((size_t)s->max_tok + 1) * H * sizeof(float));
	s->part	   = malloc(H * sizeof(float));
	s->expect  = malloc(H * sizeof(float));
	s->active  = calloc((size_t)s->E, 1);
	s->sel	   = calloc(n, sizeof(uint32_t));
	s->tok	   = calloc(n, sizeof(uint32_t));
	s->hist	   = calloc((size_t)s->E, sizeof(uint64_t));
	/* per step: 5 times, wrong, sel[n], tok[n], hist[E] (8 B each) */
	s->gx_len  = 8 * (6 + 2 * n + (size_t)s->E);
	s->gx_mine = malloc(s->gx_len);
	s->gx_all  = malloc(s->gx_len * n);
	if (!s->routes || !s->h_send || !s->h_recv || !s->h_csend ||
	    !s->h_crecv || !s->h_xrow || !s->h_msend || !s->h_mrecv ||
	    !s->rec_tok || !s->off || !s->roff || !s->h_out || !s->part ||
	    !s->expect || !s->active || !s->sel || !s->tok || !s->hist ||
	    !s->gx_mine || !s->gx_all)
		return -ENOMEM;
	if (bm_samples_init(&s->disp, it) || bm_samples_init(&s->comb, it) ||
	    bm_samples_init(&s->tot, it) || bm_samples_init(&s->lay, it) ||
	    bm_samples_init(&s->expt, it) ||
	    a2a_acc_init(&s->acc, s->n, s->E) || a2a_matrix_init(&s->m, s->n))
		return -ENOMEM;
	CUDA_CHECK(cudaMallocHost((void **)&s->h_cnt, 2 * n * 4),
		   return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_send, R * H * 2), return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_recv, R * H * 2), return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_csend, R * H * 2), return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_crecv, R * H * 2), return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_msend, R * M * 4), return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_mrecv, R * M * 4), return -ENOMEM);
	CUDA_CHECK(cudaMalloc((void **)&s->d_cnt, 2 * n * 4), return -ENOMEM);
	return 0;
}

/* After a timed step: gather times, wrong counts and routing counts from
 * every rank; samples are the slowest rank's. */
static int gather_step(struct a2a_run *s, int T, const double *tv, bool timed)
{
	uint64_t *g = (uint64_t *)s->gx_mine;
	int n	    = s->n, r, d, e, ret;
	size_t w    = s->gx_len / 8;
	struct a2a_route *src;
	double mx[5]   = {0};
	uint64_t wrong = 0;

	memset(s->gx_mine, 0, s->gx_len);
	memcpy(g, tv, 5 * sizeof(double));
	g[5] = s->wrong;
	/* eptp: the tokens are rank 0's, counted once */
	src = &s->routes[s->me];
	if (s->p->pattern != A2A_PAT_EPTP || s->me == 0) {
		a2a_route_counts(src, s->E, n, s->sel, s->tok);
		for (d = 0; d < n; d++) {
			g[6 + d]     = s->sel[d];
			g[6 + n + d] = s->tok[d];
		}
		a2a_route_hist(src, s->E, g + 6 + 2 * n);
	}
	ret = nrt_allgather(&s->ctx, s->gx_mine, s->gx_all, s->gx_len);
	if (ret)
		return ret;
	a2a_matrix_clear(&s->m);
	memset(s->hist, 0, (size_t)s->E * sizeof(*s->hist));
	for (r = 0; r < n; r++) {
		const uint64_t *o = (const uint64_t *)s->gx_all + r * w;
		double v[5];

		memcpy(v, o, sizeof(v));
		for (d = 0; d < 5; d++)
			mx[d] = fmax(mx[d], v[d]);
		wrong += o[5];
		for (d = 0; d < n; d++) {
			s->m.sel[r * n + d] = o[6 + d];
			s->m.tok[r * n + d] = o[6 + n + d];
		}
		for (e = 0; e < s->E; e++)
			s->hist[e] += o[6 + 2 * n + e];
	}
	s->wrong_row += wrong;
	nrt_check_add(&s->check, wrong);
	if (!timed)
		return 0;
	a2a_acc_step(&s->acc, s->p, T, &s->m, s->hist);
	if (bm_samples_push(&s->disp, mx[0]) ||
	    bm_samples_push(&s->comb, mx[1]) ||
	    bm_samples_push(&s->tot, mx[2]) ||
	    bm_samples_push(&s->lay, mx[3]) || bm_samples_push(&s->expt, mx[4]))
		return -ENOMEM;
	return 0;
}

static void row_stats(json_t *row, const char *key, struct bm_samples *b,
		      bool samples)
{
	struct bm_stats st;
	char k[64];

	if (bm_stats_compute(b->v, b->n, &st))
		return;
	bm_json_stats(row, key, &st, 1.0);
	if (samples) {
		snprintf(k, sizeof(k), "%s_samples", key);
		json_object_set_new(row, k, bm_json_samples(b->v, b->n, 1.0));
	}
}

static int run_tokens(struct a2a_run *s, int T)
{
	const struct a2a_params *p = s->p;
	uint64_t i, last = 0, nsteps = p->com.warmup + p->com.iters;
	int r, ret;
	double tv[5];
	json_t *row;

	a2a_acc_reset(&s->acc);
	bm_samples_reset(&s->disp);
	bm_samples_reset(&s->comb);
	bm_samples_reset(&s->tot);
	bm_samples_reset(&s->lay);
	bm_samples_reset(&s->expt);
	s->wrong_row = 0;
	s->max_err   = 0;
	for (r = 0; r < s->n; r++) {
		a2a_route_free(&s->routes[r]);
		ret = a2a_route_alloc(&s->routes[r], T, s->k);
		if (ret)
			return ret;
	}
	for (i = 0; i < nsteps; i++) {
		/* every rank's routing: the checks compare against it */
		for (r = 0; r < s->n; r++) {
			ret = a2a_gen_route(s->gen,
					    p->pattern == A2A_PAT_EPTP ? 0 : r,
					    i, &s->routes[r]);
			if (ret)
				return ret;
		}
		s->wrong = 0;
		ret	 = step_fns[p->pattern](s, T, i, tv);
		if (ret)
			return ret;
		/* warm-up steps are checked too, not timed */
		ret = gather_step(s, T, tv, i >= p->com.warmup);
		if (ret)
			return ret;
		if (s->me == 0 && !p->com.quiet && bm_now_ns() - last > 2e9) {
			fprintf(stderr, "%s: tokens %d: step %llu/%llu\r",
				A2A_TOOL, T, (unsigned long long)i + 1,
				(unsigned long long)nsteps);
			last = bm_now_ns();
		}
	}
	row =
	    json_pack("{s:i, s:I}", "tokens", T, "steps", (json_int_t)s->tot.n);
	if (p->pattern != A2A_PAT_EPTP)
		row_stats(row, "dispatch_us", &s->disp, false);
	row_stats(row, "combine_us", &s->comb, false);
	row_stats(row, "total_us", &s->tot, !p->no_samples);
	if (p->pattern == A2A_PAT_A2A)
		row_stats(row, "layout_us", &s->lay, false);
	if (p->expert_us > 0)
		row_stats(row, "expert_us", &s->expt, false);
	a2a_acc_row(&s->acc, p, row);
	json_object_set_new(row, "wrong",
			    json_integer((json_int_t)s->wrong_row));
	json_object_set_new(row, "check_max_abs_err", json_real(s->max_err));
	return bm_out_row(s->out, row);
}

int a2a_run_nccl(struct a2a_params *p, int argc, char **argv)
{
	struct a2a_run s = {.p = p};
	struct bm_out_cfg ocfg;
	json_t *params;
	char *ptext = NULL;
	const char *k, *v;
	json_t *jv;
	int ret, code, T;

	nrt_opts_from_common(&p->nrt, &p->com);	/* -p, --bind, --timeout */
	if (p->nrt.print_launch)
		return nrt_print_launch(&p->nrt, stdout) ? BM_EXIT_USAGE
							 : BM_EXIT_OK;
	ret = nrt_launch(&p->nrt, &code);
	if (ret > 0)
		return code;
	/* nranks is not known yet: the hello compares everything else */
	params	      = a2a_params_json(p, 0);
	ptext	      = bm_params_text(params);
	p->nrt.tool   = A2A_TOOL;
	p->nrt.params = ptext;
	ret	      = nrt_init(&s.ctx, &p->nrt);
	if (ret) {
		json_decref(params);
		free(ptext);
		if (ret == -ENODEV) {
			fprintf(stderr,
				"%s: no CUDA GPU here: skipping "
				"(exit 77)\n",
				A2A_TOOL);
			return BM_EXIT_UNAVAIL;
		}
		return ret == -EINVAL ? BM_EXIT_USAGE : BM_EXIT_FAIL;
	}
	json_object_set_new(params, "ep", json_integer(s.ctx.nranks));
	s.n	      = s.ctx.nranks;
	s.me	      = s.ctx.rank;
	s.H	      = p->geom.hidden;
	s.k	      = p->geom.topk;
	s.E	      = p->geom.n_experts;
	s.M	      = 1 + 2 * s.k;
	s.max_tok     = (int)p->com.sweep.max;
	p->gen.nranks = s.n;
	ret	      = a2a_gen_open(&p->gen, &s.gen);
	if (ret) {
		ret = -EINVAL;
		goto out_fini;
	}
	ret = alloc_run(&s);
	if (ret) {
		BM_ERR("out of memory for %d ranks x %d tokens x hidden %d",
		       s.n, s.max_tok, s.H);
		goto out_fini;
	}
	ocfg = (struct bm_out_cfg){
	    .json_path = s.me == 0 ? p->com.json_path : NULL,
	    .csv_path  = s.me == 0 ? p->com.csv_path : NULL,
	    .quiet     = s.me != 0 || p->com.quiet,
	};
	ret = bm_out_open(&ocfg, A2A_TOOL, argc, argv, &s.out);
	if (ret) {
		s.out = NULL;
		ret   = -EINVAL;
		goto out_fini;
	}
	json_object_foreach(params, k, jv)
	    bm_out_param(s.out, k, json_incref(jv));
	bm_out_meta(s.out, "model_path", json_string(p->model_path));
	nrt_meta(&s.ctx, s.out);
	bm_out_meta(
	    s.out, "timing",
	    json_string(
		"host wall clock (CLOCK_MONOTONIC_RAW) from an OOB barrier to "
		"stream completion (cudaStreamQuery poll); per step the "
		"slowest rank; packing, simulated-expert arithmetic and the "
		"final sum are host work, not timed"));
	bm_out_comment(s.out,
		       "%d rank(s) (%s), GPU %s, NCCL %d, transport "
		       "%s (%s)",
		       s.n, s.ctx.launch.source, s.ctx.gpu_name,
		       s.ctx.nccl_version, s.ctx.comm.path.transport,
		       s.ctx.comm.path.detail);
	if (s.ctx.comm.path.mismatch)
		bm_out_comment(s.out,
			       "!!! asked for %s, NCCL used %s: these "
			       "are NOT %s numbers !!!",
			       nrt_net_name(p->nrt.net),
			       s.ctx.comm.path.transport,
			       nrt_net_name(p->nrt.net));
	a2a_out_begin(s.out, p, s.n, true);
	/* every step of every token count is checked, warm-up included */
	for (T = a2a_tokens_first(p); T; T = a2a_tokens_next(p, T))
		s.check.planned += p->com.warmup + p->com.iters;
	for (T = a2a_tokens_first(p); T && !ret; T = a2a_tokens_next(p, T))
		ret = run_tokens(&s, T);
	if (s.me == 0 && !p->com.quiet)
		fprintf(stderr, "%60s\r", "");
	/* "passed" only when every planned step was checked */
	v = nrt_check_summary(&s.check,
			      ret ? (bm_log_last_error() ? bm_log_last_error()
							 : strerror(-ret))
				  : NULL,
			      s.out);
	if (!ret && s.check.wrong) {
		BM_ERR("data check FAILED: %llu wrong element(s)",
		       (unsigned long long)s.check.wrong);
		ret = -EBADMSG;
	} else if (!ret && s.check.done != s.check.planned) {
		BM_ERR("internal: %llu steps planned, %llu checked (%s)",
		       (unsigned long long)s.check.planned,
		       (unsigned long long)s.check.done, v);
		ret = -EDOM;
	}
out_fini:
	if (s.out)
		bm_out_close(s.out,
			     ret ? (bm_log_last_error() ? bm_log_last_error()
							: strerror(-ret))
				 : NULL);
	json_decref(params);
	free_run(&s);
	if (ret && ret != -EBADMSG)
		nrt_comm_close(&s.ctx.comm, true);
	nrt_fini(&s.ctx);
	free(ptext);
	return bm_exit_of(ret);
}
