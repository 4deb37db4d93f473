// SPDX-License-Identifier: MIT
/*
 * TCP ping-pong and stream over the same link as the verbs transports.
 * The data connection is separate from the bootstrap: the server listens on
 * an ephemeral port on the address the bootstrap was accepted on and sends
 * the port and a random 64-bit cookie over common/oob; the client connects
 * from its bootstrap address and sends the cookie first. A connection
 * without the cookie (someone else on the network who found the port) is
 * closed and the server keeps waiting for the real one until --timeout.
 * TCP_NODELAY always; --busy-poll spins on non-blocking recv() (and sets
 * SO_BUSY_POLL) instead of sleeping in it. Every wait ends at --timeout:
 * a stopped peer (alive, silent) is an error, not a hang.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "transport.h"

struct tcp_priv {
	int   fd;
	char *buf;
};

/* What the server sends over the bootstrap: where to connect, and what to
 * say first. */
struct tcp_hello {
	uint16_t port;		/* network order */
	uint8_t	 cookie[8];
} __attribute__((packed));

/* Server: the first connection on lfd that says the cookie, within
 * timeout_ms; others are closed. */
static int tcp_accept_cookie(struct lat_ctx *c, int lfd,
			     const uint8_t cookie[8])
{
	uint64_t deadline = bm_now_ns() + (uint64_t)c->o->timeout_ms * 1000000;
	uint64_t cookie_by;
	struct sockaddr_storage ss;

	for (;;) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		socklen_t sl = sizeof(ss);
		uint8_t got[8];
		size_t n = 0;
		int fd, r;

		r = poll(&pfd, 1, bm_ms_left(deadline));
		if (r <= 0) {
			r = r ? -errno : -ETIMEDOUT;
			BM_ERR("tcp: no data connection from the client within "
			       "%.1f s: %s", c->o->timeout_ms / 1000.0,
			       strerror(-r));
			return r;
		}
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* The real client sends its cookie right after connecting:
		 * a connection that stays silent gets a second, not the
		 * whole --timeout, so it cannot hold the real one out. */
		cookie_by = bm_now_ns() + 1000000000ull;
		if (cookie_by > deadline)
			cookie_by = deadline;
		while (n < sizeof(got)) {
			struct pollfd q = { .fd = fd, .events = POLLIN };
			ssize_t k;

			if (poll(&q, 1, bm_ms_left(cookie_by)) <= 0)
				break;
			k = recv(fd, got + n, sizeof(got) - n, MSG_DONTWAIT);
			if (k <= 0 && !(k < 0 && errno == EAGAIN))
				break;
			n += k > 0 ? (size_t)k : 0;
		}
		if (n == sizeof(got) && !memcmp(got, cookie, sizeof(got)))
			return fd;
		{
			char who[96] = "?";

			getnameinfo((struct sockaddr *)&ss, sl, who, sizeof(who),
				    NULL, 0, NI_NUMERICHOST);
			BM_WARN("tcp: refused a data connection from %s without "
				"this run's cookie", who);
		}
		close(fd);
	}
}

