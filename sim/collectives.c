// SPDX-License-Identifier: MIT
/*
 * sim collectives: the network part of one decode step. The mode's
 * collective schedule (profiles/arch.json, from vLLM's model code) costed
 * on the network profile (netprof.h: measured curves, else the link model
 * of netmodel.h), with a record of every collective for the breakdown.
 *
 * What vLLM sends per decoded token at batch 1 (sim/research/vllm.md cites
 * vLLM v0.16.0 file:line):
 *   TP=n and EP with TP=n (no data parallel): the same collectives. EP only
 *     changes which ranks hold which experts (FusedMoEParallelConfig.make:
 *     ep_size = tp_size, tp_size = 1 inside the MoE layer) and then one TP
 *     all-reduce follows the experts (maybe_all_reduce_tensor_model_parallel);
 *     no all-to-all backend runs when dp_size = 1 (use_all2all_kernels).
 *   PP: each stage boundary sends hidden_states and residual as two NCCL
 *     send/recv pairs (IntermediateTensors through RayPPCommunicator).
 *   EAGLE3 under TP: the draft layer is TP-sharded: per draft forward its
 *     attention and MLP all-reduces, the shared embedding's all-reduce over
 *     the (1 + k) verified tokens, and the all-gather of the draft logits.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "roofline.h"

/* Record count collectives of one kind, costed once. */
static int use(const struct sim_ctx *c, struct sim_result *r,
	       const char *term, const char *what, enum sim_op op,
	       double bytes, int nranks, int count, double *ms_p)
{
	struct sim_net_use *u;
	struct sim_net_cost cost;
	int ret;

	ret = sim_net_cost(&c->net, op, bytes, nranks, c->hw.kernel_us, &cost);
	if (ret)
		return ret;
	*ms_p += count * cost.us / 1000.0;
	if (r->n_net >= SIM_NET_USES)
		return 0;
	u = &r->net[r->n_net++];
	memset(u, 0, sizeof(*u));
	u->term = term;
	snprintf(u->what, sizeof(u->what), "%s", what);
	u->op = op;
	u->bytes = bytes;
	u->nranks = nranks;
	u->count = count;
	u->cost = cost;
	return 0;
}


int sim_tp_collectives(const struct sim_ctx *c, const struct sim_query *q,
		       int layers, bool first, bool last, int tokens, int n,
		       struct sim_result *r, struct sim_tp_ms *t)
{
	const struct sim_arch_sched *sc = &c->sched;
	const struct sim_model *m = &c->model;
	bool ag, here;
	int i, ret = 0;

	for (i = 0; i < sc->n_layer && !ret; i++) {
		ag = sc->layer[i].op == SIM_OP_ALLGATHER;
		ret = use(c, r, ag ? "allgather" : "allreduce",
			  sc->layer[i].what, sc->layer[i].op,
			  sim_coll_bytes(m, &sc->layer[i]) * tokens, n, layers,
			  ag ? &t->ag_ms : &t->ar_ms);
		*(ag ? &t->n_ag : &t->n_ar) += layers;
		/* EP: the ranks reach the all-reduce after the experts at
		 * different times (the busier rank reads more experts:
		 * ep_imbalance); what that arrival skew costs beyond the
		 * wait itself is the fitted ep_rendezvous (gb10.json),
		 * counted in one-way latencies of this link */
		if (q->mode == SIM_EP && sc->layer[i].after_moe)
			t->skew_ms += layers * (c->net.has_link ?
				c->hw.ep_rendezvous * c->net.link.one_way_us.v :
				c->net.curve_ep_skew_us) / 1000.0;
	}
	for (i = 0; i < sc->n_step && !ret; i++) {
		ag = sc->step[i].op == SIM_OP_ALLGATHER;
		here = ag ? last : first;
		if (!here)
			continue;
		ret = use(c, r, ag ? "allgather" : "allreduce",
			  sc->step[i].what, sc->step[i].op,
			  sim_coll_bytes(m, &sc->step[i]) * tokens, n, 1,
			  ag ? &t->ag_ms : &t->ar_ms);
		*(ag ? &t->n_ag : &t->n_ar) += 1;
	}
	return ret;
}

int sim_pp_hop(const struct sim_ctx *c, int tokens, struct sim_result *r,
	       double *hop_ms_p)
{
	const struct sim_arch_sched *sc = &c->sched;
	double ms = 0;
	int ret;

	/* one boundary: the messages go one after the other, 2 ranks */
	ret = use(c, r, "pp_hop", "stage hop (hidden state, residual)",
		  SIM_OP_SENDRECV, sc->pp_hop_hidden_x * c->model.hidden *
		  tokens, 2, sc->pp_hop_messages, &ms);
	if (ret)
		return ret;
	*hop_ms_p = ms;
	return 0;
}

int sim_draft_collectives(const struct sim_ctx *c, const struct sim_query *q,
			  struct sim_result *r, double *ms_p)
{
	const struct sim_hw *hw = &c->hw;
	double h = c->model.hidden, ms = 0;
	int n = sim_query_tp(q), k = q->spec_tokens, ret;

	*ms_p = 0;
	if (n < 2 || !k)
		return 0;
	/* per draft forward over the 1 + k verified tokens: attention and
	 * MLP all-reduce per draft layer, the shared embedding's all-reduce,
	 * then the draft logits all-gather of one row */
	ret = use(c, r, "spec_draft", "EAGLE3 draft all-reduces",
		  SIM_OP_ALLREDUCE, 2.0 * h * (1 + k), n,
		  k * (2 * hw->draft_layers + 1), &ms);
	if (!ret)
		ret = use(c, r, "spec_draft", "EAGLE3 draft logits all-gather",
			  SIM_OP_ALLGATHER, 2.0 * hw->draft_vocab, n, k, &ms);
	r->n_allreduce += k * (2 * hw->draft_layers + 1);
	r->n_allgather += k;
	*ms_p = ms;
	return ret;
}
