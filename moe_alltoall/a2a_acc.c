/* SPDX-License-Identifier: MIT */
/* moe_alltoall: bytes and balance accumulated over the steps of one token
 * count, and their row (a2a.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "a2a.h"

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
		p->pattern->bytes(g, ntok, n, r, m->sel + r * n, m->tok + r * n,
				  sel, &b);
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

void a2a_acc_row(const struct a2a_acc *a, json_t *row)
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
}
