/* SPDX-License-Identifier: MIT */
/*
 * nccl_rt: the NCCL runtime shared by nccl_coll and moe_alltoall.
 *
 * What it does, in call order (see nccl_coll.c for a complete user):
 *
 *   struct nrt_opts no = NRT_OPTS_INIT;        defaults
 *   ... getopt loop: bm_common_opt(), then nrt_opt(&no, key, optarg) for the
 *       NRT_OPTS fragment (keys NRT_KEY_*, range 400..449), then the tool's
 *       own keys (BM_KEY_TOOL.. 399).
 *   nrt_opts_from_common(&no, &common);         -p, --bind, --timeout
 *   ret = nrt_launch(&no, &exit_code);          --local N: forks N ranks;
 *       if (ret > 0) return exit_code;          parent: children are done
 *   nrt_print_launch(&no, stdout) if --print-launch (no GPU touched)
 *   no.tool = "nccl_coll"; no.params = canonical params text (bm_params_text)
 *   ret = nrt_init(&ctx, &no);                  rank/size, oob, GPU, comm
 *       -ENODEV: no GPU (exit 77); -ECANCELED: params differ across ranks
 *   nrt_meta(&ctx, out);                        versions, GPU, transport
 *   ... ncclAllReduce(..., ctx.comm.comm, ctx.stream) / nrt_sync(&ctx, ...)
 *   nrt_fini(&ctx);
 *
 * Rank and size: bm_launch_resolve() (options, NETROOF_*, torchrun, Slurm,
 * Open MPI, PMI; see common/launch.h). The ncclUniqueId is made by rank 0 and
 * sent with bm_oob_bcast() over the common TCP bootstrap, whose hello refuses
 * ranks whose params text differs.
 *
 * Network selection (--net), applied to the environment before the first
 * NCCL call, unless the variable is already set by the user (then it is left
 * alone and reported):
 *   ib:     NCCL_NET=IB, NCCL_IB_DISABLE=0 (+ NCCL_IB_HCA=--ib-hca,
 *           NCCL_IB_GID_INDEX=--ib-gid)
 *   socket: NCCL_NET=Socket, NCCL_IB_DISABLE=1
 *   auto:   nothing (NCCL picks)
 *   NCCL_SOCKET_IFNAME=--socket-ifname for any of them.
 * NCCL_RUNTIME_CONNECT=0 is set (unless given) so that every connection is
 * made inside ncclCommInitRank and the log proves the path before timing.
 *
 * Transport verification: NCCL_DEBUG=INFO, NCCL_DEBUG_SUBSYS=INIT,NET,GRAPH,
 * ENV (+TUNING,COLL with --nccl-coll-log: per-call lines, which slow eager
 * launches by a write() each, so off by default) and NCCL_DEBUG_FILE=<tmp>/nrt.%h.%p.log
 * are set (unless the user set NCCL_DEBUG_FILE: that file is read instead).
 * After each communicator's init the new part of the log is parsed:
 * "via NET/IB", "via NET/Socket", "via P2P", "via SHM", "Using network X",
 * "GDRDMA". The result is struct nrt_path. If --net ib was asked and the
 * path is not IB, nrt_init warns loudly and path.mismatch is set; the tool
 * must then not label its results IB (nccl_coll exits 1 unless --allow-
 * fallback). One rank: "none/intra-process".
 *
 * Timeouts: one, --timeout, for every wait. Communicators are created
 * non-blocking (ncclConfig_t.blocking=0) and polled; past --timeout the
 * communicator is ncclCommAbort()ed and -ETIMEDOUT returned. Calls that
 * answer ncclInProgress are waited out as long (nrt_call_done), nrt_sync()
 * does the same for a stream (a rank that died mid-run shows up there), and
 * nrt_comm_close()'s finalize too, so nothing hangs past --timeout.
 *
 * Everything returns 0 or -errno and logs once with BM_ERR (rank prefix).
 */
#ifndef NCCL_RT_H
#define NCCL_RT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cuda_runtime_api.h>
#include <nccl.h>

#include "bm.h"

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

enum nrt_net {
	NRT_NET_AUTO = 0,	/* NCCL chooses */
	NRT_NET_IB,		/* IB/RoCE verbs transport ("IB") */
	NRT_NET_SOCKET,		/* TCP socket transport ("Socket") */
};
const char *nrt_net_name(enum nrt_net n);	/* "auto", "ib", "socket" */
/* NCCL's name for ncclConfig_t.netName: NULL, "IB", "Socket". */
const char *nrt_net_nccl_name(enum nrt_net n);

