/* SPDX-License-Identifier: MIT */
/*
 * A GPU tool's in-run data check, counted, and what the summary may claim
 * from it. "passed" only when every check the run planned was made and no
 * element was wrong; "FAILED" when an element was wrong or the run stopped
 * part-way; "not run" when nothing was checked (the run stopped first, or
 * checks nothing by design). Each but "passed" comes with the reason. No
 * CUDA here.
 */
#ifndef NRT_CHECK_H
#define NRT_CHECK_H
#include <stddef.h>
#include <stdint.h>

#include "bm.h"

struct nrt_check {
	uint64_t planned;	/* checks the run means to make (0: none) */
	uint64_t done;		/* checks made (each over every rank) */
	uint64_t wrong;		/* wrong elements, summed over the ranks */
};

/* One check made, with its wrong elements over every rank. */
static inline void nrt_check_add(struct nrt_check *c, uint64_t wrong)
{
	c->done++;
	c->wrong += wrong;
}

/* "passed", "FAILED" or "not run"; why (not for "passed") into why[len].
 * err: what stopped the run, or NULL when it ran to the end. */
const char *nrt_check_verdict(const struct nrt_check *c, const char *err,
			      char *why, size_t len);

/* Summary keys: wrong_total, data_check, data_check_why (unless passed),
 * checks_planned, checks_done. Returns the verdict. */
const char *nrt_check_summary(const struct nrt_check *c, const char *err,
			      struct bm_out *out);

#endif
