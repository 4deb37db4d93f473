// SPDX-License-Identifier: MIT
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
#include "log.h"
#include "oob.h"

#define TOOL_LEN 16

/* Preamble, sent by both sides as soon as the TCP connection is up, before
 * any frame: lets each side refuse a non-netroof peer (magic) or another
 * protocol version before trusting a length prefix. */
struct oob_preamble {
	uint32_t magic;
	uint16_t version;
	uint16_t pad;
} __attribute__((packed));

/* First frame each way. Integers big-endian; params text follows. */
struct oob_hello {
	uint16_t rank;
	uint16_t nranks;
	uint16_t status;	/* reply: enum hello_status */
	uint16_t pad;
	char	 tool[TOOL_LEN];
	uint64_t digest;
} __attribute__((packed));

enum hello_status { HELLO_OK, HELLO_TOOL, HELLO_PARAMS, HELLO_RANK };

struct bm_oob {
	int	    rank;
	int	    nranks;
	int	    timeout_ms;
	int	    listen_fd;
	int	   *fd;		/* per peer; -1 where none */
	char	  (*peer)[64];	/* peer address text */
	char	  (*local)[64];	/* our address on that connection */
	char	   *tool;
	char	   *params;
	int	    accepted;	/* rank 0: peers connected so far */
};

uint64_t bm_digest(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Value of key in a "k=v\n" text, as a pointer and length; NULL if absent. */
static const char *param_find(const char *txt, const char *key, size_t klen,
			      size_t *vlen)
{
	const char *p = txt;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *eq = strchr(p, '=');

		if (!eol)
			eol = p + strlen(p);
		if (eq && eq < eol && (size_t)(eq - p) == klen &&
		    !strncmp(p, key, klen)) {
			*vlen = (size_t)(eol - eq - 1);
			return eq + 1;
		}
		p = *eol ? eol + 1 : eol;
	}
	return NULL;
}

