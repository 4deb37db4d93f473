// SPDX-License-Identifier: MIT
/*
 * sim roofline: the critical path of one decoded token.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "memfit.h"
#include "roofline.h"

static const char *const mode_names[SIM_MODE_NR] = { "single", "pp", "tp",
						     "ep" };
static const char *const length_names[SIM_LEN_NR] = { "short", "medium",
						      "long" };

const char *sim_mode_name(enum sim_mode m)
{
	return m < SIM_MODE_NR ? mode_names[m] : "?";
}

int sim_mode_parse(const char *s, enum sim_mode *m_p)
{
	int i;

	for (i = 0; i < SIM_MODE_NR; i++) {
		if (!strcmp(s, mode_names[i])) {
			*m_p = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sim_length_name(enum sim_length l)
{
	return l < SIM_LEN_NR ? length_names[l] : "?";
}

int sim_length_parse(const char *s, enum sim_length *l_p)
{
	int i;

	for (i = 0; i < SIM_LEN_NR; i++) {
		if (!strcmp(s, length_names[i])) {
			*l_p = i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool has_profiles(const char *dir)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/profiles/gb10.json", dir);
	return access(p, R_OK) == 0;
}

int sim_find_datadir(char *out, size_t len)
{
	const char *env = getenv("NETROOF_SIM_DATA");
	char exe[PATH_MAX], cand[PATH_MAX + 64], *slash;
	ssize_t n;

	if (env && *env) {
		if (!has_profiles(env)) {
			BM_ERR("NETROOF_SIM_DATA=%s has no profiles/gb10.json",
			       env);
			return -ENOENT;
		}
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* install tree: <prefix>/bin -> <prefix>/share/netroof/sim */
		snprintf(cand, sizeof(cand), "%s/../share/netroof/sim", exe);
		if (has_profiles(cand)) {
			snprintf(out, len, "%s", cand);
			return 0;
		}
		snprintf(cand, sizeof(cand), "%s/data", exe);
		if (has_profiles(cand)) {
			snprintf(out, len, "%s", cand);
			return 0;
		}
	}
	snprintf(cand, sizeof(cand), "%s/sim", NETROOF_SOURCE_ROOT);
	if (has_profiles(cand)) {
		snprintf(out, len, "%s", cand);
		return 0;
	}
	BM_ERR("sim data (models/, profiles/) not found: set NETROOF_SIM_DATA");
	return -ENOENT;
}

/* { "value": x, "why": "..." } or a bare number. */
static int pval(json_t *o, const char *path, const char *key, double *v_p)
{
	json_t *v = json_object_get(o, key);

	if (json_is_object(v)) {
		if (!json_is_string(json_object_get(v, "why")))
			BM_WARN("%s: \"%s\" has no \"why\"", path, key);
		v = json_object_get(v, "value");
	}
	if (!json_is_number(v)) {
		BM_ERR("%s: missing or non-numeric \"%s\"", path, key);
		return -EINVAL;
	}
	*v_p = json_number_value(v);
	return 0;
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	if (!root)
		BM_ERR("%s:%d: %s", path, jerr.line, jerr.text);
	else if (!json_is_object(root)) {
		BM_ERR("%s: not a JSON object", path);
		json_decref(root);
		root = NULL;
	}
	return root;
}

/* Every {"value", "kind", ...} parameter below o, as prefix.key. */
static void sim_prov_collect(json_t *o, const char *prefix, struct sim_hw *hw)
{
	const char *key;
	json_t *v, *k, *cells;
	char full[48];

	json_object_foreach(o, key, v) {
		if (!json_is_object(v) || key[0] == '_')
			continue;
		snprintf(full, sizeof(full), "%s%s%s", prefix,
			 *prefix ? "." : "", key);
		if (!json_object_get(v, "value")) {
			sim_prov_collect(v, full, hw);
			continue;
		}
		if (hw->nprov >= (int)(sizeof(hw->prov) / sizeof(hw->prov[0])))
			return;
		k = json_object_get(v, "kind");
		cells = json_object_get(v, "cells");
		snprintf(hw->prov[hw->nprov].key, sizeof(hw->prov[0].key), "%s",
			 full);
		if (!json_is_string(k) ||
		    sim_kind_parse(json_string_value(k),
				   &hw->prov[hw->nprov].kind))
			hw->prov[hw->nprov].kind = SIM_KIND_FITTED;
		snprintf(hw->prov[hw->nprov].cells, sizeof(hw->prov[0].cells),
			 "%s", json_is_string(cells) ? json_string_value(cells) :
			 "");
		hw->nprov++;
	}
}

