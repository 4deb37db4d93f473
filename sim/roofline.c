// SPDX-License-Identifier: MIT
/*
 * sim roofline: the critical path of one decoded token.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
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

double sim_draft_bytes_rank(const struct sim_ctx *c,
			    const struct sim_query *q)
{
	const struct sim_hw *hw = &c->hw;
	double h = c->model.hidden, p;

	p = hw->draft_layers * (sim_attn_params(&c->model) +
				3.0 * h * hw->draft_mlp_mult * h) +
	    3.0 * h * h + (double)hw->draft_vocab * h;
	return 2.0 * p / sim_query_tp(q);
}

/* The draft model's step (EAGLE3, K chained proposals). */
static double draft_ms(const struct sim_ctx *c, const struct sim_query *q)
{
	const struct sim_hw *hw = &c->hw;
	double one, ms;

	one = stream_ms(sim_draft_bytes_rank(c, q),
			hw->mem_bw_gbs * hw->eff_bf16) +
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