/* Long-only option keys of the NRT_OPTS fragment. */
enum {
	NRT_KEY_RANK = 400,
	NRT_KEY_NRANKS,
	NRT_KEY_PEER,
	NRT_KEY_LOCAL,
	NRT_KEY_NET,
	NRT_KEY_IB_HCA,
	NRT_KEY_IB_GID,
	NRT_KEY_SOCKET_IFNAME,
	NRT_KEY_DEVICE,
	NRT_KEY_PRINT_LAUNCH,
	NRT_KEY_ALLOW_FALLBACK,
	NRT_KEY_NCCL_COLL_LOG,
	NRT_KEY_END = 450,
};

#define NRT_OPTS                                                               \
	{ "rank", NRT_KEY_RANK, "R", "this process's rank (else from env)" },  \
	{ "nranks", NRT_KEY_NRANKS, "N", "number of ranks (else from env)" },  \
	{ "peer", NRT_KEY_PEER, "HOST:PORT", "rank 0's bootstrap address" },   \
	{ "local", NRT_KEY_LOCAL, "N", "fork N ranks on this host, one per GPU" }, \
	{ "net", NRT_KEY_NET, "ib|socket|auto", "NCCL network transport (default auto)" }, \
	{ "ib-hca", NRT_KEY_IB_HCA, "LIST", "NCCL_IB_HCA (list both PCIe halves on GB10)" }, \
	{ "ib-gid", NRT_KEY_IB_GID, "N", "NCCL_IB_GID_INDEX (RoCE v2: usually 3)" }, \
	{ "socket-ifname", NRT_KEY_SOCKET_IFNAME, "IF", "NCCL_SOCKET_IFNAME" }, \
	{ "device", NRT_KEY_DEVICE, "N", "CUDA device (default local rank % GPUs)" }, \
	{ "print-launch", NRT_KEY_PRINT_LAUNCH, NULL, "print resolved rank/size/peer, exit" }, \
	{ "allow-fallback", NRT_KEY_ALLOW_FALLBACK, NULL, "run on even if NCCL used another transport" }, \
	{ "nccl-coll-log", NRT_KEY_NCCL_COLL_LOG, NULL, "log NCCL's per-call algo/proto (COLL)" }

struct nrt_opts {
	int	     rank;	    /* --rank, -1: from environment */
	int	     nranks;	    /* --nranks, -1: from environment */
	const char  *peer;	    /* --peer HOST:PORT, NULL: environment */
	int	     local;	    /* --local N, 0: off */
	enum nrt_net net;	    /* --net */
	const char  *ib_hca;	    /* --ib-hca, NULL: leave NCCL_IB_HCA */
	int	     ib_gid;	    /* --ib-gid, -1: leave */
	const char  *socket_ifname; /* --socket-ifname */
	int	     device;	    /* --device, -1: local_rank % ngpus */
	bool	     print_launch;  /* --print-launch */
	bool	     allow_fallback;/* --allow-fallback */
	bool	     coll_log;	    /* --nccl-coll-log: add COLL subsystem */
	/* from struct bm_common (nrt_opts_from_common) */
	uint16_t     port;	    /* bootstrap port (default 18515) */
	const char  *bind;	    /* --bind */
	int	     timeout_ms;    /* every wait: bootstrap, init, calls, sync */
	/* set by the tool before nrt_init */
	const char  *tool;	    /* "nccl_coll"; must match across ranks */
	const char  *params;	    /* canonical params text; must match */
};
/* The timeout default is the common --timeout default, not one of its own. */
#define NRT_OPTS_INIT                                                          \
	((struct nrt_opts){ .rank = -1, .nranks = -1, .ib_gid = -1,         \
			    .device = -1, .port = BM_OOB_DEFAULT_PORT,         \
			    .timeout_ms = BM_COMMON_INIT(0, 0, 0, 0, 0)        \
						  .timeout_ms })

/* Handle a NRT_OPTS key: 1 handled, 0 not ours, -EINVAL bad value (printed). */
int  nrt_opt(struct nrt_opts *o, int key, const char *arg);
void nrt_opts_from_common(struct nrt_opts *o, const struct bm_common *c);

/* GPUDirect RDMA as NCCL's log states it for one communicator; every field
 * is "not logged" unless NCCL wrote the line in this run. */
struct nrt_gdr_log {
	int  gpu;	 /* "GPU Direct RDMA Enabled|Disabled for GPU ..."
			  * (NCCL's per GPU/NIC decision): 1, 0; -1 none */
	int  hca;	 /* "... GPU Direct RDMA ... for HCA ..." (what the
			  * network plugin supports): 1 if any enabled, 0 if
			  * all disabled; -1 none */
	bool dmabuf;	 /* "DMA-BUF is available on GPU device N" seen */
	char level[16];	 /* "NCCL_NET_GDR_LEVEL set by environment to X" */
	char line[192];	 /* the first per-GPU line, else the first per-HCA
			  * one, from "NET/" or "GPU Direct" on; "" none */
};