int sim_param(json_t *o, const char *path, const char *key, double *v_p)
{
	return pval(o, path, key, v_p);
}

int sim_param_int(json_t *o, const char *path, const char *key, int lo,
		  int *v_p)
{
	double v;
	int ret = pval(o, path, key, &v);

	if (ret)
		return ret;
	if (v < lo || v > 1e9 || v != floor(v)) {
		BM_ERR("%s: \"%s\" must be an integer >= %d", path, key, lo);
		return -EINVAL;
	}
	*v_p = (int)v;
	return 0;
}

int sim_hw_path(const char *datadir, const char *name, char *path,
		size_t len)
{
	if (strchr(name, '/'))
		snprintf(path, len, "%s", name);
	else
		snprintf(path, len, "%s/profiles/%s.json", datadir, name);
	return 0;
}

int sim_hw_load(const char *datadir, const char *name, struct sim_hw *hw)
{
	char path[1200];
	json_t *root;
	int ret;

	memset(hw, 0, sizeof(*hw));
	sim_hw_path(datadir, name, path, sizeof(path));
	root = load_json(path);
	if (!root)
		return -EINVAL;
	ret = sim_hw_from_json(root, path, name, hw);
	json_decref(root);
	return ret;
}

/* What a step adds can only be >= 0, and the efficiencies and the
 * acceptance rate are fractions: a profile outside that predicts negative,
 * infinite or NaN tok/s, so it is refused, naming the parameter. */
static int hw_check(const struct sim_hw *hw, const char *path)
{
	const struct {
		const char *key;
		double v, hi;
	} p[] = {
		{ "eff_int4", hw->eff_int4, 1 },
		{ "eff_bf16", hw->eff_bf16, 1 },
		{ "kernel_us", hw->kernel_us, INFINITY },
		{ "host_step_ms", hw->host_step_ms, INFINITY },
		{ "dispatch_step_ms", hw->dispatch_step_ms, INFINITY },
		{ "pp_stage_host_ms", hw->pp_stage_host_ms, INFINITY },
		{ "request_fixed_ms.single", hw->request_fixed_ms[SIM_SINGLE],
		  INFINITY },
		{ "request_fixed_ms.pp", hw->request_fixed_ms[SIM_PP],
		  INFINITY },
		{ "request_fixed_ms.tp", hw->request_fixed_ms[SIM_TP],
		  INFINITY },
		{ "request_fixed_ms.ep", hw->request_fixed_ms[SIM_EP],
		  INFINITY },
		{ "output_tokens.short", hw->out_tokens[SIM_LEN_SHORT],
		  INFINITY },
		{ "output_tokens.medium", hw->out_tokens[SIM_LEN_MEDIUM],
		  INFINITY },
		{ "output_tokens.long", hw->out_tokens[SIM_LEN_LONG],
		  INFINITY },
		{ "eagle3.draft_mlp_mult", hw->draft_mlp_mult, INFINITY },
		{ "eagle3.host_ms", hw->draft_host_ms, INFINITY },
		{ "eagle3.accept", hw->accept, 1 },
		{ "ep_rendezvous", hw->ep_rendezvous, INFINITY },
	};
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		if (p[i].v >= 0 && p[i].v <= p[i].hi)
			continue;
		BM_ERR("%s: \"%s\" = %g: must be %s", path, p[i].key, p[i].v,
		       p[i].hi == 1 ? "in [0, 1]" : ">= 0");
		return -EINVAL;
	}
	return 0;
}

