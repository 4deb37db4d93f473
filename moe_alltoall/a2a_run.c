/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall over NCCL on the GPU-tool harness (nccl_rt/harness.h): the
 * run's buffers, one token count's steps (each pattern's step, then what
 * every rank saw gathered: times, wrong elements, routing counts), its row,
 * and the harness hooks. Methodology: moe_alltoall.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2a_run.h"

/*
 * What each rank contributes after a step, in 8-byte words: its times
 * (struct a2a_times), its wrong elements, its routing's selections and
 * token records per destination, its expert histogram.
 */
_Static_assert(sizeof(struct a2a_times) % 8 == 0, "a2a_times in words");
#define GX_TIMES 0
#define GX_WRONG (sizeof(struct a2a_times) / 8)
#define GX_SEL (GX_WRONG + 1)
#define GX_TOK(n) (GX_SEL + (size_t)(n))
#define GX_HIST(n) (GX_SEL + 2 * (size_t)(n))

static size_t gx_words(int n, int E)
{
	return GX_HIST(n) + (size_t)E;
}

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
	s->gx_len  = 8 * gx_words(s->n, s->E);
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

static void times_max(struct a2a_times *a, const struct a2a_times *b)
{
	a->dispatch_us = fmax(a->dispatch_us, b->dispatch_us);
	a->combine_us  = fmax(a->combine_us, b->combine_us);
	a->total_us    = fmax(a->total_us, b->total_us);
	a->layout_us   = fmax(a->layout_us, b->layout_us);
	a->expert_us   = fmax(a->expert_us, b->expert_us);
}

/* After a step: gather times, wrong counts and routing counts from every
 * rank; the step is checked, and (timed) its samples are the slowest
 * rank's. */
static int gather_step(struct a2a_run *s, int T, const struct a2a_times *tv,
		       bool timed)
{
	uint64_t *g = (uint64_t *)s->gx_mine;
	int n	    = s->n, r, d, e, ret;
	size_t w    = s->gx_len / 8;
	struct a2a_route *src;
	struct a2a_times mx = {0};
	uint64_t wrong	    = 0;

	memset(s->gx_mine, 0, s->gx_len);
	memcpy(g + GX_TIMES, tv, sizeof(*tv));
	g[GX_WRONG] = s->wrong;
	/* shared tokens (eptp): rank 0's, counted once */
	src = &s->routes[s->me];
	if (!s->p->pattern->shared_tokens || s->me == 0) {
		a2a_route_counts(src, s->E, n, s->sel, s->tok);
		for (d = 0; d < n; d++) {
			g[GX_SEL + d]	 = s->sel[d];
			g[GX_TOK(n) + d] = s->tok[d];
		}
		a2a_route_hist(src, s->E, g + GX_HIST(n));
	}
	ret = nrt_allgather(&s->ctx->boot, s->gx_mine, s->gx_all, s->gx_len);
	if (ret)
		return ret;
	a2a_matrix_clear(&s->m);
	memset(s->hist, 0, (size_t)s->E * sizeof(*s->hist));
	for (r = 0; r < n; r++) {
		const uint64_t *o = (const uint64_t *)s->gx_all + r * w;
		struct a2a_times v;

		memcpy(&v, o + GX_TIMES, sizeof(v));
		times_max(&mx, &v);
		wrong += o[GX_WRONG];
		for (d = 0; d < n; d++) {
			s->m.sel[r * n + d] = o[GX_SEL + d];
			s->m.tok[r * n + d] = o[GX_TOK(n) + d];
		}
		for (e = 0; e < s->E; e++)
			s->hist[e] += o[GX_HIST(n) + e];
	}
	s->wrong_row += wrong;
	nrt_check_add(&s->h->check, wrong);
	if (!timed)
		return 0;
	a2a_acc_step(&s->acc, s->p, T, &s->m, s->hist);
	if (bm_samples_push(&s->disp, mx.dispatch_us) ||
	    bm_samples_push(&s->comb, mx.combine_us) ||
	    bm_samples_push(&s->tot, mx.total_us) ||
	    bm_samples_push(&s->lay, mx.layout_us) ||
	    bm_samples_push(&s->expt, mx.expert_us))
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
	const struct a2a_params *p	  = s->p;
	const struct a2a_pattern_ops *pat = p->pattern;
	uint64_t i, last = 0, nsteps = p->com.warmup + p->com.iters;
	struct a2a_times tv;
	int r, ret;
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
			ret = a2a_gen_route(s->gen, pat->shared_tokens ? 0 : r,
					    i, &s->routes[r]);
			if (ret)
				return ret;
		}
		s->wrong = 0;
		tv	 = (struct a2a_times){0}; /* what a pattern lacks: 0 */
		ret	 = pat->step(s, T, &tv);
		if (ret)
			return ret;
		/* warm-up steps are checked too, not timed */
		ret = gather_step(s, T, &tv, i >= p->com.warmup);
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
	if (pat->has_dispatch)
		row_stats(row, "dispatch_us", &s->disp, false);
	row_stats(row, "combine_us", &s->comb, false);
	row_stats(row, "total_us", &s->tot, !p->no_samples);
	if (pat->has_layout)
		row_stats(row, "layout_us", &s->lay, false);
	if (p->expert_us > 0)
		row_stats(row, "expert_us", &s->expt, false);
	a2a_acc_row(&s->acc, row);
	json_object_set_new(row, "wrong",
			    json_integer((json_int_t)s->wrong_row));
	json_object_set_new(row, "check_max_abs_err", json_real(s->max_err));
	return nrt_harness_row(s->h, row);
}

