/* SPDX-License-Identifier: MIT */
/*
 * The steps of a node pair (steps.c): a table of step kinds, each a
 * generator of jobs (one for the server-side node, one for the client
 * side) that sees what the pair measured so far, so that iterations
 * follow the link: a 2-byte probe first, then sweeps whose iteration
 * counts fit --budget at the measured latency, bandwidth sizes that fit
 * it at the measured rate. Rank 0 runs the generators; workers only build
 * the command line of a job (chk_job_argv).
 */
#ifndef CHK_STEPS_H
#define CHK_STEPS_H
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "check.h"

#define CHK_MAX_DSIZES 16

/* What every pair's generators share. */
struct chk_plan {
	const struct chk_params *p;
	uint16_t		 port;		/* bootstrap; jobs above it */
	int			 timeout_s;	/* --timeout for the tools */
	size_t			 dsizes[CHK_MAX_DSIZES]; /* decode sizes */
	int			 ndsizes;
};

/* One pair: the server-side node s and the client-side node c. */
struct chk_pair {
	int	    s, c;		/* ranks */
	int	    slot;		/* index in its round: ports */
	bool	    full;		/* every step (two nodes) or the lean
					 * pairwise set (k > 2) */
	char	    host[64];		/* address c connects to */
	char	    host_why[256];	/* why that one */
	bool	    rdma, tcp, gpu;	/* what both nodes can run */
	char	    rdma_why[256], tcp_why[256], gpu_why[256];
	int	    kind, sub;		/* generator position */
	/* measured so far (0 unknown) */
	double	    l_us[2];		/* one-way p50 at the smallest size:
					 * [0] RDMA write, [1] TCP */
	double	    l64_us[2];		/* at 64 KiB (the sweep's top) */
	double	    rate[2];		/* streaming, bytes per us */
	bool	    done;
};

/* A node document's name ("?" without one), its first usable RDMA
 * device (NULL: none). */
const char *chk_host_of(json_t *node);
json_t	   *chk_usable0(json_t *node);

/* Set a pair up from the two node documents; boot_addr: the server's
 * bootstrap address as the client reaches it. */
void chk_pair_init(struct chk_pair *pr, json_t *nodes, int s, int c, int slot,
		   bool full, const char *boot_addr);
/*
 * The pair's next step: 1 with the server's and client's job specs (the
 * caller adds "type"/"step"); 2 with *skip_p a step record for a step
 * that cannot run (status "skipped", why); 0 when the pair is done.
 */
int  chk_pair_next(struct chk_pair *pr, const struct chk_plan *pl,
		   json_t **srv_p, json_t **cli_p, json_t **skip_p);
/* What a finished step measured (the tool's document; NULL on failure). */
void chk_pair_absorb(struct chk_pair *pr, json_t *spec, json_t *doc);

/* The smallest-size p50 (one-way; read: round trip) and the best bandwidth
 * of an ib_lat document; 0 if none. */
double chk_doc_lat(json_t *doc, size_t size);
double chk_doc_bw(json_t *doc, size_t *size_p);

#endif
