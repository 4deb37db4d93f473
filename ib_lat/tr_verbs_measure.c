// SPDX-License-Identifier: MIT
/*
 * Measurement over a connected RC QP: RDMA-write ping-pong (each side
 * spins on the last byte of its target, perftest's write_lat method: RC
 * delivers a message's bytes in order on rxe, and perftest relies on the
 * same on hardware), send/recv ping-pong (receives posted ahead), RDMA
 * read round trip, and their streaming (--bw) forms with a window of
 * signalled operations. The client times; the server echoes (write,
 * send) or waits for "done" (read, --bw) and reports its payload check.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "tr_verbs.h"

#if HAVE_VERBS
static inline uint8_t tag_of(uint64_t seq)
{
	return (uint8_t)(seq % 255 + 1);	/* never 0 */
}

static void fill(struct vb *v, size_t size, uint8_t tag, bool full)
{
	char *s = v->buf + v->max;

	if (full)
		memset(s, tag, size);
	else
		s[0] = (char)tag;
	s[size - 1] = (char)tag;
}

static bool good(const char *p, size_t size, uint8_t tag, bool full)
{
	size_t i;

	if ((uint8_t)p[0] != tag || (uint8_t)p[size - 1] != tag)
		return false;
	for (i = 1; full && i < size; i++)
		if ((uint8_t)p[i] != tag)
			return false;
	return true;
}

