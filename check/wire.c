// SPDX-License-Identifier: MIT
/*
 * The control channel of netroof check: JSON messages {"type": ...} in the
 * bootstrap's frames (common/oob), and the event loop every process runs.
 *
 * Liveness: each side sends {"type":"alive"} every heartbeat period (1 s,
 * or a quarter of --timeout when that is shorter) whatever it is doing, so
 * a peer that sent nothing for --timeout is hung (stopped, wedged, cut
 * off) and is failed with -ETIMEDOUT; one that closed is -ECONNRESET at
 * once. The sockets are polled here, so a long step (a latency sweep over
 * a slow link) never looks like silence.
 *
 * A frame is at most CHK_FRAME_MAX bytes, refused from its length before
 * it is read (bm_oob_recv); a message that is not a JSON object with a
 * string "type" is -EPROTO (a peer's garbage, exit 1).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct chk_net {
	struct bm_oob *oob;
	int	       rank, n;
	int	       timeout_ms;
	uint64_t       hb_ns;		/* heartbeat period */
	uint64_t       last_tx;		/* our last send to anyone */
	uint64_t      *last_rx;		/* per peer: its last frame */
	char	      *buf;		/* CHK_FRAME_MAX + 1 */
	char	       addr[CHK_MAX_NODES][64];
};

int chk_net_open(const struct chk_opts *o, const char *params,
		 struct chk_net **n_p)
{
	struct bm_oob_cfg cfg = {
		.rank = o->rank, .nranks = o->nranks, .host = o->host,
		.bind = o->bind, .port = o->port, .timeout_ms = o->timeout_ms,
		.tool = CHK_TOOL, .params = params,
		/* the waiting node waits for its first peer until a signal,
		 * then keeps --timeout */
		.wait_ms = -1,
	};
	struct chk_net *n = calloc(1, sizeof(*n));
	uint64_t now;
	int ret, i;

	if (!n)
		return -ENOMEM;
	n->buf = malloc(CHK_FRAME_MAX + 1);
	n->last_rx = calloc((size_t)o->nranks, sizeof(*n->last_rx));
	if (!n->buf || !n->last_rx) {
		ret = -ENOMEM;
		goto err;
	}
	do {
		ret = bm_oob_open(&cfg, &n->oob);
		/* Like ib_lat's server: the waiting node waits for its peers
		 * as long as it takes (the other node is started by hand). */
	} while (ret == -ETIMEDOUT && o->rank == 0 && !o->host &&
		 !chk_stop_requested());
	if (ret)
		goto err;
	n->rank = o->rank;
	n->n = o->nranks;
	n->timeout_ms = o->timeout_ms;
	n->hb_ns = o->timeout_ms / 4 < 1000 ?
		   (uint64_t)(o->timeout_ms / 4) * 1000000ull : 1000000000ull;
	now = bm_now_ns();
	for (i = 0; i < n->n && i < CHK_MAX_NODES; i++) {
		const char *a = bm_oob_peer_addr(n->oob, i);
		char *colon;

		n->last_rx[i] = now;
		snprintf(n->addr[i], sizeof(n->addr[i]), "%s", a);
		/* "10.0.0.2:18520" -> "10.0.0.2" */
		colon = strrchr(n->addr[i], ':');
		if (colon)
			*colon = '\0';
	}
	*n_p = n;
	return 0;
err:
	free(n->buf);
	free(n->last_rx);
	free(n);
	return ret;
}

void chk_net_close(struct chk_net *n)
{
	if (!n)
		return;
	bm_oob_close(n->oob);
	free(n->buf);
	free(n->last_rx);
	free(n);
}

const char *chk_net_peer_addr(const struct chk_net *n, int peer)
{
	return peer >= 0 && peer < n->n && peer < CHK_MAX_NODES ?
	       n->addr[peer] : "";
}

const char *chk_net_local_addr(const struct chk_net *n, int peer)
{
	static char buf[64];
	char *colon;

	snprintf(buf, sizeof(buf), "%s", bm_oob_local_addr(n->oob, peer));
	colon = strrchr(buf, ':');
	if (colon)
		*colon = '\0';
	return buf;
}

