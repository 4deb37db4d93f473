/* SPDX-License-Identifier: MIT */
/*
 * Rank, size and rendezvous for multi-process GPU tools (nccl_coll,
 * moe_alltoall), without MPI. First match wins:
 *   1. options: --rank R --nranks N --peer HOST:PORT
 *   2. NETROOF_RANK / NETROOF_NRANKS / NETROOF_PEER
 *   3. torchrun: RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT
 *   4. Slurm srun: SLURM_PROCID / SLURM_NTASKS (+ NETROOF_PEER or
 *      MASTER_ADDR/MASTER_PORT for rank 0's address)
 *   5. Open MPI: OMPI_COMM_WORLD_RANK / OMPI_COMM_WORLD_SIZE
 *   6. PMI: PMI_RANK / PMI_SIZE
 *   7. none: a single rank (nranks 1).
 * The local GPU index comes from LOCAL_RANK, SLURM_LOCALID,
 * OMPI_COMM_WORLD_LOCAL_RANK or MPI_LOCALRANKID, else rank % ngpus.
 */
#ifndef BM_LAUNCH_H
#define BM_LAUNCH_H
#include <stdint.h>

struct bm_launch {
	int	    rank;
	int	    nranks;
	int	    local_rank;	/* -1: unknown */
	char	    host[256];	/* rank 0's address ("" for nranks 1) */
	uint16_t    port;	/* rank 0's bootstrap port */
	const char *source;	/* "options", "netroof", "torchrun", "slurm",
				 * "openmpi", "pmi", "single" */
};

/* Options override the environment (NULL/-1 for "not given").
 * env is a getenv-like function (tests pass their own); NULL: getenv. */
int bm_launch_resolve(int opt_rank, int opt_nranks, const char *opt_peer,
		      uint16_t default_port, char *(*env)(const char *),
		      struct bm_launch *l_p);
/* "host:port" (IPv6 in brackets) into parts. */
int bm_parse_hostport(const char *s, char *host, size_t hostlen,
		      uint16_t *port_p);

#endif