/* What NCCL's log says it used for one communicator. */
struct nrt_path {
	char transport[32];   /* "ib", "socket", "p2p", "shm", "mixed",
				 "none/intra-process", "unknown" */
	char net_plugin[32];  /* from "Using network X" ("IB", "Socket"), or "" */
	char detail[256];     /* first "via ..." text seen, or a note */
	bool net_seen;	      /* a connection "via NET/..." was logged */
	bool gdr;	      /* GPUDirect RDMA (GDRDMA) on a NET connection */
	bool mismatch;	      /* asked for ib/socket, got something else */
	int  nchannels;	      /* channels seen in the connection lines */
	struct nrt_gdr_log gdr_log; /* the GPUDirect RDMA lines */
};

/* One communicator with its proof of path. */
struct nrt_comm {
	ncclComm_t	comm;	   /* NULL when closed */
	enum nrt_net	net;	   /* what was asked */
	struct nrt_path path;	   /* what NCCL did */
	double		init_ms;   /* ncclCommInitRankConfig wall time */
	int		timeout_ms;/* --timeout: init, calls, finalize, sync */
};

struct nrt_ctx {
	struct nrt_opts	  o;	       /* copy of the options */
	struct bm_launch  launch;      /* resolved rank/size/peer/source */
	int		  rank, nranks;
	int		  device;      /* CUDA device in use */
	struct bm_oob	 *oob;	       /* bootstrap (NULL for nranks 1) */
	cudaStream_t	  stream;      /* non-blocking stream for the tool */
	struct nrt_comm	  comm;	       /* the main communicator (--net) */
	char		  log_path[512]; /* NCCL_DEBUG_FILE resolved for us */
	long		  log_off;     /* parse offset into log_path */
	char		  gpu_name[256];
	char		  pci_bus_id[32];
	int		  cuda_runtime, cuda_driver; /* e.g. 13000 */
	int		  nccl_version;	/* ncclGetVersion, e.g. 22809 */
	int		  gdr_attr;    /* cudaDevAttrGPUDirectRDMASupported:
					* 1, 0; -1 unknown */
	char		  warnings[8][160]; /* GB10 traps etc., also in meta */
	int		  nwarnings;
};

/*
 * --local N: the parent forks N children (rank i, nranks N, peer
 * 127.0.0.1:port, LOCAL_RANK i) and waits. Returns 1 in the parent with
 * *exit_code_p = worst child exit code (a child that dies makes the parent
 * SIGTERM the rest after --timeout); 0 in a child or when --local is off.
 * Call before any CUDA call (fork after CUDA init is not allowed).
 */
int nrt_launch(struct nrt_opts *o, int *exit_code_p);

/* Resolve rank/size/peer (no GPU, no network) and print them as
 * "rank=R nranks=N local_rank=L peer=HOST:PORT source=S net=..." */
int nrt_print_launch(const struct nrt_opts *o, FILE *f);

/*
 * Everything up to a working communicator: resolve launch, set NCCL env,
 * check for a GPU (-ENODEV if none: exit 77), bootstrap (bm_oob_open with
 * tool/params; -ECANCELED on mismatch), cudaSetDevice, create the stream,
 * open ctx->comm on o->net, verify its path, detect GB10 traps.
 * On error everything already made is undone.
 */
int  nrt_init(struct nrt_ctx *c, const struct nrt_opts *o);
/* The first half of nrt_init, with no GPU and no NCCL: zero c, copy o,
 * resolve the launch, open the bootstrap (nranks > 1). nrt_init calls it;
 * tests call it alone (then nrt_fini). */
int  nrt_bootstrap(struct nrt_ctx *c, const struct nrt_opts *o);
/* Rank 0's buf[0..len) to all ranks (the ncclUniqueId path). */
int  nrt_bcast(struct nrt_ctx *c, void *buf, size_t len);
/* Another communicator over the same ranks on another network
 * (ncclConfig_t.netName), e.g. for --compare; its path verified too. */
int  nrt_comm_open(struct nrt_ctx *c, enum nrt_net net, struct nrt_comm *nc);
/* abort: ncclCommAbort (after an error) instead of Finalize+Destroy. */
void nrt_comm_close(struct nrt_comm *nc, bool abort);
void nrt_fini(struct nrt_ctx *c);

