/* SPDX-License-Identifier: MIT */
/*
 * The verbs connection record two ib_lat sides swap over the bootstrap
 * channel (rc_pingpong's lid:qpn:psn:gid, plus what RDMA needs: rkey and
 * buffer address). It needs no verbs headers, so the parser can be tested
 * and fuzzed on a machine without RDMA.
 *
 * Wire format: 48 bytes, every integer big-endian:
 *   0 qpn  4 psn  8 rkey  12 mtu (enum ibv_mtu: 1 = 256 .. 5 = 4096)
 *   16 addr (8 bytes)  24 gid (16 bytes)  40 lid  44 gid_index
 * With rdma_cm only qpn, rkey and addr are meaningful (rdma_cm carried the
 * rest); the other fields are sent as zero and ignored.
 */
#ifndef LAT_TR_VERBS_WIRE_H
#define LAT_TR_VERBS_WIRE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VB_DEST_WIRE_LEN 48

/* One side's record, host byte order. */
struct vb_dest {
	uint32_t qpn;		/* RC QP number, 24 bits, not 0 or 1 */
	uint32_t psn;		/* first packet sequence number, 24 bits */
	uint32_t rkey;		/* remote key of the registered buffer */
	uint32_t mtu;		/* active path MTU, enum ibv_mtu (1..5) */
	uint64_t addr;		/* buffer address in the peer's space */
	uint8_t	 gid[16];	/* port GID used (RoCE: the IP), not zero */
	uint32_t lid;		/* port LID (InfiniBand), 16 bits */
	uint32_t gid_index;	/* GID index used, for the printout */
};

/* Write d in wire format to out. */
void vb_dest_pack(const struct vb_dest *d, uint8_t out[VB_DEST_WIRE_LEN]);
/*
 * Read a peer's record from buf (len bytes) into *d_p. full: a record for
 * the manual (OOB) connection, every field checked; else an rdma_cm
 * record (qpn, rkey, addr; the rest zeroed). -EPROTO on a malformed
 * record (wrong length, a field out of its range), with a reason in
 * *why_p if why_p is not NULL; *d_p is untouched then.
 */
int  vb_dest_parse(const void *buf, size_t len, bool full,
		   struct vb_dest *d_p, const char **why_p);

#endif