static int tcp_sock_opts(struct lat_ctx *c, int fd)
{
	int one = 1, us = 50;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	if (!c->o->busy_poll) {
		struct timeval tv = { .tv_sec = c->o->timeout_ms / 1000,
				      .tv_usec = c->o->timeout_ms % 1000 * 1000 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	} else {
		/* Best effort: needs CAP_NET_ADMIN above the sysctl default. */
		setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us));
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

/* Client: a connection to the server's data port from the address the
 * bootstrap leaves from (the same link, and --bind kept), within
 * --timeout. Returns the socket or -errno. */
static int tcp_connect_from(struct lat_ctx *c, const struct addrinfo *ai,
			    const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = ai->ai_family,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *la = NULL;
	struct pollfd pfd;
	socklen_t el = sizeof(int);
	char lb[96];
	int fd, err = 0;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	lat_host_of(bm_oob_local_addr(c->oob, 0), lb, sizeof(lb));
	if (lb[0] && !getaddrinfo(lb, "0", &hints, &la) &&
	    bind(fd, la->ai_addr, la->ai_addrlen))
		err = errno;
	if (la)
		freeaddrinfo(la);
	if (!err && connect(fd, ai->ai_addr, ai->ai_addrlen) &&
	    errno != EINPROGRESS)
		err = errno;
	if (!err) {
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, c->o->timeout_ms) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el))
			err = errno;
	}
	if (err) {
		BM_ERR("tcp: connect %s port %s from %s: %s", host, port,
		       lb[0] ? lb : "*", strerror(err));
		close(fd);
		return -err;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int tcp_setup(struct lat_ctx *c)
{
	struct tcp_priv *t = calloc(1, sizeof(*t));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct tcp_hello th;
	char portstr[16];
	uint16_t port;
	size_t len;
	int ret, lfd = -1;

	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->buf = malloc(c->o->max_size ? c->o->max_size : 1);
	if (!t->buf) {
		ret = -ENOMEM;
		goto err;
	}
	if (c->server) {
		/* Listen where the bootstrap connection arrived: same link. */
		char lb[96];
		const char *la = lat_host_of(bm_oob_local_addr(c->oob, 1), lb,
					     sizeof(lb));

		hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
		ret = getaddrinfo(la && *la ? la : NULL, "0", &hints, &ai);
		if (ret) {
			BM_ERR("tcp: getaddrinfo(%s): %s", la, gai_strerror(ret));
			ret = -EINVAL;
			goto err;
		}
		lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, ai->ai_addr, ai->ai_addrlen) ||
		    listen(lfd, 4) ||
		    getsockname(lfd, (struct sockaddr *)&ss, &sl)) {
			ret = -errno;
			BM_ERR("tcp: data listener: %s", strerror(errno));
			goto err;
		}
		port = htons(ss.ss_family == AF_INET6 ?
			     ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
			     ntohs(((struct sockaddr_in *)&ss)->sin_port));
		th.port = port;
		if (getrandom(th.cookie, sizeof(th.cookie), 0) !=
		    (ssize_t)sizeof(th.cookie)) {
			ret = -errno;
			BM_ERR("tcp: getrandom: %s", strerror(errno));
			goto err;
		}
		ret = bm_oob_send(c->oob, 1, &th, sizeof(th));
		if (ret)
			goto err;
		bm_fault("connect");
		ret = tcp_accept_cookie(c, lfd, th.cookie);
		if (ret < 0)
			goto err;
		t->fd = ret;
		close(lfd);
		lfd = -1;
	} else {
		ret = bm_oob_recv(c->oob, 0, &th, sizeof(th), &len);
		if (ret)
			goto err;
		if (len != sizeof(th) || !th.port) {
			BM_ERR("tcp: the server's data port record is %zu bytes, "
			       "not %zu: refusing", len, sizeof(th));
			ret = -EPROTO;
			goto err;
		}
		port = th.port;
		bm_fault("connect");
		snprintf(portstr, sizeof(portstr), "%u", ntohs(port));
		char pb[96];

		hints.ai_flags = AI_NUMERICHOST;
		ret = getaddrinfo(lat_host_of(bm_oob_peer_addr(c->oob, 0), pb,
					      sizeof(pb)), portstr, &hints, &ai);
		if (ret) {
			BM_ERR("tcp: getaddrinfo: %s", gai_strerror(ret));
			ret = -EINVAL;
			goto err;
		}
		ret = tcp_connect_from(c, ai, pb, portstr);
		if (ret < 0)
			goto err;
		t->fd = ret;
		/* 8 bytes into a fresh socket's empty buffer: no wait. */
		if (send(t->fd, th.cookie, sizeof(th.cookie), MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(th.cookie)) {
			ret = -errno;
			BM_ERR("tcp: sending the cookie: %s", strerror(errno));
			goto err;
		}
	}
	ret = tcp_sock_opts(c, t->fd);
	if (ret)
		goto err;
	freeaddrinfo(ai);
	snprintf(c->info, sizeof(c->info), "TCP_NODELAY%s, data port %u",
		 c->o->busy_poll ? ", busy-poll (non-blocking spin)" : "",
		 ntohs(port));
	c->priv = t;
	return 0;
err:
	if (ai)
		freeaddrinfo(ai);
	if (lfd >= 0)
		close(lfd);
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t);
	return ret;
}

/* Exactly len bytes, or -ECONNRESET / -ETIMEDOUT / -EINTR. */
static int tcp_io(struct lat_ctx *c, int fd, char *p, size_t len, bool out)
{
	uint64_t deadline = 0;
	unsigned spins = 0;
	ssize_t r;

	while (len) {
		r = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!c->o->busy_poll)	/* SO_RCVTIMEO expired */
				return -ETIMEDOUT;
			if (++spins % 4096 == 0 &&
			    lat_spin_check(&deadline, c->o->timeout_ms))
				return lat_stop ? -EINTR : -ETIMEDOUT;
			continue;
		}
		if (errno == EINTR) {
			if (lat_stop)
				return -EINTR;
			continue;
		}
		return -errno;
	}
	return 0;
}

