/* SPDX-License-Identifier: MIT */
/* What the patterns' steps share: copies, the data the check compares
 * against, the simulated experts and the expert phase (a2a_run.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "a2a_run.h"

int a2a_h2d(struct a2a_run *s, void *dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	CUDA_CHECK(cudaMemcpyAsync(dst, src, len, cudaMemcpyHostToDevice,
				   s->ctx->stream),
		   return -EIO);
	return nrt_sync(s->ctx, &s->ctx->comm, s->ctx->stream, 0);
}

int a2a_d2h(struct a2a_run *s, void *dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	CUDA_CHECK(cudaMemcpyAsync(dst, src, len, cudaMemcpyDeviceToHost,
				   s->ctx->stream),
		   return -EIO);
	return nrt_sync(s->ctx, &s->ctx->comm, s->ctx->stream, 0);
}

static void spin_us(double us)
{
	uint64_t end = bm_now_ns() + (uint64_t)(us * 1e3);

	while (us > 0 && bm_now_ns() < end)
		;
}

void a2a_xrow(const struct a2a_run *s, int r, int t, uint16_t *row)
{
	int h;

	for (h = 0; h < s->H; h++)
		row[h] = bm_f2bf16(a2a_xval(r, t, h));
}

/*
 * The simulated experts of rank d on one token: sum over its top-k entries
 * whose expert lives on d of w_j x BF16(x x scale(e_j)), accumulated in
 * float in top-k order, then rounded to BF16 (what goes on the wire). Both
 * the expert side and the checker call this, so the arithmetic is the same
 * operation for operation.
 */
int a2a_partial(const struct a2a_run *s, const uint16_t *x, const int32_t *ids,
		const float *w, int d, float *out, uint8_t *active)
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
			    w[j] * bm_bf162f(bm_f2bf16(bm_bf162f(x[h]) * f));
		if (active)
			active[e] = 1;
		used++;
	}
	for (h = 0; h < s->H; h++)
		out[h] = bm_bf162f(bm_f2bf16(out[h]));
	return used;
}

bool a2a_has_expert_on(const struct a2a_run *s, const struct a2a_route *r,
		       int t, int d)
{
	int j;

	for (j = 0; j < s->k; j++)
		if (a2a_owner(r->ids[t * s->k + j], s->E, s->n) == d)
			return true;
	return false;
}

uint64_t a2a_check_xrow(struct a2a_run *s, const uint16_t *got, int r, int t)
{
	uint64_t bad = 0;
	int h;

	a2a_xrow(s, r, t, s->h_xrow);
	for (h = 0; h < s->H; h++)
		bad += got[h] != s->h_xrow[h];
	return bad;
}

uint64_t a2a_check_meta(struct a2a_run *s, const int32_t *m,
			const struct a2a_route *r, int t, int d)
{
	uint64_t bad = m[0] != t;
	int j;

	for (j = 0; j < s->k; j++) {
		int e = r->ids[t * s->k + j];

		if (d >= 0 && a2a_owner(e, s->E, s->n) != d)
			e = -1;
		bad += m[1 + j] != e;
		bad += (uint32_t)m[1 + s->k + j] != bm_f2u(r->w[t * s->k + j]);
	}
	return bad;
}

void a2a_pack_meta(struct a2a_run *s, int32_t *m, const struct a2a_route *r,
		   int t, int d)
{
	int j;

	m[0] = t;
	for (j = 0; j < s->k; j++) {
		int e = r->ids[t * s->k + j];

		m[1 + j] = d >= 0 && a2a_owner(e, s->E, s->n) != d ? -1 : e;
		m[1 + s->k + j] = (int32_t)bm_f2u(r->w[t * s->k + j]);
	}
}

void a2a_expert_record(struct a2a_run *s, size_t i)
{
	const int32_t *m = s->h_mrecv + i * s->M;
	float w[256];
	int h, j;

	for (j = 0; j < s->k; j++)
		w[j] = bm_u2f((uint32_t)m[1 + s->k + j]);
	a2a_partial(s, s->h_recv + i * s->H, m + 1, w, s->me, s->part,
		    s->active);
	for (h = 0; h < s->H; h++)
		s->h_csend[i * s->H + h] = bm_f2bf16(s->part[h]);
}

void a2a_check_out(struct a2a_run *s, const uint16_t *x,
		   const struct a2a_route *r, int t, const float *got,
		   double tol_scale)
{
	float *mag = s->h_out + (size_t)s->max_tok * s->H; /* scratch row */
	int d, h;

	for (h = 0; h < s->H; h++)
		s->expect[h] = mag[h] = 0;
	for (d = 0; d < s->n; d++) {
		if (!a2a_has_expert_on(s, r, t, d))
			continue;
		a2a_partial(s, x, r->ids + (size_t)t * s->k,
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

/* The tolerance of a BF16 sum NCCL reduced over the ranks (0: one rank). */
static double reduce_tol(const struct a2a_run *s)
{
	/* NCCL sums BF16 with a rounding per step: n-1 roundings */
	return s->n > 1 ? s->n * (1.0 / 256) : 0;
}

int a2a_combine(struct a2a_run *s, int T, size_t rows, uint64_t dispatch_ns,
		int (*enqueue)(struct a2a_run *s, int T),
		int (*check)(struct a2a_run *s, int T), struct a2a_times *t_p)
{
	uint64_t t3, t4, t5;
	int e, nact = 0, ret;

	for (e = 0; e < s->E; e++)
		nact += s->active[e];
	ret = a2a_h2d(s, s->d_csend, s->h_csend, rows * HB(s));
	ret = ret ? ret : nrt_barrier(&s->ctx->boot);
	if (ret)
		return ret;
	t3 = bm_now_ns();
	spin_us(s->p->expert_us * nact);
	t4  = bm_now_ns();
	ret = enqueue(s, T);
	ret = ret ? ret : nrt_sync(s->ctx, &s->ctx->comm, s->ctx->stream, 0);
	if (ret)
		return ret;
	t5  = bm_now_ns();
	ret = check(s, T);
	if (ret)
		return ret;
	t_p->expert_us	= (double)(t4 - t3) / 1e3;
	t_p->combine_us = (double)(t5 - t4) / 1e3;
	t_p->total_us	= (double)(dispatch_ns + t5 - t3) / 1e3;
	return 0;
}

int a2a_check_reduced(struct a2a_run *s, int T, int origin,
		      const struct a2a_route *r)
{
	double tol = reduce_tol(s);
	int t, h, ret;

	ret = a2a_d2h(s, s->h_crecv, s->d_crecv, (size_t)T * HB(s));
	if (ret)
		return ret;
	for (t = 0; t < T; t++) {
		float *o = s->h_out + (size_t)t * s->H;

		for (h = 0; h < s->H; h++)
			o[h] = bm_bf162f(s->h_crecv[(size_t)t * s->H + h]);
		a2a_xrow(s, origin, t, s->h_xrow + s->H);
		a2a_check_out(s, s->h_xrow + s->H, r, t, o, tol);
	}
	return 0;
}
