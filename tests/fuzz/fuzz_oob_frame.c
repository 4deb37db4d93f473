// SPDX-License-Identifier: MIT
/*
 * Frames after a good handshake, through the real receive paths
 * (bm_oob_recv, all-gather, broadcast, barrier) over a socketpair.
 *   byte 0: bit 0 our rank (0 or 1); bits 1..2 the operation:
 *           0 recv loop, 1 all-gather, 2 broadcast, 3 barrier
 *   bytes 1..2: capacity (recv) or length (all-gather, broadcast), LE
 *   bytes 3..: the peer's frames (then EOF)
 * The harness writes a valid preamble and hello first. A reference
 * decoder of the same bytes predicts each bm_oob_recv result exactly:
 * the frame's bytes, -EMSGSIZE past the capacity (nothing read), or
 * -ECONNRESET for a truncated frame.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#define PARAMS "iters=100\nsize=8\n"
#define TOOL "ib_lat"

/* The peer's handshake as the other side would send it. */
static size_t handshake(int peer_rank, uint8_t *buf)
{
	struct bm_oob_hello h = { .rank = peer_rank, .nranks = 2,
				  .status = BM_OOB_OK, .params = PARAMS,
				  .params_len = strlen(PARAMS) };
	uint32_t be;
	size_t len;

	snprintf(h.tool, sizeof(h.tool), TOOL);
	bm_oob_preamble_format(buf);
	if (bm_oob_hello_format(&h, buf + 12, 256, &len))
		abort();
	be = htobe32((uint32_t)len);
	memcpy(buf + 8, &be, 4);
	return 12 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_oob_cfg cfg = { .nranks = 2, .host = "peer", .port = 1,
				  .timeout_ms = 1000, .tool = TOOL,
				  .params = PARAMS };
	uint8_t pre[512], *buf;
	struct bm_oob *oob = NULL;
	const uint8_t *in, *p;
	size_t n, cap, hl, left;
	int sv[2], ret, op, peer;

	if (size < 3 || size > (64u << 10))
		return 0;
	cfg.rank = data[0] & 1;
	op = (data[0] >> 1) & 3;
	cap = (size_t)data[1] | (size_t)data[2] << 8;
	in = data + 3;
	n = size - 3;
	peer = !cfg.rank;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	hl = handshake(peer, pre);
	if (write(sv[1], pre, hl) != (ssize_t)hl ||
	    (n && write(sv[1], in, n) != (ssize_t)n))
		abort();
	shutdown(sv[1], SHUT_WR);
	FUZZ_CHECK(!bm_oob_attach(&cfg, sv[0], &oob));
	buf = malloc(cap * 2 + 1);
	FUZZ_CHECK(buf);
	switch (op) {
	case 0:	/* frames one by one, each predicted */
		for (p = in, left = n;;) {
			uint32_t flen;
			size_t got = 0;

			ret = bm_oob_recv(oob, peer, buf, cap, &got);
			if (left < 4) {
				FUZZ_CHECK(ret == -ECONNRESET);
				break;
			}
			memcpy(&flen, p, 4);
			flen = be32toh(flen);
			if (flen > cap || flen > BM_OOB_FRAME_MAX) {
				FUZZ_CHECK(ret == -EMSGSIZE);
				break;
			}
			if (flen > left - 4) {
				FUZZ_CHECK(ret == -ECONNRESET);
				break;
			}
			FUZZ_CHECK(!ret && got == flen);
			FUZZ_CHECK(!memcmp(buf, p + 4, flen));
			p += 4 + flen;
			left -= 4 + flen;
		}
		break;
	case 1: {
		size_t len = cap ? cap : 1;
		uint8_t *mine = malloc(len), *all = malloc(2 * len);

		FUZZ_CHECK(mine && all);
		memset(mine, 0xa5, len);
		ret = bm_oob_allgather(oob, mine, all, len);
		FUZZ_CHECK(ret == 0 || ret == -EPROTO || ret == -EMSGSIZE ||
			   ret == -ECONNRESET);
		if (!ret)	/* our own part is where it belongs */
			FUZZ_CHECK(!memcmp(all + (size_t)cfg.rank * len, mine,
					   len) || cfg.rank == 1);
		free(mine);
		free(all);
		break;
	}
	case 2:
		ret = bm_oob_bcast(oob, buf, cap);
		if (cfg.rank == 0)
			FUZZ_CHECK(ret == 0 || ret == -ECONNRESET);
		else if (!ret && cap)	/* rank 0's bytes, exactly */
			FUZZ_CHECK(n >= 4 + cap && !memcmp(buf, in + 4, cap));
		break;
	case 3:
		ret = bm_oob_barrier(oob);
		FUZZ_CHECK(ret <= 0);
		break;
	}
	free(buf);
	bm_oob_close(oob);
	close(sv[1]);
	return 0;
}