/* Checks every key of a against b. */
static int diff_one_way(const char *a, const char *b, bool a_is_mine,
			char *buf, size_t len)
{
	const char *p = a;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *eq = strchr(p, '='), *bv;
		size_t klen, alen, blen = 0;

		if (!eol)
			eol = p + strlen(p);
		if (eq && eq < eol) {
			klen = (size_t)(eq - p);
			alen = (size_t)(eol - eq - 1);
			bv = param_find(b, p, klen, &blen);
			if (!bv || blen != alen || strncmp(bv, eq + 1, alen)) {
				const char *mv = a_is_mine ? eq + 1 : bv;
				const char *pv = a_is_mine ? bv : eq + 1;
				int ml = (int)(a_is_mine ? alen : blen);
				int pl = (int)(a_is_mine ? blen : alen);

				snprintf(buf, len, "%.*s: here %.*s, peer %.*s",
					 (int)klen, p, mv ? ml : 8,
					 mv ? mv : "(absent)", pv ? pl : 8,
					 pv ? pv : "(absent)");
				return 1;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

int bm_params_diff(const char *mine, const char *peer, char *buf, size_t len)
{
	if (diff_one_way(mine, peer, true, buf, len))
		return 1;
	return diff_one_way(peer, mine, false, buf, len);
}

static void addr_text(const struct sockaddr_storage *ss, socklen_t sl,
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

static void conn_names(struct bm_oob *oob, int peer, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (!getpeername(fd, (struct sockaddr *)&ss, &sl))
		addr_text(&ss, sl, oob->peer[peer], sizeof(oob->peer[peer]));
	sl = sizeof(ss);
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		addr_text(&ss, sl, oob->local[peer], sizeof(oob->local[peer]));
}

/* Exact I/O with a deadline: a silent peer is -ETIMEDOUT, a closed one
 * -ECONNRESET, never a hang. */
static int io_exact(int fd, void *buf, size_t len, bool out, uint64_t deadline)
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

static int frame_send(int fd, const void *a, size_t alen, const void *b,
		      size_t blen, int timeout_ms)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	uint32_t hdr;
	int ret;

	if (alen + blen > BM_OOB_FRAME_MAX)
		return -EMSGSIZE;
	hdr = htobe32((uint32_t)(alen + blen));
	ret = io_exact(fd, &hdr, sizeof(hdr), true, deadline);
	if (!ret && alen)
		ret = io_exact(fd, (void *)a, alen, true, deadline);
	if (!ret && blen)
		ret = io_exact(fd, (void *)b, blen, true, deadline);
	return ret;
}

/* Reads one frame into a fresh buffer (NUL-terminated for convenience). */
static int frame_recv_alloc(int fd, int timeout_ms, char **buf_p,
			    size_t *len_p)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	uint32_t hdr;
	size_t len;
	char *buf;
	int ret;

	ret = io_exact(fd, &hdr, sizeof(hdr), false, deadline);
	if (ret)
		return ret;
	len = be32toh(hdr);
	if (len > BM_OOB_FRAME_MAX)
		return -EMSGSIZE;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	ret = io_exact(fd, buf, len, false, deadline);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*buf_p = buf;
	*len_p = len;
	return 0;
}

static const char *oob_strerror(int ret)
{
	switch (ret) {
	case -ETIMEDOUT: return "timed out (peer silent)";
	case -ECONNRESET: return "peer closed the connection";
	case -EMSGSIZE: return "frame larger than the maximum";
	default: return strerror(-ret);
	}
}

int bm_oob_send(struct bm_oob *oob, int peer, const void *buf, size_t len)
{
	int fd = peer_fd(oob, peer), ret;

	if (fd < 0)
		return -EINVAL;
	ret = frame_send(fd, buf, len, NULL, 0, oob->timeout_ms);
	if (ret)
		BM_ERR("out-of-band send to rank %d (%s): %s", peer,
		       oob->peer[peer], oob_strerror(ret));
	return ret;
}

int bm_oob_recv(struct bm_oob *oob, int peer, void *buf, size_t cap,
		size_t *len_p)
{
	int fd = peer_fd(oob, peer), ret;
	char *f;
	size_t len;

	if (fd < 0)
		return -EINVAL;
	ret = frame_recv_alloc(fd, oob->timeout_ms, &f, &len);
	if (!ret && len > cap) {
		free(f);
		ret = -EMSGSIZE;
	}
	if (ret) {
		BM_ERR("out-of-band receive from rank %d (%s): %s", peer,
		       oob->peer[peer], oob_strerror(ret));
		return ret;
	}
	memcpy(buf, f, len);
	free(f);
	if (len_p)
		*len_p = len;
	return 0;
}

static int preamble_exchange(struct bm_oob *oob, int fd, const char *who)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)oob->timeout_ms * 1000000ull;
	struct oob_preamble mine = { htobe32(BM_OOB_MAGIC),
				     htobe16(BM_OOB_VERSION), 0 }, theirs;
	int ret;

	ret = io_exact(fd, &mine, sizeof(mine), true, deadline);
	if (!ret)
		ret = io_exact(fd, &theirs, sizeof(theirs), false, deadline);
	if (ret) {
		BM_ERR("bootstrap hello with %s: %s", who, oob_strerror(ret));
		return ret;
	}
	if (be32toh(theirs.magic) != BM_OOB_MAGIC) {
		BM_ERR("%s is not a netroof peer (bad magic 0x%08x)", who,
		       be32toh(theirs.magic));
		return BM_OOB_EMAGIC;
	}
	if (be16toh(theirs.version) != BM_OOB_VERSION) {
		BM_ERR("%s speaks bootstrap protocol version %u, this is %u: "
		       "use the same netroof version on every node", who,
		       be16toh(theirs.version), BM_OOB_VERSION);
		return BM_OOB_EVERSION;
	}
	return 0;
}

static void hello_fill(const struct bm_oob *oob, struct oob_hello *h, int st)
{
	memset(h, 0, sizeof(*h));
	h->rank = htobe16((uint16_t)oob->rank);
	h->nranks = htobe16((uint16_t)oob->nranks);
	h->status = htobe16((uint16_t)st);
	strncpy(h->tool, oob->tool, TOOL_LEN - 1);
	h->digest = htobe64(bm_digest(oob->params));
}

