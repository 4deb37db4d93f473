/* SPDX-License-Identifier: MIT */
/*
 * The one GPU-tool harness (nccl-tests' common.cu carrying each collective
 * file): nccl_coll and moe_alltoall are clients that fill a struct nrt_tool
 * and call nrt_harness_main() from main. The harness runs the pipeline they
 * share, in this order:
 *
 *   nrt_front          --print-launch, --local N (the parent ends here)
 *   tool->params       the params every rank must agree on (the hello)
 *   nrt_init           bootstrap, NCCL environment, GPU, communicator;
 *                      -ENODEV: "no CUDA GPU here", exit 77
 *   tool->setup        checks against nranks, allocations
 *   output             rank 0 writes table/CSV/JSON, the others are quiet;
 *                      params, nrt_meta, one line of who and what path,
 *                      the fallback banner when NCCL used another network,
 *                      --local-hosts' caveat and the time-sliced banner
 *   tool->meta         the tool's own meta and '#' lines
 *   tool->run          rows (nrt_harness_row), and the data check counted
 *                      in h->check
 *   summary            data_check from nrt_check_verdict(): "passed" only
 *                      when every planned check was made;
 *                      figures_are_latencies
 *   abort              after an error (not a wrong element): the
 *                      communicator is aborted here, before the tool's
 *                      frees (nccl_rt.h: graphs, abort, frees)
 *   tool->teardown     the tool's frees (also after a failed setup)
 *   nrt_fini           communicator (finalized unless aborted), bootstrap
 *
 * and returns the exit status through bm_exit_of(): a wrong element is
 * -EBADMSG (1), a missing GPU -ENODEV (77), --local-hosts without MPS
 * -ENOTSUP (77), a bad value -EINVAL (2), a rank that died or hangs -EIO or
 * -ETIMEDOUT (1, within --timeout: the communicator is aborted).
 */
#ifndef NRT_HARNESS_H
#define NRT_HARNESS_H
#include <jansson.h>

#include "nccl_rt.h"
#include "nrt_check.h"

struct nrt_harness;

struct nrt_tool {
	const char *name;	/* "nccl_coll": log prefix, hello, output */
	/* The canonical params every rank must agree on, as a flat JSON
	 * object (new reference). Before the bootstrap: nranks unknown. */
	json_t *(*params)(struct nrt_harness *h);
	/* After nrt_init, before the output opens: check options against
	 * the ranks, allocate, add params that depend on nranks. 0 or
	 * -errno (logged). May be NULL. */
	int  (*setup)(struct nrt_harness *h);
	/* The tool's meta and '#' lines, after the harness's. May be NULL. */
	void (*meta)(struct nrt_harness *h);
	/* The measurement: rows to h->out; sets h->check.planned before its
	 * first check and adds every check it makes. 0 or -errno. On error
	 * it has destroyed its CUDA graphs (the harness aborts the
	 * communicator next). */
	int  (*run)(struct nrt_harness *h);
	/* Frees what setup and run made; called whenever setup was. May be
	 * NULL. */
	void (*teardown)(struct nrt_harness *h);
};

struct nrt_harness {
	const struct nrt_tool	*t;
	void			*tool;	 /* the tool's state, for its hooks */
	const struct bm_common	*com;	 /* the tool's common options */
	struct nrt_ctx		 ctx;	 /* GPU, communicator, bootstrap */
	struct bm_out		*out;	 /* NULL until the output is open */
	json_t			*params; /* the params object (owned) */
	struct nrt_check	 check;	 /* the data check, counted */
};

/* One result row to the output: with --local-hosts time-sliced, marked
 * "time_sliced": true (its figures are not latencies). Tools write rows
 * through this, not bm_out_row. */
int nrt_harness_row(struct nrt_harness *h, json_t *row);

/* The whole run of a GPU tool; returns its exit status. o has been through
 * nrt_opts_from_common(). */
int nrt_harness_main(const struct nrt_tool *t, void *tool,
		     const struct bm_common *com, struct nrt_opts *o,
		     int argc, char **argv);

#endif
