/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall routing generators' shared state (internal to gen*.c; the
 * interface is routing.h). Each generator is one file filling a struct
 * a2a_routing_ops: gen_uniform.c, gen_zipf.c, gen_matrix.c, gen_trace.c.
 */
#ifndef A2A_GEN_H
#define A2A_GEN_H
#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "routing.h"

struct a2a_gen {
	struct a2a_gen_cfg cfg;
	const struct a2a_routing_ops *ops;
	int *perm;	/* [E] scratch */
	uint8_t *taken; /* [E] scratch */
	double *pop;	/* zipf: [E] popularity */
	double *cdf;	/* zipf: [E] cumulative */
	double *share;	/* matrix: [n][n] row shares */
	int *dest;	/* matrix: [ntok * k] scratch */
	int *tperm;	/* matrix: token order */
	size_t dest_cap;
	int32_t *trace_ids; /* trace: [rows][k] */
	float *trace_w;	    /* trace: [rows][k] or NULL */
	size_t trace_rows;
};

/* k routing weights, uniform in [0.25, 1.25), normalised to sum 1. */
void a2a_random_weights(struct a2a_rng *rng, float *w, int k);

extern const struct a2a_routing_ops a2a_gen_uniform_ops, a2a_gen_zipf_ops,
    a2a_gen_matrix_ops, a2a_gen_trace_ops;

#endif
