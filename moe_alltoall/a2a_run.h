/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall's NCCL run (NCCL builds only): its state, shared by the
 * driver (a2a_run.c), the step helpers (a2a_step.c) and each pattern's
 * step (pat_*.c). Methodology: moe_alltoall.c.
 *
 * Buffers: a record is one token's BF16 hidden vector (H elements) plus, for
 * dispatch, an int32 metadata record of M = 1 + 2k words: token index, k
 * expert ids (-1 where the expert is on another rank) and k weights (float
 * bits). Every buffer holds R = nranks x max tokens records, enough for any
 * pattern: a rank sends a token at most once per peer and receives at most
 * `tokens` records from each.
 */
#ifndef A2A_RUN_H
#define A2A_RUN_H
#include <stdbool.h>
#include <stdint.h>

#include "a2a.h"
#include "harness.h"

struct a2a_run {
	struct a2a_params *p;
	struct nrt_harness *h; /* output, data check */
	struct nrt_ctx *ctx;   /* &h->ctx */
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
	/* per token count: samples of the slowest rank, one per step */
	struct bm_samples disp, comb, tot, lay, expt;
	struct a2a_acc acc;
	struct a2a_matrix m;
	uint64_t *hist;			 /* [E] */
	unsigned char *gx_mine, *gx_all; /* per-step exchange */
	size_t gx_len;
	uint64_t wrong;	    /* this rank, this step */
	uint64_t wrong_row; /* all ranks, this token count */
	double max_err;
};

#define HB(s) ((size_t)(s)->H * 2) /* bytes of one BF16 hidden row */

/* The communicator is non-blocking (nccl_rt): wait out ncclInProgress
 * (at most --timeout), return from the step on failure. */
#define NCALL(s, call)                                                         \
	do {                                                                   \
		int r_ = nrt_done((s)->ctx, (call), #call);                    \
		if (r_)                                                        \
			return r_;                                             \
	} while (0)
/* NCALL between ncclGroupStart and ncclGroupEnd: a failed call ends the
 * group before returning, so none is left open (the harness's
 * ncclCommAbort would otherwise join that group and wait for its end). */
#define NCALL_IN_GROUP(s, call)                                                \
	do {                                                                   \
		int r_ = nrt_done((s)->ctx, (call), #call);                    \
		if (r_) {                                                      \
			(void)ncclGroupEnd();                                  \
			return r_;                                             \
		}                                                              \
	} while (0)

/* ---- a2a_step.c: what the patterns' steps share ---- */

/* Copies on the tool's stream, waited for (--timeout). */
int a2a_h2d(struct a2a_run *s, void *dst, const void *src, size_t len);
int a2a_d2h(struct a2a_run *s, void *dst, const void *src, size_t len);
/* Token t of rank r as BF16 into row[H]. */
void a2a_xrow(const struct a2a_run *s, int r, int t, uint16_t *row);
/* Whether token t of route r has an expert on rank d. */
bool a2a_has_expert_on(const struct a2a_run *s, const struct a2a_route *r,
		       int t, int d);
/* Wrong elements of a received row against token t of rank r. */
uint64_t a2a_check_xrow(struct a2a_run *s, const uint16_t *got, int r, int t);
/* A metadata record against rank r's routing of token t as seen by rank
 * d (-1 for experts elsewhere; d < 0: all ids). */
uint64_t a2a_check_meta(struct a2a_run *s, const int32_t *m,
			const struct a2a_route *r, int t, int d);
void a2a_pack_meta(struct a2a_run *s, int32_t *m, const struct a2a_route *r,
		   int t, int d);
/* This rank's experts on received record i (hidden row and metadata in
 * h_recv/h_mrecv): the BF16 partial into h_csend row i; marks active. */
void a2a_expert_record(struct a2a_run *s, size_t i);
/* The simulated experts' partial of rank d for one token (see
 * a2a_step.c); marks active (may be NULL); how many experts it used. */
int a2a_partial(const struct a2a_run *s, const uint16_t *x, const int32_t *ids,
		const float *w, int d, float *out, uint8_t *active);
/* Compare the combined output of token t of route r (hidden x) with the
 * recomputation; exact when tol_scale is 0, else within tol_scale x sum
 * |partials|. Wrong elements into s->wrong. */
void a2a_check_out(struct a2a_run *s, const uint16_t *x,
		   const struct a2a_route *r, int t, const float *got,
		   double tol_scale);
/*
 * The second half of every pattern's step: the expert phase (upload `rows`
 * BF16 partials of h_csend, meet at a barrier, the timed busy wait of
 * --expert-us per active local expert), the combine (enqueue: the
 * pattern's NCCL calls, then waited for), then check (the outputs at their
 * origin). dispatch_ns: the step's dispatch time. Sets t_p's expert_us,
 * combine_us and total_us; dispatch_us and layout_us are the caller's.
 */
int a2a_combine(struct a2a_run *s, int T, size_t rows, uint64_t dispatch_ns,
		int (*enqueue)(struct a2a_run *s, int T),
		int (*check)(struct a2a_run *s, int T), struct a2a_times *t_p);
/* A check for a2a_combine after an NCCL reduction of the partials into
 * d_crecv: the T outputs of origin's tokens (route r), within
 * the tolerance of a BF16 sum over the ranks. */
int a2a_check_reduced(struct a2a_run *s, int T, int origin,
		      const struct a2a_route *r);

#endif
