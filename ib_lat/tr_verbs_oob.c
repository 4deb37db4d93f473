// SPDX-License-Identifier: MIT
/*
 * Connecting the RC QP by hand, rc_pingpong style: each side sends its
 * record (tr_verbs_wire.h) over the bootstrap channel, checks the peer's,
 * and walks its QP through INIT, RTR and RTS with the peer's QPN, PSN and
 * GID. The GID index is -x, or the RoCE v2 IPv4 GID of the netdev that
 * routes to the peer. rdma_cm (tr_verbs_cm.c) swaps its rkey and address
 * the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tr_verbs.h"

#if HAVE_VERBS
int vb_exchange(struct lat_ctx *c, struct vb *v, bool full)
{
	uint8_t all[2][VB_DEST_WIRE_LEN];
	const char *why = "";
	int ret;

	vb_dest_pack(&v->local, all[c->server ? 0 : 1]);
	ret = bm_oob_allgather(c->oob, all[c->server ? 0 : 1], all,
			       VB_DEST_WIRE_LEN);
	if (ret) {
		BM_ERR("exchange of QP records failed: %s", strerror(-ret));
		return ret;
	}
	ret = vb_dest_parse(all[c->server ? 1 : 0], VB_DEST_WIRE_LEN, full,
			    &v->remote, &why);
	if (ret)
		BM_ERR("the peer's QP record is malformed: %s", why);
	return ret;
}

const char *vb_peer_ip(struct lat_ctx *c)
{
	static char b[96];

	return lat_host_of(bm_oob_peer_addr(c->oob, c->server ? 1 : 0), b,
			   sizeof(b));
}

const char *vb_local_ip(struct lat_ctx *c)
{
	static char b[96];

	return lat_host_of(bm_oob_local_addr(c->oob, c->server ? 1 : 0), b,
			   sizeof(b));
}

int vb_connect_oob(struct lat_ctx *c, struct vb *v)
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
		ret = diag_gid_autopick(c->dev_name, v->port, vb_peer_ip(c), why,
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
	ret = vb_exchange(c, v, true);
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
		 vb_mtu_str(mtu), v->max_inline);
	return 0;
}

#endif
