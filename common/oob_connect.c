// SPDX-License-Identifier: MIT
/*
 * The bootstrap from a rank's side: connect to rank 0 (retrying until the
 * deadline, since rank 0 may start later), then the preamble and hello,
 * with rank 0's reply checked against ours (common/oob.c has the rest).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fault.h"
#include "log.h"
#include "oob.h"
#include "oob_int.h"

int oob_connect_root(struct bm_oob *oob, const struct bm_oob_cfg *cfg)
{
	uint64_t deadline = oob_deadline_after(oob->timeout_ms);
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	char port[8], who[300];
	int ret, fd = -1, last = 0;

	snprintf(port, sizeof(port), "%u", cfg->port);
	snprintf(who, sizeof(who), "rank 0 at %s:%u", cfg->host, cfg->port);
	ret = getaddrinfo(cfg->host, port, &hints, &res);
	if (ret) {
		BM_ERR("cannot resolve '%s': %s", cfg->host, gai_strerror(ret));
		return -EINVAL;
	}
	/* The server may start later than we do: retry until the deadline. */
	while (fd < 0) {
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			struct pollfd pfd;
			socklen_t el = sizeof(last);

			fd = socket(ai->ai_family,
				    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0)
				continue;
			if (cfg->bind) {
				struct addrinfo bh = { .ai_family = ai->ai_family,
						       .ai_socktype = SOCK_STREAM,
						       .ai_flags = AI_PASSIVE };
				struct addrinfo *br = NULL;

				if (getaddrinfo(cfg->bind, NULL, &bh, &br) ||
				    bind(fd, br->ai_addr, br->ai_addrlen)) {
					last = errno ? errno : EADDRNOTAVAIL;
					if (br)
						freeaddrinfo(br);
					freeaddrinfo(res);
					close(fd);
					BM_ERR("cannot bind to '%s': %s",
					       cfg->bind, strerror(last));
					return -last;
				}
				freeaddrinfo(br);
			}
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) &&
			    errno != EINPROGRESS) {
				last = errno;
				goto next;
			}
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, bm_ms_left(deadline)) <= 0) {
				last = ETIMEDOUT;
				goto next;
			}
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &last, &el);
			if (!last)
				break;
next:
			close(fd);
			fd = -1;
		}
		if (fd >= 0 || bm_ms_left(deadline) == 0)
			break;
		{
			struct timespec ts = { 0, 100 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		BM_ERR("cannot connect to %s within %.1f s: %s", who,
		       oob->timeout_ms / 1000.0,
		       strerror(last ? last : ETIMEDOUT));
		return -(last ? last : ETIMEDOUT);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	oob_sock_tune(fd);
	oob->fd[0] = fd;
	oob_conn_names(oob, 0, fd);
	return 0;
}

int oob_hello_client(struct bm_oob *oob)
{
	uint64_t deadline = oob_deadline_after(oob->timeout_ms);
	struct bm_oob_hello h;
	const char *why = "";
	char who[96], *f = NULL;
	size_t len;
	int fd = oob->fd[0], ret, st;

	snprintf(who, sizeof(who), "rank 0 (%s)", oob->peer[0]);
	bm_fault("hello");
	ret = oob_preamble_exchange(oob, fd, who);
	if (ret)
		return ret;
	ret = oob_hello_send(oob, fd, BM_OOB_OK, deadline);
	if (!ret) {
		bm_fault("params");
		ret = oob_hello_recv(fd, deadline, &f, &len);
	}
	if (ret) {
		BM_ERR("bootstrap hello with %s: %s", who,
		       oob_strerror(ret, oob->timeout_ms));
		return ret;
	}
	ret = bm_oob_hello_parse(f, len, &h, &why);
	if (ret) {
		free(f);
		BM_ERR("bootstrap reply from %s is malformed (%s)", who, why);
		return ret;
	}
	if (h.status == BM_OOB_BUSY) {
		free(f);
		BM_ERR("%s is busy with a run of its own and refused this one; "
		       "try again when it is done, or use another port", who);
		return BM_OOB_EBUSY;
	}
	st = oob_hello_check(oob, &h, who, true);
	if (!st && h.status != BM_OOB_OK) {
		BM_ERR("%s refused this rank (%s)", who,
		       h.status == BM_OOB_RANK ? "rank taken or out of range" :
		       "mismatch");
		st = h.status;
	}
	free(f);
	return oob_status_err(st);
}
