/* SPDX-License-Identifier: MIT */
/* Minimal EXPECT macros (rdma-core bitmap_test style): count failures,
 * report file:line, exit 1 if any failed. */
#ifndef BM_TEST_H
#define BM_TEST_H
#include <math.h>
#include <stdio.h>
#include <string.h>

static int bm_test_failures;

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,      \
				__LINE__, #cond);                              \
			bm_test_failures++;                                    \
		}                                                              \
	} while (0)
#define EXPECT_EQ(a, b)                                                        \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_) {                                                \
			fprintf(stderr, "%s:%d: FAILED: %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);           \
			bm_test_failures++;                                    \
		}                                                              \
	} while (0)
#define EXPECT_NEAR(a, b, tol)                                                 \
	do {                                                                   \
		double a_ = (a), b_ = (b);                                     \
		if (!(fabs(a_ - b_) <= (tol))) {                               \
			fprintf(stderr, "%s:%d: FAILED: %s ~ %s (%.9g vs %.9g)\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);           \
			bm_test_failures++;                                    \
		}                                                              \
	} while (0)
#define EXPECT_STREQ(a, b)                                                     \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_)) {                            \
			fprintf(stderr, "%s:%d: FAILED: %s == %s (\"%s\" vs \"%s\")\n", \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", \
				b_ ? b_ : "(null)");                           \
			bm_test_failures++;                                    \
		}                                                              \
	} while (0)
#define TEST_DONE()                                                            \
	(bm_test_failures ? (fprintf(stderr, "%d check(s) failed\n",          \
				     bm_test_failures), 1) : 0)
#endif
