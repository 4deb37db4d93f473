// SPDX-License-Identifier: MIT
/*
 * The verbs connection record on the wire (see tr_verbs_wire.h): packing,
 * and parsing a peer's bytes, which are checked before anything uses them.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "tr_verbs_wire.h"

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

void vb_dest_pack(const struct vb_dest *d, uint8_t out[VB_DEST_WIRE_LEN])
{
	uint64_t a = htobe64(d->addr);

	put32(out + 0, d->qpn);
	put32(out + 4, d->psn);
	put32(out + 8, d->rkey);
	put32(out + 12, d->mtu);
	memcpy(out + 16, &a, 8);
	memcpy(out + 24, d->gid, 16);
	put32(out + 40, d->lid);
	put32(out + 44, d->gid_index);
}

#define BAD(why)                                                               \
	do {                                                                   \
		if (why_p)                                                     \
			*why_p = (why);                                        \
		return -EPROTO;                                                \
	} while (0)

int vb_dest_parse(const void *buf, size_t len, bool full,
		  struct vb_dest *d_p, const char **why_p)
{
	static const uint8_t zero[16];
	const uint8_t *p = buf;
	struct vb_dest d = { 0 };
	uint64_t a;

	if (!buf || len != VB_DEST_WIRE_LEN)
		BAD("wrong length");
	d.qpn = get32(p + 0);
	d.rkey = get32(p + 8);
	memcpy(&a, p + 16, 8);
	d.addr = be64toh(a);
	/* QPs 0 and 1 are the special ones; an RC QPN has 24 bits. */
	if (d.qpn < 2 || d.qpn > 0xffffff)
		BAD("QP number out of range");
	if (full) {
		d.psn = get32(p + 4);
		d.mtu = get32(p + 12);
		memcpy(d.gid, p + 24, 16);
		d.lid = get32(p + 40);
		d.gid_index = get32(p + 44);
		if (d.psn > 0xffffff)
			BAD("PSN wider than 24 bits");
		/* IBV_MTU_256 .. IBV_MTU_4096 */
		if (d.mtu < 1 || d.mtu > 5)
			BAD("MTU not one of 256..4096");
		if (d.lid > 0xffff)
			BAD("LID wider than 16 bits");
		if (d.gid_index > 0xffff)
			BAD("GID index out of range");
		if (!memcmp(d.gid, zero, 16))
			BAD("GID is zero");
	}
	*d_p = d;
	return 0;
}
