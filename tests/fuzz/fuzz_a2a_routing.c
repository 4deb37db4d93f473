// SPDX-License-Identifier: MIT
/*
 * moe_alltoall's routing files: -g matrix:FILE (per-peer shares) and
 * -g trace:FILE (expert ids, optionally weights, per token), loaded by
 * a2a_gen_open and routed for a few ranks and steps.
 *   input: 5 bytes of geometry, then the file
 *     [0] bit 0: trace (else matrix)   [1] EP ranks 1..16
 *     [2] experts 1..64                [3] top-k 1..min(8, experts)
 *     [4] tokens per step 1..64
 * Invariants: loading ends in 0 or -EINVAL; what it kept is a matrix of
 * shares whose rows sum to 1, or a trace of ids in range whose weights sum
 * to 1 per line; a step is routed or refused
 * with -EINVAL (a matrix row asking a rank for more distinct experts than
 * it holds); a routed step has ids in 0..E-1, distinct within a token,
 * finite weights >= 0 summing to 1 per token, exactly tokens x top-k
 * selections, and is the same when routed again (reproducible).
 */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "gen.h"	/* the parsed tables, to check them */
#include "routing.h"

/* What the loader kept: a matrix's rows are shares summing to 1; a
 * trace's ids are in range and its weights (when given) sum to 1. */
static void check_tables(const struct a2a_gen *g)
{
	const struct a2a_gen_cfg *c = &g->cfg;
	size_t i, j;
	double sum;

	if (c->kind == A2A_GEN_MATRIX) {
		for (i = 0; i < (size_t)c->nranks; i++) {
			sum = 0;
			for (j = 0; j < (size_t)c->nranks; j++) {
				double v = g->share[i * c->nranks + j];

				FUZZ_CHECK(isfinite(v) && v >= 0);
				sum += v;
			}
			FUZZ_CHECK(fabs(sum - 1) < 1e-9);
		}
		return;
	}
	FUZZ_CHECK(g->trace_rows >= 1);
	for (i = 0; i < g->trace_rows; i++) {
		sum = 0;
		for (j = 0; j < (size_t)c->topk; j++) {
			FUZZ_CHECK(g->trace_ids[i * c->topk + j] >= 0 &&
				   g->trace_ids[i * c->topk + j] <
				   c->n_experts);
			if (g->trace_w)
				sum += g->trace_w[i * c->topk + j];
		}
		FUZZ_CHECK(!g->trace_w || fabs(sum - 1) < 1e-5);
	}
}

static void check_route(const struct a2a_route *r, int E, int n)
{
	uint32_t sel[16], tok[16];
	uint64_t total = 0;
	int t, j, jj;

	for (t = 0; t < r->ntok; t++) {
		const int32_t *ids = r->ids + (size_t)t * r->topk;
		const float *w = r->w + (size_t)t * r->topk;
		double sum = 0;

		for (j = 0; j < r->topk; j++) {
			FUZZ_CHECK(ids[j] >= 0 && ids[j] < E);
			for (jj = 0; jj < j; jj++)
				FUZZ_CHECK(ids[jj] != ids[j]);
			FUZZ_CHECK(isfinite(w[j]) && w[j] >= 0);
			sum += w[j];
		}
		FUZZ_CHECK(fabs(sum - 1) < 1e-3);
	}
	a2a_route_counts(r, E, n, sel, tok);
	for (j = 0; j < n; j++) {
		total += sel[j];
		FUZZ_CHECK(tok[j] <= (uint32_t)r->ntok && tok[j] <= sel[j]);
	}
	FUZZ_CHECK(total == (uint64_t)r->ntok * r->topk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct a2a_gen_cfg cfg = { 0 };
	struct a2a_route a = { 0 }, b = { 0 };
	struct a2a_gen *g = NULL;
	const char *path;
	int ntok, rank, ret;
	uint64_t step;

	if (size < 5 || size > 1 << 16)
		return 0;
	cfg.kind = data[0] & 1 ? A2A_GEN_TRACE : A2A_GEN_MATRIX;
	cfg.nranks = 1 + data[1] % 16;
	cfg.n_experts = 1 + data[2] % 64;
	cfg.topk = 1 + data[3] % (cfg.n_experts < 8 ? cfg.n_experts : 8);
	cfg.seed = 42;
	ntok = 1 + data[4] % 64;
	path = fuzz_file(data + 5, size - 5);
	snprintf(cfg.path, sizeof(cfg.path), "%s", path);
	ret = a2a_gen_open(&cfg, &g);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		return 0;
	check_tables(g);
	if (a2a_route_alloc(&a, ntok, cfg.topk) ||
	    a2a_route_alloc(&b, ntok, cfg.topk))
		abort();
	for (rank = 0; rank < cfg.nranks && rank < 3; rank++) {
		for (step = 0; step < 2; step++) {
			ret = a2a_gen_route(g, rank, step, &a);
			FUZZ_CHECK(ret == 0 || (ret == -EINVAL &&
					      cfg.kind == A2A_GEN_MATRIX));
			if (ret)
				continue;
			check_route(&a, cfg.n_experts, cfg.nranks);
			FUZZ_CHECK(!a2a_gen_route(g, rank, step, &b));
			FUZZ_CHECK(!memcmp(a.ids, b.ids, (size_t)ntok *
					   cfg.topk * sizeof(*a.ids)) &&
				   !memcmp(a.w, b.w, (size_t)ntok * cfg.topk *
					   sizeof(*a.w)));
		}
	}
	a2a_route_free(&a);
	a2a_route_free(&b);
	a2a_gen_close(g);
	return 0;
}
