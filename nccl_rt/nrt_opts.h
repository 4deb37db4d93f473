/* SPDX-License-Identifier: MIT */
/*
 * nccl_rt's options, shared by every GPU tool: the NRT_OPTS fragment of the
 * option table, its parser, and what runs before any GPU call: resolving
 * and printing the launch (--print-launch) and forking local ranks
 * (--local N). No CUDA or NCCL here, so it builds and is tested anywhere.
 *
 *   struct nrt_opts no = NRT_OPTS_INIT;         defaults
 *   getopt loop: bm_common_opt(), then nrt_opt(&no, key, optarg) for the
 *       NRT_KEY_* keys (400..449), then the tool's own (BM_KEY_TOOL..399)
 *   nrt_opts_from_common(&no, &common);          -p, --bind, --timeout
 *   if (nrt_front(&no, &code)) return code;      print-launch, --local
 */
#ifndef NRT_OPTS_H
#define NRT_OPTS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bm.h"

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
	NRT_KEY_LOCAL_HOSTS,
	NRT_KEY_ALLOW_TIME_SLICED,
	NRT_KEY_END = 450,
};

#define NRT_OPTS                                                               \
	{ "rank", NRT_KEY_RANK, "R", "this process's rank (else from env)" },  \
	{ "nranks", NRT_KEY_NRANKS, "N", "number of ranks (else from env)" },  \
	{ "peer", NRT_KEY_PEER, "HOST:PORT", "rank 0's bootstrap address" },   \
	{ "local", NRT_KEY_LOCAL, "N", "fork N ranks on this host, one per GPU" }, \
	{ "local-hosts", NRT_KEY_LOCAL_HOSTS, "N", "fork N ranks on one GPU, each its own host to NCCL (NCCL_HOSTID): NCCL's network transport between them, loopback TCP by default; needs CUDA MPS" }, \
	{ "allow-time-sliced", NRT_KEY_ALLOW_TIME_SLICED, NULL, "--local-hosts without MPS: a functional run, every figure marked as not a latency" }, \
	{ "net", NRT_KEY_NET, "ib|socket|auto", "NCCL network transport (default auto)" }, \
	{ "ib-hca", NRT_KEY_IB_HCA, "LIST", "NCCL_IB_HCA (list both PCIe halves on GB10)" }, \
	{ "ib-gid", NRT_KEY_IB_GID, "N", "NCCL_IB_GID_INDEX (RoCE v2: usually 3)" }, \
	{ "socket-ifname", NRT_KEY_SOCKET_IFNAME, "IF", "NCCL_SOCKET_IFNAME" }, \
	{ "device", NRT_KEY_DEVICE, "N", "CUDA device (default local rank % GPUs)" }, \
	{ "print-launch", NRT_KEY_PRINT_LAUNCH, NULL, "print resolved rank/size/peer, exit" }, \
	{ "allow-fallback", NRT_KEY_ALLOW_FALLBACK, NULL, "run on even if NCCL used another transport" }, \
	{ "nccl-coll-log", NRT_KEY_NCCL_COLL_LOG, NULL, "also NCCL's COLL lines (every rank, every call)" }

struct nrt_opts {
	int	     rank;	    /* --rank, -1: from environment */
	int	     nranks;	    /* --nranks, -1: from environment */
	const char  *peer;	    /* --peer HOST:PORT, NULL: environment */
	int	     local;	    /* --local N, 0: off */
	int	     local_hosts;   /* --local-hosts N, 0: off; in each of
				     * its ranks still N (nrt_mps.h) */
	bool	     allow_time_sliced; /* --allow-time-sliced */
	bool	     forked;	    /* this process is a rank that --local or
				     * --local-hosts forked */
	enum nrt_net net;	    /* --net */
	const char  *ib_hca;	    /* --ib-hca, NULL: leave NCCL_IB_HCA */
	int	     ib_gid;	    /* --ib-gid, -1: leave */
	const char  *socket_ifname; /* --socket-ifname */
	int	     device;	    /* --device, -1: local_rank % ngpus */
	bool	     print_launch;  /* --print-launch */
	bool	     allow_fallback;/* --allow-fallback */
	bool	     coll_log;	    /* --nccl-coll-log: add COLL lines */
	/* from struct bm_common (nrt_opts_from_common) */
	uint16_t     port;	    /* bootstrap port (default 18515) */
	const char  *bind;	    /* --bind */
	int	     timeout_ms;    /* every wait: bootstrap, init, sync */
	/* set by the tool (or the harness) before nrt_front */
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
/* -p, --bind and --timeout of the common options. */
void nrt_opts_from_common(struct nrt_opts *o, const struct bm_common *c);

/*
 * The option loop of the GPU tools: every key goes to the common fragments
 * (bm_common_opt), then to NRT_OPTS (nrt_opt), then to tool_opt(ctx, key,
 * arg), which returns 0 or -EINVAL (after printing why). A stray argument
 * is an error too; then bm_common_check() and nrt_opts_from_common(). 0 or
 * -EINVAL (-ENOMEM).
 */
int nrt_parse_opts(const struct bm_opt *tab, int argc, char **argv,
		   struct bm_common *com, struct nrt_opts *o,
		   int (*tool_opt)(void *ctx, int key, const char *arg),
		   void *ctx);

/* Resolve rank/size/peer (no GPU, no network) and print them as
 * "rank=R nranks=N local_rank=L peer=HOST:PORT source=S net=..." */
int nrt_print_launch(const struct nrt_opts *o, FILE *f);

/*
 * --local N: the parent forks N children (rank i, nranks N, peer
 * 127.0.0.1:port, LOCAL_RANK i; common/spawn.h) and waits. Returns 1 in the
 * parent with *exit_code_p = the worst child's exit status (a child that
 * fails makes the parent SIGTERM the rest after --timeout + 5 s); 0 in a
 * child, which goes on as its rank, or when neither option is given. Call
 * before any CUDA call (fork after CUDA init is not allowed).
 *
 * --local-hosts N: the same fork, all ranks on one GPU (--device, else 0),
 * each its own host to NCCL (nrt_mps.h: NCCL_HOSTID, NCCL_NVLS_ENABLE=0,
 * NCCL_SOCKET_IFNAME=lo; --net socket unless given). Without an MPS pipe
 * directory it forks nothing: the how-to on stderr, exit 77 (unless
 * --allow-time-sliced). --local and --local-hosts together: usage (2).
 */
int nrt_launch(struct nrt_opts *o, int *exit_code_p);

/* What every GPU tool does before its first GPU call: --print-launch
 * (prints, exit 0; 2 when the launch does not resolve), then --local N
 * (nrt_launch). 1: this process is done, *exit_p is its exit status; 0: go
 * on as one rank. */
int nrt_front(struct nrt_opts *o, int *exit_p);

/* main of a GPU tool built without NCCL: --print-launch and --local still
 * work (nrt_front); the run itself says so, with hint (may be NULL), and
 * returns 77. */
int nrt_not_built(struct nrt_opts *o, const char *tool, const char *hint);

#endif
