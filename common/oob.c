// SPDX-License-Identifier: MIT
/*
 * The bootstrap's sockets: listen, accept, exact I/O with a deadline,
 * frames and the hello exchange. A rank's connection to rank 0 is in
 * oob_connect.c, the wire records are checked in oob_wire.c, extra
 * clients refused in oob_busy.c, the collectives built on the frames in
 * oob_coll.c.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

void oob_addr_text(const struct sockaddr_storage *ss, socklen_t sl,
		      char *buf, size_t len)
{
	char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
	int n;
	const char *h = host;

	getnameinfo((const struct sockaddr *)ss, sl, host, sizeof(host), serv,
		    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV);
	if (!strncmp(h, "::ffff:", 7))	/* IPv4-mapped: show the IPv4 */
		h += 7;
	n = snprintf(buf, len, "%.60s:%.8s", h, serv);
	(void)n;
}

void oob_conn_names(struct bm_oob *oob, int peer, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (!getpeername(fd, (struct sockaddr *)&ss, &sl))
		oob_addr_text(&ss, sl, oob->peer[peer], sizeof(oob->peer[peer]));
	sl = sizeof(ss);
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		oob_addr_text(&ss, sl, oob->local[peer], sizeof(oob->local[peer]));
}

/* Exact I/O with a deadline: a silent peer is -ETIMEDOUT, a closed one
 * -ECONNRESET, never a hang. */
int oob_io_exact(int fd, void *buf, size_t len, bool out, uint64_t deadline)
{
	char *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		ssize_t n;
		int ret;

		ret = poll(&pfd, 1, bm_ms_left(deadline));
		if (ret < 0 && errno == EINTR)
			return -EINTR;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		n = out ? send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT) :
			  recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			/* ETIMEDOUT here is TCP keepalive giving up: gone. */
			return errno == EPIPE || errno == ETIMEDOUT ?
				       -ECONNRESET : -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int peer_fd(const struct bm_oob *oob, int peer)
{
	if (peer < 0 || peer >= oob->nranks || oob->fd[peer] < 0)
		return -1;
	return oob->fd[peer];
}

uint64_t oob_deadline_after(int ms)
{
	return bm_now_ns() + (uint64_t)ms * 1000000ull;
}

static int frame_send(int fd, const void *a, size_t alen, const void *b,
		      size_t blen, uint64_t deadline)
{
	uint32_t hdr;
	int ret;

	if (alen + blen > BM_OOB_FRAME_MAX)
		return -EMSGSIZE;
	hdr = htobe32((uint32_t)(alen + blen));
	ret = oob_io_exact(fd, &hdr, sizeof(hdr), true, deadline);
	if (!ret && alen)
		ret = oob_io_exact(fd, (void *)a, alen, true, deadline);
	if (!ret && blen)
		ret = oob_io_exact(fd, (void *)b, blen, true, deadline);
	return ret;
}

/* One frame into buf (capacity cap): the length is refused past cap
 * before a byte of the payload is read. *said_p: the length the header
 * announced (for the message when it is refused). */
static int frame_recv(int fd, void *buf, size_t cap, size_t *len_p,
		      uint32_t *said_p, uint64_t deadline)
{
	unsigned char hdr[4];
	size_t len;
	int ret;

	*said_p = 0;
	ret = oob_io_exact(fd, hdr, sizeof(hdr), false, deadline);
	if (ret)
		return ret;
	memcpy(said_p, hdr, sizeof(*said_p));
	*said_p = be32toh(*said_p);
	ret = bm_oob_frame_len(hdr, cap, &len);
	if (!ret && len)
		ret = oob_io_exact(fd, buf, len, false, deadline);
	if (!ret)
		*len_p = len;
	return ret;
}

/* A hello frame, NUL-terminated, in a buffer of exactly its size (at most
 * BM_OOB_HELLO_MAX, checked before the allocation). */
int oob_hello_recv(int fd, uint64_t deadline, char **buf_p, size_t *len_p)
{
	unsigned char hdr[4];
	size_t len;
	char *buf;
	int ret;

	ret = oob_io_exact(fd, hdr, sizeof(hdr), false, deadline);
	if (!ret)
		ret = bm_oob_frame_len(hdr, BM_OOB_HELLO_MAX, &len);
	if (ret)
		return ret;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	ret = oob_io_exact(fd, buf, len, false, deadline);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*buf_p = buf;
	*len_p = len;
	return 0;
}

