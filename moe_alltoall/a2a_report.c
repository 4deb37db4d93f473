/* SPDX-License-Identifier: MIT */
/* moe_alltoall: the patterns' table, the token sweep, params and the
 * output's methodology lines and columns (a2a.h). */
#include <string.h>

#include "a2a.h"

const struct a2a_pattern_ops *const a2a_patterns[] = {
    &a2a_pat_a2a,
    &a2a_pat_agrs,
    &a2a_pat_eptp,
    NULL,
};

const struct a2a_pattern_ops *a2a_pattern_find(const char *name)
{
	int i;

	for (i = 0; a2a_patterns[i]; i++)
		if (!strcmp(name, a2a_patterns[i]->name))
			return a2a_patterns[i];
	return NULL;
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

json_t *a2a_params_json(const struct a2a_params *p, int nranks)
{
	char spec[600];

	return json_pack(
	    "{s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:i, s:i, s:i,"
	    " s:i, s:i, s:I, s:I, s:f, s:I, s:I, s:f, s:f, s:b}",
	    "pattern", p->pattern->name, "routing",
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

	bm_out_comment(out, "moe_alltoall %s: %s", p->pattern->name,
		       p->pattern->desc);
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
