/* SPDX-License-Identifier: MIT */
/* moe_alltoall: patterns table, byte/balance accounting per token count,
 * output columns and the GPU-less --routing-only run. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2a.h"

const struct a2a_pattern_info a2a_patterns[A2A_PAT_N] = {
    [A2A_PAT_A2A]  = {"a2a", "all-to-all dispatch (grouped NCCL send/recv "
			      "with per-peer counts) + expert + combine"},
    [A2A_PAT_AGRS] = {"agrs", "vLLM EP backend: all-gather hidden + "
			      "ids/weights, local experts, reduce-scatter"},
    [A2A_PAT_EPTP] = {"eptp", "vLLM EP with TP (no DP): experts split, "
			      "one all-reduce of the MoE output"},
};

int a2a_pattern_parse(const char *s, enum a2a_pattern *p_p)
{
	int i;

	for (i = 0; i < A2A_PAT_N; i++)
		if (!strcmp(s, a2a_patterns[i].name)) {
			*p_p = (enum a2a_pattern)i;
			return 0;
		}
	return -EINVAL;
}

int a2a_tokens_first(const struct a2a_params *p)
{
	return (int)p->com.sweep.min;
}

int a2a_tokens_next(const struct a2a_params *p, int cur)
{
	size_t n = bm_sweep_next(&p->com.sweep, (size_t)cur);

	return n > (size_t)cur && n <= p->com.sweep.max ? (int)n : 0;
}

/* ---- accumulation ---- */

int a2a_acc_init(struct a2a_acc *a, int nranks, int n_experts)
{
	memset(a, 0, sizeof(*a));
	a->nranks    = nranks;
	a->n_experts = n_experts;
	a->hist	     = calloc((size_t)n_experts, sizeof(*a->hist));
	if (!a->hist || a2a_matrix_init(&a->msum, nranks) ||
	    a2a_load_init(&a->load, nranks)) {
		a2a_acc_free(a);
		return -ENOMEM;
	}
	return 0;
}

void a2a_acc_free(struct a2a_acc *a)
{
	free(a->hist);
	a->hist = NULL;
	a2a_matrix_free(&a->msum);
	a2a_load_free(&a->load);
}

void a2a_acc_reset(struct a2a_acc *a)
{
	int n = a->nranks, E = a->n_experts;
	struct a2a_matrix m = a->msum;
	struct a2a_load l   = a->load;
	uint64_t *h	    = a->hist;

	memset(a, 0, sizeof(*a));
	a->nranks    = n;
	a->n_experts = E;
	a->msum	     = m;
	a->load	     = l;
	a->hist	     = h;
	a2a_matrix_clear(&a->msum);
	memset(h, 0, (size_t)E * sizeof(*h));
}

static void bytes_add(struct a2a_bytes *s, const struct a2a_bytes *b)
{
	s->deepep_dispatch += b->deepep_dispatch;
	s->deepep_combine += b->deepep_combine;
	s->wire_dispatch += b->wire_dispatch;
	s->wire_combine += b->wire_combine;
	s->self_dispatch += b->self_dispatch;
	s->self_combine += b->self_combine;
}

void a2a_acc_step(struct a2a_acc *a, const struct a2a_params *p, int ntok,
		  const struct a2a_matrix *m, const uint64_t *hist)
{
	const struct a2a_geom *g = &p->geom;
	int n			 = a->nranks, r, d, e;
	struct a2a_imb imb;
	struct a2a_bytes b;
	double tot_exp = 0;

	for (r = 0; r < n; r++) {
		uint64_t sel = 0;

		for (d = 0; d < n; d++)
			sel += m->sel[r * n + d];
		switch (p->pattern) {
		case A2A_PAT_A2A:
			a2a_bytes_a2a(m->sel + r * n, m->tok + r * n, r, n,
				      g->hidden, g->topk, &b);
			break;
		case A2A_PAT_AGRS:
			a2a_bytes_agrs(ntok, n, g->hidden, g->topk, sel, &b);
			break;
		default:
			a2a_bytes_eptp(ntok, n, g->hidden,
				       (uint64_t)ntok * g->topk, &b);
			break;
		}
		bytes_add(&a->sum, &b);
		if ((double)(b.wire_dispatch + b.wire_combine) > a->wire_max)
			a->wire_max =
			    (double)(b.wire_dispatch + b.wire_combine);
	}
	a2a_load_compute(&a->load, m, hist, g->n_experts,
			 a2a_expert_bytes(g, p->weight_bits));
	a2a_imbalance(a->load.tok, n, &imb);
	a->imb_tok_sum += imb.ratio;
	a->imb_tok_max = fmax(a->imb_tok_max, imb.ratio);
	a2a_imbalance(a->load.sel, n, &imb);
	a->imb_sel_sum += imb.ratio;
	a->imb_sel_max = fmax(a->imb_sel_max, imb.ratio);
	a2a_imbalance(a->load.wbytes, n, &imb);
	a->imb_w_sum += imb.ratio;
	a->imb_w_max = fmax(a->imb_w_max, imb.ratio);
	for (r = 0; r < n; r++) {
		a->experts_sum += a->load.experts[r];
		a->wbytes_sum += a->load.wbytes[r];
		tot_exp += a->load.experts[r];
	}
	a2a_imbalance(a->load.experts, n, &imb);
	a->busy_share_sum += tot_exp > 0 ? imb.max / tot_exp : 0;
	for (r = 0; r < n * n; r++) {
		a->msum.sel[r] += m->sel[r];
		a->msum.tok[r] += m->tok[r];
	}
	for (e = 0; e < g->n_experts; e++)
		a->hist[e] += hist[e];
	a->steps++;
}

