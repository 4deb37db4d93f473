// SPDX-License-Identifier: MIT
/*
 * The verbs connection record (ib_lat/tr_verbs_wire.c), without a device:
 * the byte layout (the record ib_lat has always sent: the struct of six
 * 32-bit fields, a 64-bit address and the GID, in network order), a
 * round trip, and -EPROTO for every malformed record a peer could send.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "tr_verbs_wire.h"
#include "bm_test.h"

static const struct vb_dest ref = {
	.qpn = 0x11, .psn = 0xabcdef, .rkey = 0xdeadbeef, .mtu = 3,
	.addr = 0x00007f1234567000ull, .lid = 0, .gid_index = 1,
	.gid = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1 },
};

/* Parse a copy of w with the 32-bit field at off set to v. */
static int with(const uint8_t *w, size_t off, uint32_t v, bool full)
{
	uint8_t b[VB_DEST_WIRE_LEN];
	struct vb_dest d;

	memcpy(b, w, sizeof(b));
	v = htonl(v);
	memcpy(b + off, &v, 4);
	return vb_dest_parse(b, sizeof(b), full, &d, NULL);
}

int main(void)
{
	uint8_t w[VB_DEST_WIRE_LEN], z[16] = { 0 };
	struct {
		uint32_t qpn, psn, rkey, mtu;
		uint64_t addr;
		uint8_t gid[16];
		uint32_t lid, gid_index;
	} old = {
		htonl(ref.qpn), htonl(ref.psn), htonl(ref.rkey), htonl(ref.mtu),
		htobe64(ref.addr), { 0 }, htonl(ref.lid), htonl(ref.gid_index),
	};
	struct vb_dest d = { 0 }, keep = { .qpn = 99 };
	const char *why = NULL;

	memcpy(old.gid, ref.gid, 16);
	EXPECT_EQ(sizeof(old), VB_DEST_WIRE_LEN);
	vb_dest_pack(&ref, w);
	EXPECT(!memcmp(w, &old, sizeof(w)));

	EXPECT_EQ(vb_dest_parse(w, sizeof(w), true, &d, &why), 0);
	EXPECT(!memcmp(&d, &ref, sizeof(d)));
	/* rdma_cm: qpn, rkey, addr; the rest ignored and zeroed */
	EXPECT_EQ(vb_dest_parse(w, sizeof(w), false, &d, NULL), 0);
	EXPECT_EQ(d.qpn, ref.qpn);
	EXPECT_EQ(d.rkey, ref.rkey);
	EXPECT(d.addr == ref.addr);
	EXPECT_EQ(d.psn, 0);
	EXPECT_EQ(d.mtu, 0);
	EXPECT(!memcmp(d.gid, z, 16));

	/* Wrong lengths: -EPROTO, output untouched, a reason. */
	d = keep;
	EXPECT_EQ(vb_dest_parse(w, sizeof(w) - 1, true, &d, &why), -EPROTO);
	EXPECT_STREQ(why, "wrong length");
	EXPECT_EQ(d.qpn, 99);
	EXPECT_EQ(vb_dest_parse(w, 0, false, &d, NULL), -EPROTO);
	EXPECT_EQ(vb_dest_parse(NULL, sizeof(w), true, &d, NULL), -EPROTO);
	EXPECT_EQ(d.qpn, 99);

	/* Fields out of range. */
	EXPECT_EQ(with(w, 0, 0, true), -EPROTO);		/* QP 0 */
	EXPECT_EQ(with(w, 0, 1, false), -EPROTO);		/* QP 1 */
	EXPECT_EQ(with(w, 0, 0x1000000, false), -EPROTO);	/* 25 bits */
	EXPECT_EQ(with(w, 0, 0xffffff, true), 0);
	EXPECT_EQ(with(w, 4, 0x1000000, true), -EPROTO);	/* PSN */
	EXPECT_EQ(with(w, 4, 0x1000000, false), 0);		/* ignored */
	EXPECT_EQ(with(w, 12, 0, true), -EPROTO);		/* MTU */
	EXPECT_EQ(with(w, 12, 6, true), -EPROTO);
	EXPECT_EQ(with(w, 12, 5, true), 0);
	EXPECT_EQ(with(w, 40, 0x10000, true), -EPROTO);		/* LID */
	EXPECT_EQ(with(w, 44, 0x10000, true), -EPROTO);		/* GID index */
	memset(w + 24, 0, 16);
	EXPECT_EQ(vb_dest_parse(w, sizeof(w), true, &d, &why), -EPROTO);
	EXPECT_STREQ(why, "GID is zero");
	EXPECT_EQ(vb_dest_parse(w, sizeof(w), false, &d, NULL), 0);
	return TEST_DONE();
}
