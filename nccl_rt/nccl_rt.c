// SPDX-License-Identifier: MIT
/*
 * nccl_rt: the GPU, the communicators and their proof of path, stream
 * waits with a deadline, timing helpers (the contract is in nccl_rt.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "nccl_rt.h"

/* ---- the link NCCL will use: diag/'s device and NCCL_* checks ---- */

/*
 * The RDMA devices NCCL_IB_HCA selects (every usable one if unset) through
 * diag's device checks, and the NCCL_* variables against them; with
 * NCCL_IB_DISABLE (--net socket) only the variables. Each finding is
 * printed once and kept for meta.warnings.
 */
static void check_link(struct nrt_ctx *c)
{
	struct diag_report *r = NULL;
	int i;

	if (diag_nccl(NULL, NULL, &r)) {
		BM_WARN("device diagnosis: out of memory; not checked");
		return;
	}
	for (i = 0; i < r->nf; i++)
		BM_WARN("%s: %s", diag_sev_name(r->f[i].sev), r->f[i].message);
	c->findings = diag_findings_json(r);
	diag_report_free(r);
}

/* ---- communicators ---- */

static int wait_comm(ncclComm_t comm, int timeout_ms, const char *what)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	ncclResult_t st;

	for (;;) {
		if (ncclCommGetAsyncError(comm, &st) != ncclSuccess)
			st = ncclInternalError;
		if (st == ncclSuccess)
			return 0;
		if (st != ncclInProgress) {
			BM_ERR("%s: %s (%s)", what, ncclGetErrorString(st),
			       ncclGetLastError(comm));
			return -EIO;
		}
		if (bm_now_ns() > deadline) {
			BM_ERR("%s: no progress after %d ms (a peer missing or "
			       "dead?); aborting the communicator", what,
			       timeout_ms);
			return -ETIMEDOUT;
		}
		usleep(1000);
	}
}

int nrt_call_done(ncclComm_t comm, ncclResult_t r, const char *what,
		  int timeout_ms)
{
	uint64_t dl = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (r == ncclInProgress && bm_now_ns() < dl)
		if (ncclCommGetAsyncError(comm, &r) != ncclSuccess)
			r = ncclInternalError;
	if (r != ncclSuccess) {
		BM_ERR("%s: %s (%s)", what, ncclGetErrorString(r),
		       ncclGetLastError(comm));
		return r == ncclInProgress ? -ETIMEDOUT : -EIO;
	}
	return 0;
}

int nrt_comm_open(struct nrt_ctx *c, enum nrt_net net, struct nrt_comm *nc)
{
	ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
	ncclUniqueId id;
	uint64_t t0;
	int ret;

	memset(nc, 0, sizeof(*nc));
	nc->net = net;
	nc->timeout_ms = c->boot.o.timeout_ms;
	memset(&id, 0, sizeof(id));
	if (c->boot.rank == 0)
		NCCL_CHECK(ncclGetUniqueId(&id), return -EIO);
	ret = nrt_bcast(&c->boot, &id, sizeof(id));
	if (ret) {
		BM_ERR("sending the NCCL unique id: %s", strerror(-ret));
		return ret;
	}
	cfg.blocking = 0;
	if (nrt_net_nccl_name(net) && c->boot.nranks > 1)
		cfg.netName = nrt_net_nccl_name(net);
	t0 = bm_now_ns();
	NCCL_CHECK(ncclCommInitRankConfig(&nc->comm, c->boot.nranks, id,
					  c->boot.rank, &cfg), goto fail);
	ret = wait_comm(nc->comm, nc->timeout_ms, "ncclCommInitRank");
	if (ret)
		goto fail;
	nc->init_ms = (double)(bm_now_ns() - t0) / 1e6;
	nrt_log_path(&c->log, c->boot.nranks, nc->net, &nc->path);
	return 0;
fail:
	if (nc->comm)
		ncclCommAbort(nc->comm);
	nc->comm = NULL;
	if (net == NRT_NET_IB && cfg.netName)
		BM_ERR("NCCL could not open its IB network (no usable RDMA "
		       "device here, or NCCL_IB_DISABLE=1?): `ib_lat --devices` "
		       "lists the devices; --net socket measures sockets alone");
	return ret ? ret : -EIO;
}