static json_t *matrix_json(const uint64_t *v, int n, double div)
{
	json_t *rows = json_array();
	int s, d;

	for (s = 0; s < n; s++) {
		json_t *row = json_array();

		for (d = 0; d < n; d++)
			json_array_append_new(
			    row, json_real((double)v[s * n + d] / div));
		json_array_append_new(rows, row);
	}
	return rows;
}

void a2a_acc_row(const struct a2a_acc *a, const struct a2a_params *p,
		 json_t *row)
{
	double st = a->steps ? (double)a->steps : 1, rs = st * a->nranks;
	const struct a2a_bytes *s = &a->sum;
	double hot = 0, mean = 0;
	int e;

	/* bytes: mean per rank per step */
	json_object_set_new(row, "bytes_deepep_dispatch",
			    json_real(s->deepep_dispatch / rs));
	json_object_set_new(row, "bytes_deepep_combine",
			    json_real(s->deepep_combine / rs));
	json_object_set_new(
	    row, "bytes_deepep",
	    json_real((s->deepep_dispatch + s->deepep_combine) / rs));
	json_object_set_new(row, "bytes_wire_dispatch",
			    json_real(s->wire_dispatch / rs));
	json_object_set_new(row, "bytes_wire_combine",
			    json_real(s->wire_combine / rs));
	json_object_set_new(
	    row, "bytes_wire",
	    json_real((s->wire_dispatch + s->wire_combine) / rs));
	json_object_set_new(row, "bytes_wire_max", json_real(a->wire_max));
	json_object_set_new(
	    row, "bytes_self",
	    json_real((s->self_dispatch + s->self_combine) / rs));
	/* balance: mean over steps of max/mean over ranks, and worst step */
	json_object_set_new(row, "imb_tok", json_real(a->imb_tok_sum / st));
	json_object_set_new(row, "imb_tok_max", json_real(a->imb_tok_max));
	json_object_set_new(row, "imb_sel", json_real(a->imb_sel_sum / st));
	json_object_set_new(row, "imb_sel_max", json_real(a->imb_sel_max));
	json_object_set_new(row, "imb_wbytes", json_real(a->imb_w_sum / st));
	json_object_set_new(row, "imb_wbytes_max", json_real(a->imb_w_max));
	json_object_set_new(row, "experts_per_rank",
			    json_real(a->experts_sum / rs));
	json_object_set_new(row, "expert_wbytes_per_rank",
			    json_real(a->wbytes_sum / rs));
	json_object_set_new(row, "busiest_rank_expert_share",
			    json_real(a->busy_share_sum / st));
	for (e = 0; e < a->n_experts; e++) {
		mean += (double)a->hist[e];
		if ((double)a->hist[e] > hot)
			hot = (double)a->hist[e];
	}
	mean /= a->n_experts;
	json_object_set_new(row, "hot_expert_x_mean",
			    json_real(mean > 0 ? hot / mean : 0));
	json_object_set_new(row, "zipf_fit",
			    json_real(a2a_zipf_fit(a->hist, a->n_experts)));
	json_object_set_new(row, "peer_sel_per_step",
			    matrix_json(a->msum.sel, a->nranks, st));
	json_object_set_new(row, "peer_tok_per_step",
			    matrix_json(a->msum.tok, a->nranks, st));
	(void)p;
}

/* ---- params and output ---- */

json_t *a2a_params_json(const struct a2a_params *p, int nranks)
{
	char spec[600];

	return json_pack(
	    "{s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:i, s:i, s:i,"
	    " s:i, s:i, s:I, s:I, s:f, s:I, s:I, s:f, s:f, s:b}",
	    "pattern", a2a_patterns[p->pattern].name, "routing",
	    a2a_gen_spec(&p->gen, spec, sizeof(spec)), "routing_kind",
	    a2a_routing_table[p->gen.kind]->name, "seed",
	    (json_int_t)p->gen.seed, "model", p->geom.name, "model_type",
	    p->geom.model_type, "hidden", p->geom.hidden, "experts",
	    p->geom.n_experts, "topk", p->geom.topk, "moe_intermediate",
	    p->geom.moe_inter, "layers", p->geom.layers, "ep", nranks,
	    "tokens_min", (json_int_t)p->com.sweep.min, "tokens_max",
	    (json_int_t)p->com.sweep.max, "tokens_factor", p->com.sweep.factor,
	    "iters", (json_int_t)p->com.iters, "warmup",
	    (json_int_t)p->com.warmup, "expert_us", p->expert_us, "weight_bits",
	    p->weight_bits, "routing_only", p->routing_only);
}

