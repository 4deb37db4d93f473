/* SPDX-License-Identifier: MIT */
/*
 * What NCCL says it did, read from its own INFO log, and the environment
 * that makes it say so. No CUDA here: the parsers run on any text in
 * NCCL's log format (the unit tests feed them such text).
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
 * The log: NCCL_DEBUG=INFO, NCCL_DEBUG_SUBSYS=INIT,NET,GRAPH,ENV,TUNING
 * (+COLL with --nccl-coll-log: a line per call on every rank) and
 * NCCL_DEBUG_FILE=$TMPDIR/netroof-nccl.<pid>.log (unless the user set
 * NCCL_DEBUG_FILE: that file is read instead, %h and %p expanded as NCCL
 * does). After each communicator's init the new part of the log is parsed
 * into struct nrt_path.
 *
 * TUNING is what says which algorithm and protocol NCCL chose. Its cost:
 * rank 0 writes one line (a write(): NCCL's log file is line-buffered) per
 * eager collective; graph replays write nothing, and one rank builds no
 * plan at all. To time eager calls without it, set NCCL_DEBUG_SUBSYS
 * without TUNING (the algorithm columns then say "not-logged").
 */
#ifndef NRT_LOG_H
#define NRT_LOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "nrt_opts.h"

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
				 "other", "none/intra-process", "unknown" */
	char net_plugin[32];  /* from "Using network X" ("IB", "Socket"), or "" */
	char detail[256];     /* first "via ..." text seen, or a note */
	bool net_seen;	      /* a connection "via NET/..." was logged */
	bool gdr;	      /* GPUDirect RDMA (GDRDMA) on a NET connection */
	bool mismatch;	      /* asked for ib/socket, got something else */
	int  nchannels;	      /* channels seen in the connection lines */
	struct nrt_gdr_log gdr_log; /* the GPUDirect RDMA lines */
};

/* Parse an NCCL INFO log (lines from the stream's position) into a path.
 * nranks 1 gives "none/intra-process". */
void nrt_parse_log(FILE *f, int nranks, enum nrt_net asked,
		   struct nrt_path *p);
/*
 * The algorithm and protocol NCCL chose, from its TUNING lines. NCCL 2.28
 * prints one per collective at plan build (enqueue.cc:724), on rank 0
 * only: at every eager call, and in graph mode at capture only (a replay
 * builds no plan):
 *   "...NCCL INFO AllReduce: 4096 Bytes -> Algo RING proto LL
 *    channel{Lo..Hi}={0..0}"
 * Bytes is NCCL's count x type size: the buffer for all-reduce and
 * broadcast, one rank's block for all-gather and reduce-scatter. Algo is
 * TREE, RING, COLLNET_DIRECT, COLLNET_CHAIN, NVLS, NVLS_TREE or PAT; proto
 * LL, LL128 or SIMPLE (collectives.cc:58-78). Send/recv print none. Also
 * read: the numeric "N Bytes -> Algo A proto P time T" (TRACE builds;
 * INFO in older releases; mapped to Tree, Ring, ... and LL, LL128,
 * Simple) and "Best tuning, algorithm, A, protocol, P".
 *
 * func (NCCL's name, "AllReduce") and bytes (>= 0) take only the lines of
 * that operation (a line that names no function or bytes matches any);
 * NULL and -1 take every line. Returns how many lines were taken. algo
 * and proto: the last line taken; "mixed" when filtered lines disagree;
 * "unknown" when none was taken.
 */
int nrt_parse_algo(FILE *f, const char *func, long long bytes, char *algo,
		   size_t alen, char *proto, size_t plen);

/* NCCL's log file and how far it has been read. */
struct nrt_log {
	char path[512];	/* NCCL_DEBUG_FILE resolved for this process */
	long off;	/* parse offset: what earlier calls consumed */
	bool ours;	/* our scratch file (removed at the end) */
	bool tuning;	/* NCCL_DEBUG_SUBSYS lets TUNING lines through */
};

/* --net and friends into the environment, NCCL_DEBUG=INFO and its file
 * (see the top of this header). Before the first NCCL call. */
void nrt_env_setup(const struct nrt_opts *o, int nranks, struct nrt_log *l);
/* The path of the communicator initialised since the last read; logs it
 * (loudly when it is not what was asked). */
void nrt_log_path(struct nrt_log *l, int nranks, enum nrt_net asked,
		  struct nrt_path *p);
/* nrt_parse_algo over the lines since the last read; the count, or -1
 * ("unknown") when the file cannot be read, or 0 ("not-logged") when
 * TUNING is off. */
int  nrt_log_algo(struct nrt_log *l, const char *func, long long bytes,
		  char *algo, size_t alen, char *proto, size_t plen);
/* Skip what NCCL has written so far (the next read starts at its end). */
void nrt_log_skip(struct nrt_log *l);
/* Whether a NCCL_DEBUG_SUBSYS value lets subsystem name through (NULL:
 * NCCL's default INIT,BOOTSTRAP,ENV; "^A,B": all but those; ALL). */
bool nrt_subsys_has(const char *subsys, const char *name);
/* Removes our scratch file unless NETROOF_KEEP_NCCL_LOG is set; the
 * user's NCCL_DEBUG_FILE stays. */
void nrt_log_done(struct nrt_log *l);

/* nvidia_peermem (or the older nv_peer_mem / nv_mem peer client), which
 * NCCL's IB plugin wants for GPUDirect RDMA without dma-buf, under root
 * ("" for this machine): 1 loaded, 0 not loaded, -ENOENT unknown (neither
 * /sys/module nor /proc/modules readable). */
int nrt_peermem_loaded(const char *root);

/* meta "gpudirect_rdma": what this run observed, and nothing else:
 * NCCL's log lines of path p, peermem (as nrt_peermem_loaded), the CUDA
 * device attribute (1, 0; -1 not queried). */
json_t *nrt_gdr_json(const struct nrt_path *p, int peermem, int gpu_attr);

#endif
