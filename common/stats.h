/* SPDX-License-Identifier: MIT */
/*
 * Samples and their statistics. Every sample is kept; statistics are exact
 * from the samples, computed in double.
 *
 * Percentiles use the nearest-rank definition: pX is the smallest sample
 * such that at least X% of the samples are <= it, i.e. sorted[ceil(X/100*n)-1]
 * (p50 of 1,2,3,4 is 2). Every reported percentile is therefore a value that
 * was really measured, never an interpolation. stdev is the sample standard
 * deviation (n-1 in the denominator; 0 for n = 1), computed with Welford's
 * method.
 */
#ifndef BM_STATS_H
#define BM_STATS_H
#include <stddef.h>

struct bm_samples {
	double *v;	/* values, in the order pushed */
	size_t	n;	/* number of values */
	size_t	cap;	/* allocated capacity */
};

struct bm_stats {
	size_t n;
	double min, p50, p90, p99, p999, max, mean, stdev;
};

int  bm_samples_init(struct bm_samples *s, size_t cap);	/* cap 0 is fine */
int  bm_samples_push(struct bm_samples *s, double v);	/* grows as needed */
void bm_samples_reset(struct bm_samples *s);		/* n = 0, keeps memory */
void bm_samples_free(struct bm_samples *s);

/* Statistics of v[0..n) (v is not modified). -EINVAL if n == 0. */
int bm_stats_compute(const double *v, size_t n, struct bm_stats *st_p);
/* Nearest-rank percentile (0 < p <= 100) of an ascending array. */
double bm_percentile_sorted(const double *sorted, size_t n, double p);
/* Two-sided 95% confidence interval of a median by the binomial
 * order-statistic method (distribution-free): sets lo/hi to sorted values.
 * Needs n >= 6. */
int bm_median_ci95(const double *v, size_t n, double *lo_p, double *hi_p);

#endif