/* meta: nccl_version, cuda_runtime, cuda_driver, gpu, pci_bus_id, rank
 * info, launch source, net asked, transport used (path), gpudirect_rdma
 * (what this run observed: nrt_gdr_json), warnings. */
void nrt_meta(struct nrt_ctx *c, struct bm_out *out);
/* A path as a JSON object (for --compare rows or meta). */
json_t *nrt_path_json(const struct nrt_comm *nc);

/*
 * Wait for stream to drain, polling cudaStreamQuery and the communicator's
 * async error; past timeout_ms (<= 0: o.timeout_ms) the communicator is
 * aborted and -ETIMEDOUT returned; -EIO on an NCCL/CUDA error.
 */
int nrt_sync(struct nrt_ctx *c, struct nrt_comm *nc, cudaStream_t s,
	     int timeout_ms);

/* Barrier over the bootstrap (no-op for nranks 1). */
int nrt_barrier(struct nrt_ctx *c);
/* Gather len bytes from every rank at all (allgather; nranks 1: copy). */
int nrt_allgather(struct nrt_ctx *c, const void *mine, void *all, size_t len);

/* *v_p summed over the ranks, on every rank (no-op for one rank). */
int nrt_sum_u64(struct nrt_ctx *c, uint64_t *v_p);

/* ---- the data check: what the summary may claim ---- */

/* A tool's in-run data check, counted. "passed" only when every check the
 * run planned was made and no element was wrong; "FAILED" when an element
 * was wrong or the run stopped part-way; "not run" when nothing was
 * checked (the run stopped first, or checks nothing by design). */
struct nrt_check {
	uint64_t    planned;  /* checks the run means to make (0: none) */
	uint64_t    done;     /* checks made (each over every rank) */
	uint64_t    wrong;    /* wrong elements, summed over the ranks */
	const char *none_why; /* with planned 0: why the run checks nothing */
};

/* One check made, with its wrong elements over every rank. */
static inline void nrt_check_add(struct nrt_check *c, uint64_t wrong)
{
	c->done++;
	c->wrong += wrong;
}

/* "passed", "FAILED" or "not run"; why (not for "passed") into why[len].
 * err: what stopped the run, or NULL when it ran to the end. */
const char *nrt_check_verdict(const struct nrt_check *c, const char *err,
			      char *why, size_t len);
/* Summary keys: wrong_total, data_check, data_check_why (unless passed),
 * checks_planned, checks_done. Returns the verdict. */
const char *nrt_check_summary(const struct nrt_check *c, const char *err,
			      struct bm_out *out);

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

/* bf16/fp16 <-> float on the host (round to nearest even). */
/* A call on a non-blocking communicator may answer ncclInProgress: wait it
 * out (bounded) before the next call. 0, -ETIMEDOUT or -EIO (logged). */
int nrt_call_done(ncclComm_t comm, ncclResult_t r, const char *what,
		  int timeout_ms);

/* A float's bits and back. */
static inline uint32_t nrt_f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static inline float nrt_u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

uint16_t nrt_f2bf16(float f);
float	 nrt_bf162f(uint16_t h);
uint16_t nrt_f2fp16(float f);
float	 nrt_fp162f(uint16_t h);

/* Parse an NCCL INFO log (lines from offset) into a path; exposed for the
 * unit tests. nranks 1 gives "none/intra-process". */
void nrt_parse_log(FILE *f, int nranks, enum nrt_net asked,
		   struct nrt_path *p);
/* nvidia_peermem (or the older nv_peer_mem / nv_mem peer client), which
 * NCCL's IB plugin wants for GPUDirect RDMA without dma-buf, under root
 * ("" for this machine): 1 loaded, 0 not loaded, -ENOENT unknown (neither
 * /sys/module nor /proc/modules readable). */
int nrt_peermem_loaded(const char *root);

/* meta "gpudirect_rdma": what this run observed, and nothing else:
 * NCCL's log lines of path p, peermem (as nrt_peermem_loaded), the CUDA
 * device attribute (1, 0; -1 not queried). */
json_t *nrt_gdr_json(const struct nrt_path *p, int peermem, int gpu_attr);

/* The algorithm and protocol NCCL chose, from the TUNING lines logged since
 * the last call ("Best tuning, algorithm, X, protocol, Y" or "N Bytes ->
 * Algo A proto P"): the last one seen. "unknown" when none (one rank: NCCL
 * copies locally and logs no tuning). Advances the log offset. */
void nrt_log_algo(struct nrt_ctx *c, char *algo, size_t alen, char *proto,
		  size_t plen);
/* The same over any stream (unit tests). */
void nrt_parse_algo(FILE *f, char *algo, size_t alen, char *proto,
		    size_t plen);

#endif