/* Says once why the data path stopped; returns ret. */
static int tcp_fail(struct lat_ctx *c, int ret)
{
	if (ret == -ECONNRESET || ret == -EPIPE)
		BM_ERR("tcp: the peer closed the data connection");
	else if (ret == -ETIMEDOUT)
		BM_ERR("tcp: nothing from the peer for %.1f s (stopped, hung "
		       "or gone; see --timeout)", c->o->timeout_ms / 1000.0);
	else if (ret != -EINTR)
		BM_ERR("tcp: data connection: %s", strerror(-ret));
	return ret;
}

static int tcp_wait_readable(struct lat_ctx *c, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	if (c->o->busy_poll)
		return 0;
	for (;;) {
		r = poll(&pfd, 1, c->o->timeout_ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR || lat_stop)
			return -errno;
	}
}

static int tcp_pingpong(struct lat_ctx *c, size_t size, uint64_t warmup,
			uint64_t iters, double *rtt_ns)
{
	struct tcp_priv *t = c->priv;
	uint64_t i, t0;
	int ret;

	for (i = 0; i < warmup + iters; i++) {
		if (lat_stop)
			return -EINTR;
		if (c->server) {
			/* poll() first only for the timeout: recv blocks. */
			if (!c->o->busy_poll && i == 0) {
				ret = tcp_wait_readable(c, t->fd);
				if (ret)
					return tcp_fail(c, ret);
			}
			ret = tcp_io(c, t->fd, t->buf, size, false);
			if (!ret)
				ret = tcp_io(c, t->fd, t->buf, size, true);
			if (ret)
				return tcp_fail(c, ret);
			continue;
		}
		if (c->o->check)
			memset(t->buf, (int)(i & 0xff), size);
		t0 = bm_now_ns();
		ret = tcp_io(c, t->fd, t->buf, size, true);
		if (!ret)
			ret = tcp_io(c, t->fd, t->buf, size, false);
		if (ret)
			return tcp_fail(c, ret);
		if (i >= warmup)
			rtt_ns[i - warmup] = (double)(bm_now_ns() - t0);
		if (c->o->check && ((unsigned char)t->buf[0] != (i & 0xff) ||
				    (unsigned char)t->buf[size - 1] != (i & 0xff)))
			c->wrong++;
	}
	return 0;
}

/* With --check each message carries its index's low byte; the server
 * checks it (first and last byte) and answers with its wrong count. */
static int tcp_stream(struct lat_ctx *c, size_t size, uint64_t iters,
		      unsigned window, double *secs_p)
{
	struct tcp_priv *t = c->priv;
	uint64_t i, t0, wrong = 0, w;
	int ret;

	(void)window;
	if (c->server) {
		for (i = 0; i < iters; i++) {
			ret = tcp_io(c, t->fd, t->buf, size, false);
			if (ret)
				return tcp_fail(c, ret);
			if (c->o->check &&
			    ((unsigned char)t->buf[0] != (i & 0xff) ||
			     (unsigned char)t->buf[size - 1] != (i & 0xff)))
				wrong++;
		}
		c->wrong += wrong;
		w = htobe64(wrong);
		ret = tcp_io(c, t->fd, (char *)&w, sizeof(w), true);
		return ret ? tcp_fail(c, ret) : 0;
	}
	t0 = bm_now_ns();
	for (i = 0; i < iters; i++) {
		if (c->o->check)
			memset(t->buf, (int)(i & 0xff), size);
		ret = tcp_io(c, t->fd, t->buf, size, true);
		if (ret)
			return tcp_fail(c, ret);
	}
	ret = tcp_io(c, t->fd, (char *)&w, sizeof(w), false);
	if (ret)
		return tcp_fail(c, ret);
	*secs_p = (double)(bm_now_ns() - t0) * 1e-9;
	c->wrong += be64toh(w);
	return 0;
}

static void tcp_teardown(struct lat_ctx *c)
{
	struct tcp_priv *t = c->priv;

	if (!t)
		return;
	close(t->fd);
	free(t->buf);
	free(t);
	c->priv = NULL;
}

const struct lat_transport_ops lat_tcp_ops = {
	.name	   = "tcp",
	.desc	   = "TCP ping-pong (TCP_NODELAY) over the same link",
	.built	   = true,
	.lat_scale = 0.5e-3,
	.lat_is	   = "rtt/2",
	.lat_words = "one-way = RTT/2",
	.setup	   = tcp_setup,
	.pingpong  = tcp_pingpong,
	.stream	   = tcp_stream,
	.teardown  = tcp_teardown,
};
