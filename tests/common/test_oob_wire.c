// SPDX-License-Identifier: MIT
/*
 * The bootstrap's wire records without sockets: the preamble, frame header
 * and hello checks every received byte goes through, against hand-built
 * frames (good, and each way of being bad).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>

#include "bm.h"
#include "bm_test.h"

#define PARAMS "iters=100\nsize=8\n"

static struct bm_oob_hello hello(int rank, int nranks, int status,
				 const char *tool, const char *params)
{
	struct bm_oob_hello h = { .rank = rank, .nranks = nranks,
				  .status = status, .params = params,
				  .params_len = params ? strlen(params) : 0 };

	snprintf(h.tool, sizeof(h.tool), "%s", tool);
	return h;
}

/* Parse buf[0..len) and expect ret (and a reason containing why). */
static void expect_parse(const void *buf, size_t len, int ret, const char *why)
{
	struct bm_oob_hello h;
	const char *w = "";

	EXPECT_EQ(bm_oob_hello_parse(buf, len, &h, &w), ret);
	if (why)
		EXPECT(strstr(w, why) != NULL);
}

int main(void)
{
	unsigned char pre[BM_OOB_PREAMBLE_LEN], f[BM_OOB_HELLO_LEN + 64], bad[256];
	struct bm_oob_hello h = hello(1, 2, BM_OOB_OK, "ib_lat", PARAMS), g;
	const char *why = NULL;
	size_t len, n;
	uint32_t u;

	/* Preamble: ours passes; magic, version, pad and length are checked. */
	bm_oob_preamble_format(pre);
	EXPECT(!memcmp(pre, "NRF1\0\1\0\0", 8));
	EXPECT_EQ(bm_oob_preamble_check(pre, sizeof(pre)), 0);
	EXPECT_EQ(bm_oob_preamble_check(pre, 7), -EPROTO);
	EXPECT_EQ(bm_oob_preamble_check("GET / HT", 8), BM_OOB_EMAGIC);
	memcpy(bad, pre, 8);
	bad[5] = 2;
	EXPECT_EQ(bm_oob_preamble_check(bad, 8), BM_OOB_EVERSION);
	bad[5] = 1;
	bad[7] = 1;
	EXPECT_EQ(bm_oob_preamble_check(bad, 8), -EPROTO);

	/* Frame header: refused past the receiver's capacity or the max. */
	u = htobe32(100);
	EXPECT_EQ(bm_oob_frame_len(&u, 100, &n), 0);
	EXPECT_EQ(n, 100);
	EXPECT_EQ(bm_oob_frame_len(&u, 99, &n), -EMSGSIZE);
	u = htobe32(BM_OOB_FRAME_MAX + 1);
	EXPECT_EQ(bm_oob_frame_len(&u, SIZE_MAX, &n), -EMSGSIZE);
	u = 0xffffffffu;
	EXPECT_EQ(bm_oob_frame_len(&u, SIZE_MAX, &n), -EMSGSIZE);

	/* Hello: format then parse gives the same fields back. */
	EXPECT_EQ(bm_oob_hello_format(&h, f, sizeof(f), &len), 0);
	EXPECT_EQ(len, BM_OOB_HELLO_LEN + strlen(PARAMS));
	EXPECT_EQ(bm_oob_hello_parse(f, len, &g, &why), 0);
	EXPECT_EQ(g.rank, 1);
	EXPECT_EQ(g.nranks, 2);
	EXPECT_EQ(g.status, BM_OOB_OK);
	EXPECT_STREQ(g.tool, "ib_lat");
	EXPECT_EQ(g.params_len, strlen(PARAMS));
	EXPECT(!memcmp(g.params, PARAMS, g.params_len));
	EXPECT(g.digest == bm_digest(PARAMS));
	EXPECT_EQ(bm_oob_hello_format(&h, f, len - 1, &n), -ENOSPC);

	/* Each way of being malformed. */
	expect_parse(f, BM_OOB_HELLO_LEN - 1, -EPROTO, "truncated");
	memcpy(bad, f, len);
	bad[BM_OOB_HELLO_LEN] ^= 1;	/* params no longer match the digest */
	expect_parse(bad, len, -EPROTO, "digest");
	memcpy(bad, f, len);
	bad[BM_OOB_HELLO_LEN + 3] = '\033';	/* terminal escape */
	expect_parse(bad, len, -EPROTO, "control");
	memcpy(bad, f, len);
	bad[0] = 0, bad[1] = 9;	/* rank 9 of 2 */
	expect_parse(bad, len, -EPROTO, "rank");
	memcpy(bad, f, len);
	bad[2] = 0, bad[3] = 0;	/* nranks 0 */
	expect_parse(bad, len, -EPROTO, "rank");
	memcpy(bad, f, len);
	bad[5] = BM_OOB_NSTATUS;
	expect_parse(bad, len, -EPROTO, "status");
	memcpy(bad, f, len);
	bad[7] = 1;
	expect_parse(bad, len, -EPROTO, "padding");
	memcpy(bad, f, len);
	memset(bad + 8, 'a', 16);	/* tool not NUL-terminated */
	expect_parse(bad, len, -EPROTO, "tool");
	memcpy(bad, f, len);
	bad[8 + 2] = ' ';
	expect_parse(bad, len, -EPROTO, "tool");
	memcpy(bad, f, len);
	bad[8 + 14] = 'x';	/* a byte after the terminating NUL */
	expect_parse(bad, len, -EPROTO, "tool");
	memcpy(bad, f, len);
	bad[8] = '\0';
	expect_parse(bad, len, -EPROTO, "tool");
	expect_parse(f, BM_OOB_HELLO_MAX + 1, -EMSGSIZE, NULL);

	/* A hello that would not parse is not formatted either. */
	g = hello(2, 2, BM_OOB_OK, "ib_lat", PARAMS);
	EXPECT_EQ(bm_oob_hello_format(&g, f, sizeof(f), &n), -EINVAL);
	g = hello(0, 2, BM_OOB_OK, "ib lat", PARAMS);
	EXPECT_EQ(bm_oob_hello_format(&g, f, sizeof(f), &n), -EINVAL);
	g = hello(0, 2, BM_OOB_OK, "ib_lat", "a=\x01\n");
	EXPECT_EQ(bm_oob_hello_format(&g, f, sizeof(f), &n), -EINVAL);
	g = hello(0, 2, BM_OOB_NSTATUS, "ib_lat", NULL);
	EXPECT_EQ(bm_oob_hello_format(&g, f, sizeof(f), &n), -EINVAL);
	/* The BUSY reply: no params at all. */
	g = hello(0, 2, BM_OOB_BUSY, "ib_lat", NULL);
	EXPECT_EQ(bm_oob_hello_format(&g, f, sizeof(f), &n), 0);
	EXPECT_EQ(n, BM_OOB_HELLO_LEN);
	EXPECT_EQ(bm_oob_hello_parse(f, n, &h, &why), 0);
	EXPECT_EQ(h.status, BM_OOB_BUSY);
	return TEST_DONE();
}