int sim_hw_from_json(json_t *root, const char *path, const char *name,
		     struct sim_hw *hw)
{
	json_t *o;
	int ret = 0, i;

	memset(hw, 0, sizeof(*hw));
	snprintf(hw->name, sizeof(hw->name), "%s", name);
	ret |= pval(root, path, "mem_bw_gbs", &hw->mem_bw_gbs);
	ret |= pval(root, path, "eff_int4", &hw->eff_int4);
	ret |= pval(root, path, "eff_bf16", &hw->eff_bf16);
	ret |= pval(root, path, "kv_bw_gbs", &hw->kv_bw_gbs);
	ret |= pval(root, path, "peak_tflops", &hw->peak_tflops);
	ret |= pval(root, path, "kernel_us", &hw->kernel_us);
	ret |= pval(root, path, "host_step_ms", &hw->host_step_ms);
	ret |= pval(root, path, "dispatch_step_ms", &hw->dispatch_step_ms);
	ret |= pval(root, path, "pp_stage_host_ms", &hw->pp_stage_host_ms);
	o = json_object_get(json_object_get(root, "request_fixed_ms"), "value");
	for (i = 0; i < SIM_MODE_NR && !ret; i++)
		ret |= pval(o, path, mode_names[i], &hw->request_fixed_ms[i]);
	o = json_object_get(json_object_get(root, "output_tokens"), "value");
	for (i = 0; i < SIM_LEN_NR && !ret; i++)
		ret |= pval(o, path, length_names[i], &hw->out_tokens[i]);
	o = json_object_get(root, "eagle3");
	ret |= sim_param_int(o, path, "draft_layers", 0, &hw->draft_layers);
	ret |= pval(o, path, "draft_mlp_mult", &hw->draft_mlp_mult);
	ret |= sim_param_int(o, path, "draft_vocab", 0, &hw->draft_vocab);
	ret |= pval(o, path, "host_ms", &hw->draft_host_ms);
	ret |= pval(o, path, "accept", &hw->accept);
	ret |= pval(root, path, "ep_rendezvous", &hw->ep_rendezvous);
	if (!ret)
		sim_prov_collect(root, "", hw);
	if (!ret)
		ret = sim_attn_hw_load(root, path, hw);
	if (!ret)
		ret = sim_mem_hw_load(root, path, &hw->mem);
	if (!ret && (hw->mem_bw_gbs <= 0 || hw->kv_bw_gbs <= 0 ||
		     hw->eff_int4 <= 0 || hw->eff_bf16 <= 0 ||
		     hw->peak_tflops <= 0)) {
		BM_ERR("%s: bandwidths, efficiencies and peak must be > 0",
		       path);
		ret = -EINVAL;
	}
	if (!ret)
		ret = hw_check(hw, path);
	return ret ? -EINVAL : 0;
}

static int load_colls(json_t *arr, const char *path, const char *what,
		      struct sim_coll *c, int *n_p)
{
	json_t *e, *v;
	size_t i;
	int n = 0;

	if (!json_is_array(arr)) {
		BM_ERR("%s: %s: missing collective list", path, what);
		return -EINVAL;
	}
	json_array_foreach(arr, i, e) {
		if (n >= SIM_COLL_MAX) {
			BM_ERR("%s: %s: too many collectives", path, what);
			return -EINVAL;
		}
		memset(&c[n], 0, sizeof(c[n]));
		v = json_object_get(e, "op");
		if (!json_is_string(v) ||
		    sim_op_parse(json_string_value(v), &c[n].op)) {
			BM_ERR("%s: %s[%zu]: bad \"op\"", path, what, i);
			return -EINVAL;
		}
		c[n].bytes_fixed = json_number_value(json_object_get(e, "bytes"));
		c[n].hidden_x = json_number_value(json_object_get(e, "hidden_x"));
		c[n].vocab_x = json_number_value(json_object_get(e, "vocab_x"));
		c[n].moe_hidden_x = json_number_value(json_object_get(e,
							"moe_hidden_x"));
		c[n].after_moe = json_is_true(json_object_get(e, "after_moe"));
		v = json_object_get(e, "what");
		snprintf(c[n].what, sizeof(c[n].what), "%s",
			 json_is_string(v) ? json_string_value(v) : "");
		if (c[n].bytes_fixed < 0 || c[n].hidden_x < 0 ||
		    c[n].vocab_x < 0 || c[n].moe_hidden_x < 0 ||
		    c[n].bytes_fixed + c[n].hidden_x + c[n].vocab_x +
		    c[n].moe_hidden_x <= 0) {
			BM_ERR("%s: %s[%zu]: no size (bytes, hidden_x, vocab_x "
			       "or moe_hidden_x, none negative)", path, what,
			       i);
			return -EINVAL;
		}
		n++;
	}
	*n_p = n;
	return 0;
}

