// SPDX-License-Identifier: MIT
/*
 * The bootstrap handshake from raw bytes: what a peer sends from the
 * moment it connects (preamble, hello frame, anything after), through the
 * real code that reads it (bm_oob_attach over one end of a socketpair).
 *   byte 0, bit 0: 0 = we are rank 0 and the bytes are a client's;
 *                  1 = we are rank 1 and the bytes are rank 0's
 *   bytes 1..:     the peer's byte stream (then EOF)
 * Invariants: a success needs a valid preamble and a hello with our tool
 * and parameters; a bad magic is always BM_OOB_EMAGIC; every error is one
 * of the documented ones (never a hang: the stream ends in EOF).
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#define PARAMS "iters=100\nsize=8\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_oob_cfg cfg = { .nranks = 2, .host = "peer", .port = 1,
				  .timeout_ms = 1000, .tool = "ib_lat",
				  .params = PARAMS };
	const uint8_t *in = data + 1;
	struct bm_oob *oob = NULL;
	size_t n = size ? size - 1 : 0;
	int sv[2], ret;

	if (!size || n > (64u << 10))	/* the socket buffer takes it all */
		return 0;
	cfg.rank = data[0] & 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	if (n && write(sv[1], in, n) != (ssize_t)n)
		abort();
	shutdown(sv[1], SHUT_WR);
	ret = bm_oob_attach(&cfg, sv[0], &oob);
	if (!ret) {
		struct bm_oob_hello h;
		const char *why;
		uint32_t len;

		/* Success: a real preamble, then a hello frame that parses
		 * and carries our tool and parameters exactly. */
		FUZZ_CHECK(n >= BM_OOB_PREAMBLE_LEN + 4 + BM_OOB_HELLO_LEN);
		FUZZ_CHECK(!bm_oob_preamble_check(in, BM_OOB_PREAMBLE_LEN));
		memcpy(&len, in + BM_OOB_PREAMBLE_LEN, 4);
		len = be32toh(len);
		FUZZ_CHECK(len <= n - BM_OOB_PREAMBLE_LEN - 4);
		FUZZ_CHECK(!bm_oob_hello_parse(in + BM_OOB_PREAMBLE_LEN + 4,
					       len, &h, &why));
		FUZZ_CHECK(!strcmp(h.tool, "ib_lat"));
		FUZZ_CHECK(h.params_len == strlen(PARAMS) &&
			   !memcmp(h.params, PARAMS, h.params_len));
		FUZZ_CHECK(h.status == BM_OOB_OK);
		FUZZ_CHECK(cfg.rank ? h.rank == 0 : h.rank == 1);
		bm_oob_close(oob);	/* closes sv[0] */
	} else {
		FUZZ_CHECK(ret == BM_OOB_EMAGIC || ret == BM_OOB_EVERSION ||
			   ret == -EPROTO || ret == -ECONNRESET ||
			   ret == -EMSGSIZE || ret == BM_OOB_EMISMATCH ||
			   ret == BM_OOB_EBUSY);
		if (n >= BM_OOB_PREAMBLE_LEN && memcmp(in, "NRF1", 4))
			FUZZ_CHECK(ret == BM_OOB_EMAGIC);
		close(sv[0]);
	}
	close(sv[1]);
	return 0;
}