/* Spin until the target's last byte shows tag (perftest write_lat). */
static int wait_byte(struct lat_ctx *c, struct vb *v, size_t size, uint8_t tag)
{
	volatile uint8_t *p = (volatile uint8_t *)(v->buf + size - 1);
	uint64_t deadline = 0;
	unsigned spins = 0;
	int ret;

	while (*p != tag) {
		if (++spins % 8192 == 0) {
			ret = lat_spin_check(&deadline, c->o->timeout_ms);
			if (ret) {
				if (ret == -ETIMEDOUT)
					BM_ERR("no RDMA write from the peer within "
					       "%d ms: peer gone?", c->o->timeout_ms);
				return ret;
			}
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return 0;
}

static int vb_pp_write(struct lat_ctx *c, struct vb *v, size_t size,
		       uint64_t total, uint64_t warmup, double *rtt)
{
	bool full = c->o->check;
	uint64_t i, t0 = 0;
	uint8_t tag;
	int ret;

	for (i = 0; i < total; i++) {
		if (lat_stop)
			return -EINTR;
		tag = tag_of(v->seq++);
		if (c->server) {
			ret = wait_byte(c, v, size, tag);
			if (ret)
				return ret;
			if (!good(v->buf, size, tag, full))
				c->wrong++;
			fill(v, size, tag, full);
			ret = vb_post(c, v, IBV_WR_RDMA_WRITE, size, false);
			if (ret)
				return ret;
			continue;
		}
		fill(v, size, tag, full);
		t0 = bm_now_ns();
		ret = vb_post(c, v, IBV_WR_RDMA_WRITE, size, false);
		if (!ret)
			ret = wait_byte(c, v, size, tag);
		if (ret)
			return ret;
		if (i >= warmup)
			rtt[i - warmup] = (double)(bm_now_ns() - t0);
		if (!good(v->buf, size, tag, full))
			c->wrong++;
	}
	return 0;
}

static int vb_pp_send(struct lat_ctx *c, struct vb *v, size_t size,
		      uint64_t total, uint64_t warmup, double *rtt)
{
	bool full = c->o->check;
	struct ibv_wc wc;
	uint64_t i, t0 = 0;
	uint8_t tag;
	int ret;

	for (i = 0; i < total; i++) {
		if (lat_stop)
			return -EINTR;
		tag = tag_of(v->seq++);
		if (!c->server) {
			fill(v, size, tag, full);
			t0 = bm_now_ns();
			ret = vb_post(c, v, IBV_WR_SEND, size, false);
			if (ret)
				return ret;
		}
		ret = vb_poll(c, v, v->rcq, &wc);
		if (!ret)
			ret = vb_post_recv(v, 1);
		if (ret)
			return ret;
		if (!c->server && i >= warmup)
			rtt[i - warmup] = (double)(bm_now_ns() - t0);
		if (wc.byte_len != size || !good(v->buf, size, tag, full))
			c->wrong++;
		if (c->server) {
			fill(v, size, tag, full);
			ret = vb_post(c, v, IBV_WR_SEND, size, false);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int vb_pp_read(struct lat_ctx *c, struct vb *v, size_t size,
		      uint64_t total, uint64_t warmup, double *rtt)
{
	bool full = c->o->check;
	struct ibv_wc wc;
	uint64_t i, t0;
	int ret;

	for (i = 0; i < total; i++) {
		if (lat_stop)
			return -EINTR;
		t0 = bm_now_ns();
		ret = vb_post(c, v, IBV_WR_RDMA_READ, size, true);
		if (!ret)
			ret = vb_poll(c, v, v->scq, &wc);
		if (ret)
			return ret;
		if (i >= warmup)
			rtt[i - warmup] = (double)(bm_now_ns() - t0);
		/* The server filled its target with the tag of this size. */
		if (!good(v->buf + v->max, size, tag_of(size), full))
			c->wrong++;
	}
	return 0;
}

/* Wait for the client's "done" frame (server of read and of --bw). */
static int vb_wait_done(struct lat_ctx *c)
{
	char b;
	size_t len;
	int ret;

	do {
		ret = bm_oob_recv(c->oob, 1, &b, 1, &len);
	} while (ret == -ETIMEDOUT && !lat_stop);
	return lat_stop ? -EINTR : ret;
}

int vb_pingpong(struct lat_ctx *c, size_t size, uint64_t warmup,
		       uint64_t iters, double *rtt)
{
	struct vb *v = c->priv;
	char b = 1;
	int ret;

	/* Start each size from a clean target and in step with the peer. */
	memset(v->buf, 0, v->max);
	if (v->op == VB_READ && c->server)
		memset(v->buf, tag_of(size), size);
	ret = bm_oob_barrier(c->oob);
	if (ret)
		return ret;
	switch (v->op) {
	case VB_WRITE:
		ret = vb_pp_write(c, v, size, warmup + iters, warmup, rtt);
		break;
	case VB_SEND:
		ret = vb_pp_send(c, v, size, warmup + iters, warmup, rtt);
		break;
	case VB_READ:
		if (c->server)
			return vb_wait_done(c);
		ret = vb_pp_read(c, v, size, warmup + iters, warmup, rtt);
		if (!ret)
			ret = bm_oob_send(c->oob, 0, &b, 1);
		return ret;
	}
	if (!ret)
		ret = vb_drain(c, v);
	return ret;
}

/* Check of a --bw run: every receive (send), the target after the last
 * write (write), the landing region after the last read (read). */
static void stream_prepare(struct lat_ctx *c, struct vb *v, size_t size)
{
	uint8_t tag = tag_of(size);

	if (c->server)
		memset(v->buf, v->op == VB_READ ? tag : 0, size);
	else
		memset(v->buf + v->max, v->op == VB_READ ? 0 : tag, size);
}

static int vb_stream_server(struct lat_ctx *c, struct vb *v, size_t size,
			    uint64_t iters)
{
	bool full = c->o->check;
	uint8_t tag = tag_of(size);
	uint64_t wrong0 = c->wrong, done, w;
	struct ibv_wc wc;
	int ret;

	for (done = 0; v->op == VB_SEND && done < iters; done++) {
		ret = vb_poll(c, v, v->rcq, &wc);
		if (!ret)
			ret = vb_post_recv(v, 1);
		if (ret)
			return ret;
		if (wc.byte_len != size || !good(v->buf, size, tag, full))
			c->wrong++;
	}
	ret = vb_wait_done(c);
	if (ret)
		return ret;
	if (v->op == VB_WRITE && !good(v->buf, size, tag, full))
		c->wrong++;
	/* Tell the client what this side found. */
	w = htobe64(c->wrong - wrong0);
	return bm_oob_send(c->oob, 1, &w, sizeof(w));
}

int vb_stream(struct lat_ctx *c, size_t size, uint64_t iters,
		     unsigned window, double *secs_p)
{
	struct vb *v = c->priv;
	enum ibv_wr_opcode opc = v->op == VB_WRITE ? IBV_WR_RDMA_WRITE :
				 v->op == VB_READ  ? IBV_WR_RDMA_READ :
						     IBV_WR_SEND;
	struct ibv_wc wc[16];
	uint64_t posted = 0, done = 0, t0, w;
	uint64_t deadline = 0;	/* since the last completion */
	size_t len;
	char b = 1;
	int n, i, ret;

	if (window > VB_SQ_DEPTH / 2)
		window = VB_SQ_DEPTH / 2;
	/* Every stream op is signalled and counted below: nothing from
	 * before may be left on the send CQ. */
	ret = vb_drain(c, v);
	if (ret)
		return ret;
	stream_prepare(c, v, size);
	ret = bm_oob_barrier(c->oob);
	if (ret)
		return ret;
	if (c->server)
		return vb_stream_server(c, v, size, iters);
	t0 = bm_now_ns();
	while (done < iters) {
		while (posted < iters && posted - done < window) {
			ret = vb_post(c, v, opc, size, true);
			if (ret)
				return ret;
			posted++;
		}
		n = ibv_poll_cq(v->scq, 16, wc);
		if (n < 0)
			return -EIO;
		for (i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				BM_ERR("completion error: %s",
				       ibv_wc_status_str(wc[i].status));
				return -ECONNRESET;
			}
		}
		if (n > 0) {
			done += (uint64_t)n;
			deadline = 0;
		} else if ((ret = lat_spin_check(&deadline, c->o->timeout_ms))) {
			if (ret == -ETIMEDOUT)
				BM_ERR("no completion within %d ms (%llu of %llu "
				       "done): peer gone?", c->o->timeout_ms,
				       (unsigned long long)done,
				       (unsigned long long)iters);
			return ret;
		}
	}
	*secs_p = (double)(bm_now_ns() - t0) * 1e-9;
	if (v->op == VB_READ &&
	    !good(v->buf + v->max, size, tag_of(size), c->o->check))
		c->wrong++;
	ret = bm_oob_send(c->oob, 0, &b, 1);
	if (!ret)
		ret = bm_oob_recv(c->oob, 0, &w, sizeof(w), &len);
	if (!ret && len == sizeof(w))
		c->wrong += be64toh(w);
	return ret;
}

#endif