const char *oob_strerror(int ret, int timeout_ms)
{
	static __thread char buf[96];

	switch (ret) {
	case -ETIMEDOUT:
		snprintf(buf, sizeof(buf), "no answer within %.1f s (peer "
			 "stopped, hung or gone; see --timeout)",
			 timeout_ms / 1000.0);
		return buf;
	case -ECONNRESET: return "peer closed the connection";
	case -EMSGSIZE: return "frame longer than this side accepts";
	default: return strerror(-ret);
	}
}

int bm_oob_send(struct bm_oob *oob, int peer, const void *buf, size_t len)
{
	int fd = peer_fd(oob, peer), ret;

	if (fd < 0)
		return -EINVAL;
	ret = frame_send(fd, buf, len, NULL, 0, oob_deadline_after(oob->timeout_ms));
	if (ret)
		BM_ERR("out-of-band send to rank %d (%s): %s", peer,
		       oob->peer[peer], oob_strerror(ret, oob->timeout_ms));
	return ret;
}

int bm_oob_recv(struct bm_oob *oob, int peer, void *buf, size_t cap,
		size_t *len_p)
{
	int fd = peer_fd(oob, peer), ret;
	uint32_t said;
	size_t len;

	if (fd < 0)
		return -EINVAL;
	ret = frame_recv(fd, buf, cap, &len, &said,
			 oob_deadline_after(oob->timeout_ms));
	if (ret == -EMSGSIZE) {
		BM_ERR("out-of-band receive from rank %d (%s): a frame of %u "
		       "bytes, longer than the %zu this side accepts", peer,
		       oob->peer[peer], (unsigned)said,
		       cap < BM_OOB_FRAME_MAX ? cap : (size_t)BM_OOB_FRAME_MAX);
		return ret;
	}
	if (ret) {
		BM_ERR("out-of-band receive from rank %d (%s): %s", peer,
		       oob->peer[peer], oob_strerror(ret, oob->timeout_ms));
		return ret;
	}
	if (len_p)
		*len_p = len;
	return 0;
}

int oob_preamble_exchange(struct bm_oob *oob, int fd, const char *who)
{
	uint64_t deadline = oob_deadline_after(oob->timeout_ms);
	unsigned char mine[BM_OOB_PREAMBLE_LEN], theirs[BM_OOB_PREAMBLE_LEN];
	uint32_t magic;
	uint16_t ver;
	int ret;

	bm_oob_preamble_format(mine);
	ret = oob_io_exact(fd, mine, sizeof(mine), true, deadline);
	if (!ret)
		ret = oob_io_exact(fd, theirs, sizeof(theirs), false, deadline);
	if (ret) {
		BM_ERR("bootstrap hello with %s: %s", who,
		       oob_strerror(ret, oob->timeout_ms));
		return ret;
	}
	ret = bm_oob_preamble_check(theirs, sizeof(theirs));
	memcpy(&magic, theirs, 4);
	memcpy(&ver, theirs + 4, 2);
	if (ret == BM_OOB_EMAGIC)
		BM_ERR("%s is not a netroof peer (bad magic 0x%08x)", who,
		       be32toh(magic));
	else if (ret == BM_OOB_EVERSION)
		BM_ERR("%s speaks bootstrap protocol version %u, this is %u: "
		       "use the same netroof version on every node", who,
		       be16toh(ver), BM_OOB_VERSION);
	else if (ret)
		BM_ERR("%s sent a malformed preamble", who);
	return ret;
}

/* Our hello (or reply with status st) as a frame. BUSY carries no params:
 * a refused client learns nothing about the run. */
int oob_hello_send(const struct bm_oob *oob, int fd, int st,
		      uint64_t deadline)
{
	struct bm_oob_hello h = { .rank = oob->rank, .nranks = oob->nranks,
				  .status = st };
	size_t len, cap;
	char *frame;
	int ret;

	snprintf(h.tool, sizeof(h.tool), "%s", oob->tool);
	if (st != BM_OOB_BUSY) {
		h.params = oob->params;
		h.params_len = strlen(oob->params);
	}
	cap = BM_OOB_HELLO_LEN + h.params_len;
	frame = malloc(cap);
	if (!frame)
		return -ENOMEM;
	ret = bm_oob_hello_format(&h, frame, cap, &len);
	if (!ret)
		ret = frame_send(fd, frame, len, NULL, 0, deadline);
	free(frame);
	return ret;
}

