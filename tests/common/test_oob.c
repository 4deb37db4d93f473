// SPDX-License-Identifier: MIT
/*
 * The out-of-band bootstrap between real processes over 127.0.0.1: a good
 * 3-rank run, then every bad case the issue lists. Raw peers write the wire
 * format by hand (preamble, length-prefixed hello) to play the bad actor.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm.h"
#include "bm_test.h"

#define TOOL "test_oob"
#define PARAMS "iters=100\nsize=8\n"

static struct bm_oob_cfg cfg(int rank, int nranks, uint16_t port,
			     const char *params, int timeout_ms)
{
	return (struct bm_oob_cfg){ .rank = rank, .nranks = nranks,
				    .host = "127.0.0.1", .port = port,
				    .timeout_ms = timeout_ms, .tool = TOOL,
				    .params = params };
}

/* Child: a real client rank; exit status = -ret (0 ok). */
static pid_t spawn_rank(int rank, int nranks, uint16_t port,
			const char *params, bool exchange)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct bm_oob_cfg c = cfg(rank, nranks, port, params, 3000);
		struct bm_oob *oob;
		int all[8], mine = 100 + rank, ret;
		char blob[16] = "";

		ret = bm_oob_open(&c, &oob);
		if (ret)
			_exit(-ret & 0xff);
		if (exchange) {
			ret = bm_oob_allgather(oob, &mine, all, sizeof(mine));
			if (!ret)
				ret = bm_oob_bcast(oob, blob, sizeof(blob));
			if (!ret)
				ret = bm_oob_barrier(oob);
			if (!ret && (all[0] != 100 || all[nranks - 1] !=
				     100 + nranks - 1 || strcmp(blob, "unique-id")))
				ret = -EBADMSG;
		}
		bm_oob_close(oob);
		_exit(-ret & 0xff);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st = 0;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int raw_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A raw client: preamble(magic, version) then, if hello, a valid hello
 * frame; then what the case wants. Runs in a child. */
enum raw_act { RAW_JUNK, RAW_VERSION, RAW_SILENT, RAW_OVERSIZE, RAW_MIDFRAME };

/* A raw client's write: a short one would test something else, so the
 * child gives up (the parent then sees the wrong outcome and fails). */
static void wr(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(2);
}

static pid_t spawn_raw(uint16_t port, enum raw_act act)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct {
			uint32_t magic;
			uint16_t version, pad;
		} __attribute__((packed)) pre = { htobe32(BM_OOB_MAGIC),
						  htobe16(BM_OOB_VERSION), 0 };
		struct {
			uint32_t len;
			uint16_t rank, nranks, status, pad;
			char tool[16];
			uint64_t digest;
		} __attribute__((packed)) hello = { 0 };
		char in[256];
		int fd;

		usleep(50000);
		fd = raw_connect(port);
		if (fd < 0)
			_exit(1);
		switch (act) {
		case RAW_JUNK:
			wr(fd, "GET / HTTP/1.0\r\n\r\n", 18);
			break;
		case RAW_VERSION:
			pre.version = htobe16(99);
			wr(fd, &pre, sizeof(pre));
			break;
		case RAW_SILENT:
			break;
		case RAW_OVERSIZE:
		case RAW_MIDFRAME:
			wr(fd, &pre, sizeof(pre));
			hello.len = htobe32(sizeof(hello) - 4 + strlen(PARAMS));
			hello.rank = htobe16(1);
			hello.nranks = htobe16(2);
			strcpy(hello.tool, TOOL);
			hello.digest = htobe64(bm_digest(PARAMS));
			wr(fd, &hello, sizeof(hello));
			wr(fd, PARAMS, strlen(PARAMS));
			if (read(fd, in, sizeof(in)) <= 0)	/* preamble + reply */
				_exit(2);
			if (act == RAW_OVERSIZE) {
				uint32_t big = htobe32(BM_OOB_FRAME_MAX + 1);

				wr(fd, &big, sizeof(big));
			} else {
				uint32_t len = htobe32(100);

				wr(fd, &len, sizeof(len));
				wr(fd, "0123456789", 10);
			}
			break;
		}
		usleep(act == RAW_SILENT ? 1500000 : 200000);
		close(fd);
		_exit(0);
	}
	return pid;
}

