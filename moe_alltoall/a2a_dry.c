/* SPDX-License-Identifier: MIT */
/* moe_alltoall --routing-only: every rank's routing computed here, no GPU:
 * per-peer matrix, bytes and balance per token count (a2a.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a2a.h"

static void matrix_comment(struct bm_out *out, const struct a2a_acc *a,
			   int ntok)
{
	char line[1024];
	int s, d, n = a->nranks;
	double st = a->steps ? (double)a->steps : 1;

	if (n > 16)
		return;
	bm_out_comment(out,
		       "tokens %d: selections per step, row = source "
		       "rank, column = destination rank",
		       ntok);
	for (s = 0; s < n; s++) {
		size_t o = 0;

		for (d = 0; d < n && o < sizeof(line) - 16; d++)
			o += (size_t)snprintf(
			    line + o, sizeof(line) - o, " %9.2f",
			    (double)a->msum.sel[s * n + d] / st);
		bm_out_comment(out, "  rank %2d:%s", s, line);
	}
}

int a2a_routing_only(struct a2a_params *p, int argc, char **argv)
{
	struct bm_out_cfg ocfg = {.json_path = p->com.json_path,
				  .csv_path  = p->com.csv_path,
				  .quiet     = p->com.quiet};
	int n = p->ep, E = p->geom.n_experts, ntok, r, ret;
	struct a2a_route *routes = NULL;
	struct a2a_matrix m	 = {0};
	struct a2a_gen *gen	 = NULL;
	struct a2a_acc acc	 = {0};
	struct bm_out *out	 = NULL;
	uint64_t *hist		 = NULL, i;
	uint32_t sel[1024], tok[1024];
	json_t *params;
	const char *k;
	json_t *v;

	p->gen.nranks = n;
	ret	      = a2a_gen_open(&p->gen, &gen);
	if (ret) /* a bad routing file or spec is a usage error */
		return bm_exit_of(ret == -ENOMEM ? ret : -EINVAL);
	routes = calloc((size_t)n, sizeof(*routes));
	hist   = calloc((size_t)E, sizeof(*hist));
	if (!routes || !hist || a2a_matrix_init(&m, n) ||
	    a2a_acc_init(&acc, n, E)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = bm_out_open(&ocfg, A2A_TOOL, argc, argv, &out);
	if (ret) {
		out = NULL;
		ret = -EINVAL;
		goto out;
	}
	params = a2a_params_json(p, n);
	json_object_foreach(params, k, v) bm_out_param(out, k, json_incref(v));
	json_decref(params);
	bm_out_meta(out, "model_path", json_string(p->model_path));
	a2a_out_begin(out, p, n, false);
	for (ntok = a2a_tokens_first(p); ntok;
	     ntok = a2a_tokens_next(p, ntok)) {
		json_t *row;

		a2a_acc_reset(&acc);
		for (r = 0; r < n; r++) {
			a2a_route_free(&routes[r]);
			ret = a2a_route_alloc(&routes[r], ntok, p->geom.topk);
			if (ret)
				goto out;
		}
		/* the steps a GPU run would time: warm-up ones skipped */
		for (i = p->com.warmup; i < p->com.warmup + p->com.iters; i++) {
			a2a_matrix_clear(&m);
			memset(hist, 0, (size_t)E * sizeof(*hist));
			/* eptp: one set of tokens shared by all ranks */
			for (r = 0; r < (p->pattern->shared_tokens ? 1 : n);
			     r++) {
				ret = a2a_gen_route(gen, r, i, &routes[r]);
				if (ret)
					goto out;
				a2a_route_counts(&routes[r], E, n, sel, tok);
				a2a_matrix_add(&m, r, sel, tok);
				a2a_route_hist(&routes[r], E, hist);
			}
			a2a_acc_step(&acc, p, ntok, &m, hist);
		}
		row = json_pack("{s:i, s:I}", "tokens", ntok, "steps",
				(json_int_t)acc.steps);
		a2a_acc_row(&acc, row);
		ret = bm_out_row(out, row);
		if (ret)
			goto out;
		matrix_comment(out, &acc, ntok);
	}
	ret = 0;
out:
	if (out) {
		/* a results file not written (full disk) fails the run */
		int cret = bm_out_close(out,
					ret ? (bm_log_last_error()
					       ? bm_log_last_error()
					       : strerror(-ret))
					    : NULL);

		if (!ret)
			ret = cret;
	}
	for (r = 0; routes && r < n; r++)
		a2a_route_free(&routes[r]);
	free(routes);
	free(hist);
	a2a_matrix_free(&m);
	a2a_acc_free(&acc);
	a2a_gen_close(gen);
	return bm_exit_of(ret);
}