/* Compares a received hello with ours; 0 or an enum bm_oob_status. The
 * frame it came from is NUL-terminated (oob_hello_recv), so h->params is. */
int oob_hello_check(const struct bm_oob *oob, const struct bm_oob_hello *h,
		       const char *who, bool from_root)
{
	char diff[512];

	if (strcmp(h->tool, oob->tool)) {
		BM_ERR("%s runs '%s', this is '%s': refusing", who, h->tool,
		       oob->tool);
		return BM_OOB_TOOL;
	}
	if (h->nranks != oob->nranks || (from_root && h->rank != 0) ||
	    (!from_root && h->rank < 1)) {
		BM_ERR("%s says rank %d of %d, this run has %d ranks: refusing",
		       who, h->rank, h->nranks, oob->nranks);
		return BM_OOB_RANK;
	}
	/* h->digest was checked against h->params by bm_oob_hello_parse:
	 * comparing the texts says all */
	if (h->params_len != strlen(oob->params) ||
	    memcmp(h->params, oob->params, h->params_len)) {
		if (!bm_params_diff(oob->params, h->params, diff, sizeof(diff)))
			snprintf(diff, sizeof(diff), "(the texts differ)");
		BM_ERR("parameters differ from %s, refusing the run: %s", who,
		       diff);
		return BM_OOB_PARAMS;
	}
	return BM_OOB_OK;
}

int oob_status_err(int st)
{
	return st == BM_OOB_OK ? 0 : BM_OOB_EMISMATCH;
}

static struct bm_oob *oob_new(const struct bm_oob_cfg *cfg)
{
	struct bm_oob *oob = calloc(1, sizeof(*oob));
	int i;

	if (!oob)
		return NULL;
	oob->rank = cfg->rank;
	oob->nranks = cfg->nranks;
	oob->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	oob->wait_ms = cfg->wait_ms ? cfg->wait_ms : oob->timeout_ms;
	oob->listen_fd = -1;
	oob->wake[0] = oob->wake[1] = -1;
	oob->fd = malloc(sizeof(*oob->fd) * (size_t)cfg->nranks);
	oob->peer = calloc((size_t)cfg->nranks, sizeof(*oob->peer));
	oob->local = calloc((size_t)cfg->nranks, sizeof(*oob->local));
	oob->tool = strdup(cfg->tool ? cfg->tool : "netroof");
	oob->params = strdup(cfg->params ? cfg->params : "");
	if (!oob->fd || !oob->peer || !oob->local || !oob->tool ||
	    !oob->params) {
		bm_oob_close(oob);
		return NULL;
	}
	for (i = 0; i < cfg->nranks; i++)
		oob->fd[i] = -1;
	return oob;
}

void bm_oob_close(struct bm_oob *oob)
{
	int i;

	if (!oob)
		return;
	oob_refuser_stop(oob);
	for (i = 0; oob->fd && i < oob->nranks; i++)
		if (oob->fd[i] >= 0)
			close(oob->fd[i]);
	if (oob->listen_fd >= 0)
		close(oob->listen_fd);
	free(oob->fd);
	free(oob->peer);
	free(oob->local);
	free(oob->tool);
	free(oob->params);
	free(oob);
}

static int cfg_check(const struct bm_oob_cfg *cfg)
{
	struct bm_oob_hello h = { .rank = 0, .nranks = 1 };
	size_t len;

	if (cfg->nranks < 1 || cfg->nranks > 65535 || cfg->rank < 0 ||
	    cfg->rank >= cfg->nranks) {
		BM_ERR("bad rank %d of %d", cfg->rank, cfg->nranks);
		return -EINVAL;
	}
	if (cfg->rank > 0 && (!cfg->host || !*cfg->host || !cfg->port)) {
		BM_ERR("rank %d needs rank 0's address and port", cfg->rank);
		return -EINVAL;
	}
	/* Our own hello must be one the peer can parse. */
	snprintf(h.tool, sizeof(h.tool), "%s", cfg->tool ? cfg->tool : "netroof");
	h.params = cfg->params;
	h.params_len = cfg->params ? strlen(cfg->params) : 0;
	if ((cfg->tool && strlen(cfg->tool) > BM_OOB_TOOL_MAX) ||
	    bm_oob_hello_format(&h, NULL, 0, &len) != -ENOSPC) {
		BM_ERR("bootstrap: tool name '%s' or parameters text (%zu "
		       "bytes) not sendable", h.tool, h.params_len);
		return -EDOM;
	}
	return 0;
}