/* Compares a received hello with ours; 0 or an enum hello_status. */
static int hello_check(const struct bm_oob *oob, const struct oob_hello *h,
		       const char *params, const char *who, bool from_root)
{
	char diff[512];
	char tool[TOOL_LEN + 1];

	memcpy(tool, h->tool, TOOL_LEN);
	tool[TOOL_LEN] = '\0';
	if (strcmp(tool, oob->tool)) {
		BM_ERR("%s runs '%s', this is '%s': refusing", who, tool,
		       oob->tool);
		return HELLO_TOOL;
	}
	if (be16toh(h->nranks) != oob->nranks ||
	    (!from_root && (be16toh(h->rank) < 1 ||
			    be16toh(h->rank) >= oob->nranks))) {
		BM_ERR("%s says rank %u of %u, this run has %d ranks: refusing",
		       who, be16toh(h->rank), be16toh(h->nranks), oob->nranks);
		return HELLO_RANK;
	}
	if (be64toh(h->digest) != bm_digest(oob->params) ||
	    strcmp(params, oob->params)) {
		if (!bm_params_diff(oob->params, params, diff, sizeof(diff)))
			snprintf(diff, sizeof(diff), "(digest differs)");
		BM_ERR("parameters differ from %s, refusing the run: %s", who,
		       diff);
		return HELLO_PARAMS;
	}
	return 0;
}

static int status_err(int st)
{
	return st == HELLO_OK ? 0 : BM_OOB_EMISMATCH;
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
	oob->listen_fd = -1;
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
	if (cfg->nranks < 1 || cfg->nranks > 65535 || cfg->rank < 0 ||
	    cfg->rank >= cfg->nranks) {
		BM_ERR("bad rank %d of %d", cfg->rank, cfg->nranks);
		return -EINVAL;
	}
	if (cfg->rank > 0 && (!cfg->host || !*cfg->host || !cfg->port)) {
		BM_ERR("rank %d needs rank 0's address and port", cfg->rank);
		return -EINVAL;
	}
	return 0;
}

/* TCP_NODELAY; keepalive so that a peer whose host vanished (power, cable)
 * is noticed within about 20 s even by a side that only waits. */
static void sock_tune(int fd)
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

/* Rank 0: one connection's preamble and hello; returns the peer's rank. */
static int accept_one(struct bm_oob *oob, int fd, const char *who)
{
	struct oob_hello reply;
	const struct oob_hello *h;
	char *f = NULL;
	size_t len;
	int ret, st, r;

	ret = preamble_exchange(oob, fd, who);
	if (ret)
		return ret;
	ret = frame_recv_alloc(fd, oob->timeout_ms, &f, &len);
	if (ret) {
		BM_ERR("bootstrap hello from %s: %s", who, oob_strerror(ret));
		return ret;
	}
	if (len < sizeof(*h)) {
		free(f);
		BM_ERR("bootstrap hello from %s is truncated", who);
		return -EPROTO;
	}
	h = (const struct oob_hello *)f;
	st = hello_check(oob, h, f + sizeof(*h), who, false);
	r = be16toh(h->rank);
	if (!st && oob->fd[r] >= 0) {
		BM_ERR("%s claims rank %d, which is already connected", who, r);
		st = HELLO_RANK;
	}
	free(f);
	hello_fill(oob, &reply, st);
	/* Tell the peer why, so both sides refuse with the same reason. */
	ret = frame_send(fd, &reply, sizeof(reply), oob->params,
			 strlen(oob->params), oob->timeout_ms);
	if (st)
		return status_err(st);
	if (ret) {
		BM_ERR("bootstrap reply to %s: %s", who, oob_strerror(ret));
		return ret;
	}
	return r;
}

int bm_oob_accept(struct bm_oob *oob)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)oob->timeout_ms * 1000000ull;

	while (oob->accepted < oob->nranks - 1) {
		struct pollfd pfd = { .fd = oob->listen_fd, .events = POLLIN };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char who[128];
		int fd, ret, r;

		ret = poll(&pfd, 1, bm_ms_left(deadline));
		if (ret < 0 && errno == EINTR)
			return -EINTR;
		if (ret <= 0) {
			BM_ERR("waited %.1f s for %d more rank(s) to connect; "
			       "giving up (--timeout to wait longer)",
			       oob->timeout_ms / 1000.0,
			       oob->nranks - 1 - oob->accepted);
			return ret < 0 ? -errno : -ETIMEDOUT;
		}
		fd = accept4(oob->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		sock_tune(fd);
		addr_text(&ss, sl, who, sizeof(who));
		r = accept_one(oob, fd, who);
		if (r < 0) {
			close(fd);
			return r;
		}
		oob->fd[r] = fd;
		conn_names(oob, r, fd);
		oob->accepted++;
		BM_DBG("rank %d connected from %s", r, who);
	}
	return 0;
}