void nrt_comm_close(struct nrt_comm *nc, bool abort)
{
	if (!nc->comm)
		return;
	if (!abort) {
		ncclResult_t st = ncclCommFinalize(nc->comm);

		if (st == ncclSuccess || st == ncclInProgress) {
			uint64_t dl = bm_now_ns() +
				      (uint64_t)nc->timeout_ms * 1000000ull;

			do {
				if (ncclCommGetAsyncError(nc->comm, &st))
					break;
				if (st == ncclInProgress)
					usleep(1000);
			} while (st == ncclInProgress && bm_now_ns() < dl);
		}
		abort = st != ncclSuccess;
	}
	if (abort)
		ncclCommAbort(nc->comm);
	else
		ncclCommDestroy(nc->comm);
	nc->comm = NULL;
}

/* The device's own GPUDirect RDMA attribute: 1, 0, or -1 if CUDA cannot
 * say (an older driver); a failed query's error is cleared. */
static int gdr_attr(int device)
{
	int v = 0;

	if (cudaDeviceGetAttribute(&v, cudaDevAttrGPUDirectRDMASupported,
				   device) != cudaSuccess) {
		(void)cudaGetLastError();
		return -1;
	}
	return v != 0;
}

/* cudaDevAttrMpsEnabled: whether this process's contexts on the device
 * are shared via MPS (the driver connected to a daemon at CUDA init): 1,
 * 0, or -1 if CUDA cannot say; a failed query's error is cleared. */
static int mps_attr(int device)
{
	int v = 0;

	if (cudaDeviceGetAttribute(&v, cudaDevAttrMpsEnabled, device) !=
	    cudaSuccess) {
		(void)cudaGetLastError();
		return -1;
	}
	return v != 0;
}

/* --local-hosts: the ranks' MPS state gathered (all 1: on; any 0: off;
 * else unknown), and the verdict (nrt_mps.h). -ENOTSUP when MPS does not
 * serve the GPU and time-slicing was not allowed. */
static int mps_check(struct nrt_ctx *c, const struct nrt_opts *o)
{
	struct nrt_boot *b = &c->boot;
	int mine = c->mps.cuda_attr, *all, r, ret;
	bool off = false, unknown = false;

	all = calloc((size_t)b->nranks, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = nrt_allgather(b, &mine, all, sizeof(mine));
	for (r = 0; !ret && r < b->nranks; r++) {
		off |= all[r] == 0;
		unknown |= all[r] < 0;
	}
	free(all);
	if (ret) {
		BM_ERR("gathering the ranks' MPS state: %s", strerror(-ret));
		return ret;
	}
	c->mps.cuda_attr = off ? 0 : unknown ? -1 : 1;
	c->mps.checked = true;
	if (nrt_mps_serves(&c->mps)) {
		BM_INFO("CUDA MPS serves the %d ranks on GPU %d (%s)",
			b->nranks, c->device, nrt_mps_state(&c->mps));
		return 0;
	}
	if (!o->allow_time_sliced) {
		if (b->rank == 0)
			nrt_mps_howto(stderr, o->tool ? o->tool : "netroof",
				      b->nranks, &c->mps);
		BM_ERR("no CUDA MPS: refusing to time %d ranks time-sliced "
		       "on one GPU", b->nranks);
		return -ENOTSUP;
	}
	c->mps.time_sliced = true;
	if (b->rank == 0)
		BM_WARN("--allow-time-sliced: MPS %s; the ranks time-slice "
			"the GPU, and every figure of this run is marked as "
			"NOT a latency", nrt_mps_state(&c->mps));
	return 0;
}

int nrt_init(struct nrt_ctx *c, const struct nrt_opts *o)
{
	int ret, ngpu = 0, v;
	cudaError_t ce;
	struct cudaDeviceProp prop;

	memset(c, 0, sizeof(*c));
	c->device = -1;
	c->gdr_attr = -1;
	ret = nrt_boot_open(&c->boot, o);
	if (ret)
		return ret;
	nrt_env_setup(&c->boot.o, c->boot.nranks, &c->log);
	nrt_mps_probe(&c->mps);
	ce = cudaGetDeviceCount(&ngpu);
	if (ce >= cudaErrorMpsConnectionFailed &&
	    ce <= cudaErrorMpsClientTerminated) {
		BM_ERR("CUDA and the MPS daemon (pipes in %s): %s; a daemon "
		       "that died leaves its pipes (echo quit | "
		       "nvidia-cuda-mps-control, or start a fresh one)",
		       c->mps.pipe_dir, cudaGetErrorString(ce));
		ret = -ENODEV;
		goto out_boot;
	}
	if (ce != cudaSuccess || ngpu < 1) {
		BM_ERR("no CUDA GPU usable here (%s)", ce != cudaSuccess ?
		       cudaGetErrorString(ce) : "0 devices");
		ret = -ENODEV;
		goto out_boot;
	}
	if (o->device >= 0)
		c->device = o->device;
	else
		c->device = (c->boot.launch.local_rank >= 0 ?
			     c->boot.launch.local_rank : c->boot.rank) % ngpu;
	if (c->device >= ngpu) {
		BM_ERR("--device %d but %d GPU(s)", c->device, ngpu);
		ret = -ENODEV;
		goto out_boot;
	}
	CUDA_CHECK(cudaSetDevice(c->device), ret = -EIO; goto out_boot);
	CUDA_CHECK(cudaGetDeviceProperties(&prop, c->device),
		   ret = -EIO; goto out_boot);
	snprintf(c->gpu_name, sizeof(c->gpu_name), "%s", prop.name);
	cudaDeviceGetPCIBusId(c->pci_bus_id, sizeof(c->pci_bus_id), c->device);
	cudaRuntimeGetVersion(&c->cuda_runtime);
	cudaDriverGetVersion(&c->cuda_driver);
	c->gdr_attr = gdr_attr(c->device);
	c->mps.cuda_attr = mps_attr(c->device);
	if (o->local_hosts && (ret = mps_check(c, o)))
		goto out_boot;
	if (ncclGetVersion(&v) == ncclSuccess)
		c->nccl_version = v;
	CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking),
		   ret = -EIO; goto out_boot);
	if (c->boot.nranks > 1)
		check_link(c);
	ret = nrt_comm_open(c, o->net, &c->comm);
	if (ret)
		goto out_stream;
	if (c->comm.path.mismatch && !o->allow_fallback) {
		ret = -EPROTO;
		goto out_comm;
	}
	if (o->local_hosts) {
		/* each rank its own host: only NCCL's network transport can
		 * connect them (P2P and SHM refuse another host hash) */
		if (!c->comm.path.net_seen) {
			BM_ERR("--local-hosts: NCCL connected the ranks over "
			       "'%s' (%s), not its network transport: they "
			       "were not separate hosts to it",
			       c->comm.path.transport, c->comm.path.detail);
			ret = -EPROTO;
			goto out_comm;
		}
		nrt_local_hosts_caveat(c->boot.nranks, c->comm.path.transport,
				       c->caveat, sizeof(c->caveat));
	}
	return 0;