/* TCP_NODELAY; keepalive so that a peer whose host vanished (power, cable)
 * is noticed within about 20 s even by a side that only waits. */
void oob_sock_tune(int fd)
{
	int one = 1, idle = 10, intvl = 2, cnt = 5;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int bm_oob_listen(const struct bm_oob_cfg *cfg, struct bm_oob **oob_p,
		  uint16_t *port_p)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct bm_oob *oob;
	char port[8];
	int ret, fd = -1, one = 1, zero = 0;

	ret = cfg_check(cfg);
	if (ret)
		return ret;
	if (cfg->rank != 0)
		return -EINVAL;
	oob = oob_new(cfg);
	if (!oob)
		return -ENOMEM;
	snprintf(port, sizeof(port), "%u", cfg->port);
	/* No --bind: one IPv6 socket that also takes IPv4 (V6ONLY off). */
	if (!cfg->bind)
		hints.ai_family = AF_INET6;
	ret = getaddrinfo(cfg->bind, port, &hints, &res);
	if (ret && !cfg->bind) {
		hints.ai_family = AF_INET;
		ret = getaddrinfo(NULL, port, &hints, &res);
	}
	if (ret) {
		BM_ERR("cannot resolve bind address '%s': %s",
		       cfg->bind ? cfg->bind : "*", gai_strerror(ret));
		ret = -EINVAL;
		goto err;
	}
	ret = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 64))
			break;
		ret = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (ret == -EADDRINUSE)
			BM_ERR("port %u is in use (another run still going? "
			       "pick one with -p)", cfg->port);
		else
			BM_ERR("cannot listen on %s port %u: %s",
			       cfg->bind ? cfg->bind : "*", cfg->port,
			       strerror(-ret));
		goto err;
	}
	oob->listen_fd = fd;
	oob->fd[0] = -1;
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl) && port_p)
		*port_p = ntohs(ss.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&ss)->sin6_port :
			((struct sockaddr_in *)&ss)->sin_port);
	*oob_p = oob;
	return 0;
err:
	bm_oob_close(oob);
	return ret;
}

/* Rank 0: one connection's preamble and hello; returns the peer's rank,
 * -EALREADY if it claimed a rank that is taken (refused, the others go
 * on), or an error. */
static int accept_one(struct bm_oob *oob, int fd, const char *who)
{
	uint64_t deadline = oob_deadline_after(oob->timeout_ms);
	struct bm_oob_hello h;
	const char *why = "";
	char *f = NULL;
	size_t len;
	int ret, st, r = -1;

	bm_fault("hello");
	ret = oob_preamble_exchange(oob, fd, who);
	if (ret)
		return ret;
	ret = oob_hello_recv(fd, deadline, &f, &len);
	if (ret) {
		BM_ERR("bootstrap hello from %s: %s", who,
		       oob_strerror(ret, oob->timeout_ms));
		return ret;
	}
	ret = bm_oob_hello_parse(f, len, &h, &why);
	if (!ret && h.status != BM_OOB_OK) {
		why = "a status in a request";	/* only replies carry one */
		ret = -EPROTO;
	}
	if (ret) {
		free(f);
		BM_ERR("bootstrap hello from %s is malformed (%s): refusing",
		       who, why);
		return ret;
	}
	st = oob_hello_check(oob, &h, who, false);
	if (!st) {
		r = h.rank;
		if (oob->fd[r] >= 0) {
			BM_WARN("%s claims rank %d, which is already connected "
				"(%s): refused", who, r, oob->peer[r]);
			st = BM_OOB_RANK;
		}
	}
	free(f);
	bm_fault("params");
	/* Tell the peer why, so both sides refuse with the same reason. */
	ret = oob_hello_send(oob, fd, st, deadline);
	if (st == BM_OOB_RANK && r >= 0)
		return -EALREADY;
	if (st)
		return oob_status_err(st);
	if (ret) {
		BM_ERR("bootstrap reply to %s: %s", who,
		       oob_strerror(ret, oob->timeout_ms));
		return ret;
	}
	return r;
}

