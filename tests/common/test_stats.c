// SPDX-License-Identifier: MIT
/* common/stats against hand-computed vectors. */
#include <errno.h>
#include <stdlib.h>

#include "bm.h"
#include "bm_test.h"

int main(void)
{
	struct bm_stats st;
	struct bm_samples s;
	double v4[] = { 4, 1, 3, 2 };	/* unsorted on purpose */
	double big[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };
	double one[] = { 42 };
	double *seq;
	double lo, hi;
	int i;

	/* 1,2,3,4: nearest rank p50 = x(ceil(2)) = 2, p90 = x(4) = 4;
	 * mean 2.5; sample variance (2.25+0.25+0.25+2.25)/3 = 5/3. */
	EXPECT_EQ(bm_stats_compute(v4, 4, &st), 0);
	EXPECT_EQ(st.n, 4);
	EXPECT_NEAR(st.min, 1, 0);
	EXPECT_NEAR(st.max, 4, 0);
	EXPECT_NEAR(st.p50, 2, 0);
	EXPECT_NEAR(st.p90, 4, 0);
	EXPECT_NEAR(st.p99, 4, 0);
	EXPECT_NEAR(st.mean, 2.5, 1e-12);
	EXPECT_NEAR(st.stdev, 1.2909944487358056, 1e-12);
	EXPECT_NEAR(v4[0], 4, 0);	/* input untouched */

	/* Catastrophic cancellation check: variance (36+9+9+36)/3 = 30. */
	EXPECT_EQ(bm_stats_compute(big, 4, &st), 0);
	EXPECT_NEAR(st.mean, 1e9 + 10, 1e-6);
	EXPECT_NEAR(st.stdev, 5.477225575051661, 1e-6);

	EXPECT_EQ(bm_stats_compute(one, 1, &st), 0);
	EXPECT_NEAR(st.stdev, 0, 0);
	EXPECT_NEAR(st.p999, 42, 0);
	EXPECT_EQ(bm_stats_compute(one, 0, &st), -EINVAL);

	/* 1..1000 reversed: pX = X*10 exactly (ranks 500, 900, 990, 999). */
	seq = malloc(1000 * sizeof(*seq));
	for (i = 0; i < 1000; i++)
		seq[i] = 1000 - i;
	EXPECT_EQ(bm_stats_compute(seq, 1000, &st), 0);
	EXPECT_NEAR(st.p50, 500, 0);
	EXPECT_NEAR(st.p90, 900, 0);
	EXPECT_NEAR(st.p99, 990, 0);
	EXPECT_NEAR(st.p999, 999, 0);
	EXPECT_NEAR(st.max, 1000, 0);
	EXPECT_NEAR(st.mean, 500.5, 1e-9);
	/* stdev of 1..n = sqrt(n(n+1)/12) = 288.8194361... */
	EXPECT_NEAR(st.stdev, 288.8194360957494, 1e-9);

	/* Median CI, n = 100: P(B <= 39) = 0.0176 <= 0.025 < P(B <= 40), so
	 * the interval is [x(40), x(61)]. */
	EXPECT_EQ(bm_median_ci95(seq + 900, 100, &lo, &hi), 0);
	EXPECT_NEAR(lo, 40, 0);
	EXPECT_NEAR(hi, 61, 0);
	EXPECT_EQ(bm_median_ci95(seq, 5, &lo, &hi), -EINVAL);
	free(seq);

	/* Samples grow and keep every value in order. */
	EXPECT_EQ(bm_samples_init(&s, 0), 0);
	for (i = 0; i < 5000; i++)
		EXPECT_EQ(bm_samples_push(&s, i), 0);
	EXPECT_EQ(s.n, 5000);
	EXPECT_NEAR(s.v[4999], 4999, 0);
	bm_samples_reset(&s);
	EXPECT_EQ(s.n, 0);
	bm_samples_free(&s);
	return TEST_DONE();
}