static bool is_peer(const struct chk_net *n, int r)
{
	return r != n->rank && (n->rank == 0 || r == 0) && r >= 0 && r < n->n;
}

int chk_net_send(struct chk_net *n, int peer, json_t *msg)
{
	char *txt;
	size_t len;
	int ret;

	if (!msg)
		return -ENOMEM;
	txt = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!txt)
		return -ENOMEM;
	len = strlen(txt);
	if (len > CHK_FRAME_MAX) {
		BM_ERR("a control message of %zu bytes is over the %u-byte "
		       "cap", len, CHK_FRAME_MAX);
		free(txt);
		return -EMSGSIZE;
	}
	ret = bm_oob_send(n->oob, peer, txt, len);
	free(txt);
	if (!ret)
		n->last_tx = bm_now_ns();
	return ret;
}

static int heartbeat(struct chk_net *n)
{
	int r, ret;

	if (bm_now_ns() - n->last_tx < n->hb_ns)
		return 0;
	for (r = 0; r < n->n; r++) {
		if (!is_peer(n, r))
			continue;
		ret = chk_net_send(n, r, json_pack("{s:s}", "type", "alive"));
		if (ret)
			return ret;
	}
	n->last_tx = bm_now_ns();
	return 0;
}

static int recv_one(struct chk_net *n, int r, json_t **msg_p)
{
	json_error_t jerr;
	json_t *m, *t;
	size_t len;
	int ret;

	ret = bm_oob_recv(n->oob, r, n->buf, CHK_FRAME_MAX, &len);
	if (ret)
		return ret;
	n->last_rx[r] = bm_now_ns();
	n->buf[len] = '\0';
	m = json_loadb(n->buf, len, 0, &jerr);
	t = json_object_get(m, "type");
	if (!json_is_object(m) || !json_is_string(t)) {
		BM_ERR("rank %d (%s) sent a control message that is not one "
		       "(%s)", r, n->addr[r], m ? "no \"type\"" : jerr.text);
		json_decref(m);
		return -EPROTO;
	}
	if (!strcmp(json_string_value(t), "alive")) {
		json_decref(m);
		return 0;
	}
	if (!strcmp(json_string_value(t), "abort")) {
		const char *why = json_string_value(json_object_get(m, "why"));

		BM_ERR("rank %d (%s) stopped the check: %s", r, n->addr[r],
		       why ? why : "no reason given");
		json_decref(m);
		return -ECONNABORTED;
	}
	*msg_p = m;
	return 1;
}

int chk_net_poll(struct chk_net *n, int slice_ms, json_t **msg_p,
		 int *from_p)
{
	struct pollfd pfd[CHK_MAX_NODES];
	int map[CHK_MAX_NODES], np = 0, r, ret, i;
	uint64_t now;

	*msg_p = NULL;
	ret = heartbeat(n);
	if (ret)
		return ret;
	for (r = 0; r < n->n && np < CHK_MAX_NODES; r++) {
		if (!is_peer(n, r))
			continue;
		pfd[np] = (struct pollfd){ .fd = bm_oob_fd(n->oob, r),
					   .events = POLLIN };
		map[np++] = r;
	}
	ret = poll(pfd, (nfds_t)np, slice_ms);
	if (ret < 0 && errno != EINTR)
		return -errno;
	for (i = 0; ret > 0 && i < np; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ret = recv_one(n, map[i], msg_p);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			*from_p = map[i];
			return 1;
		}
	}
	now = bm_now_ns();
	for (i = 0; i < np; i++) {
		r = map[i];
		if (now - n->last_rx[r] > (uint64_t)n->timeout_ms * 1000000ull) {
			BM_ERR("rank %d (%s) has been silent for %.1f s (--timeout "
			       "%.1f s): it hangs or the network is down", r,
			       n->addr[r], (now - n->last_rx[r]) / 1e9,
			       n->timeout_ms / 1000.0);
			return -ETIMEDOUT;
		}
	}
	return heartbeat(n);
}

void chk_net_abort(struct chk_net *n, const char *why)
{
	int r;

	if (!n)
		return;
	for (r = 0; r < n->n; r++)
		if (is_peer(n, r))
			chk_net_send(n, r, json_pack("{s:s,s:s}", "type",
				     "abort", "why", why ? why : "failed"));
}
