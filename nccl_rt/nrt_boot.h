/* SPDX-License-Identifier: MIT */
/*
 * The ranks of a GPU tool meeting without MPI, before and beside NCCL: the
 * launch resolved (common/launch.h) and, for more than one rank, the common
 * TCP bootstrap (common/oob.h) to rank 0, whose hello refuses ranks whose
 * tool or params text differs. NCCL's unique id goes over it (nrt_bcast),
 * and so do the tools' barriers and gathers of results. No CUDA here.
 */
#ifndef NRT_BOOT_H
#define NRT_BOOT_H
#include <stddef.h>
#include <stdint.h>

#include "bm.h"
#include "nrt_opts.h"

struct nrt_boot {
	struct nrt_opts	 o;	  /* copy of the options */
	struct bm_launch launch;  /* resolved rank/size/peer/source */
	int		 rank;	  /* this process's rank */
	int		 nranks;  /* ranks in the run */
	struct bm_oob	*oob;	  /* bootstrap; NULL for one rank */
};

/* Zero b, copy o, resolve the launch, set the log prefix, and for more
 * than one rank open the bootstrap (-ECANCELED: other params). */
int  nrt_boot_open(struct nrt_boot *b, const struct nrt_opts *o);
void nrt_boot_close(struct nrt_boot *b);

/* Rank 0's buf[0..len) to all ranks (the ncclUniqueId path). */
int nrt_bcast(struct nrt_boot *b, void *buf, size_t len);
/* Barrier over the bootstrap (no-op for one rank). */
int nrt_barrier(struct nrt_boot *b);
/* len bytes from every rank into all[nranks * len] (one rank: a copy). */
int nrt_allgather(struct nrt_boot *b, const void *mine, void *all,
		  size_t len);
/* *v_p summed over the ranks, on every rank. */
int nrt_sum_u64(struct nrt_boot *b, uint64_t *v_p);

#endif
