// SPDX-License-Identifier: MIT
/*
 * sim plan: enumerate, predict, fit, rank, recommend (plan.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plan.h"

/* add_row copies a memory verdict into a row's why */
_Static_assert(sizeof(((struct sim_plan_row *)0)->why) ==
	       sizeof(((struct sim_memfit *)0)->why), "why sizes differ");

const char *sim_plan_status_name(enum sim_plan_status s)
{
	static const char *const names[] = { "fits", "does not fit",
					     "not possible" };

	return s <= SIM_PLAN_IMPOSSIBLE ? names[s] : "?";
}

static void row_name(struct sim_plan_row *w)
{
	const struct sim_query *q = &w->q;
	const char *spec = q->spec_tokens ? " +EAGLE3" : "";

	switch (q->mode) {
	case SIM_SINGLE:
		snprintf(w->name, sizeof(w->name), "single%s", spec);
		break;
	case SIM_TP:
		snprintf(w->name, sizeof(w->name), "TP=%d%s", q->nodes, spec);
		break;
	case SIM_EP:
		snprintf(w->name, sizeof(w->name), "EP=%d%s", q->nodes, spec);
		break;
	default:
		if (q->tp > 1)
			snprintf(w->name, sizeof(w->name), "TP=%dxPP=%d%s",
				 q->tp, q->nodes / q->tp, spec);
		else
			snprintf(w->name, sizeof(w->name), "PP=%d%s", q->nodes,
				 spec);
		break;
	}
}

/* vLLM's Marlin MoE needs (I / tp) % max(64, group) == 0 and
 * hidden % 128 == 0 for GPTQ/AutoRound/AWQ, else it falls back to the
 * Triton WNA16 kernel (marlin_utils.py:229-245), whose speed sim has no
 * measurement of. */
static void kernel_note(const struct sim_model *m, const struct sim_query *q,
			char *buf, size_t len)
{
	int tp = sim_query_tp(q), g = m->quant.group, w;

	buf[0] = '\0';
	if (!sim_is_moe(m) || m->quant.scheme != SIM_Q_INT ||
	    q->mode == SIM_EP)
		return;
	w = m->moe_inter / tp;
	if (w % (g > 64 ? g : 64) == 0 && m->hidden % 128 == 0)
		return;
	snprintf(buf, len, "MoE falls back to the Triton WNA16 kernel (I/tp = "
		 "%d); not measured, costed as Marlin", w);
}

static const char *largest_term(const struct sim_result *r, double *ms_p)
{
	int i, best = 0;

	for (i = 1; i < r->n_terms; i++)
		if (r->term[i].ms > r->term[best].ms)
			best = i;
	*ms_p = r->term[best].ms;
	return r->term[best].name;
}

static void add_row(const struct sim_ctx *c, struct sim_plan *p,
		    enum sim_mode mode, int nodes, int tp, bool spec)
{
	struct sim_plan_row *w;
	int ret;

	if (p->n >= SIM_PLAN_MAX)
		return;
	w = &p->row[p->n++];
	memset(w, 0, sizeof(*w));
	w->q = (struct sim_query){ .mode = mode, .nodes = nodes, .tp = tp,
				   .ctx = p->ctx, .length = SIM_LEN_LONG,
				   .spec_tokens = spec ? 1 : 0, .accept = -1 };
	row_name(w);
	ret = sim_query_check(c, &w->q, w->why, sizeof(w->why));
	if (ret) {
		w->status = SIM_PLAN_IMPOSSIBLE;
		return;
	}
	ret = sim_predict(c, &w->q, &w->r);
	if (ret) {
		w->status = SIM_PLAN_IMPOSSIBLE;
		snprintf(w->why, sizeof(w->why), "%s", bm_log_last_error() ?
			 bm_log_last_error() : "prediction failed");
		return;
	}
	w->bound = largest_term(&w->r, &w->bound_ms);
	sim_memfit(c, &w->q, &p->deploy, &w->f);
	kernel_note(&c->model, &w->q, w->note, sizeof(w->note));

