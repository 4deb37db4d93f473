// SPDX-License-Identifier: MIT
/*
 * RC transports over libibverbs: RDMA-write ping-pong, send/recv ping-pong,
 * RDMA-read round trip, and their streaming (--bw) forms. The QP is
 * connected either by swapping a wire record (QPN, PSN, GID, MTU, rkey,
 * address) over the bootstrap channel, rc_pingpong style, or by librdmacm.
 *
 * Buffer: one registered region of 2 * max_size bytes. [0, max) is the
 * target (remote writes, receives, remote reads); [max, 2*max) is the
 * local source (writes, sends) and the read destination.
 *
 * Hot loops make no system calls: busy polling on the CQ, or for write
 * ping-pong on the last byte of the target (perftest's write_lat method,
 * RC delivers a message's bytes in order on rxe; perftest relies on the
 * same on hardware). Sends of size <= max inline are inline. Every 32nd
 * send is signalled, so the send queue never fills and the CQ is polled
 * rarely. Receives are posted ahead (RX_DEPTH).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "config.h"
#include "transport.h"

#if HAVE_VERBS
#include <infiniband/verbs.h>
#if HAVE_RDMACM
#include <rdma/rdma_cma.h>
#endif

enum vb_op { VB_WRITE, VB_SEND, VB_READ };

#define VB_SIG_EVERY 32
#define VB_RX_DEPTH  512
#define VB_SQ_DEPTH  512
#define VB_DEFAULT_INLINE 220

/* What each side tells the other (network byte order on the wire). */
struct vb_dest {
	uint32_t qpn;
	uint32_t psn;
	uint32_t rkey;
	uint32_t mtu;		/* enum ibv_mtu */
	uint64_t addr;
	uint8_t	 gid[16];
	uint32_t lid;
	uint32_t gid_index;	/* for the printout */
};

struct vb {
	enum vb_op		 op;
	struct ibv_context	*ctx;
	struct ibv_pd		*pd;
	struct ibv_mr		*mr;
	struct ibv_comp_channel *ch;
	struct ibv_cq		*scq, *rcq;
	struct ibv_qp		*qp;
	char			*buf;
	size_t			 max;	/* bytes per region */
	int			 port;
	int			 gid_index;
	uint32_t		 max_inline;
	struct ibv_port_attr	 pattr;
	struct vb_dest		 local, remote;
	uint64_t		 nposted;	/* sends posted, for signalling */
	bool			 sig_pending;	/* a signalled WR not yet polled */
	uint64_t		 seq;		/* write ping-pong tag counter */
#if HAVE_RDMACM
	struct rdma_event_channel *cmch;
	struct rdma_cm_id	  *lid, *id;
#endif
};

static const char *mtu_str(int m)
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
static int vb_alloc(struct lat_ctx *c, struct vb *v, struct ibv_context *ctx)
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