int sim_sched_load(const char *datadir, const char *model_type,
		   struct sim_arch_sched *s)
{
	char path[1200];
	json_t *root, *a;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/profiles/arch.json", datadir);
	root = load_json(path);
	if (!root)
		return -EINVAL;
	a = json_object_get(root, model_type);
	if (!a)
		a = json_object_get(root, "dense");
	if (!json_is_object(a)) {
		BM_ERR("%s: no schedule for '%s'", path, model_type);
		json_decref(root);
		return -EINVAL;
	}
	ret |= sim_param_int(a, path, "kernels_per_layer", 0,
			     &s->kernels_per_layer);
	ret |= sim_param_int(a, path, "kernels_per_step", 0,
			     &s->kernels_per_step);
	ret |= pval(a, path, "pp_hop_hidden_x", &s->pp_hop_hidden_x);
	ret |= sim_param_int(a, path, "pp_hop_messages", 0,
			     &s->pp_hop_messages);
	if (!ret && !(s->pp_hop_hidden_x >= 0)) {
		BM_ERR("%s: \"pp_hop_hidden_x\" must be >= 0", path);
		ret = -EINVAL;
	}
	if (!ret)
		ret = load_colls(json_object_get(a, "tp_per_layer"), path,
				 "tp_per_layer", s->layer, &s->n_layer);
	if (!ret)
		ret = load_colls(json_object_get(a, "tp_per_step"), path,
				 "tp_per_step", s->step, &s->n_step);
	json_decref(root);
	return ret ? -EINVAL : 0;
}

/* ---- the critical path ---------------------------------------------- */

void sim_term_add(struct sim_result *r, const char *name, double ms,
		  const char *what)
{
	int i;

	for (i = 0; i < r->n_terms; i++) {
		if (!strcmp(r->term[i].name, name)) {
			r->term[i].ms += ms;
			if (what)
				r->term[i].what = what;
			return;
		}
	}
	if (r->n_terms < SIM_TERMS_MAX)
		r->term[r->n_terms++] = (struct sim_term){ name, ms, what };
}

double sim_term_ms(const struct sim_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->n_terms; i++)
		if (!strcmp(r->term[i].name, name))
			return r->term[i].ms;
	return 0;
}

double sim_coll_bytes(const struct sim_model *m, const struct sim_coll *c)
{
	return c->bytes_fixed + c->hidden_x * m->hidden +
	       c->vocab_x * m->vocab + c->moe_hidden_x * sim_moe_hidden(m);
}

/* ms to stream bytes at gbs GB/s */
static double stream_ms(double bytes, double gbs)
{
	return bytes / (gbs * 1e6);
}

/* GPU work of layers [l0, l0 + layers) on one rank (+ the step's extra
 * kernels when first or last, + lm_head when last): weights, KV,
 * kernels. */
struct gpu_part {
	double int4_ms, imb_ms, bf16_ms, kv_ms, kern_ms;
	double wbytes, kvbytes;
	int    kernels;
	int    attn_ctas;		/* fewest CTAs of a layer (0: no KV) */
	bool   attn_compute_bound;
};

