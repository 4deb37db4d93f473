// SPDX-License-Identifier: MIT
/*
 * nccl_rt without a GPU: the option defaults (one --timeout default for
 * every wait).
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

int main(void)
{
	bm_log_init("test_nrt", -1);
	test_timeout_default();
	return TEST_DONE();
}