static void vb_qp_init_attr(struct lat_ctx *c, struct vb *v,
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

static uint32_t vb_want_inline(struct lat_ctx *c)
{
	return c->o->inline_size < 0 ? VB_DEFAULT_INLINE :
				       (uint32_t)c->o->inline_size;
}

static int vb_post_recv(struct vb *v, unsigned n)
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
static int vb_poll(struct lat_ctx *c, struct vb *v, struct ibv_cq *cq,
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
static int vb_post(struct lat_ctx *c, struct vb *v, enum ibv_wr_opcode opc,
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

static int vb_drain(struct lat_ctx *c, struct vb *v)
{
	struct ibv_wc wc;
	int ret = 0;

	if (v->sig_pending) {
		ret = vb_poll(c, v, v->scq, &wc);
		v->sig_pending = false;
	}
	return ret;
}

/* ---- connection: manual exchange over the bootstrap channel ---------- */

static void dest_hton(struct vb_dest *d)
{
	d->qpn = htonl(d->qpn);
	d->psn = htonl(d->psn);
	d->rkey = htonl(d->rkey);
	d->mtu = htonl(d->mtu);
	d->lid = htonl(d->lid);
	d->gid_index = htonl(d->gid_index);
	d->addr = htobe64(d->addr);
}

static void dest_ntoh(struct vb_dest *d)
{
	d->qpn = ntohl(d->qpn);
	d->psn = ntohl(d->psn);
	d->rkey = ntohl(d->rkey);
	d->mtu = ntohl(d->mtu);
	d->lid = ntohl(d->lid);
	d->gid_index = ntohl(d->gid_index);
	d->addr = be64toh(d->addr);
}

static int vb_exchange(struct lat_ctx *c, struct vb *v)
{
	struct vb_dest me = v->local, all[2];
	int ret;

	dest_hton(&me);
	ret = bm_oob_allgather(c->oob, &me, all, sizeof(me));
	if (ret) {
		BM_ERR("exchange of QP records failed: %s", strerror(-ret));
		return ret;
	}
	v->remote = all[c->server ? 1 : 0];
	dest_ntoh(&v->remote);
	return 0;
}

static const char *peer_ip(struct lat_ctx *c)
{
	static char b[96];

	return lat_host_of(bm_oob_peer_addr(c->oob, c->server ? 1 : 0), b,
			   sizeof(b));
}

static int vb_connect_oob(struct lat_ctx *c, struct vb *v)
{
	struct ibv_qp_init_attr ia;
	union ibv_gid gid;
	char why[256] = "", gstr[64];
	uint32_t inl = vb_want_inline(c);
	int ret, mtu;

	ret = vb_alloc(c, v, v->ctx);
	if (ret)
		return ret;
	vb_qp_init_attr(c, v, &ia, inl);
	v->qp = ibv_create_qp(v->pd, &ia);
	if (!v->qp && inl) {
		/* Devices cap inline data differently: try without. */
		BM_WARN("ibv_create_qp with %u inline bytes failed (%s); "
			"retrying without inline", inl, strerror(errno));
		vb_qp_init_attr(c, v, &ia, 0);
		v->qp = ibv_create_qp(v->pd, &ia);
	}
	if (!v->qp) {
		BM_ERR("ibv_create_qp: %s", strerror(errno));
		return -errno ? -errno : -ENOMEM;
	}
	v->max_inline = ia.cap.max_inline_data;

	if (c->o->gid_index >= 0) {
		v->gid_index = c->o->gid_index;
		snprintf(why, sizeof(why), "set by -x");
	} else if (v->pattr.link_layer == IBV_LINK_LAYER_ETHERNET) {
		ret = diag_gid_autopick(c->dev_name, v->port, peer_ip(c), why,
				       sizeof(why));
		if (ret < 0) {
			BM_ERR("%s port %d: %s; give one with -x", c->dev_name,
			       v->port, why);
			return -ENOENT;
		}
		v->gid_index = ret;
	} else {
		v->gid_index = 0;
		snprintf(why, sizeof(why), "InfiniBand: index 0");
	}
	if (ibv_query_gid(v->ctx, v->port, v->gid_index, &gid)) {
		BM_ERR("ibv_query_gid(%d): %s", v->gid_index, strerror(errno));
		return -EINVAL;
	}
	struct ibv_qp_attr init = {
		.qp_state	 = IBV_QPS_INIT,
		.pkey_index	 = 0,
		.port_num	 = (uint8_t)v->port,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ,
	};
	if (ibv_modify_qp(v->qp, &init, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)) {
		BM_ERR("modify QP to INIT: %s", strerror(errno));
		return -EIO;
	}
	if (v->op == VB_SEND) {
		ret = vb_post_recv(v, VB_RX_DEPTH);
		if (ret)
			return ret;
	}
	uint32_t rnd = 0;

	if (getrandom(&rnd, sizeof(rnd), 0) < 0)
		rnd = (uint32_t)bm_now_ns();
	v->local = (struct vb_dest){
		.qpn	   = v->qp->qp_num,
		.psn	   = rnd & 0xffffff,
		.rkey	   = v->mr->rkey,
		.mtu	   = v->pattr.active_mtu,
		.addr	   = (uintptr_t)v->buf,
		.lid	   = v->pattr.lid,
		.gid_index = (uint32_t)v->gid_index,
	};
	memcpy(v->local.gid, gid.raw, 16);
	ret = vb_exchange(c, v);
	if (ret)
		return ret;
	mtu = v->local.mtu < v->remote.mtu ? v->local.mtu : v->remote.mtu;

	struct ibv_qp_attr rtr = {
		.qp_state	    = IBV_QPS_RTR,
		.path_mtu	    = (enum ibv_mtu)mtu,
		.dest_qp_num	    = v->remote.qpn,
		.rq_psn		    = v->remote.psn,
		.max_dest_rd_atomic = 1,
		.min_rnr_timer	    = 12,
		.ah_attr	    = {
			.is_global     = 1,
			.dlid	       = (uint16_t)v->remote.lid,
			.sl	       = 0,
			.src_path_bits = 0,
			.port_num      = (uint8_t)v->port,
			.grh	       = { .hop_limit  = 64,
					   .sgid_index = (uint8_t)v->gid_index },
		},
	};
	memcpy(rtr.ah_attr.grh.dgid.raw, v->remote.gid, 16);
	if (ibv_modify_qp(v->qp, &rtr, IBV_QP_STATE | IBV_QP_AV |
			  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER)) {
		BM_ERR("modify QP to RTR: %s (GID index %d; check -x)",
		       strerror(errno), v->gid_index);
		return -EIO;
	}
	struct ibv_qp_attr rts = {
		.qp_state      = IBV_QPS_RTS,
		.timeout       = 14,
		.retry_cnt     = 7,
		.rnr_retry     = 7,
		.sq_psn	       = v->local.psn,
		.max_rd_atomic = 1,
	};
	if (ibv_modify_qp(v->qp, &rts, IBV_QP_STATE | IBV_QP_TIMEOUT |
			  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			  IBV_QP_MAX_QP_RD_ATOMIC)) {
		BM_ERR("modify QP to RTS: %s", strerror(errno));
		return -EIO;
	}
	inet_ntop(AF_INET6, gid.raw, gstr, sizeof(gstr));
	snprintf(c->info, sizeof(c->info),
		 "%s port %d, conn oob, GID index %d (%s: %s), peer QPN 0x%x "
		 "GID index %u, MTU %s, inline <= %u B", c->dev_name, v->port,
		 v->gid_index, why, gstr, v->remote.qpn, v->remote.gid_index,
		 mtu_str(mtu), v->max_inline);
	return 0;
}

/* ---- connection: librdmacm ------------------------------------------- */
#if HAVE_RDMACM
static const char *local_ip(struct lat_ctx *c)
{
	static char b[96];

	return lat_host_of(bm_oob_local_addr(c->oob, c->server ? 1 : 0), b,
			   sizeof(b));
}

static int cm_wait(struct lat_ctx *c, struct vb *v, enum rdma_cm_event_type want,
		   struct rdma_cm_id **id_p)
{
	struct pollfd pfd = { .fd = v->cmch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;
	int ret;

	ret = poll(&pfd, 1, c->o->timeout_ms);
	if (ret <= 0) {
		BM_ERR("rdma_cm: no %s within the timeout",
		       rdma_event_str(want));
		return ret ? -errno : -ETIMEDOUT;
	}
	if (rdma_get_cm_event(v->cmch, &ev))
		return -errno;
	if (ev->event != want) {
		BM_ERR("rdma_cm: got %s (status %d), wanted %s",
		       rdma_event_str(ev->event), ev->status,
		       rdma_event_str(want));
		rdma_ack_cm_event(ev);
		return -ECONNREFUSED;
	}
	if (id_p)
		*id_p = ev->id;
	rdma_ack_cm_event(ev);
	return 0;
}

static int vb_connect_cm(struct lat_ctx *c, struct vb *v)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST }, *ai = NULL;
	struct rdma_conn_param cp = { .responder_resources = 1,
				      .initiator_depth = 1,
				      .retry_count = 7,
				      .rnr_retry_count = 7 };
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr qa;
	char port[16], ok = 1, gstr[64];
	union ibv_gid gid;
	size_t len;
	int ret;

	v->cmch = rdma_create_event_channel();
	if (!v->cmch) {
		BM_ERR("rdma_create_event_channel: %s", strerror(errno));
		return -errno;
	}
	snprintf(port, sizeof(port), "%u", c->o->cm_port);
	if (c->server) {
		hints.ai_flags |= AI_PASSIVE;
		ret = getaddrinfo(local_ip(c), port, &hints, &ai);
		if (ret)
			return -EINVAL;
		if (rdma_create_id(v->cmch, &v->lid, NULL, RDMA_PS_TCP) ||
		    rdma_bind_addr(v->lid, ai->ai_addr) ||
		    rdma_listen(v->lid, 1)) {
			ret = -errno;
			BM_ERR("rdma_cm listen on %s port %s: %s",
			       local_ip(c), port,
			       strerror(errno));
			goto out;
		}
		/* Tell the client the listener is up. */
		ret = bm_oob_send(c->oob, 1, &ok, 1);
		if (!ret)
			ret = cm_wait(c, v, RDMA_CM_EVENT_CONNECT_REQUEST, &v->id);
		if (ret)
			goto out;
	} else {
		ret = bm_oob_recv(c->oob, 0, &ok, 1, &len);
		if (ret)
			goto out;
		ret = getaddrinfo(peer_ip(c), port, &hints, &ai);
		if (ret) {
			ret = -EINVAL;
			goto out;
		}
		if (rdma_create_id(v->cmch, &v->id, NULL, RDMA_PS_TCP) ||
		    rdma_resolve_addr(v->id, NULL, ai->ai_addr, c->o->timeout_ms)) {
			ret = -errno;
			BM_ERR("rdma_resolve_addr(%s): %s", peer_ip(c),
			       strerror(errno));
			goto out;
		}
		ret = cm_wait(c, v, RDMA_CM_EVENT_ADDR_RESOLVED, NULL);
		if (ret)
			goto out;
		if (rdma_resolve_route(v->id, c->o->timeout_ms)) {
			ret = -errno;
			goto out;
		}
		ret = cm_wait(c, v, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL);
		if (ret)
			goto out;
	}
	if (strcmp(ibv_get_device_name(v->id->verbs->device), c->dev_name))
		BM_WARN("rdma_cm picked device %s (not %s) for this address",
			ibv_get_device_name(v->id->verbs->device), c->dev_name);
	snprintf(c->dev_name, sizeof(c->dev_name), "%s",
		 ibv_get_device_name(v->id->verbs->device));
	v->port = v->id->port_num;
	ret = vb_alloc(c, v, v->id->verbs);
	if (ret)
		goto out;
	vb_qp_init_attr(c, v, &ia, vb_want_inline(c));
	if (rdma_create_qp(v->id, v->pd, &ia)) {
		vb_qp_init_attr(c, v, &ia, 0);
		if (rdma_create_qp(v->id, v->pd, &ia)) {
			ret = -errno;
			BM_ERR("rdma_create_qp: %s", strerror(errno));
			goto out;
		}
	}
	v->qp = v->id->qp;
	v->max_inline = ia.cap.max_inline_data;
	if (v->op == VB_SEND) {
		ret = vb_post_recv(v, VB_RX_DEPTH);
		if (ret)
			goto out;
	}
	if (c->server) {
		if (rdma_accept(v->id, &cp)) {
			ret = -errno;
			BM_ERR("rdma_accept: %s", strerror(errno));
			goto out;
		}
	} else if (rdma_connect(v->id, &cp)) {
		ret = -errno;
		BM_ERR("rdma_connect: %s", strerror(errno));
		goto out;
	}
	ret = cm_wait(c, v, RDMA_CM_EVENT_ESTABLISHED, NULL);
	if (ret)
		goto out;
	/* rkey and address still travel over the bootstrap channel. */
	v->local = (struct vb_dest){ .qpn = v->qp->qp_num,
				     .rkey = v->mr->rkey,
				     .addr = (uintptr_t)v->buf };
	ret = vb_exchange(c, v);
	if (ret)
		goto out;
	memset(&qa, 0, sizeof(qa));
	ibv_query_qp(v->qp, &qa, IBV_QP_AV | IBV_QP_PATH_MTU, &ia);
	v->gid_index = qa.ah_attr.grh.sgid_index;
	ibv_query_gid(v->id->verbs, v->port, v->gid_index, &gid);
	inet_ntop(AF_INET6, gid.raw, gstr, sizeof(gstr));
	snprintf(c->info, sizeof(c->info),
		 "%s port %d, conn rdma_cm (port %s), GID index %d (chosen by "
		 "rdma_cm: %s), peer QPN 0x%x, MTU %s, inline <= %u B",
		 c->dev_name, v->port, port, v->gid_index, gstr,
		 v->remote.qpn, mtu_str(qa.path_mtu), v->max_inline);
out:
	if (ai)
		freeaddrinfo(ai);
	return ret;
}
#endif

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

/* ---- measurement ------------------------------------------------------ */

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

static int vb_pingpong(struct lat_ctx *c, size_t size, uint64_t warmup,
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

static int vb_stream(struct lat_ctx *c, size_t size, uint64_t iters,
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
	stream_prepare(c, v, size);
	ret = bm_oob_barrier(c->oob);
	if (ret)
		return ret;
	if (c->server)
		return vb_stream_server(c, v, size, iters);
	t0 = bm_now_ns();
	while (done < iters) {
		while (posted < iters && posted - done < window) {
			struct ibv_sge sge = {
				.addr = (uintptr_t)(v->buf + v->max),
				.length = (uint32_t)size, .lkey = v->mr->lkey };
			struct ibv_send_wr wr = {
				.wr_id = posted, .sg_list = &sge, .num_sge = 1,
				.opcode = opc, .send_flags = IBV_SEND_SIGNALED,
			}, *bad;

			if (opc != IBV_WR_SEND) {
				wr.wr.rdma.remote_addr = v->remote.addr;
				wr.wr.rdma.rkey = v->remote.rkey;
			}
			if (opc != IBV_WR_RDMA_READ && size <= v->max_inline)
				wr.send_flags |= IBV_SEND_INLINE;
			ret = ibv_post_send(v->qp, &wr, &bad);
			if (ret) {
				BM_ERR("ibv_post_send: %s", strerror(ret));
				return -ret;
			}
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

#define VB_OPS(n, d)                                                           \
	{ .name = #n, .desc = d, .built = true, .open = vb_open_##n,           \
	  .setup = vb_setup, .pingpong = vb_pingpong, .stream = vb_stream,     \
	  .teardown = vb_teardown }
#else /* !HAVE_VERBS */
#define VB_OPS(n, d)                                                           \
	{ .name = #n, .desc = d, .built = false,                               \
	  .not_built = "not built (configure with -Dverbs=enabled)" }
#endif

const struct lat_transport_ops lat_write_ops =
	VB_OPS(write, "RC RDMA-write ping-pong (polls the last byte)");
const struct lat_transport_ops lat_send_ops =
	VB_OPS(send, "RC send/recv ping-pong (receives pre-posted)");
const struct lat_transport_ops lat_read_ops =
	VB_OPS(read, "RC RDMA-read round trip");