int sim_query_tp(const struct sim_query *q)
{
	if (q->mode == SIM_TP || q->mode == SIM_EP)
		return q->nodes;
	if (q->mode == SIM_PP && q->tp > 1)
		return q->tp;
	return 1;
}

int sim_query_stages(const struct sim_query *q)
{
	return q->mode == SIM_PP ? q->nodes / (q->tp > 1 ? q->tp : 1) : 1;
}

void sim_ctx_apply_hw(struct sim_ctx *c)
{
	sim_model_set_pad(&c->model, c->hw.mxfp4_pad_hidden,
			  c->hw.mxfp4_pad_inter);
}

/* The KV read of the layers by mechanism (attn.h): adds ms and bytes. */
static void kv_work(const struct sim_ctx *c, const struct sim_query *q,
		    int l0, int layers, int n, int tokens, struct gpu_part *g)
{
	const struct sim_model *m = &c->model;
	struct sim_attn_cost a;
	int l;

	for (l = l0; l < l0 + layers; l++) {
		sim_attn_layer(m, &c->hw.attn, n, q->ctx,
			       m->layer[l] & SIM_L_SLIDING, tokens, &a);
		g->kv_ms += a.ms;
		g->kvbytes += a.bytes;
		if (a.ctas && (!g->attn_ctas || a.ctas < g->attn_ctas))
			g->attn_ctas = a.ctas;
		g->attn_compute_bound |= a.compute_bound;
	}
}

static void gpu_work(const struct sim_ctx *c, const struct sim_query *q,
		     int l0, int layers, bool first, bool last, int tokens,
		     struct gpu_part *g)
{
	const struct sim_model *m = &c->model;
	const struct sim_hw *hw = &c->hw;
	int n = sim_query_tp(q);
	bool ep = q->mode == SIM_EP;
	double experts = 0, share = 1.0 / n, flops, mem_ms, cmp_ms;
	double extra = 0, extra_elems = 0;
	struct sim_bytes b = { 0 }, hi = { 0 };

	memset(g, 0, sizeof(*g));
	if (sim_is_moe(m)) {
		experts = tokens == 1 ? m->topk :
			  sim_expected_union(m->experts, m->topk, tokens);
		if (ep)
			share = sim_ep_expected_max(m->experts, n, m->topk) /
				m->topk;
	}
	/* TP: every expert a 1/n slice; EP: whole experts, the balanced
	 * share experts/n on every rank, the busiest rank's extra apart */
	sim_read_layers(m, l0, layers, n, ep, ep ? experts / n : experts, &b);
	if (ep) {
		sim_read_layers(m, l0, layers, n, ep, experts * share, &hi);
		extra = hi.quant + hi.bf16 - b.quant - b.bf16;
		extra_elems = hi.quant_elems + hi.bf16_elems - b.quant_elems -
			      b.bf16_elems;
	}
	if (last)
		sim_read_lm_head(m, n, &b);
	g->int4_ms = stream_ms(b.quant, hw->mem_bw_gbs * hw->eff_int4);
	g->imb_ms = stream_ms(extra, hw->mem_bw_gbs * hw->eff_int4);
	g->bf16_ms = stream_ms(b.bf16, hw->mem_bw_gbs * hw->eff_bf16);
	g->wbytes = b.quant + b.bf16 + extra;
	/* roofline: the math cannot go faster than the tensor peak */
	flops = 2.0 * tokens * (b.quant_elems + b.bf16_elems + extra_elems);
	cmp_ms = flops / (hw->peak_tflops * 1e9);
	mem_ms = g->int4_ms + g->imb_ms + g->bf16_ms;
	if (cmp_ms > mem_ms)
		g->int4_ms += cmp_ms - mem_ms;
	kv_work(c, q, l0, layers, n, tokens, g);
	g->kernels = layers * c->sched.kernels_per_layer +
		     (first || last ? c->sched.kernels_per_step : 0);
	g->kern_ms = g->kernels * hw->kernel_us / 1000.0;
}

