/* SPDX-License-Identifier: MIT */
/*
 * nccl_coll's measurement on the GPU (NCCL builds only): one target (a
 * collective on fixed buffers), its data check, the pipelined and isolated
 * timings, and one table row per size and mode (methodology: nccl_coll.c).
 */
#ifndef COLL_BENCH_H
#define COLL_BENCH_H
#include <stdbool.h>
#include <stddef.h>

#include "harness.h"
#include "nccl_coll.h"

/* One measurement target: an operation on fixed buffers. */
struct coll_target {
	enum coll_op	 op;
	size_t		 size;	   /* bytes (column size) */
	bool		 in_place;
	struct coll_call call;	   /* buffers, counts, type, root, ranks */
	struct nrt_comm	*nc;	   /* the communicator it runs on */
};

/* The run's state, shared by its parts. */
struct coll_state {
	struct coll_params *p;
	struct nrt_harness *h;	     /* output, data check */
	struct nrt_ctx	   *ctx;     /* &h->ctx */
	struct coll_item   *items;   /* the plan: what to run, in order */
	int		    nitems;
	void		   *dsend, *drecv; /* device, cap bytes each */
	void		   *dbar;    /* device, the 1-element barrier */
	void		   *dgate;   /* device, --gate-bytes */
	void		   *hsend, *hrecv; /* host copies, cap bytes */
	size_t		    cap;     /* bytes of each buffer */
	cudaEvent_t	    e0, e1;  /* around an isolated sample */
	double		   *samples; /* [n]: this rank's samples */
	double		   *all;     /* [n * nranks]: everyone's */
};

/* t: op on the state's buffers, in place or not, on communicator nc. */
void coll_target_setup(struct coll_state *st, struct coll_target *t,
		       enum coll_op op, enum coll_dtype dt, size_t size,
		       bool in_place, struct nrt_comm *nc);
/* nrt_launch_fn: enqueue t's operation on s (waits out ncclInProgress). */
int  coll_launch(void *arg, cudaStream_t s);
/* The data check of t: fill, run once (g1: its 1-operation graph, NULL:
 * eager), copy back; *wrong_p: wrong elements summed over every rank,
 * and the check counted in st->h->check. */
int  coll_check_target(struct coll_state *st, struct coll_target *t,
		       cudaGraphExec_t g1, uint64_t *wrong_p);
/* One isolated sample: GPU us of one operation after the start barrier;
 * g1: its 1-operation graph, NULL: eager. */
int  coll_time_one(struct coll_state *st, struct coll_target *t,
		   cudaGraphExec_t g1, double *us_p);
/* Gathers st->samples[0..n) of every rank into st->all, and the slowest
 * rank's sample i (the maximum over ranks) into slow[i]. */
int  coll_slowest(struct coll_state *st, size_t n, double *slow);

/* One planned item in one mode, both placements: its row (new). */
int  coll_run_size(struct coll_state *st, const struct coll_item *it,
		   bool graph, json_t **row_p);
/* The table's columns for coll_run_size rows. */
void coll_columns(struct bm_out *out);

/* --compare: every planned item on both networks (coll_compare.c). */
int  coll_run_compare(struct coll_state *st);

#endif