void a2a_out_begin(struct bm_out *out, const struct a2a_params *p, int nranks,
		   bool timed)
{
	static const struct bm_col timed_cols[] = {
	    {"tokens", "tokens", 7, -1},
	    {"dispatch_us_p50", "disp_p50", 9, 1},
	    {"combine_us_p50", "comb_p50", 9, 1},
	    {"total_us_p50", "tot_p50", 9, 1},
	    {"total_us_p99", "tot_p99", 9, 1},
	    {"bytes_wire", "wire_B", 10, 0},
	    {"bytes_deepep", "deepep_B", 10, 0},
	    {"imb_tok", "imb_tok", 8, 2},
	    {"imb_sel", "imb_sel", 8, 2},
	    {"imb_wbytes", "imb_wB", 7, 2},
	    {"wrong", "wrong", 6, -1},
	};
	static const struct bm_col dry_cols[] = {
	    {"tokens", "tokens", 7, -1},
	    {"bytes_wire", "wire_B", 10, 0},
	    {"bytes_self", "self_B", 10, 0},
	    {"bytes_deepep", "deepep_B", 10, 0},
	    {"imb_tok", "imb_tok", 8, 2},
	    {"imb_sel", "imb_sel", 8, 2},
	    {"imb_wbytes", "imb_wB", 7, 2},
	    {"experts_per_rank", "exp/rank", 9, 1},
	    {"busiest_rank_expert_share", "busy_sh", 8, 3},
	    {"hot_expert_x_mean", "hot_x", 7, 2},
	};
	char spec[600];

	bm_out_comment(out, "moe_alltoall %s: %s",
		       a2a_patterns[p->pattern].name,
		       a2a_patterns[p->pattern].desc);
	bm_out_comment(out,
		       "model %s: hidden %d, %d experts, top-%d, expert "
		       "intermediate %d, %d layers; EP %d; routing %s seed "
		       "%llu",
		       p->geom.name, p->geom.hidden, p->geom.n_experts,
		       p->geom.topk, p->geom.moe_inter, p->geom.layers, nranks,
		       a2a_gen_spec(&p->gen, spec, sizeof(spec)),
		       (unsigned long long)p->gen.seed);
	bm_out_comment(out,
		       "bytes per rank per step (one MoE layer): wire_B "
		       "= deduplicated, remote peers only (BF16 hidden + "
		       "meta out, BF16 partial back); deepep_B = DeepEP-style, "
		       "every selection incl. local (FP8+scales out, BF16 "
		       "back); self_B = own-rank records (local copy)");
	bm_out_comment(out,
		       "imb_tok / imb_sel / imb_wB: max/mean over ranks "
		       "of token records received / expert selections "
		       "processed / expert weight bytes read (%.4g bits per "
		       "weight), mean over steps",
		       p->weight_bits);
	if (timed)
		bm_out_comment(out,
			       "us: host wall clock, per step the slowest "
			       "rank; %llu steps after %llu warm-up per token "
			       "count; total = dispatch + expert (%.3g us per "
			       "active local expert) + combine",
			       (unsigned long long)p->com.iters,
			       (unsigned long long)p->com.warmup, p->expert_us);
	else
		bm_out_comment(out,
			       "routing only: no GPU, %llu steps per token "
			       "count, every rank's routing computed here",
			       (unsigned long long)p->com.iters);
	if (timed)
		bm_out_columns(out, timed_cols,
			       sizeof(timed_cols) / sizeof(timed_cols[0]));
	else
		bm_out_columns(out, dry_cols,
			       sizeof(dry_cols) / sizeof(dry_cols[0]));
}

/* ---- --routing-only ---- */

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
	if (ret)
		return ret == -ENOMEM ? BM_EXIT_FAIL : BM_EXIT_USAGE;
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
			for (r = 0; r < (p->pattern == A2A_PAT_EPTP ? 1 : n);
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
		a2a_acc_row(&acc, p, row);
		ret = bm_out_row(out, row);
		if (ret)
			goto out;
		matrix_comment(out, &acc, ntok);
	}
	ret = 0;
out:
	if (out)
		bm_out_close(out,
			     ret ? (bm_log_last_error() ? bm_log_last_error()
							: strerror(-ret))
				 : NULL);
	for (r = 0; routes && r < n; r++)
		a2a_route_free(&routes[r]);
	free(routes);
	free(hist);
	a2a_matrix_free(&m);
	a2a_acc_free(&acc);
	a2a_gen_close(gen);
	if (ret == -EINVAL)
		return BM_EXIT_USAGE;
	return ret ? BM_EXIT_FAIL : BM_EXIT_OK;
}