static void gpu_terms(struct sim_result *r, const struct gpu_part *g)
{
	sim_term_add(r, "weights_quant", g->int4_ms,
		 "converted (quantised) weights on the critical path");
	sim_term_add(r, "ep_imbalance", g->imb_ms,
		 "extra experts the busiest EP rank reads");
	sim_term_add(r, "weights_bf16", g->bf16_ms,
		 "BF16 weights: lm_head, router, biases (+ attention when "
		 "the scheme leaves it BF16)");
	sim_term_add(r, "kv_cache", g->kv_ms,
		 "attention: KV cache read at the context (attn.h)");
	sim_term_add(r, "kernels", g->kern_ms, "fixed time per kernel");
	r->rank_weight_bytes += g->wbytes;
	r->rank_kv_bytes += g->kvbytes;
	r->n_kernels += g->kernels;
	if (g->attn_ctas && (!r->attn_ctas || g->attn_ctas < r->attn_ctas))
		r->attn_ctas = g->attn_ctas;
	r->attn_compute_bound |= g->attn_compute_bound;
}

static const char *const term_order[] = {
	"host", "dispatch", "weights_quant", "ep_imbalance", "weights_bf16",
	"kv_cache", "kernels", "allreduce", "allgather", "ep_skew", "pp_hop",
	"pp_host_wait", "spec_draft", "request",
};

/* The draft model's step (EAGLE3, K chained proposals). */
static double draft_ms(const struct sim_ctx *c, const struct sim_query *q)
{
	const struct sim_model *m = &c->model;
	const struct sim_hw *hw = &c->hw;
	int n = sim_query_tp(q);
	double h = m->hidden, p, one, ms;

	p = hw->draft_layers * (sim_attn_params(m) +
				3.0 * h * hw->draft_mlp_mult * h) +
	    3.0 * h * h + (double)hw->draft_vocab * h;
	one = stream_ms(2.0 * p / n, hw->mem_bw_gbs * hw->eff_bf16) +
	      (hw->draft_layers * c->sched.kernels_per_layer +
	       c->sched.kernels_per_step) * hw->kernel_us / 1000.0;
	ms = q->spec_tokens * one + hw->draft_host_ms;
	return ms;
}

/* vLLM's TP divisibility: heads and KV heads (QKVParallelLinear), the MoE
 * and MLP widths (divide() in the linear layers). */
static int check_tp(const struct sim_model *m, int tp, char *why, size_t len)
{
	if (tp <= 1)
		return 0;
	if (m->heads % tp) {
		snprintf(why, len, "tp %d: %d attention heads do not split "
			 "%d ways", tp, m->heads, tp);
		return -EINVAL;
	}
	if (tp < m->kv_heads ? m->kv_heads % tp : tp % m->kv_heads) {
		snprintf(why, len, "tp %d: %d KV heads neither split nor "
			 "replicate evenly", tp, m->kv_heads);
		return -EINVAL;
	}
	if ((sim_is_moe(m) && m->moe_inter % tp) || m->mlp_inter % tp) {
		snprintf(why, len, "tp %d: the MLP/expert width does not "
			 "split %d ways", tp, tp);
		return -EINVAL;
	}
	return 0;
}

/* The TP collectives of `layers` layers at TP degree n (+ the step's: the
 * embedding all-reduce on the first stage, the logits all-gather on the
 * last). */
