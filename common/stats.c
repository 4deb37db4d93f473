// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

int bm_samples_init(struct bm_samples *s, size_t cap)
{
	s->n = 0;
	s->cap = 0;
	s->v = NULL;
	if (!cap)
		return 0;
	s->v = malloc(cap * sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	s->cap = cap;
	return 0;
}

int bm_samples_push(struct bm_samples *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		double *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

void bm_samples_reset(struct bm_samples *s)
{
	s->n = 0;
}

void bm_samples_free(struct bm_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bm_percentile_sorted(const double *sorted, size_t n, double p)
{
	double r;
	size_t k;

	if (!n)
		return NAN;
	/* Nearest rank: k = ceil(p/100 * n), 1-based. The epsilon keeps
	 * 99.9/100*1000 = 999.0000000000001 from becoming rank 1000. */
	r = ceil(p / 100.0 * (double)n - 1e-9);
	k = r < 1 ? 1 : (size_t)r;
	if (k > n)
		k = n;
	return sorted[k - 1];
}

int bm_stats_compute(const double *v, size_t n, struct bm_stats *st_p)
{
	double mean = 0, m2 = 0, *sorted;
	size_t i;

	if (!n)
		return -EINVAL;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	for (i = 0; i < n; i++) {	/* Welford: stable for large n */
		double d = v[i] - mean;

		mean += d / (double)(i + 1);
		m2 += d * (v[i] - mean);
	}
	st_p->n = n;
	st_p->min = sorted[0];
	st_p->max = sorted[n - 1];
	st_p->p50 = bm_percentile_sorted(sorted, n, 50);
	st_p->p90 = bm_percentile_sorted(sorted, n, 90);
	st_p->p99 = bm_percentile_sorted(sorted, n, 99);
	st_p->p999 = bm_percentile_sorted(sorted, n, 99.9);
	st_p->mean = mean;
	st_p->stdev = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0.0;
	free(sorted);
	return 0;
}

/*
 * Distribution-free 95% CI of the median: the ranks j < k around n/2 such
 * that P(j <= B < k) >= 0.95 for B ~ Binomial(n, 1/2); the interval is
 * [x_(j), x_(k)] (1-based order statistics). Exact binomial sums in log space.
 */
int bm_median_ci95(const double *v, size_t n, double *lo_p, double *hi_p)
{
	double *sorted, cdf = 0, lbin;
	size_t j, lo = 0;

	if (n < 6)
		return -EINVAL;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	/* Largest j with P(B < j) <= 0.025. */
	for (j = 0; j <= n / 2; j++) {
		lbin = lgamma((double)n + 1) - lgamma((double)j + 1) -
		       lgamma((double)(n - j) + 1) - (double)n * log(2.0);
		if (cdf + exp(lbin) > 0.025)
			break;
		cdf += exp(lbin);
		lo = j + 1;
	}
	if (lo < 1)
		lo = 1;
	*lo_p = sorted[lo - 1];
	*hi_p = sorted[n - lo];	/* symmetric: x_(n-lo+1) */
	free(sorted);
	return 0;
}
