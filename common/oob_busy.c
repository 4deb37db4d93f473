// SPDX-License-Identifier: MIT
/*
 * Rank 0 once every rank is in: it keeps listening, and a thread answers
 * each further connection with our preamble and a BUSY hello (no params:
 * the refused side learns nothing about the run), so a second client gets
 * a clear refusal while the run goes on undisturbed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "oob_int.h"

/* A refused extra client gets this long to read the refusal. */
#define REFUSE_MS 1000

void oob_refuser_stop(struct bm_oob *oob)
{
	if (oob->refusing) {
		if (write(oob->wake[1], "x", 1) < 0)
			BM_WARN("cannot wake the bootstrap refuser: %s",
				strerror(errno));
		pthread_join(oob->refuser, NULL);
		oob->refusing = false;
	}
	if (oob->wake[0] >= 0)
		close(oob->wake[0]);
	if (oob->wake[1] >= 0)
		close(oob->wake[1]);
	oob->wake[0] = oob->wake[1] = -1;
}

/* One extra connection while the run goes on: our preamble and a BUSY
 * hello, then read (and drop) what it sent until it closes, so that our
 * close does not reset the connection before it has read the refusal. */
static void refuse_busy(struct bm_oob *oob, int fd, const char *who)
{
	uint64_t deadline = oob_deadline_after(REFUSE_MS);
	unsigned char pre[BM_OOB_PREAMBLE_LEN], junk[4096];
	size_t total = 0;

	bm_oob_preamble_format(pre);
	if (!oob_io_exact(fd, pre, sizeof(pre), true, deadline) &&
	    !oob_hello_send(oob, fd, BM_OOB_BUSY, deadline)) {
		shutdown(fd, SHUT_WR);
		while (total < (64u << 10)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			ssize_t n;

			if (poll(&p, 1, bm_ms_left(deadline)) <= 0)
				break;
			n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n <= 0 && !(n < 0 && errno == EAGAIN))
				break;
			total += n > 0 ? (size_t)n : 0;
		}
	}
	BM_WARN("refused a connection from %s: this run is in progress "
		"(one run per server)", who);
	close(fd);
}

static void *refuser_main(void *arg)
{
	struct bm_oob *oob = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = oob->listen_fd, .events = POLLIN },
				       { .fd = oob->wake[0], .events = POLLIN } };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char who[128];
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(oob->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		oob_addr_text(&ss, sl, who, sizeof(who));
		refuse_busy(oob, fd, who);
	}
	return NULL;
}

/* Every rank is in: keep listening, refusing the rest. Signals stay with
 * the main thread (the tools' SIGINT handling interrupts its waits). */
void oob_refuser_start(struct bm_oob *oob)
{
	sigset_t all, old;

	if (oob->listen_fd < 0)
		return;
	if (oob->nranks == 1 || pipe2(oob->wake, O_CLOEXEC)) {
		close(oob->listen_fd);
		oob->listen_fd = -1;
		return;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	oob->refusing = !pthread_create(&oob->refuser, NULL, refuser_main, oob);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!oob->refusing) {
		/* Without the thread, extra clients see the port closed. */
		oob_refuser_stop(oob);
		close(oob->listen_fd);
		oob->listen_fd = -1;
	}
}
