// SPDX-License-Identifier: MIT
/*
 * nccl_rt's bootstrap between real processes, no GPU: two ranks started
 * the way --rank/--nranks/--peer start them; rank 0 makes a fake
 * ncclUniqueId blob (128 random bytes, the size of the real one) and
 * nrt_bcast()s it, the way nrt_comm_open() sends the real id; both gather
 * it back and compare. Then a rank with other parameters is refused, and a
 * rank whose rank 0 never comes gives up at its deadline.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"
#include "nrt_boot.h"

#define BLOB 128

static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &al))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* One rank in a child; exit status 0 ok, else -ret (or 100: bad blob). */
static pid_t rank_proc(int rank, uint16_t port, const char *params,
		       int timeout_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct nrt_opts o = NRT_OPTS_INIT;
		struct nrt_boot c;
		unsigned char id[BLOB], all[2 * BLOB];
		char peer[64];
		int ret, i;

		snprintf(peer, sizeof(peer), "127.0.0.1:%u", port);
		o.rank = rank;
		o.nranks = 2;
		o.peer = rank ? peer : NULL;
		o.port = port;
		o.timeout_ms = timeout_ms;
		o.tool = "test_nrt";
		o.params = params;
		ret = nrt_boot_open(&c, &o);
		if (ret)
			_exit(-ret & 0xff);
		if (c.rank != rank || c.nranks != 2)
			_exit(101);
		memset(id, 0, sizeof(id));
		if (rank == 0) {
			srand((unsigned)getpid());
			for (i = 0; i < BLOB; i++)
				id[i] = (unsigned char)rand();
		}
		ret = nrt_bcast(&c, id, sizeof(id));
		if (!ret)
			ret = nrt_allgather(&c, id, all, sizeof(id));
		if (!ret)
			ret = nrt_barrier(&c);
		if (!ret && (memcmp(all, all + BLOB, BLOB) ||
			     !memcmp(all, (unsigned char[BLOB]){ 0 }, BLOB)))
			ret = -100;
		nrt_boot_close(&c);
		_exit(-ret & 0xff);
	}
	return pid;
}

static int wait_code(pid_t p)
{
	int st;

	if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	uint16_t port = free_port();
	pid_t a, b;
	int ca, cb;
	uint64_t t0;

	/* rank 1 first: it retries until rank 0 listens */
	b = rank_proc(1, port, "size=8\n", 5000);
	usleep(100000);
	a = rank_proc(0, port, "size=8\n", 5000);
	EXPECT_EQ(wait_code(a), 0);
	EXPECT_EQ(wait_code(b), 0);

	/* different parameters: both refuse (ECANCELED) */
	port = free_port();
	a = rank_proc(0, port, "size=8\n", 3000);
	b = rank_proc(1, port, "size=16\n", 3000);
	ca = wait_code(a);
	cb = wait_code(b);
	EXPECT(ca != 0);
	EXPECT(cb != 0);
	EXPECT(ca == ECANCELED || cb == ECANCELED);

	/* nobody at rank 0: error at the deadline, no hang */
	port = free_port();
	t0 = bm_now_ns();
	b = rank_proc(1, port, "size=8\n", 1000);
	cb = wait_code(b);
	EXPECT(cb != 0);
	EXPECT((bm_now_ns() - t0) / 1000000 < 8000);
	return TEST_DONE();
}
