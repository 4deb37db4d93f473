/* SPDX-License-Identifier: MIT */
/*
 * --local-hosts: N ranks on one GPU of one host, each its own host to NCCL,
 * and the CUDA MPS daemon that must serve them for the figures to be
 * latencies. No CUDA here (the CUDA side is in nccl_rt.c).
 *
 * Why it works: NCCL keys its "Duplicate GPU detected" check on the host
 * hash and the bus id; NCCL_HOSTID replaces the host hash (misc/utils.cc
 * :79-108), so ranks with different NCCL_HOSTID may share the GPU. P2P and
 * SHM refuse peers of another host hash, so NCCL connects them over its
 * network transport: sockets over loopback here (NET/Socket), the same code
 * path as two boxes over TCP, minus the wire. Without MPS the ranks'
 * kernels time-slice the GPU (about 4.5 ms per collective, issue #18);
 * under MPS they run concurrently.
 *
 * Each forked rank gets NCCL_HOSTID=netroof-host<rank> (replacing any
 * inherited one), NCCL_NVLS_ENABLE=0, and NCCL_SOCKET_IFNAME=lo unless the
 * user gave one (--socket-ifname or the environment). --net defaults to
 * socket. Every rank uses one GPU: --device, else 0.
 *
 * Whether an MPS daemon serves the GPU, seen two ways, neither of which
 * changes anything:
 *   - before any CUDA call (the parent, before it forks): the daemon's
 *     pipe directory, CUDA_MPS_PIPE_DIRECTORY, else /tmp/nvidia-mps, where
 *     the control daemon keeps its named pipes and sockets (stat only:
 *     nothing there is opened). No such directory: no daemon can serve
 *     this process, so the run is refused at once, before any rank starts.
 *     Its "control" entry is recorded, not relied on: a daemon that died
 *     leaves it behind, and its form is the driver's business;
 *   - after CUDA init, in every rank: cudaDevAttrMpsEnabled, the driver's
 *     own "contexts created on this device will be shared via MPS" for this
 *     process (the driver connects to the daemon when CUDA initialises, and
 *     runs without MPS when that fails), gathered over the ranks. This one
 *     decides. A driver that cannot answer (-1) falls back on the control
 *     entry.
 * The tool never starts or stops MPS and never sets a GPU setting (compute
 * mode, clocks, MIG). `nvidia-cuda-mps-control` queries are left to the
 * scripts: an MPS server exists only once a client has connected, so
 * get_server_list says nothing before the run.
 *
 * Without MPS the run is refused (exit 77) with how to start a daemon,
 * unless --allow-time-sliced: then it runs, and every figure is marked as
 * not a latency (meta figures_are_latencies false, rows time_sliced true,
 * '#' banners).
 */
#ifndef NRT_MPS_H
#define NRT_MPS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define NRT_MPS_PIPE_DEFAULT "/tmp/nvidia-mps"

struct nrt_mps {
	char pipe_dir[256];  /* CUDA_MPS_PIPE_DIRECTORY, else the default */
	bool pipe_env;	     /* pipe_dir came from the environment */
	bool dir_exists;     /* pipe_dir is a directory */
	bool control;	     /* pipe_dir/control: a FIFO or socket */
	int  cuda_attr;	     /* cudaDevAttrMpsEnabled, all ranks: 1 on
			      * every rank, 0 off on some rank, -1 not known */
	bool checked;	     /* --local-hosts: the run required MPS */
	bool time_sliced;    /* --local-hosts without MPS, allowed: the
			      * figures are not latencies */
};

/* The pipe side (no CUDA); cuda_attr -1, the rest false. */
void nrt_mps_probe(struct nrt_mps *m);
/* Whether MPS serves the GPU: the CUDA attribute when known, else the
 * control entry. */
bool nrt_mps_serves(const struct nrt_mps *m);
/* "on", "off", "on (control pipe only: CUDA attribute unknown)", or "not
 * checked" (pipe side only, CUDA not asked). */
const char *nrt_mps_state(const struct nrt_mps *m);
/* What the refusal prints: why, how to start a daemon (pipe and log
 * directories under /tmp) and stop it, and --allow-time-sliced. */
void nrt_mps_howto(FILE *f, const char *tool, int nranks,
		   const struct nrt_mps *m);
/* meta "mps": state, cuda_mps_enabled, control_pipe, pipe_dir, how it was
 * checked (new reference). */
json_t *nrt_mps_json(const struct nrt_mps *m);

/* The caveat every --local-hosts result carries, for the transport NCCL
 * used ("socket": "N ranks on one GPU of one host over loopback TCP
 * (NCCL's socket transport): not a link between boxes"). */
void nrt_local_hosts_caveat(int nranks, const char *transport, char *buf,
			    size_t len);

/* The value of NCCL_HOSTID for rank (into buf). */
void nrt_local_host_id(int rank, char *buf, size_t len);

#endif