int sim_query_check(const struct sim_ctx *c, const struct sim_query *q,
		    char *why, size_t len)
{
	if (q->mode == SIM_SINGLE && q->nodes != 1) {
		snprintf(why, len, "mode single runs on 1 node (got --nodes "
			 "%d)", q->nodes);
		return -EINVAL;
	}
	if (q->mode != SIM_SINGLE && (q->nodes < 2 || q->nodes > 64)) {
		snprintf(why, len, "mode %s needs 2..64 nodes (got %d)",
			 sim_mode_name(q->mode), q->nodes);
		return -EINVAL;
	}
	if (q->mode == SIM_EP && !sim_is_moe(&c->model)) {
		snprintf(why, len, "mode ep needs an MoE model (%s is dense)",
			 c->model.name);
		return -EINVAL;
	}
	if (q->mode == SIM_EP && c->model.experts % q->nodes) {
		snprintf(why, len, "ep: %d experts do not split over %d nodes",
			 c->model.experts, q->nodes);
		return -EINVAL;
	}
	if (q->mode == SIM_PP && q->tp > 1 &&
	    (q->nodes % q->tp || q->nodes / q->tp < 2)) {
		snprintf(why, len, "pp: %d nodes do not make 2 or more "
			 "stages of TP %d", q->nodes, q->tp);
		return -EINVAL;
	}
	if (q->mode == SIM_PP && sim_query_stages(q) > c->model.layers) {
		snprintf(why, len, "pp: more stages than layers");
		return -EINVAL;
	}
	if (check_tp(&c->model, sim_query_tp(q), why, len))
		return -EINVAL;
	if (q->spec_tokens && q->mode == SIM_PP) {
		snprintf(why, len, "EAGLE3 with PP: vLLM refuses it "
			 "(NotImplementedError: pipeline parallelism is not "
			 "supported)");
		return -EINVAL;
	}
	if (q->spec_tokens < 0 || q->spec_tokens > 16 || q->ctx < 0 ||
	    q->ctx > 1e8) {
		snprintf(why, len, "spec tokens 0..16 and ctx >= 0 please");
		return -EINVAL;
	}
	if (q->accept > 1) {
		snprintf(why, len, "acceptance rate must be in [0, 1]");
		return -EINVAL;
	}
	return 0;
}

static int predict(const struct sim_ctx *c, const struct sim_query *q,
		   struct sim_result *r)
{
	const struct sim_model *m = &c->model;
	const struct sim_hw *hw = &c->hw;
	int tokens = q->spec_tokens + 1, n = q->nodes, i, l, s, ret;
	double alpha = q->accept >= 0 ? q->accept : hw->accept, a = 1, step;
	double outn;
	struct sim_tp_ms tc = { 0 };
	struct sim_result tmp;
	struct gpu_part g;