/* ---- the harness hooks ---- */

static json_t *hook_params(struct nrt_harness *h)
{
	struct a2a_run *s = h->tool;

	/* nranks is not known yet: the hello compares everything else */
	return a2a_params_json(s->p, 0);
}

static int hook_setup(struct nrt_harness *h)
{
	struct a2a_run *s    = h->tool;
	struct a2a_params *p = s->p;
	int ret;

	s->h   = h;
	s->ctx = &h->ctx;
	json_object_set_new(h->params, "ep", json_integer(h->ctx.boot.nranks));
	s->n	      = h->ctx.boot.nranks;
	s->me	      = h->ctx.boot.rank;
	s->H	      = p->geom.hidden;
	s->k	      = p->geom.topk;
	s->E	      = p->geom.n_experts;
	s->M	      = 1 + 2 * s->k;
	s->max_tok    = (int)p->com.sweep.max;
	p->gen.nranks = s->n;
	if (a2a_gen_open(&p->gen, &s->gen))
		return -EINVAL;
	ret = alloc_run(s);
	if (ret)
		BM_ERR("out of memory for %d ranks x %d tokens x hidden %d",
		       s->n, s->max_tok, s->H);
	return ret;
}

static void hook_meta(struct nrt_harness *h)
{
	struct a2a_run *s = h->tool;

	bm_out_meta(h->out, "model_path", json_string(s->p->model_path));
	bm_out_meta(
	    h->out, "timing",
	    json_string(
		"host wall clock (CLOCK_MONOTONIC_RAW) from an OOB barrier to "
		"stream completion (cudaStreamQuery poll); per step the "
		"slowest rank; packing, simulated-expert arithmetic and the "
		"final sum are host work, not timed"));
}

static int hook_run(struct nrt_harness *h)
{
	struct a2a_run *s	   = h->tool;
	const struct a2a_params *p = s->p;
	int T, ret = 0;

	/* every step of every token count is checked, warm-up included */
	for (T = a2a_tokens_first(p); T; T = a2a_tokens_next(p, T))
		h->check.planned += p->com.warmup + p->com.iters;
	a2a_out_begin(h->out, p, s->n, true);
	for (T = a2a_tokens_first(p); T && !ret; T = a2a_tokens_next(p, T))
		ret = run_tokens(s, T);
	if (s->me == 0 && !p->com.quiet)
		fprintf(stderr, "%60s\r", "");
	return ret;
}

static void hook_teardown(struct nrt_harness *h)
{
	free_run(h->tool);
}

static const struct nrt_tool a2a_tool = {
    .name     = A2A_TOOL,
    .params   = hook_params,
    .setup    = hook_setup,
    .meta     = hook_meta,
    .run      = hook_run,
    .teardown = hook_teardown,
};

int a2a_run_nccl(struct a2a_params *p, int argc, char **argv)
{
	struct a2a_run s = {.p = p};

	return nrt_harness_main(&a2a_tool, &s, &p->com, &p->nrt, argc, argv);
}
