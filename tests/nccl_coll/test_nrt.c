// SPDX-License-Identifier: MIT
/*
 * nccl_rt without a GPU: the option defaults (one --timeout default for
 * every wait) and what the data-check summary may claim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bm_test.h"
#include "nccl_rt.h"

/* Every wait of nccl_rt uses --timeout, whose default is the common one. */
static void test_timeout_default(void)
{
	struct nrt_opts o = NRT_OPTS_INIT;
	struct bm_common c = BM_COMMON_INIT(1, 2, 3, 4, 5);

	EXPECT_EQ(o.timeout_ms, c.timeout_ms);
	c.timeout_ms = 2500;
	nrt_opts_from_common(&o, &c);
	EXPECT_EQ(o.timeout_ms, 2500);
}

static void test_verdict(void)
{
	struct nrt_check c = { 0 };
	char why[256];

	/* stopped before planning (a bad model file): not run, and why */
	EXPECT_STREQ(nrt_check_verdict(&c, "model not found", why,
				       sizeof(why)), "not run");
	EXPECT(strstr(why, "model not found") != NULL);
	/* planned, nothing checked: the run stopped first */
	c.planned = 4;
	EXPECT_STREQ(nrt_check_verdict(&c, "model not found", why,
				       sizeof(why)), "not run");
	EXPECT(strstr(why, "model not found") != NULL);
	/* part of the checks made, none wrong: not a pass */
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, "timed out", why, sizeof(why)),
		     "FAILED");
	EXPECT(strstr(why, "2 of 4") != NULL);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "passed");
	EXPECT_STREQ(why, "");
	/* every check made, but with wrong elements */
	c.done = 0;
	nrt_check_add(&c, 3);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "FAILED");
	EXPECT(strstr(why, "3 wrong") != NULL);
	/* a run that checks nothing by design says why */
	c = (struct nrt_check){ .none_why = "--compare times only" };
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "not run");
	EXPECT_STREQ(why, "--compare times only");
}

int main(void)
{
	bm_log_init("test_nrt", -1);
	test_timeout_default();
	test_verdict();
	return TEST_DONE();
}