/* Rank 0 listening on an ephemeral port. */
static struct bm_oob *server(int nranks, const char *params, int timeout_ms,
			     uint16_t *port)
{
	struct bm_oob_cfg c = cfg(0, nranks, 0, params, timeout_ms);
	struct bm_oob *oob = NULL;

	EXPECT_EQ(bm_oob_listen(&c, &oob, port), 0);
	return oob;
}

int main(void)
{
	struct bm_oob *oob;
	uint16_t port = 0;
	pid_t p1, p2;
	uint64_t t0;
	int ret;

	signal(SIGPIPE, SIG_IGN);
	bm_log_init("test_oob", -1);

	/* 1. A good 3-rank run: all-gather, broadcast, barrier. */
	oob = server(3, PARAMS, 3000, &port);
	p1 = spawn_rank(1, 3, port, PARAMS, true);
	p2 = spawn_rank(2, 3, port, PARAMS, true);
	EXPECT_EQ(bm_oob_accept(oob), 0);
	{
		int all[3], mine = 100;
		char blob[16] = "unique-id";

		EXPECT_EQ(bm_oob_allgather(oob, &mine, all, sizeof(mine)), 0);
		EXPECT_EQ(all[1], 101);
		EXPECT_EQ(all[2], 102);
		EXPECT_EQ(bm_oob_bcast(oob, blob, sizeof(blob)), 0);
		EXPECT_EQ(bm_oob_barrier(oob), 0);
		EXPECT(strncmp(bm_oob_peer_addr(oob, 1), "127.0.0.1:", 10) == 0);
	}
	EXPECT_EQ(wait_status(p1), 0);
	EXPECT_EQ(wait_status(p2), 0);
	bm_oob_close(oob);

	/* 2. Mismatched parameters: both sides refuse. */
	oob = server(2, PARAMS, 3000, &port);
	p1 = spawn_rank(1, 2, port, "iters=200\nsize=8\n", false);
	EXPECT_EQ(bm_oob_accept(oob), BM_OOB_EMISMATCH);
	EXPECT_EQ(wait_status(p1), -BM_OOB_EMISMATCH);
	EXPECT(strstr(bm_log_last_error(), "iters") != NULL);
	bm_oob_close(oob);

	/* 3. Another tool on the same port is refused too. */
	{
		struct bm_oob_cfg c = cfg(0, 2, 0, PARAMS, 3000);

		c.tool = "other_tool";
		EXPECT_EQ(bm_oob_listen(&c, &oob, &port), 0);
		p1 = spawn_rank(1, 2, port, PARAMS, false);
		EXPECT_EQ(bm_oob_accept(oob), BM_OOB_EMISMATCH);
		EXPECT_EQ(wait_status(p1), -BM_OOB_EMISMATCH);
		bm_oob_close(oob);
	}

	/* 4. Wrong magic (not a netroof peer). */
	oob = server(2, PARAMS, 3000, &port);
	p1 = spawn_raw(port, RAW_JUNK);
	EXPECT_EQ(bm_oob_accept(oob), BM_OOB_EMAGIC);
	wait_status(p1);
	bm_oob_close(oob);

	/* 5. Wrong protocol version. */
	oob = server(2, PARAMS, 3000, &port);
	p1 = spawn_raw(port, RAW_VERSION);
	EXPECT_EQ(bm_oob_accept(oob), BM_OOB_EVERSION);
	wait_status(p1);
	bm_oob_close(oob);

	/* 6. Silent peer: connects, says nothing; error within the timeout. */
	oob = server(2, PARAMS, 400, &port);
	p1 = spawn_raw(port, RAW_SILENT);
	t0 = bm_now_ns();
	EXPECT_EQ(bm_oob_accept(oob), -ETIMEDOUT);
	EXPECT(bm_now_ns() - t0 < 1200000000ull);
	wait_status(p1);
	bm_oob_close(oob);

	/* 7. Nobody connects at all: accept times out. */
	oob = server(2, PARAMS, 300, &port);
	t0 = bm_now_ns();
	EXPECT_EQ(bm_oob_accept(oob), -ETIMEDOUT);
	EXPECT(bm_now_ns() - t0 < 1000000000ull);
	bm_oob_close(oob);

	/* 8. Oversize frame after a good hello: refused before reading it. */
	oob = server(2, PARAMS, 3000, &port);
	p1 = spawn_raw(port, RAW_OVERSIZE);
	EXPECT_EQ(bm_oob_accept(oob), 0);
	{
		char buf[64];

		EXPECT_EQ(bm_oob_recv(oob, 1, buf, sizeof(buf), NULL),
			  -EMSGSIZE);
	}
	wait_status(p1);
	bm_oob_close(oob);

	/* 9. Peer closes mid-frame: an error, not a hang. */
	oob = server(2, PARAMS, 3000, &port);
	p1 = spawn_raw(port, RAW_MIDFRAME);
	EXPECT_EQ(bm_oob_accept(oob), 0);
	{
		char buf[128];

		t0 = bm_now_ns();
		EXPECT_EQ(bm_oob_recv(oob, 1, buf, sizeof(buf), NULL),
			  -ECONNRESET);
		EXPECT(bm_now_ns() - t0 < 2000000000ull);
	}
	wait_status(p1);
	bm_oob_close(oob);

	/* 10. A client with no server: gives up within its timeout. */
	{
		struct bm_oob_cfg c = cfg(1, 2, port, PARAMS, 500);

		t0 = bm_now_ns();
		ret = bm_oob_open(&c, &oob);
		EXPECT(ret == -ECONNREFUSED || ret == -ETIMEDOUT);
		EXPECT(bm_now_ns() - t0 < 2000000000ull);
	}

	/* 11. Port in use: a clear error. */
	{
		struct bm_oob *a = server(2, PARAMS, 300, &port), *b = NULL;
		struct bm_oob_cfg c = cfg(0, 2, port, PARAMS, 300);

		EXPECT_EQ(bm_oob_listen(&c, &b, NULL), -EADDRINUSE);
		bm_oob_close(a);
	}

	/* 12. Params diff names the key. */
	{
		char d[128];

		EXPECT_EQ(bm_params_diff("a=1\nb=2\n", "a=1\nb=2\n", d,
					 sizeof(d)), 0);
		EXPECT_EQ(bm_params_diff("a=1\nb=2\n", "a=1\nb=3\n", d,
					 sizeof(d)), 1);
		EXPECT_STREQ(d, "b: here 2, peer 3");
		EXPECT_EQ(bm_params_diff("a=1\n", "a=1\nc=9\n", d, sizeof(d)),
			  1);
		EXPECT_STREQ(d, "c: here (absent), peer 9");
	}
	/* 13. Once both ranks are in, a third connection is refused as busy
	 * (clear error on its side) and the run goes on. */
	oob = server(2, PARAMS, 3000, &port);
	p1 = spawn_rank(1, 2, port, PARAMS, false);
	EXPECT_EQ(bm_oob_accept(oob), 0);
	EXPECT_EQ(wait_status(p1), 0);
	{
		struct bm_oob_cfg c = cfg(1, 2, port, PARAMS, 2000);
		struct bm_oob *extra = NULL;

		t0 = bm_now_ns();
		EXPECT_EQ(bm_oob_open(&c, &extra), BM_OOB_EBUSY);
		EXPECT(bm_now_ns() - t0 < 1500000000ull);
		EXPECT(strstr(bm_log_last_error(), "busy") != NULL);
		EXPECT_EQ(bm_exit_of(BM_OOB_EBUSY), 1);
		/* A different tool or other parameters are refused the same
		 * way: the busy reply says nothing about the run. */
		c.params = "iters=1\n";
		EXPECT_EQ(bm_oob_open(&c, &extra), BM_OOB_EBUSY);
	}
	bm_oob_close(oob);

	/* 14. During the accept, a second claim on a rank that is taken is
	 * refused and the accept goes on for the rank still missing. */
	oob = server(3, PARAMS, 3000, &port);
	p1 = spawn_rank(1, 3, port, PARAMS, false);
	usleep(300000);
	p2 = spawn_rank(1, 3, port, PARAMS, false);
	{
		pid_t p3;

		usleep(300000);
		p3 = spawn_rank(2, 3, port, PARAMS, false);
		EXPECT_EQ(bm_oob_accept(oob), 0);
		EXPECT_EQ(wait_status(p3), 0);
	}
	EXPECT_EQ(wait_status(p1), 0);
	EXPECT_EQ(wait_status(p2), -BM_OOB_EMISMATCH);
	bm_oob_close(oob);

	/* 15. wait_ms < 0: rank 0 waits for its first peer past timeout_ms
	 * (a server waiting for a client), then the usual deadlines. */
	{
		struct bm_oob_cfg c = cfg(0, 2, 0, PARAMS, 200);

		c.wait_ms = -1;
		EXPECT_EQ(bm_oob_listen(&c, &oob, &port), 0);
		p1 = fork();
		if (p1 == 0) {
			struct bm_oob_cfg k = cfg(1, 2, port, PARAMS, 2000);
			struct bm_oob *o2;

			usleep(700000);
			_exit(-bm_oob_open(&k, &o2) & 0xff);
		}
		EXPECT_EQ(bm_oob_accept(oob), 0);
		EXPECT_EQ(wait_status(p1), 0);
		bm_oob_close(oob);
	}

	/* 16. A frame longer than the receiver's buffer is refused from its
	 * length: nothing of it is read, nothing allocated. */
	{
		int sv[2];
		struct bm_oob *a = NULL, *b = NULL;

		EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		p1 = fork();
		if (p1 == 0) {
			struct bm_oob_cfg k = cfg(1, 2, 1, PARAMS, 2000);
			char big[100] = "x";

			close(sv[0]);
			if (bm_oob_attach(&k, sv[1], &b))
				_exit(1);
			_exit(bm_oob_send(b, 0, big, sizeof(big)) ? 2 : 0);
		}
		close(sv[1]);
		{
			struct bm_oob_cfg k = cfg(0, 2, 0, PARAMS, 2000);
			char buf[64];
			size_t got = 0;

			EXPECT_EQ(bm_oob_attach(&k, sv[0], &a), 0);
			EXPECT_EQ(bm_oob_recv(a, 1, buf, sizeof(buf), &got),
				  -EMSGSIZE);
			EXPECT_EQ(got, 0);
			EXPECT(strstr(bm_log_last_error(), "longer") != NULL);
		}
		EXPECT_EQ(wait_status(p1), 0);
		bm_oob_close(a);
	}
	/* 17. Found by fuzz_oob_preamble: a request carrying a reply's
	 * status is malformed, not taken as a good hello. */
	{
		struct bm_oob_hello h = { .rank = 1, .nranks = 2,
					  .status = BM_OOB_TOOL,
					  .params = PARAMS,
					  .params_len = strlen(PARAMS) };
		struct bm_oob_cfg k = cfg(0, 2, 0, PARAMS, 1000);
		unsigned char wire[256];
		struct bm_oob *a = NULL;
		uint32_t be;
		size_t len;
		int sv[2];

		snprintf(h.tool, sizeof(h.tool), TOOL);
		bm_oob_preamble_format(wire);
		EXPECT_EQ(bm_oob_hello_format(&h, wire + 12, sizeof(wire) - 12,
					      &len), 0);
		be = htobe32((uint32_t)len);
		memcpy(wire + 8, &be, 4);
		EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		EXPECT_EQ(write(sv[1], wire, 12 + len), (ssize_t)(12 + len));
		EXPECT_EQ(bm_oob_attach(&k, sv[0], &a), -EPROTO);
		EXPECT(strstr(bm_log_last_error(), "status") != NULL);
		close(sv[0]);
		close(sv[1]);
	}
	return TEST_DONE();
}
