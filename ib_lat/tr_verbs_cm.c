// SPDX-License-Identifier: MIT
/*
 * Connecting the RC QP with librdmacm (-R): the server listens on the
 * bootstrap connection's local address, port -p + 1, and tells the client
 * over the bootstrap once it listens, so the client never connects to a
 * listener that is not there yet; rdma_cm picks the device, the GID and
 * the path MTU. The rkey and buffer address still travel over the
 * bootstrap (vb_exchange).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tr_verbs.h"

#if HAVE_VERBS && HAVE_RDMACM
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

int vb_connect_cm(struct lat_ctx *c, struct vb *v)
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
		ret = getaddrinfo(vb_local_ip(c), port, &hints, &ai);
		if (ret)
			return -EINVAL;
		if (rdma_create_id(v->cmch, &v->lid, NULL, RDMA_PS_TCP) ||
		    rdma_bind_addr(v->lid, ai->ai_addr) ||
		    rdma_listen(v->lid, 1)) {
			ret = -errno;
			BM_ERR("rdma_cm listen on %s port %s: %s",
			       vb_local_ip(c), port,
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
		ret = getaddrinfo(vb_peer_ip(c), port, &hints, &ai);
		if (ret) {
			ret = -EINVAL;
			goto out;
		}
		if (rdma_create_id(v->cmch, &v->id, NULL, RDMA_PS_TCP) ||
		    rdma_resolve_addr(v->id, NULL, ai->ai_addr, c->o->timeout_ms)) {
			ret = -errno;
			BM_ERR("rdma_resolve_addr(%s): %s", vb_peer_ip(c),
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
	ret = vb_exchange(c, v, false);
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
		 v->remote.qpn, vb_mtu_str(qa.path_mtu), v->max_inline);
out:
	if (ai)
		freeaddrinfo(ai);
	return ret;
}
#endif
