// SPDX-License-Identifier: MIT
/* The ranks' bootstrap without NCCL (see nrt_boot.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nrt_boot.h"

int nrt_boot_open(struct nrt_boot *b, const struct nrt_opts *o)
{
	const char *tool = o->tool ? o->tool : "nccl_rt";
	struct bm_oob_cfg cfg;
	int ret;

	memset(b, 0, sizeof(*b));
	b->o = *o;
	ret = bm_launch_resolve(o->rank, o->nranks, o->peer, o->port, NULL,
				&b->launch);
	if (ret)
		return ret;
	b->rank = b->launch.rank;
	b->nranks = b->launch.nranks;
	bm_log_init(tool, b->nranks > 1 ? b->rank : -1);
	if (b->nranks == 1)
		return 0;
	cfg = (struct bm_oob_cfg){
		.rank = b->rank,
		.nranks = b->nranks,
		.host = b->launch.host,
		.bind = o->bind,
		.port = b->launch.port,
		.timeout_ms = o->timeout_ms,
		.tool = tool,
		.params = o->params ? o->params : "",
	};
	ret = bm_oob_open(&cfg, &b->oob);
	if (ret) {
		if (ret == BM_OOB_EMISMATCH)
			BM_ERR("ranks were started with different parameters; "
			       "refusing to run");
		else
			BM_ERR("bootstrap (rank %d of %d, rank 0 at %s:%u, "
			       "from %s) failed: %s", b->rank, b->nranks,
			       b->launch.host[0] ? b->launch.host : "*",
			       (unsigned)b->launch.port, b->launch.source,
			       strerror(-ret));
		b->oob = NULL;
		return ret;
	}
	return 0;
}

void nrt_boot_close(struct nrt_boot *b)
{
	if (b->oob)
		bm_oob_close(b->oob);
	b->oob = NULL;
}

int nrt_bcast(struct nrt_boot *b, void *buf, size_t len)
{
	if (!b->oob)
		return 0;
	return bm_oob_bcast(b->oob, buf, len);
}

int nrt_barrier(struct nrt_boot *b)
{
	return b->oob ? bm_oob_barrier(b->oob) : 0;
}

int nrt_allgather(struct nrt_boot *b, const void *mine, void *all,
		  size_t len)
{
	if (!b->oob) {
		memmove(all, mine, len);
		return 0;
	}
	return bm_oob_allgather(b->oob, mine, all, len);
}

int nrt_sum_u64(struct nrt_boot *b, uint64_t *v_p)
{
	uint64_t *all, sum = 0;
	int r, ret;

	if (!b->oob)
		return 0;
	all = calloc((size_t)b->nranks, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = bm_oob_allgather(b->oob, v_p, all, sizeof(*all));
	for (r = 0; !ret && r < b->nranks; r++)
		sum += all[r];
	free(all);
	if (!ret)
		*v_p = sum;
	return ret;
}