	if (!w->f.fits) {
		w->status = SIM_PLAN_NO_FIT;
		memcpy(w->why, w->f.why, sizeof(w->why));
	}
}

static const struct sim_plan *sort_plan;

static int cmp_rows(const void *a, const void *b)
{
	const struct sim_plan_row *x = &sort_plan->row[*(const int *)a];
	const struct sim_plan_row *y = &sort_plan->row[*(const int *)b];

	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	if (x->status != SIM_PLAN_IMPOSSIBLE && x->r.tok_s != y->r.tok_s)
		return x->r.tok_s > y->r.tok_s ? -1 : 1;
	if (x->q.nodes != y->q.nodes)
		return x->q.nodes < y->q.nodes ? -1 : 1;
	return *(const int *)a < *(const int *)b ? -1 : 1;
}

/* The row best is judged against: the fastest fitting single-node row
 * when best is multi-node, else the fastest fitting multi-node row. */
static int versus_row(const struct sim_plan *p)
{
	const struct sim_plan_row *b = &p->row[p->best];
	int i, k;

	for (k = 0; k < p->n; k++) {
		i = p->order[k];
		if (i == p->best || p->row[i].status != SIM_PLAN_FITS ||
		    p->row[i].q.spec_tokens)
			continue;
		if ((b->q.nodes > 1) == (p->row[i].q.nodes == 1))
			return i;
	}
	for (k = 0; k < p->n; k++) {
		i = p->order[k];
		if (i != p->best && p->row[i].status == SIM_PLAN_FITS &&
		    !p->row[i].q.spec_tokens)
			return i;
	}
	return -1;
}

/* "weights_quant -4.31, allreduce +3.98 ms/token": the biggest saving and
 * the biggest cost of best against v. */
static void term_delta(const struct sim_result *b, const struct sim_result *v,
		       char *buf, size_t len)
{
	int i, save = -1, cost = -1;
	double d, ds = 0, dc = 0;

	for (i = 0; i < b->n_terms && i < v->n_terms; i++) {
		d = b->term[i].ms - v->term[i].ms;
		if (d < ds) {
			ds = d;
			save = i;
		}
		if (d > dc) {
			dc = d;
			cost = i;
		}
	}
	if (save >= 0 && cost >= 0)
		snprintf(buf, len, "%s %+.2f ms/token against %s %+.2f",
			 b->term[save].name, ds, b->term[cost].name, dc);
	else if (save >= 0)
		snprintf(buf, len, "%s %+.2f ms/token", b->term[save].name, ds);
	else
		snprintf(buf, len, "no term costs less");
}

static void reason(const struct sim_ctx *c, struct sim_plan *p)
{
	const struct sim_plan_row *b = &p->row[p->best], *v;
	char d[200];
	int single_fits = 0, i;

	for (i = 0; i < p->n; i++)
		single_fits |= p->row[i].q.nodes == 1 &&
			       p->row[i].status == SIM_PLAN_FITS;
	p->versus = versus_row(p);
	if (p->versus < 0) {
		snprintf(p->reason, sizeof(p->reason), "%s is the only "
			 "deployment that fits; its largest term is %s "
			 "(%.2f ms/token)", b->name, b->bound, b->bound_ms);
		return;
	}
	v = &p->row[p->versus];
	term_delta(&b->r, &v->r, d, sizeof(d));
	if (b->q.nodes > 1 && !single_fits)
		snprintf(p->reason, sizeof(p->reason), "%s does not fit one "
			 "node, so it needs %d; %s is %.1f tok/s ahead of %s "
			 "(%s)", c->model.name, b->q.nodes, b->name,
			 b->r.tok_s - v->r.tok_s, v->name, d);
	else
		snprintf(p->reason, sizeof(p->reason), "%s is %.2fx %s (%.1f "
			 "tok/s): %s", b->name, b->r.tok_s / v->r.tok_s,
			 v->name, v->r.tok_s, d);
}

