/* SPDX-License-Identifier: MIT */
/*
 * nccl_rt: the NCCL runtime shared by nccl_coll and moe_alltoall. The tools
 * do not call it in order themselves: the harness (harness.h) does, and
 * they fill its struct nrt_tool. What needs no CUDA is apart and tested
 * anywhere: options and --local (nrt_opts.h), the bootstrap (nrt_boot.h),
 * NCCL's environment and log (nrt_log.h), the data-check verdict
 * (nrt_check.h), bf16/fp16 (common/half.h).
 *
 * nrt_init, in order: the bootstrap (rank/size, TCP to rank 0, params
 * compared), NCCL's environment and log file, a GPU (-ENODEV if none: exit
 * 77), cudaSetDevice, a non-blocking stream, the communicator on --net with
 * its path read back from NCCL's log. If --net ib was asked and the path is
 * not IB, path.mismatch is set and nrt_init fails (-EPROTO) unless
 * --allow-fallback; the tool then labels its results.
 *
 * --local-hosts (nrt_mps.h): after cudaSetDevice every rank asks CUDA
 * whether its contexts go through MPS, and the ranks agree over the
 * bootstrap; without MPS nrt_init fails with -ENOTSUP (exit 77, the how-to
 * on rank 0's stderr) unless --allow-time-sliced, which sets
 * mps.time_sliced. After the communicator, NCCL must have connected the
 * ranks over its network transport (-EPROTO otherwise: the host ids did
 * not take), and caveat says what the figures are.
 *
 * Timeouts: one, --timeout (nrt_opts.timeout_ms), for every wait.
 * Communicators are created non-blocking (ncclConfig_t.blocking=0) and
 * polled; an init past the timeout is ncclCommAbort()ed and -ETIMEDOUT
 * returned. Calls that answer ncclInProgress are waited out
 * (nrt_call_done), nrt_sync() does the same for a stream (a rank that died
 * mid-run shows up there: NCCL's error, or the deadline), and
 * nrt_comm_close()'s finalize too: nothing hangs past --timeout.
 *
 * After a failed wait the communicator is aborted by the caller, in this
 * order: the CUDA graphs that captured it are destroyed first (an
 * in-flight graph is freed when its kernels end), then ncclCommAbort ends
 * the kernels still waiting for the dead peer, then the buffers are freed
 * (a cudaFree would wait for those kernels). NCCL frees the communicator
 * on abort, and a captured graph's destructor writes into it
 * (enqueue.cc:1369, persistentDestructor), so no graph may outlive it.
 * The harness does the abort (harness.h).
 *
 * Everything returns 0 or -errno and logs once with BM_ERR (rank prefix).
 */
#ifndef NCCL_RT_H
#define NCCL_RT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>
#include <nccl.h>

#include "bm.h"
#include "half.h"
#include "nrt_boot.h"
#include "nrt_log.h"
#include "nrt_mps.h"
#include "nrt_opts.h"

/* Log a CUDA/NCCL failure with the call text, then run the given statement
 * (e.g. `ret = -EIO; goto out`). ncclInProgress is not a failure. */
#define CUDA_CHECK(call, on_err)                                              \
	do {                                                                   \
		cudaError_t e_ = (call);                                       \
		if (e_ != cudaSuccess) {                                       \
			BM_ERR("%s: %s (%s)", #call, cudaGetErrorString(e_),   \
			       cudaGetErrorName(e_));                          \
			on_err;                                                \
		}                                                              \
	} while (0)
#define NCCL_CHECK(call, on_err)                                              \
	do {                                                                   \
		ncclResult_t r_ = (call);                                      \
		if (r_ != ncclSuccess && r_ != ncclInProgress) {               \
			BM_ERR("%s: %s (%s)", #call, ncclGetErrorString(r_),   \
			       ncclGetLastError(NULL));                        \
			on_err;                                                \
		}                                                              \
	} while (0)

/* One communicator with its proof of path. */
struct nrt_comm {
	ncclComm_t	comm;	    /* NULL when closed */
	enum nrt_net	net;	    /* what was asked */
	struct nrt_path path;	    /* what NCCL did */
	double		init_ms;    /* ncclCommInitRankConfig wall time */
	int		timeout_ms; /* --timeout: init, finalize, sync */
};