out_comm:
	nrt_comm_close(&c->comm, true);
out_stream:
	cudaStreamDestroy(c->stream);
	c->stream = NULL;
out_boot:
	json_decref(c->findings);
	c->findings = NULL;
	nrt_boot_close(&c->boot);
	nrt_log_done(&c->log);
	return ret;
}

void nrt_fini(struct nrt_ctx *c)
{
	nrt_comm_close(&c->comm, false);
	if (c->stream)
		cudaStreamDestroy(c->stream);
	c->stream = NULL;
	nrt_boot_close(&c->boot);
	nrt_log_done(&c->log);
	json_decref(c->findings);
	c->findings = NULL;
}

json_t *nrt_path_json(const struct nrt_comm *nc)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:f}",
			 "net_asked", nrt_net_name(nc->net),
			 "transport", nc->path.transport,
			 "net_plugin", nc->path.net_plugin,
			 "detail", nc->path.detail,
			 "gdr", nc->path.gdr,
			 "mismatch", nc->path.mismatch,
			 "channels", nc->path.nchannels,
			 "init_ms", nc->init_ms);
}

void nrt_meta(struct nrt_ctx *c, struct bm_out *out)
{
	char ver[32];

	snprintf(ver, sizeof(ver), "%d.%d.%d", c->nccl_version / 10000,
		 (c->nccl_version / 100) % 100, c->nccl_version % 100);
	bm_out_meta(out, "nccl_version", json_string(ver));
	snprintf(ver, sizeof(ver), "%d.%d", c->cuda_runtime / 1000,
		 (c->cuda_runtime % 1000) / 10);
	bm_out_meta(out, "cuda_runtime", json_string(ver));
	snprintf(ver, sizeof(ver), "%d.%d", c->cuda_driver / 1000,
		 (c->cuda_driver % 1000) / 10);
	bm_out_meta(out, "cuda_driver", json_string(ver));
	bm_out_meta(out, "gpu", json_string(c->gpu_name));
	bm_out_meta(out, "gpu_pci_bus_id", json_string(c->pci_bus_id));
	bm_out_meta(out, "rank", json_integer(c->boot.rank));
	bm_out_meta(out, "nranks", json_integer(c->boot.nranks));
	bm_out_meta(out, "launch_source",
		    json_string(c->boot.launch.source ? c->boot.launch.source :
							""));
	bm_out_meta(out, "net_asked", json_string(nrt_net_name(c->boot.o.net)));
	bm_out_meta(out, "transport", json_string(c->comm.path.transport));
	bm_out_meta(out, "path", nrt_path_json(&c->comm));
	bm_out_meta(out, "gpudirect_rdma",
		    nrt_gdr_json(&c->comm.path, nrt_peermem_loaded(""),
				 c->gdr_attr));
	bm_out_meta(out, "warnings",
		    c->findings ? json_incref(c->findings) : json_array());
	bm_out_meta(out, "mps", nrt_mps_json(&c->mps));
	bm_out_meta(out, "figures_are_latencies",
		    json_boolean(!c->mps.time_sliced));
	bm_out_meta(out, "nccl_tuning_log", json_string(
		c->log.tuning ? "on: the algo/proto columns are rank 0's NCCL "
				"TUNING lines (a write() per eager call on "
				"rank 0; none in graph replays)" :
				"off (NCCL_DEBUG_SUBSYS without TUNING): "
				"algo/proto not logged"));
	if (c->boot.o.local_hosts) {
		const char *id = getenv("NCCL_HOSTID");

		bm_out_meta(out, "local_hosts",
			    json_integer(c->boot.o.local_hosts));
		bm_out_meta(out, "nccl_hostid", json_string(id ? id : ""));
		bm_out_meta(out, "same_machine_caveat",
			    json_string(c->caveat));
	}
}

