/* SPDX-License-Identifier: MIT */
/* moe_alltoall routing: per-peer counts and matrices, balance, the measured
 * Zipf exponent (routing.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "routing.h"

void a2a_route_counts(const struct a2a_route *r, int n_experts, int nranks,
		      uint32_t *sel, uint32_t *tok)
{
	int t, j, d;
	uint8_t seen[1024];

	memset(sel, 0, (size_t)nranks * sizeof(*sel));
	memset(tok, 0, (size_t)nranks * sizeof(*tok));
	for (t = 0; t < r->ntok; t++) {
		memset(seen, 0, (size_t)(nranks < 1024 ? nranks : 1024));
		for (j = 0; j < r->topk; j++) {
			d = a2a_owner(r->ids[t * r->topk + j], n_experts,
				      nranks);
			sel[d]++;
			if (!seen[d]) {
				seen[d] = 1;
				tok[d]++;
			}
		}
	}
}

void a2a_route_hist(const struct a2a_route *r, int n_experts, uint64_t *hist)
{
	size_t i, n = (size_t)r->ntok * r->topk;

	for (i = 0; i < n; i++)
		if (r->ids[i] >= 0 && r->ids[i] < n_experts)
			hist[r->ids[i]]++;
}

int a2a_matrix_init(struct a2a_matrix *m, int n)
{
	m->n   = n;
	m->sel = calloc((size_t)n * n, sizeof(*m->sel));
	m->tok = calloc((size_t)n * n, sizeof(*m->tok));
	if (!m->sel || !m->tok) {
		a2a_matrix_free(m);
		return -ENOMEM;
	}
	return 0;
}

void a2a_matrix_free(struct a2a_matrix *m)
{
	free(m->sel);
	free(m->tok);
	m->sel = m->tok = NULL;
}

void a2a_matrix_clear(struct a2a_matrix *m)
{
	memset(m->sel, 0, (size_t)m->n * m->n * sizeof(*m->sel));
	memset(m->tok, 0, (size_t)m->n * m->n * sizeof(*m->tok));
}

void a2a_matrix_add(struct a2a_matrix *m, int src, const uint32_t *sel,
		    const uint32_t *tok)
{
	int d;

	for (d = 0; d < m->n; d++) {
		m->sel[src * m->n + d] += sel[d];
		m->tok[src * m->n + d] += tok[d];
	}
}

uint64_t a2a_matrix_total_sel(const struct a2a_matrix *m)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < m->n * m->n; i++)
		s += m->sel[i];
	return s;
}

int a2a_imbalance(const double *v, int n, struct a2a_imb *imb_p)
{
	struct a2a_imb b = {.argmax = 0};
	double sum	 = 0;
	int i;

	if (n < 1)
		return -EINVAL;
	b.min = b.max = v[0];
	for (i = 0; i < n; i++) {
		sum += v[i];
		if (v[i] > b.max) {
			b.max	 = v[i];
			b.argmax = i;
		}
		if (v[i] < b.min)
			b.min = v[i];
	}
	b.mean	= sum / n;
	b.ratio = b.mean > 0 ? b.max / b.mean : 1.0;
	*imb_p	= b;
	return 0;
}

int a2a_load_init(struct a2a_load *l, int nranks)
{
	l->nranks  = nranks;
	l->tok	   = calloc((size_t)nranks, sizeof(double));
	l->sel	   = calloc((size_t)nranks, sizeof(double));
	l->experts = calloc((size_t)nranks, sizeof(double));
	l->wbytes  = calloc((size_t)nranks, sizeof(double));
	if (!l->tok || !l->sel || !l->experts || !l->wbytes) {
		a2a_load_free(l);
		return -ENOMEM;
	}
	return 0;
}

void a2a_load_free(struct a2a_load *l)
{
	free(l->tok);
	free(l->sel);
	free(l->experts);
	free(l->wbytes);
	l->tok = l->sel = l->experts = l->wbytes = NULL;
}

void a2a_load_compute(struct a2a_load *l, const struct a2a_matrix *m,
		      const uint64_t *hist, int n_experts, double expert_bytes)
{
	int n = l->nranks, s, d, e;

	for (d = 0; d < n; d++) {
		l->tok[d] = l->sel[d] = l->experts[d] = 0;
		for (s = 0; s < m->n; s++) {
			l->tok[d] += (double)m->tok[s * m->n + d];
			l->sel[d] += (double)m->sel[s * m->n + d];
		}
	}
	for (e = 0; e < n_experts; e++)
		if (hist[e])
			l->experts[a2a_owner(e, n_experts, n)] += 1;
	for (d = 0; d < n; d++)
		l->wbytes[d] = l->experts[d] * expert_bytes;
}

static int cmp_desc_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

double a2a_zipf_fit(const uint64_t *counts, int n)
{
	uint64_t *c = malloc((size_t)n * sizeof(*c));
	double sx = 0, sy = 0, sxx = 0, sxy = 0, x, y, den;
	int i, m = 0;

	if (!c)
		return 0;
	memcpy(c, counts, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_desc_u64);
	for (i = 0; i < n && c[i]; i++, m++) {
		x = log((double)(i + 1));
		y = log((double)c[i]);
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	free(c);
	if (m < 2)
		return 0;
	den = m * sxx - sx * sx;
	return den > 0 ? -(m * sxy - sx * sy) / den : 0;
}