	memset(&tmp, 0, sizeof(tmp));
	/* fixed order of the terms, so every breakdown lists the same rows */
	for (i = 0; i < (int)(sizeof(term_order) / sizeof(term_order[0])); i++)
		sim_term_add(&tmp, term_order[i], 0, NULL);
	tmp.tokens_per_step = 1;
	tmp.attn_backend = sim_attn_backend_of(m);
	for (i = 1; i <= q->spec_tokens; i++) {
		a *= alpha;
		tmp.tokens_per_step += a;
	}
	sim_term_add(&tmp, "host", hw->host_step_ms,
		 "scheduler, inputs, sampling, output (per step)");
	if (q->mode != SIM_SINGLE)
		sim_term_add(&tmp, "dispatch", hw->dispatch_step_ms,
			 "multi-node executor round trip (per step)");
	if (q->mode == SIM_PP) {
		double end = 0, hop, wait = 0, arrive, start, ready;
		int stages = sim_query_stages(q), tp = sim_query_tp(q), l0;

		ret = sim_pp_hop(c, tokens, &tmp, &hop);
		if (ret)
			return ret;
		for (s = 0; s < stages; s++) {
			struct sim_tp_ms st = { 0 };

			sim_pp_layers(m->layers, stages, s, &l0, &l);
			gpu_work(c, q, l0, l, s == 0, s == stages - 1, tokens,
				 &g);
			gpu_terms(&tmp, &g);
			/* TP inside the stage: its collectives are on the
			 * stage's critical path */
			if (tp > 1) {
				ret = sim_tp_collectives(c, q, l, s == 0,
							 s == stages - 1, tokens,
							 tp, &tmp, &st);
				if (ret)
					return ret;
			}
			tc.ar_ms += st.ar_ms;
			tc.ag_ms += st.ag_ms;
			tc.n_ar += st.n_ar;
			tc.n_ag += st.n_ag;
			if (s == 0) {
				start = 0;
			} else {
				arrive = end + hop;
				ready = s * hw->pp_stage_host_ms;
				start = arrive > ready ? arrive : ready;
				wait += start - arrive;
				tmp.n_p2p += c->sched.pp_hop_messages;
			}
			end = start + g.int4_ms + g.imb_ms + g.bf16_ms +
			      g.kv_ms + g.kern_ms + st.ar_ms + st.ag_ms;
		}
		sim_term_add(&tmp, "pp_hop", (stages - 1) * hop,
			 "hidden state + residual to the next stage");
		sim_term_add(&tmp, "pp_host_wait", wait,
			 "next stage's host chain not hidden by GPU work");
	} else {
		gpu_work(c, q, 0, m->layers, true, true, tokens, &g);
		gpu_terms(&tmp, &g);
	}
	if (q->mode == SIM_TP || q->mode == SIM_EP) {
		ret = sim_tp_collectives(c, q, m->layers, true, true, tokens,
					 n, &tmp, &tc);
		if (ret)
			return ret;
	}
	if (sim_query_tp(q) > 1) {
		tmp.n_allreduce += tc.n_ar;
		tmp.n_allgather += tc.n_ag;
		sim_term_add(&tmp, "allreduce", tc.ar_ms,
			     "per-layer + embedding all-reduces");
		sim_term_add(&tmp, "allgather", tc.ag_ms, "logits all-gather");
		sim_term_add(&tmp, "ep_skew", tc.skew_ms,
			     "rendezvous after skewed expert work (EP, fitted)");
	}
	if (q->spec_tokens) {
		double dnet;

		ret = sim_draft_collectives(c, q, &tmp, &dnet);
		if (ret)
			return ret;
		sim_term_add(&tmp, "spec_draft", draft_ms(c, q) + dnet,
			     "EAGLE3 draft proposals + verify overhead");
	}
	step = 0;
	for (i = 0; i < tmp.n_terms; i++)
		step += tmp.term[i].ms;
	tmp.step_ms = step;
	/* per token: divide the step by the accepted tokens */
	for (i = 0; i < tmp.n_terms; i++)
		tmp.term[i].ms /= tmp.tokens_per_step;
	outn = q->out_tokens > 0 ? q->out_tokens : hw->out_tokens[q->length];
	if (outn > 0)
		sim_term_add(&tmp, "request", hw->request_fixed_ms[q->mode] / outn,
			 "per-request fixed cost / output tokens");
	else
		sim_term_add(&tmp, "request", 0, NULL);
	for (i = 0; i < tmp.n_terms; i++)
		if (!tmp.term[i].what)
			tmp.term[i].what = "";
	tmp.ms_per_token = 0;
	for (i = 0; i < tmp.n_terms; i++)
		tmp.ms_per_token += tmp.term[i].ms;
	tmp.tok_s = 1000.0 / tmp.ms_per_token;
	*r = tmp;
	return 0;
}

int sim_predict(const struct sim_ctx *c, const struct sim_query *q,
		struct sim_result *r)
{
	struct sim_query sq;
	struct sim_result single;
	char why[256];
	int ret;

	ret = sim_query_check(c, q, why, sizeof(why));
	if (ret) {
		BM_ERR("%s", why);
		return ret;
	}
	ret = predict(c, q, r);
	if (ret || q->mode != SIM_PP || sim_query_tp(q) > 1)
		return ret;
	/* PP at batch 1 runs its stages one after the other: never faster
	 * than one node holding the whole model. */
	sq = *q;
	sq.mode = SIM_SINGLE;
	sq.nodes = 1;
	ret = predict(c, &sq, &single);
	if (ret)
		return ret;
	if (r->tok_s > single.tok_s * (1 + 1e-9)) {
		BM_ERR("internal: PP=%d predicted %.2f tok/s > single node "
		       "%.2f: the model is broken", q->nodes, r->tok_s,
		       single.tok_s);
		return -EDOM;
	}
	return 0;
}
