/* SPDX-License-Identifier: MIT */
/*
 * Rank, size and rendezvous for multi-process GPU tools (nccl_coll,
 * moe_alltoall), without MPI. First match wins:
 *   1. options: --rank R --nranks N --peer HOST:PORT
 *   2. NETROOF_RANK / NETROOF_NRANKS / NETROOF_PEER
 *   3. torchrun: RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT
 *   4. Slurm srun: SLURM_PROCID / SLURM_NTASKS; rank 0's address from
 *      NETROOF_PEER, MASTER_ADDR/MASTER_PORT, else the first node of
 *      SLURM_STEP_NODELIST, SLURM_NODELIST or SLURM_JOB_NODELIST (Slurm's
 *      hostlist syntax; the port from MASTER_PORT or the default)
 *   5. Open MPI: OMPI_COMM_WORLD_RANK / OMPI_COMM_WORLD_SIZE
 *   6. PMI: PMI_RANK / PMI_SIZE
 *   7. none: a single rank (nranks 1).
 * The local GPU index comes from LOCAL_RANK, SLURM_LOCALID,
 * OMPI_COMM_WORLD_LOCAL_RANK or MPI_LOCALRANKID, else rank % ngpus.
 */
#ifndef BM_LAUNCH_H
#define BM_LAUNCH_H
#include <stddef.h>
#include <stdint.h>

#define BM_HOST_MAX	256		/* host name buffer, with the NUL */
#define BM_HOSTLIST_MAX (1u << 24)	/* hosts in one Slurm host list */

struct bm_launch {
	int	    rank;
	int	    nranks;
	int	    local_rank;	/* -1: unknown */
	char	    host[BM_HOST_MAX]; /* rank 0's address ("" for nranks 1) */
	uint16_t    port;	/* rank 0's bootstrap port */
	const char *source;	/* "options", "netroof", "torchrun", "slurm",
				 * "openmpi", "pmi", "single" */
	const char *peer_from;	/* what gave host: "--peer", "NETROOF_PEER",
				 * "MASTER_ADDR", "SLURM_NODELIST"...; "" */
};

/* Options override the environment (NULL/-1 for "not given").
 * env is a getenv-like function (tests pass their own); NULL: getenv. */
int bm_launch_resolve(int opt_rank, int opt_nranks, const char *opt_peer,
		      uint16_t default_port, char *(*env)(const char *),
		      struct bm_launch *l_p);
/* Slurm host lists: comma-separated expressions, each text and bracket
 * groups of numbers and ranges ("gb10-[01-04,07],spark[1-2]",
 * "rack[1-2]-n[01-02]"); a range keeps the zero padding of its lower
 * bound; the leftmost group varies slowest. Host characters are
 * [A-Za-z0-9._-], a host is shorter than BM_HOST_MAX, a list has at most
 * BM_HOSTLIST_MAX hosts. -EINVAL malformed, -ERANGE too large, -ENOENT
 * (nth) past the end. Nothing is expanded into memory. */
int bm_hostlist_count(const char *list, size_t *n_p);
int bm_hostlist_nth(const char *list, size_t n, char *host, size_t len);
/* "host:port" (IPv6 in brackets) into parts. */
int bm_parse_hostport(const char *s, char *host, size_t hostlen,
		      uint16_t *port_p);

#endif
