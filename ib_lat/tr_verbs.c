// SPDX-License-Identifier: MIT
/*
 * RC transports over libibverbs, the core: RDMA-write ping-pong,
 * send/recv ping-pong and RDMA-read round trip share a device, a buffer,
 * CQs and one way to post and poll (tr_verbs.h lists the other files).
 * Without libibverbs only the ops tables remain, as stubs that say "not
 * built" and exit 77.
 *
 * Hot loops make no system calls: busy polling on the CQ (or, --events, a
 * completion channel). Sends of size <= max inline are inline. Every 32nd
 * send is signalled, so the send queue never fills and the CQ is polled
 * rarely.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tr_verbs.h"

#if HAVE_VERBS
const char *vb_mtu_str(int m)
{
	static const char *s[] = { "?", "256", "512", "1024", "2048", "4096" };

	return m >= 1 && m <= 5 ? s[m] : "?";
}

static struct ibv_device *vb_find(struct ibv_device **l, const char *name)
{
	int i;

	for (i = 0; l && l[i]; i++)
		if (!name || !strcmp(ibv_get_device_name(l[i]), name))
			return l[i];
	return NULL;
}

static int vb_open_common(struct lat_ctx *c, enum vb_op op)
{
	struct ibv_device **l;
	struct ibv_device *d;
	char names[256];
	struct vb *v;
	int n = 0, ret;

	l = ibv_get_device_list(&n);
	d = vb_find(l, c->o->dev);
	if (!d) {
		diag_dev_list(names, sizeof(names));
		if (c->o->dev)
			BM_ERR("RDMA device '%s' not found; devices here: %s",
			       c->o->dev, *names ? names : "none");
		else
			BM_ERR("no RDMA device (ibv_get_device_list: %d); sysfs "
			       "devices: %s", n, *names ? names : "none");
		if (l)
			ibv_free_device_list(l);
		return -ENODEV;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		ibv_free_device_list(l);
		return -ENOMEM;
	}
	v->op = op;
	v->port = c->o->ib_port;
	v->max = c->o->max_size < 64 ? 64 : c->o->max_size;
	snprintf(c->dev_name, sizeof(c->dev_name), "%s",
		 ibv_get_device_name(d));
	v->ctx = ibv_open_device(d);
	ibv_free_device_list(l);
	if (!v->ctx) {
		ret = errno ? -errno : -ENODEV;
		BM_ERR("ibv_open_device(%s): %s", c->dev_name, strerror(-ret));
		free(v);
		return ret;
	}
	if (ibv_query_port(v->ctx, v->port, &v->pattr)) {
		BM_ERR("%s: port %d does not exist", c->dev_name, v->port);
		ibv_close_device(v->ctx);
		free(v);
		return -EINVAL;
	}
	if (v->pattr.state != IBV_PORT_ACTIVE)
		BM_WARN("%s port %d is not ACTIVE (%s)", c->dev_name, v->port,
			ibv_port_state_str(v->pattr.state));
	if (c->o->gid_index >= v->pattr.gid_tbl_len) {
		BM_ERR("GID index %d out of range: %s port %d has 0..%d",
		       c->o->gid_index, c->dev_name, v->port,
		       v->pattr.gid_tbl_len - 1);
		ibv_close_device(v->ctx);
		free(v);
		return -ERANGE;
	}
	diag_pci_of_rdma(c->dev_name, c->dev_pci, sizeof(c->dev_pci), NULL, 0);
	c->priv = v;
	return 0;
}

static int vb_open_write(struct lat_ctx *c) { return vb_open_common(c, VB_WRITE); }
static int vb_open_send(struct lat_ctx *c) { return vb_open_common(c, VB_SEND); }
static int vb_open_read(struct lat_ctx *c) { return vb_open_common(c, VB_READ); }

/* PD, MR, CQs on ctx (the device's, or rdma_cm's). */
int vb_alloc(struct lat_ctx *c, struct vb *v, struct ibv_context *ctx)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;
	long pg = sysconf(_SC_PAGESIZE);

	v->pd = ibv_alloc_pd(ctx);
	if (!v->pd) {
		BM_ERR("ibv_alloc_pd: %s", strerror(errno));
		return -ENOMEM;
	}
	if (posix_memalign((void **)&v->buf, (size_t)pg, 2 * v->max))
		return -ENOMEM;
	memset(v->buf, 0, 2 * v->max);
	v->mr = ibv_reg_mr(v->pd, v->buf, 2 * v->max, access);
	if (!v->mr) {
		BM_ERR("ibv_reg_mr(%zu bytes): %s", 2 * v->max,
		       strerror(errno));
		return -errno ? -errno : -ENOMEM;
	}
	if (c->o->events) {
		v->ch = ibv_create_comp_channel(ctx);
		if (!v->ch) {
			BM_ERR("ibv_create_comp_channel: %s", strerror(errno));
			return -ENOMEM;
		}
		fcntl(v->ch->fd, F_SETFL, fcntl(v->ch->fd, F_GETFL) | O_NONBLOCK);
	}
	v->scq = ibv_create_cq(ctx, VB_SQ_DEPTH, NULL, v->ch, 0);
	v->rcq = ibv_create_cq(ctx, VB_RX_DEPTH, NULL, v->ch, 0);
	if (!v->scq || !v->rcq) {
		BM_ERR("ibv_create_cq: %s", strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

void vb_qp_init_attr(struct lat_ctx *c, struct vb *v,
			    struct ibv_qp_init_attr *a, uint32_t inl)
{
	*a = (struct ibv_qp_init_attr){
		.send_cq = v->scq,
		.recv_cq = v->rcq,
		.qp_type = IBV_QPT_RC,
		.cap	 = { .max_send_wr     = VB_SQ_DEPTH,
			     .max_recv_wr     = VB_RX_DEPTH,
			     .max_send_sge    = 1,
			     .max_recv_sge    = 1,
			     .max_inline_data = inl },
	};
}

uint32_t vb_want_inline(struct lat_ctx *c)
{
	return c->o->inline_size < 0 ? VB_DEFAULT_INLINE :
				       (uint32_t)c->o->inline_size;
}

int vb_post_recv(struct vb *v, unsigned n)
{
	struct ibv_sge sge = { .addr = (uintptr_t)v->buf,
			       .length = (uint32_t)v->max,
			       .lkey = v->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = 1, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;
	unsigned i;

	for (i = 0; i < n; i++)
		if (ibv_post_recv(v->qp, &wr, &bad))
			return -EIO;
	return 0;
}

/* One completion from cq, busy polling or on the completion channel. */
int vb_poll(struct lat_ctx *c, struct vb *v, struct ibv_cq *cq,
		   struct ibv_wc *wc)
{
	uint64_t deadline = 0;
	unsigned spins = 0;
	int n, ret;

	for (;;) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n > 0)
			break;
		if (n < 0) {
			BM_ERR("ibv_poll_cq failed");
			return -EIO;
		}
		if (c->o->events) {
			struct pollfd pfd = { .fd = v->ch->fd, .events = POLLIN };
			struct ibv_cq *ecq;
			void *ectx;

			if (ibv_req_notify_cq(cq, 0))
				return -EIO;
			n = ibv_poll_cq(cq, 1, wc);	/* raced the arm */
			if (n > 0)
				break;
			ret = poll(&pfd, 1, bm_ms_left(lat_deadline(&deadline,
							c->o->timeout_ms)));
			if (ret == 0)
				return -ETIMEDOUT;
			if (ret < 0 && lat_stop)
				return -EINTR;
			if (ibv_get_cq_event(v->ch, &ecq, &ectx) == 0)
				ibv_ack_cq_events(ecq, 1);
			continue;
		}
		if (++spins % 4096 == 0) {
			ret = lat_spin_check(&deadline, c->o->timeout_ms);
			if (ret)
				return ret;
		}
	}
	if (wc->status != IBV_WC_SUCCESS) {
		BM_ERR("completion error: %s (wr_id %llu, vendor 0x%x): the "
		       "peer is gone or the QP broke", ibv_wc_status_str(wc->status),
		       (unsigned long long)wc->wr_id, wc->vendor_err);
		return -ECONNRESET;
	}
	return 0;
}

/* Post one send/write/read of size from the source region. */
int vb_post(struct lat_ctx *c, struct vb *v, enum ibv_wr_opcode opc,
		   size_t size, bool force_signal)
{
	struct ibv_sge sge = { .addr = (uintptr_t)(v->buf + v->max),
			       .length = (uint32_t)size,
			       .lkey = v->mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id	    = v->nposted,
		.sg_list    = &sge,
		.num_sge    = 1,
		.opcode	    = opc,
	}, *bad;
	bool sig = force_signal || v->nposted % VB_SIG_EVERY == VB_SIG_EVERY - 1;
	struct ibv_wc wc;
	int ret;

	if (opc != IBV_WR_SEND) {
		wr.wr.rdma.remote_addr = v->remote.addr;
		wr.wr.rdma.rkey = v->remote.rkey;
	}
	if (opc != IBV_WR_RDMA_READ && size <= v->max_inline)
		wr.send_flags |= IBV_SEND_INLINE;
	if (sig) {
		if (v->sig_pending) {
			ret = vb_poll(c, v, v->scq, &wc);
			if (ret)
				return ret;
			v->sig_pending = false;
		}
		wr.send_flags |= IBV_SEND_SIGNALED;
		v->sig_pending = !force_signal;
	}
	v->nposted++;
	ret = ibv_post_send(v->qp, &wr, &bad);
	if (ret) {
		BM_ERR("ibv_post_send: %s", strerror(ret));
		return -ret;
	}
	return 0;
}

int vb_drain(struct lat_ctx *c, struct vb *v)
{
	struct ibv_wc wc;
	int ret = 0;

	if (v->sig_pending) {
		ret = vb_poll(c, v, v->scq, &wc);
		v->sig_pending = false;
	}
	return ret;
}

static int vb_setup(struct lat_ctx *c)
{
	struct vb *v = c->priv;

	if (c->o->conn == LAT_CONN_RDMACM) {
#if HAVE_RDMACM
		return vb_connect_cm(c, v);
#else
		BM_ERR("-R: rdma_cm not built (configure with -Drdmacm=enabled)");
		return -ENOTSUP;
#endif
	}
	return vb_connect_oob(c, v);
}

static void vb_teardown(struct lat_ctx *c)
{
	struct vb *v = c->priv;

	if (!v)
		return;
#if HAVE_RDMACM
	if (v->id) {
		if (v->qp)
			rdma_disconnect(v->id);
		if (v->qp)
			rdma_destroy_qp(v->id);
		v->qp = NULL;
	}
#endif
	if (v->qp)
		ibv_destroy_qp(v->qp);
	if (v->scq)
		ibv_destroy_cq(v->scq);
	if (v->rcq)
		ibv_destroy_cq(v->rcq);
	if (v->ch)
		ibv_destroy_comp_channel(v->ch);
	if (v->mr)
		ibv_dereg_mr(v->mr);
	if (v->pd)
		ibv_dealloc_pd(v->pd);
#if HAVE_RDMACM
	if (v->id)
		rdma_destroy_id(v->id);
	if (v->lid)
		rdma_destroy_id(v->lid);
	if (v->cmch)
		rdma_destroy_event_channel(v->cmch);
#endif
	if (v->ctx)
		ibv_close_device(v->ctx);
	free(v->buf);
	free(v);
	c->priv = NULL;
}

/* One ping-pong sample is a round trip; read reports it whole, as
 * perftest's ib_read_lat does, write and send half of it. */
#define VB_BUILT(n)                                                            \
	.built = true, .open = vb_open_##n, .setup = vb_setup,                 \
	.pingpong = vb_pingpong, .stream = vb_stream, .teardown = vb_teardown
#else /* !HAVE_VERBS */
#define VB_BUILT(n)                                                            \
	.built = false, .not_built = "not built (configure with -Dverbs=enabled)"
#endif

const struct lat_transport_ops lat_write_ops = {
	.name	      = "write",
	.desc	      = "RC RDMA-write ping-pong (polls the last byte)",
	.rdma	      = true,
	.polls_memory = true,
	.lat_scale    = 0.5e-3,
	.lat_is	      = "rtt/2",
	.lat_words    = "one-way = RTT/2",
	VB_BUILT(write),
};
const struct lat_transport_ops lat_send_ops = {
	.name	   = "send",
	.desc	   = "RC send/recv ping-pong (receives pre-posted)",
	.rdma	   = true,
	.lat_scale = 0.5e-3,
	.lat_is	   = "rtt/2",
	.lat_words = "one-way = RTT/2",
	VB_BUILT(send),
};
const struct lat_transport_ops lat_read_ops = {
	.name	   = "read",
	.desc	   = "RC RDMA-read round trip",
	.rdma	   = true,
	.lat_scale = 1e-3,
	.lat_is	   = "rtt",
	.lat_words = "= full round trip for read (one read and its completion)",
	VB_BUILT(read),
};