struct nrt_ctx {
	struct nrt_boot	  boot;	       /* options, rank/size, bootstrap */
	int		  device;      /* CUDA device in use, -1 none */
	cudaStream_t	  stream;      /* non-blocking stream for the tool */
	struct nrt_comm	  comm;	       /* the main communicator (--net) */
	struct nrt_log	  log;	       /* NCCL's log file, read as we go */
	char		  gpu_name[256];
	char		  pci_bus_id[32];
	int		  cuda_runtime, cuda_driver; /* e.g. 13000 */
	int		  nccl_version;	/* ncclGetVersion, e.g. 22809 */
	int		  gdr_attr;    /* cudaDevAttrGPUDirectRDMASupported:
					* 1, 0; -1 unknown */
	json_t		 *findings;    /* diag_nccl's findings (meta.warnings),
					* NULL: single rank, none checked */
	struct nrt_mps	  mps;	       /* MPS as seen (nrt_mps.h) */
	/* --local-hosts: what the figures are (nrt_local_hosts_caveat);
	 * "" otherwise */
	char		  caveat[192];
};

/*
 * Everything up to a working communicator (see the top). On error
 * everything already made is undone; on success nrt_fini() undoes it.
 */
int  nrt_init(struct nrt_ctx *c, const struct nrt_opts *o);
/* Another communicator over the same ranks on another network
 * (ncclConfig_t.netName), e.g. for --compare; its path verified too. */
int  nrt_comm_open(struct nrt_ctx *c, enum nrt_net net, struct nrt_comm *nc);
/* abort: ncclCommAbort (after an error) instead of Finalize+Destroy. */
void nrt_comm_close(struct nrt_comm *nc, bool abort);
void nrt_fini(struct nrt_ctx *c);

/* meta: nccl_version, cuda_runtime, cuda_driver, gpu, pci_bus_id, rank
 * info, launch source, net asked, transport used (path), gpudirect_rdma
 * (what this run observed: nrt_gdr_json), warnings, mps (nrt_mps_json),
 * figures_are_latencies, nccl_tuning_log; with --local-hosts also
 * local_hosts, nccl_hostid (rank 0's) and same_machine_caveat. */
void nrt_meta(struct nrt_ctx *c, struct bm_out *out);
/* A path as a JSON object (for --compare rows or meta). */
json_t *nrt_path_json(const struct nrt_comm *nc);

/*
 * Wait for stream to drain, polling cudaStreamQuery and the communicator's
 * async error: 0, -ETIMEDOUT past timeout_ms (<= 0: --timeout), -EIO on an
 * NCCL/CUDA error. It does not abort the communicator: the caller destroys
 * its graphs, then aborts (see the top).
 */
int nrt_sync(struct nrt_ctx *c, struct nrt_comm *nc, cudaStream_t s,
	     int timeout_ms);

/* A call on a non-blocking communicator may answer ncclInProgress: wait it
 * out (at most timeout_ms) before the next call. 0, -ETIMEDOUT or -EIO
 * (logged with what). */
int nrt_call_done(ncclComm_t comm, ncclResult_t r, const char *what,
		  int timeout_ms);
/* nrt_call_done on the main communicator with --timeout. */
static inline int nrt_done(struct nrt_ctx *c, ncclResult_t r,
			   const char *what)
{
	return nrt_call_done(c->comm.comm, r, what, c->boot.o.timeout_ms);
}

/* ---- timing helpers ---- */

/* A launch function: enqueues one operation on s. 0 or -errno. */
typedef int (*nrt_launch_fn)(void *arg, cudaStream_t s);

/* Capture `reps` calls of fn into a CUDA graph (relaxed capture mode, as
 * vLLM/PyTorch capture NCCL) and instantiate it. */
int  nrt_graph_capture(struct nrt_ctx *c, nrt_launch_fn fn, void *arg,
		       int reps, cudaGraphExec_t *exec_p);
void nrt_graph_destroy(cudaGraphExec_t exec);

/* Elapsed GPU time between two recorded events, in microseconds. */
int nrt_event_us(cudaEvent_t a, cudaEvent_t b, double *us_p);

#endif