static void flags(const struct sim_ctx *c, struct sim_plan *p,
		  const char *transport)
{
	const struct sim_plan_row *b = &p->row[p->best];
	const struct sim_query *q = &b->q;
	const struct sim_memcfg *d = &p->deploy;
	size_t len = sizeof(p->flags), off;
	int tp = sim_query_tp(q), pp = sim_query_stages(q);

	off = (size_t)snprintf(p->flags, len, "vllm serve %s", c->model.name);
#define ADD(...)                                                               \
	do {                                                                   \
		if (off < len)                                                 \
			off += (size_t)snprintf(p->flags + off, len - off,     \
						__VA_ARGS__);                  \
	} while (0)
	if (tp > 1)
		ADD(" --tensor-parallel-size %d", tp);
	if (pp > 1)
		ADD(" --pipeline-parallel-size %d", pp);
	if (q->mode == SIM_EP)
		ADD(" --enable-expert-parallel");
	if (q->nodes > 1)
		ADD(" --distributed-executor-backend ray");
	ADD(" --max-model-len %.0f", d->max_model_len);
	if (c->model.kv_bytes == 1)
		ADD(" --kv-cache-dtype fp8");
	if (d->kv_cache_bytes > 0)
		ADD(" --kv-cache-memory-bytes %.0f", d->kv_cache_bytes);
	if (d->gpu_util != c->hw.mem.util_default || d->kv_cache_bytes > 0)
		ADD(" --gpu-memory-utilization %.2f", d->gpu_util);
	if (q->nodes > 1 && !strcmp(transport, "socket"))
		ADD(" (NCCL over sockets: NCCL_IB_DISABLE=1)");
	else if (q->nodes > 1)
		ADD(" (NCCL over RoCE: NCCL_IB_DISABLE=0, NCCL_IB_HCA=both "
		    "RoCE devices of the port)");
#undef ADD
}

int sim_plan_run(const struct sim_ctx *c, int nodes_max, double ctx,
		 const struct sim_memcfg *d, const char *transport,
		 struct sim_plan *p)
{
	static const int sizes[] = { 2, 4, 8 };
	int i, k, n, ret;
	bool moe = sim_is_moe(&c->model);

	memset(p, 0, sizeof(*p));
	if (nodes_max < 1 || nodes_max > 8) {
		BM_ERR("--nodes-max must be 1..8 (got %d)", nodes_max);
		return -EINVAL;
	}
	p->nodes_max = nodes_max;
	p->ctx = ctx;
	p->deploy = *d;
	ret = sim_memcfg_resolve(c, ctx, &p->deploy);
	if (ret)
		return ret;
	for (k = 0; k < 2; k++)
		add_row(c, p, SIM_SINGLE, 1, 0, k);
	for (i = 0; i < 3 && sizes[i] <= nodes_max; i++) {
		n = sizes[i];
		for (k = 0; k < 2; k++)
			add_row(c, p, SIM_TP, n, 0, k);
		if (moe)
			for (k = 0; k < 2; k++)
				add_row(c, p, SIM_EP, n, 0, k);
		add_row(c, p, SIM_PP, n, 0, false);
		for (k = 2; k < n; k *= 2)
			add_row(c, p, SIM_PP, n, k, false);
	}
	for (i = 0; i < p->n; i++)
		p->order[i] = i;
	sort_plan = p;
	qsort(p->order, p->n, sizeof(p->order[0]), cmp_rows);
	sort_plan = NULL;
	p->best = p->best_spec = p->versus = -1;
	for (k = p->n - 1; k >= 0; k--) {
		const struct sim_plan_row *w = &p->row[p->order[k]];

		if (w->status != SIM_PLAN_FITS)
			continue;
		if (!w->q.spec_tokens)
			p->best = p->order[k];
		else
			p->best_spec = p->order[k];
	}
	if (p->best >= 0 && p->best_spec >= 0 &&
	    p->row[p->best_spec].r.tok_s <= p->row[p->best].r.tok_s)
		p->best_spec = -1;
	if (p->best >= 0) {
		reason(c, p);
		flags(c, p, transport);
	}
	return 0;
}
