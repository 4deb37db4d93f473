/* SPDX-License-Identifier: MIT */
/*
 * nccl_coll's parts: the front end (nccl_coll.c: options, params, main;
 * pure C) and the run on the GPU-tool harness (coll_run.c, coll_bench.c,
 * coll_compare.c; NCCL builds only).
 */
#ifndef NCCL_COLL_H
#define NCCL_COLL_H
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bm.h"
#include "coll.h"
#include "nrt_opts.h"

#define TOOL "nccl_coll"

/* Everything one run was asked to do. */
struct coll_params {
	struct bm_common com;		/* sweep, -n, -w, output, oob */
	struct nrt_opts	 nrt;		/* launch, --net, ... */
	bool		 ops[COLL_NOPS];/* --op */
	enum coll_dtype	 dtype;		/* --dtype */
	int		 root;		/* --root */
	bool		 eager, graph;	/* --mode */
	bool		 oop, inplace;	/* --place */
	const char	*decode;	/* --decode MODEL, NULL: sweep */
	const char	*decode_mode;	/* --decode-mode tp|pp */
	int		 tp;		/* --tp, 0: from nranks */
	int		 pipe_iters;	/* --pipe-iters */
	int		 graph_launches;/* --graph-launches */
	int		 pipe_reps;	/* --pipe-reps */
	size_t		 gate_bytes;	/* --gate-bytes */
	bool		 compare;	/* --compare */
	int		 blocks;	/* --blocks */
	bool		 no_samples;	/* --no-samples */
};

/* The canonical params: what every rank must agree on (new reference). */
json_t *coll_params_json(const struct coll_params *p);

/* Whether op runs out-of-place (in_place false) or in place under p. */
bool coll_runs_place(const struct coll_params *p, enum coll_op op,
		     bool in_place);

#if HAVE_NCCL
/* The measurement on the harness; returns the exit status. */
int coll_run_nccl(struct coll_params *p, int argc, char **argv);
#endif

#endif
