/* SPDX-License-Identifier: MIT */
/*
 * The RC verbs transports' shared state, split by concern:
 *   tr_verbs.c          core: device open, PD/MR/CQ, post and poll, the
 *                       ops tables (and their stubs without verbs)
 *   tr_verbs_wire.c     the connection record on the wire (no verbs)
 *   tr_verbs_oob.c      connection by swapping records over common/oob
 *   tr_verbs_cm.c       connection by librdmacm (-R)
 *   tr_verbs_measure.c  ping-pong and streaming
 *
 * Buffer: one registered region of 2 * max bytes. [0, max) is the target
 * (remote writes, receives, remote reads); [max, 2*max) is the local
 * source (writes, sends) and the read destination.
 */
#ifndef LAT_TR_VERBS_H
#define LAT_TR_VERBS_H
#include "config.h"
#include "transport.h"
#include "tr_verbs_wire.h"

#if HAVE_VERBS
#include <infiniband/verbs.h>
#if HAVE_RDMACM
#include <rdma/rdma_cma.h>
#endif

enum vb_op { VB_WRITE, VB_SEND, VB_READ };

#define VB_SIG_EVERY	  32	/* every Nth send signalled (ping-pong) */
#define VB_RX_DEPTH	  512	/* receives posted ahead */
#define VB_SQ_DEPTH	  512	/* send queue and send CQ depth */
#define VB_DEFAULT_INLINE 220	/* -I default, bytes */

struct vb {
	enum vb_op		 op;
	struct ibv_context	*ctx;		/* from vb_open (OOB) */
	struct ibv_pd		*pd;
	struct ibv_mr		*mr;
	struct ibv_comp_channel *ch;		/* --events only */
	struct ibv_cq		*scq, *rcq;
	struct ibv_qp		*qp;
	char			*buf;		/* 2 * max bytes, registered */
	size_t			 max;		/* bytes per region */
	int			 port;
	int			 gid_index;
	uint32_t		 max_inline;	/* what the QP accepted */
	struct ibv_port_attr	 pattr;
	struct vb_dest		 local, remote;	/* host byte order */
	uint64_t		 nposted;	/* sends posted, for signalling */
	bool			 sig_pending;	/* a signalled WR not yet polled */
	uint64_t		 seq;		/* write ping-pong tag counter */
#if HAVE_RDMACM
	struct rdma_event_channel *cmch;
	struct rdma_cm_id	  *lid, *id;	/* listener (server), connection */
#endif
};

/* tr_verbs.c */
const char *vb_mtu_str(int m);
/* PD, MR, CQs (and the completion channel with --events) on ctx. */
int  vb_alloc(struct lat_ctx *c, struct vb *v, struct ibv_context *ctx);
/* RC QP attributes with inl inline bytes. */
void vb_qp_init_attr(struct lat_ctx *c, struct vb *v,
		     struct ibv_qp_init_attr *a, uint32_t inl);
uint32_t vb_want_inline(struct lat_ctx *c);
/* n receives of the whole target region. */
int  vb_post_recv(struct vb *v, unsigned n);
/* One completion from cq (busy poll or the channel), within --timeout. */
int  vb_poll(struct lat_ctx *c, struct vb *v, struct ibv_cq *cq,
	     struct ibv_wc *wc);
/* Post one send/write/read of size bytes from the source region; every
 * VB_SIG_EVERYth is signalled (the previous one polled first), or this
 * one if force_signal (its completion is the caller's to poll). */
int  vb_post(struct lat_ctx *c, struct vb *v, enum ibv_wr_opcode opc,
	     size_t size, bool force_signal);
/* Poll the signalled send still pending, if any. */
int  vb_drain(struct lat_ctx *c, struct vb *v);

/* tr_verbs_oob.c */
/* The peer's and this side's address on the bootstrap connection. */
const char *vb_peer_ip(struct lat_ctx *c);
const char *vb_local_ip(struct lat_ctx *c);
/* Swap v->local for v->remote over the bootstrap (full: OOB record). */
int  vb_exchange(struct lat_ctx *c, struct vb *v, bool full);
int  vb_connect_oob(struct lat_ctx *c, struct vb *v);

/* tr_verbs_cm.c */
int  vb_connect_cm(struct lat_ctx *c, struct vb *v);

/* tr_verbs_measure.c */
int  vb_pingpong(struct lat_ctx *c, size_t size, uint64_t warmup,
		 uint64_t iters, double *rtt);
int  vb_stream(struct lat_ctx *c, size_t size, uint64_t iters,
	       unsigned window, double *secs_p);
#endif /* HAVE_VERBS */

#endif