static int connect_root(struct bm_oob *oob, const struct bm_oob_cfg *cfg)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)oob->timeout_ms * 1000000ull;
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
	sock_tune(fd);
	oob->fd[0] = fd;
	conn_names(oob, 0, fd);
	return 0;
}

static int hello_client(struct bm_oob *oob)
{
	char who[96];
	struct oob_hello mine;
	const struct oob_hello *h;
	char *f = NULL;
	size_t len;
	int fd = oob->fd[0], ret, st;

	snprintf(who, sizeof(who), "rank 0 (%s)", oob->peer[0]);
	ret = preamble_exchange(oob, fd, who);
	if (ret)
		return ret;
	hello_fill(oob, &mine, HELLO_OK);
	ret = frame_send(fd, &mine, sizeof(mine), oob->params,
			 strlen(oob->params), oob->timeout_ms);
	if (!ret)
		ret = frame_recv_alloc(fd, oob->timeout_ms, &f, &len);
	if (ret) {
		BM_ERR("bootstrap hello with %s: %s", who, oob_strerror(ret));
		return ret;
	}
	if (len < sizeof(*h)) {
		free(f);
		BM_ERR("bootstrap reply from %s is truncated", who);
		return -EPROTO;
	}
	h = (const struct oob_hello *)f;
	st = hello_check(oob, h, f + sizeof(*h), who, true);
	if (!st && be16toh(h->status) != HELLO_OK) {
		BM_ERR("%s refused this rank (%s)", who,
		       be16toh(h->status) == HELLO_RANK ? "rank taken or out "
		       "of range" : "mismatch");
		st = be16toh(h->status);
	}
	free(f);
	return status_err(st);
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
	ret = connect_root(oob, cfg);
	if (!ret)
		ret = hello_client(oob);
done:
	if (ret) {
		bm_oob_close(oob);
		return ret;
	}
	if (oob->listen_fd >= 0) {	/* every rank is in: stop listening */
		close(oob->listen_fd);
		oob->listen_fd = -1;
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

int bm_oob_allgather(struct bm_oob *oob, const void *mine, void *all,
		     size_t len)
{
	char *out = all;
	size_t got;
	int r, ret;

	if (oob->rank != 0) {
		ret = bm_oob_send(oob, 0, mine, len);
		if (!ret)
			ret = bm_oob_recv(oob, 0, all, len * (size_t)oob->nranks,
					  &got);
		if (!ret && got != len * (size_t)oob->nranks) {
			BM_ERR("all-gather: rank 0 sent %zu bytes, expected %zu",
			       got, len * (size_t)oob->nranks);
			ret = -EPROTO;
		}
		return ret;
	}
	memcpy(out, mine, len);
	for (r = 1; r < oob->nranks; r++) {
		ret = bm_oob_recv(oob, r, out + (size_t)r * len, len, &got);
		if (ret)
			return ret;
		if (got != len) {
			BM_ERR("all-gather: rank %d sent %zu bytes, expected %zu",
			       r, got, len);
			return -EPROTO;
		}
	}
	for (r = 1; r < oob->nranks; r++) {
		ret = bm_oob_send(oob, r, all, len * (size_t)oob->nranks);
		if (ret)
			return ret;
	}
	return 0;
}

int bm_oob_bcast(struct bm_oob *oob, void *buf, size_t len)
{
	size_t got;
	int r, ret;

	if (oob->rank != 0) {
		ret = bm_oob_recv(oob, 0, buf, len, &got);
		if (!ret && got != len) {
			BM_ERR("broadcast: got %zu bytes, expected %zu", got, len);
			ret = -EPROTO;
		}
		return ret;
	}
	for (r = 1; r < oob->nranks; r++) {
		ret = bm_oob_send(oob, r, buf, len);
		if (ret)
			return ret;
	}
	return 0;
}

int bm_oob_barrier(struct bm_oob *oob)
{
	char token = 'B', *all;
	int ret;

	all = malloc((size_t)oob->nranks);
	if (!all)
		return -ENOMEM;
	ret = bm_oob_allgather(oob, &token, all, 1);
	free(all);
	return ret;
}