/* ---- synchronisation and timing ---- */

int nrt_sync(struct nrt_ctx *c, struct nrt_comm *nc, cudaStream_t s,
	     int timeout_ms)
{
	uint64_t deadline;
	unsigned spins = 0;
	cudaError_t ce;
	ncclResult_t st;

	if (timeout_ms <= 0)
		timeout_ms = c->boot.o.timeout_ms;
	deadline = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		ce = cudaStreamQuery(s);
		if (ce == cudaSuccess)
			return 0;
		if (ce != cudaErrorNotReady) {
			BM_ERR("stream: %s", cudaGetErrorString(ce));
			return -EIO;
		}
		/* checking NCCL's error and the clock every 1024 spins keeps
		 * the poll loop tight for the small-message latency */
		if (++spins & 1023)
			continue;
		/* no abort here: the caller's graphs go first (nccl_rt.h) */
		if (nc && nc->comm) {
			if (ncclCommGetAsyncError(nc->comm, &st) == ncclSuccess &&
			    st != ncclSuccess && st != ncclInProgress) {
				BM_ERR("NCCL: %s (%s)", ncclGetErrorString(st),
				       ncclGetLastError(nc->comm));
				return -EIO;
			}
		}
		if (bm_now_ns() > deadline) {
			BM_ERR("operation not done after %d ms (a peer died or "
			       "hangs?)", timeout_ms);
			return -ETIMEDOUT;
		}
	}
}

int nrt_graph_capture(struct nrt_ctx *c, nrt_launch_fn fn, void *arg,
		      int reps, cudaGraphExec_t *exec_p)
{
	cudaGraph_t g = NULL;
	cudaGraphExec_t ex = NULL;
	int i, ret = 0;

	CUDA_CHECK(cudaStreamBeginCapture(c->stream,
					  cudaStreamCaptureModeRelaxed),
		   return -EIO);
	for (i = 0; i < reps && !ret; i++)
		ret = fn(arg, c->stream);
	CUDA_CHECK(cudaStreamEndCapture(c->stream, &g), ret = -EIO);
	if (ret)
		goto out;
	CUDA_CHECK(cudaGraphInstantiate(&ex, g, 0), ret = -EIO; goto out);
	*exec_p = ex;
out:
	if (g)
		cudaGraphDestroy(g);
	return ret;
}

void nrt_graph_destroy(cudaGraphExec_t exec)
{
	if (exec)
		cudaGraphExecDestroy(exec);
}

int nrt_event_us(cudaEvent_t a, cudaEvent_t b, double *us_p)
{
	float ms;

	CUDA_CHECK(cudaEventElapsedTime(&ms, a, b), return -EIO);
	*us_p = (double)ms * 1000.0;
	return 0;
}