int bm_oob_accept(struct bm_oob *oob)
{
	uint64_t deadline = oob_deadline_after(oob->timeout_ms);
	bool first = !oob->accepted;

	while (oob->accepted < oob->nranks - 1) {
		struct pollfd pfd = { .fd = oob->listen_fd, .events = POLLIN };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char who[128];
		int fd, ret, r, ms;

		/* The first rank may take as long as wait_ms; once one is in,
		 * the run has begun and the rest get timeout_ms from then. */
		ms = first && oob->wait_ms < 0 ? -1 :
		     first ? oob->wait_ms : bm_ms_left(deadline);
		ret = poll(&pfd, 1, ms);
		if (ret < 0 && errno == EINTR)
			return -EINTR;
		if (ret <= 0) {
			BM_ERR("waited %.1f s for %d more rank(s) to connect; "
			       "giving up (--timeout to wait longer)",
			       (first ? oob->wait_ms : oob->timeout_ms) / 1000.0,
			       oob->nranks - 1 - oob->accepted);
			return ret < 0 ? -errno : -ETIMEDOUT;
		}
		fd = accept4(oob->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (first) {
			first = false;
			deadline = oob_deadline_after(oob->timeout_ms);
		}
		oob_sock_tune(fd);
		oob_addr_text(&ss, sl, who, sizeof(who));
		r = accept_one(oob, fd, who);
		if (r == -EALREADY) {
			close(fd);
			continue;
		}
		if (r < 0) {
			close(fd);
			return r;
		}
		oob->fd[r] = fd;
		oob_conn_names(oob, r, fd);
		oob->accepted++;
		BM_DBG("rank %d connected from %s", r, who);
	}
	oob_refuser_start(oob);
	return 0;
}

int bm_oob_attach(const struct bm_oob_cfg *cfg, int fd, struct bm_oob **oob_p)
{
	struct bm_oob *oob;
	int ret;

	ret = cfg_check(cfg);
	if (ret)
		return ret;
	if (cfg->rank == 0 && cfg->nranks != 2)
		return -EINVAL;
	oob = oob_new(cfg);
	if (!oob)
		return -ENOMEM;
	if (cfg->rank == 0) {
		ret = accept_one(oob, fd, "the peer");
		if (ret == -EALREADY)
			ret = -EPROTO;
		if (ret > 0) {
			oob->fd[ret] = fd;
			oob->accepted = 1;
			ret = 0;
		}
	} else {
		oob->fd[0] = fd;
		ret = oob_hello_client(oob);
		if (ret)
			oob->fd[0] = -1;	/* the caller's again */
	}
	if (ret) {
		bm_oob_close(oob);
		return ret;
	}
	oob_conn_names(oob, cfg->rank ? 0 : 1, fd);
	*oob_p = oob;
	return 0;
}

int bm_oob_open(const struct bm_oob_cfg *cfg, struct bm_oob **oob_p)
{
	struct bm_oob *oob;
	int ret;

	ret = cfg_check(cfg);
	if (ret)
		return ret;
	if (cfg->rank == 0) {
		ret = bm_oob_listen(cfg, &oob, NULL);
		if (ret)
			return ret;
		ret = bm_oob_accept(oob);
		goto done;
	}
	oob = oob_new(cfg);
	if (!oob)
		return -ENOMEM;
	ret = oob_connect_root(oob, cfg);
	if (!ret)
		ret = oob_hello_client(oob);
done:
	if (ret) {
		bm_oob_close(oob);
		return ret;
	}
	*oob_p = oob;
	return 0;
}

int bm_oob_rank(const struct bm_oob *oob)
{
	return oob->rank;
}

int bm_oob_nranks(const struct bm_oob *oob)
{
	return oob->nranks;
}

int bm_oob_fd(const struct bm_oob *oob, int peer)
{
	return peer_fd(oob, peer);
}

const char *bm_oob_peer_addr(const struct bm_oob *oob, int peer)
{
	return peer >= 0 && peer < oob->nranks ? oob->peer[peer] : "";
}

const char *bm_oob_local_addr(const struct bm_oob *oob, int peer)
{
	return peer >= 0 && peer < oob->nranks ? oob->local[peer] : "";
}

