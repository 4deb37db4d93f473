// SPDX-License-Identifier: MIT
/*
 * Collectives over the bootstrap's star, on its public frame API: every
 * exchange goes through rank 0, and every received length is checked
 * against what the collective expects (-EPROTO otherwise).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "oob.h"

int bm_oob_allgather(struct bm_oob *oob, const void *mine, void *all,
		     size_t len)
{
	char *out = all;
	size_t got;
	int r, ret;

	if (bm_oob_rank(oob) != 0) {
		ret = bm_oob_send(oob, 0, mine, len);
		if (!ret)
			ret = bm_oob_recv(oob, 0, all, len * (size_t)bm_oob_nranks(oob),
					  &got);
		if (!ret && got != len * (size_t)bm_oob_nranks(oob)) {
			BM_ERR("all-gather: rank 0 sent %zu bytes, expected %zu",
			       got, len * (size_t)bm_oob_nranks(oob));
			ret = -EPROTO;
		}
		return ret;
	}
	memcpy(out, mine, len);
	for (r = 1; r < bm_oob_nranks(oob); r++) {
		ret = bm_oob_recv(oob, r, out + (size_t)r * len, len, &got);
		if (ret)
			return ret;
		if (got != len) {
			BM_ERR("all-gather: rank %d sent %zu bytes, expected %zu",
			       r, got, len);
			return -EPROTO;
		}
	}
	for (r = 1; r < bm_oob_nranks(oob); r++) {
		ret = bm_oob_send(oob, r, all, len * (size_t)bm_oob_nranks(oob));
		if (ret)
			return ret;
	}
	return 0;
}

int bm_oob_bcast(struct bm_oob *oob, void *buf, size_t len)
{
	size_t got;
	int r, ret;

	if (bm_oob_rank(oob) != 0) {
		ret = bm_oob_recv(oob, 0, buf, len, &got);
		if (!ret && got != len) {
			BM_ERR("broadcast: got %zu bytes, expected %zu", got, len);
			ret = -EPROTO;
		}
		return ret;
	}
	for (r = 1; r < bm_oob_nranks(oob); r++) {
		ret = bm_oob_send(oob, r, buf, len);
		if (ret)
			return ret;
	}
	return 0;
}

int bm_oob_barrier(struct bm_oob *oob)
{
	char token = 'B', *all;
	int ret;

	all = malloc((size_t)bm_oob_nranks(oob));
	if (!all)
		return -ENOMEM;
	ret = bm_oob_allgather(oob, &token, all, 1);
	free(all);
	return ret;
}
