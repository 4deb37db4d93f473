/* SPDX-License-Identifier: MIT */
/*
 * Local ranks without a launcher: fork N copies of this process, one per
 * rank, and wait for them (what `--local N` of the GPU tools does). The
 * parent only waits; each child returns to the caller and runs as one rank.
 */
#ifndef BM_SPAWN_H
#define BM_SPAWN_H
#include <stdint.h>

struct bm_spawn_cfg {
	int   n;	/* ranks to fork, 1 .. BM_SPAWN_MAX */
	/* Once a rank has failed, the others get this long (ms) to end on
	 * their own (their peers' timeouts) before they are sent SIGTERM. */
	int   grace_ms;
	/* Called in each child right after fork, LOCAL_RANK already set to
	 * the rank: a per-rank environment (#18: NCCL_HOSTID), say. Non-zero
	 * return: the child exits with that status. May be NULL. */
	int (*child_setup)(int rank, void *arg);
	void *arg;	/* for child_setup */
};
#define BM_SPAWN_MAX 1024

/*
 * Fork cfg->n children. In child i: returns 0 with *rank_p = i. In the
 * parent: returns 1 once every child has ended, with *exit_p the worst
 * exit status: any failure (neither 0 nor 77) wins over 77 (skipped), 77
 * over 0; a child killed by a signal counts as 1. If fork fails, the
 * children made so far are stopped and *exit_p is 1. -EINVAL (nothing
 * forked) for a bad n. Call before anything that does not survive fork
 * (CUDA, threads).
 *
 * The parent logs the ranks' pids in rank order (INFO: "N local rank(s),
 * pids by rank: P0 P1 ..."). Stopping ranks: SIGTERM (after grace_ms once one failed, at once when
 * the parent itself gets SIGTERM, SIGINT or SIGHUP, which then count as a
 * failure), then SIGKILL 5 s later for any still alive. A parent that dies
 * outright takes its ranks with it (PR_SET_PDEATHSIG SIGTERM), so no rank
 * outlives a `timeout` that killed the parent.
 */
int bm_spawn_local(const struct bm_spawn_cfg *cfg, int *rank_p, int *exit_p);

/* A free TCP port on 127.0.0.1 (bind port 0, read it, close), 0 if none:
 * racy in principle, fine for ranks that retry their connects. */
uint16_t bm_free_port(void);

#endif
