// SPDX-License-Identifier: MIT
/*
 * ib_lat's verbs connection record as a peer sends it (vb_dest_parse),
 * both forms: the manual (OOB) connection's full record and rdma_cm's.
 *   input: the bytes the peer sent (a record is 48)
 * Invariants: only 48 bytes can parse; a rejected record leaves the output
 * untouched and says why; an accepted one has every field in its range
 * (QPN 2..2^24-1; full: PSN 24 bits, MTU 1..5, LID 16 bits, GID index
 * 16 bits, GID not zero) and packs back to exactly the bytes received
 * (full) or to its QPN, rkey and address with the rest zero (rdma_cm); a
 * full record that parses also parses as rdma_cm's, with the same QPN,
 * rkey and address.
 */
#include <errno.h>

#include "fuzz.h"
#include "tr_verbs_wire.h"

static void check(const uint8_t *data, size_t size, bool full,
		  struct vb_dest *d)
{
	static const uint8_t zero[16];
	struct vb_dest keep, mark;
	uint8_t back[VB_DEST_WIRE_LEN];
	const char *why = NULL;
	int ret;

	memset(&mark, 0xa5, sizeof(mark));
	keep = mark;
	*d = mark;
	ret = vb_dest_parse(data, size, full, d, &why);
	if (ret) {
		FUZZ_CHECK(ret == -EPROTO);
		FUZZ_CHECK(why && *why);
		FUZZ_CHECK(!memcmp(d, &keep, sizeof(*d)));
		return;
	}
	FUZZ_CHECK(size == VB_DEST_WIRE_LEN);
	FUZZ_CHECK(d->qpn >= 2 && d->qpn <= 0xffffff);
	vb_dest_pack(d, back);
	if (full) {
		FUZZ_CHECK(d->psn <= 0xffffff);
		FUZZ_CHECK(d->mtu >= 1 && d->mtu <= 5);
		FUZZ_CHECK(d->lid <= 0xffff && d->gid_index <= 0xffff);
		FUZZ_CHECK(memcmp(d->gid, zero, 16));
		FUZZ_CHECK(!memcmp(back, data, VB_DEST_WIRE_LEN));
	} else {
		FUZZ_CHECK(!d->psn && !d->mtu && !d->lid && !d->gid_index &&
			   !memcmp(d->gid, zero, 16));
		FUZZ_CHECK(!memcmp(back, data, 4) &&
			   !memcmp(back + 8, data + 8, 4) &&
			   !memcmp(back + 16, data + 16, 8));
		FUZZ_CHECK(!memcmp(back + 4, zero, 4) &&
			   !memcmp(back + 12, zero, 4) &&
			   !memcmp(back + 24, zero, 16) &&
			   !memcmp(back + 40, zero, 8));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_dest full, cm;

	check(data, size, true, &full);
	check(data, size, false, &cm);
	if (!vb_dest_parse(data, size, true, &full, NULL))
		FUZZ_CHECK(!vb_dest_parse(data, size, false, &cm, NULL) &&
			   cm.qpn == full.qpn && cm.rkey == full.rkey &&
			   cm.addr == full.addr);
	/* a record cut short or padded is refused */
	if (size > VB_DEST_WIRE_LEN)
		FUZZ_CHECK(vb_dest_parse(data, VB_DEST_WIRE_LEN + 1, true,
					 &full, NULL) == -EPROTO);
	if (size >= 1)
		FUZZ_CHECK(vb_dest_parse(data, size < VB_DEST_WIRE_LEN ?
					 size - 1 : VB_DEST_WIRE_LEN - 1,
					 false, &cm, NULL) == -EPROTO);
	return 0;
}
