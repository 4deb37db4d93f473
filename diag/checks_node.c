// SPDX-License-Identifier: MIT
/*
 * The node checks (DIAG_G_NODE): device nodes a container must pass in,
 * RLIMIT_MEMLOCK, GPUDirect RDMA; the NCCL_NET_GDR_LEVEL check
 * (DIAG_G_NCCL); and this node's versions against its peers'
 * (DIAG_G_PEER). Their rows are in checks.c's table.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag_int.h"

static bool any_usable(const struct diag_ctx *c)
{
	int i;

	for (i = 0; i < c->facts->ndevs; i++)
		if (c->facts->devs[i].usable && c->in_scope[i])
			return true;
	return false;
}

void diag_chk_devnodes(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_node *n = c->node;
	char fix[160];
	int i, ok = 0, bad = 0;

	for (i = 0; i < c->facts->ndevs && i < n->ndevnodes; i++)
		if (c->facts->devs[i].usable && c->in_scope[i])
			n->devnodes[i].state == 1 ? ok++ : bad++;
	for (i = 0; bad && i < c->facts->ndevs && i < n->ndevnodes; i++) {
		const struct diag_dev *d = &c->facts->devs[i];
		const struct diag_devnode *dn = &n->devnodes[i];

		if (!d->usable || !c->in_scope[i] || dn->state == 1)
			continue;
		if (dn->state == -2) {
			diag_add(r, ok ? DIAG_WARN : DIAG_FAIL, "dev_node_missing",
				 DIAG_WHERE(DIAG_AT_PCIE, i, -1),
				 "modprobe ib_uverbs",
				 "%s is usable but has no uverbs device in sysfs "
				 "(ib_uverbs not loaded?): no program can open it",
				 d->name);
			continue;
		}
		if (n->container)
			snprintf(fix, sizeof(fix), "pass --device "
				 "/dev/infiniband/%s to the container", dn->uverbs);
		else
			snprintf(fix, sizeof(fix), "check udev's rule for "
				 "/dev/infiniband/%s (mode 0666)", dn->uverbs);
		diag_add(r, ok ? DIAG_WARN : DIAG_FAIL, "dev_node_missing",
			 DIAG_WHERE(DIAG_AT_PCIE, i, -1), fix,
			 "%s is usable but /dev/infiniband/%s is %s%s: NCCL cannot "
			 "open it%s", d->name, dn->uverbs,
			 dn->state ? "not readable and writable" : "missing",
			 n->container ? " in this container" : "",
			 ok ? " and uses the other devices only" :
			      ", so no RDMA device is left (sockets)");
	}
}

void diag_chk_rdma_cm(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_node *n = c->node;

	/* Outside a container a missing node is no fault: librdmacm loads
	 * rdma_ucm on first use, which creates it (seen in the Soft-RoCE
	 * lab, whose VMs boot without it). A container cannot. */
	if (!any_usable(c) || n->rdma_cm == 1 ||
	    (n->rdma_cm == 0 && !n->container))
		return;
	diag_add(r, DIAG_WARN, "rdma_cm_missing", DIAG_WHERE_END,
		 n->container && n->rdma_cm == 0 ?
		 "pass --device /dev/infiniband/rdma_cm to the container" :
		 "check udev's rule for /dev/infiniband/rdma_cm (mode 0666)",
		 "/dev/infiniband/rdma_cm is %s%s: rdma_cm connections fail "
		 "(ib_lat -R, perftest -R, UCX and NIXL); NCCL itself does "
		 "not need it", n->rdma_cm ? "not accessible" : "missing",
		 n->container ? " in this container" : "");
}

static void fmt_bytes(long long v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "unlimited");
	else if (v >= 1ll << 30)
		snprintf(buf, len, "%.1f GiB", v / (double)(1ll << 30));
	else if (v >= 1ll << 20)
		snprintf(buf, len, "%.1f MiB", v / (double)(1ll << 20));
	else
		snprintf(buf, len, "%lld KiB", v >> 10);
}

void diag_chk_memlock(const struct diag_ctx *c, struct diag_report *r)
{
	static const char fix[] = "ulimit -l unlimited (limits.conf memlock, "
				  "systemd LimitMEMLOCK=infinity, docker "
				  "--ulimit memlock=-1)";
	long long eff = diag_memlock_effective(c->node);
	long long need = c->scope->memlock_need;
	char have[32], want[32];

	if (eff < 0 || !any_usable(c))
		return;
	fmt_bytes(eff, have, sizeof(have));
	fmt_bytes(need, want, sizeof(want));
	if (need > 0 && eff < need)
		diag_add(r, DIAG_FAIL, "memlock_low", DIAG_WHERE_END, fix,
			 "RLIMIT_MEMLOCK is %s and CAP_IPC_LOCK is off: "
			 "registering this run's %s of buffers fails", have,
			 want);
	else
		diag_add(r, DIAG_WARN, "memlock_low", DIAG_WHERE_END, fix,
			 "RLIMIT_MEMLOCK is %s (not unlimited) and CAP_IPC_LOCK "
			 "is off: NCCL registers every buffer it sends from (in "
			 "host memory where GPUDirect RDMA is off) and fails with "
			 "\"ibv_reg_mr failed\" past the limit", have);
}

bool diag_gdr_nic_ok(const struct diag_node *n)
{
	return n->peermem || (n->dmabuf_kernel == 1 && n->dmabuf_verbs == 1 &&
			      n->dmabuf_nic == 1);
}

static bool have_gpu(const struct diag_facts *f, const struct diag_node *n)
{
	return (f && f->ngpus > 0) || n->cuda_gpus > 0;
}

void diag_chk_gdr(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_node *n = c->node;
	char why[160];

	if (!have_gpu(c->facts, n) || !any_usable(c) || n->gpu_gdr == 0 ||
	    diag_gdr_nic_ok(n))
		return;
	snprintf(why, sizeof(why), "kernel %s%s, rdma-core %s", n->kernel[0] ?
		 n->kernel : "?", n->dmabuf_kernel == 1 ? "" : " (< 5.12)",
		 n->dmabuf_verbs == 1 ? (n->dmabuf_nic == 1 ? "ok" :
		 "ok but the NIC refuses dma-buf") : "without ibv_reg_dmabuf_mr");
	diag_add(r, DIAG_WARN, "gdr_unavailable", DIAG_WHERE_END,
		 "modprobe nvidia-peermem, or dma-buf: NVIDIA open kernel "
		 "module, kernel 5.12+, rdma-core 34+",
		 "the GPU %s GPUDirect RDMA but the NIC side has neither "
		 "nvidia-peermem nor dma-buf (%s): NCCL stages every transfer "
		 "in host memory", n->gpu_gdr == 1 ? "supports" : "may support",
		 why);
}

/* NCCL's path levels (graph/topo.h), nearest first, and nvidia-smi's
 * classes (diag_path) mapped onto them: NODE is NCCL's PHB. */
static int gdr_level(const char *s)
{
	static const char *const names[] = { "LOC", "NVL", "NVB", "C2C", "PIX",
					     "PXB", "P2C", "PXN", "PHB", "SYS" };
	/* the numeric form is the old one: 0 LOC 1 PIX 2 PXB 3 PHB 4 SYS */
	static const int old[] = { 0, 4, 5, 8, 9 };
	char *end;
	long v;
	size_t i;

	if (!strcmp(s, "NODE"))
		return 8;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i]))
			return (int)i;
	v = strtol(s, &end, 10);
	if (!*end && v >= 0 && v <= 4)
		return old[v];
	return -1;
}

void diag_chk_nccl_gdr_level(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_facts *f = c->facts;
	const char *lv = c->vars->net_gdr_level;
	int i, want;

	if (!lv || !*lv || f->ngpus < 1 ||
	    (c->node && (c->node->gpu_gdr == 0 || !diag_gdr_nic_ok(c->node))))
		return;
	want = gdr_level(lv);
	if (want < 0) {
		diag_add(r, DIAG_WARN, "nccl_net_gdr_level", DIAG_WHERE_END,
			 "unset NCCL_NET_GDR_LEVEL",
			 "NCCL_NET_GDR_LEVEL=%s is not a level NCCL knows (LOC, "
			 "PIX, PXB, PHB, SYS)", lv);
		return;
	}
	for (i = 0; i < f->ndevs; i++) {
		const struct diag_dev *d = &f->devs[i];
		const char *cls = d->paths ? d->paths[0].cls : NULL;

		if (!d->usable || !c->in_scope[i] || !cls ||
		    gdr_level(cls) <= want)
			continue;
		diag_add(r, DIAG_WARN, "nccl_net_gdr_level",
			 DIAG_WHERE(DIAG_AT_GPU, i, 0), "unset NCCL_NET_GDR_LEVEL",
			 "NCCL_NET_GDR_LEVEL=%s is nearer than the path %s from "
			 "GPU %s to %s: NCCL turns GPUDirect RDMA off on it", lv,
			 cls, f->gpus[0].bus, d->name);
	}
}

void diag_gdr_describe(const struct diag_node *n, const struct diag_facts *f,
		       const struct diag_nccl_vars *v, char *buf, size_t len)
{
	struct diag_nccl_vars env = diag_nccl_vars_from_env();
	const char *lv;
	char gpu[160] = "";

	if (!v)
		v = &env;
	lv = v->net_gdr_level && *v->net_gdr_level ? v->net_gdr_level : NULL;
	if (!have_gpu(f, n)) {
		snprintf(buf, len, "no GPU");
		return;
	}
	if (n->gpu_name[0])
		snprintf(gpu, sizeof(gpu), " (%s, sm_%d)", n->gpu_name,
			 n->gpu_cc);
	if (n->gpu_gdr == 0) {
		snprintf(buf, len, "off: GPU 0%s reports no GPUDirect RDMA "
			 "(CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED 0%s): "
			 "NCCL stages every transfer in host memory", gpu,
			 n->gpu_cc == 121 ? "; NVIDIA does not support it on "
			 "DGX Spark / GB10" : "");
		return;
	}
	if (!diag_gdr_nic_ok(n)) {
		snprintf(buf, len, "off: GPU 0%s %s it, but the NIC side has "
			 "neither nvidia-peermem nor dma-buf: NCCL stages in "
			 "host memory", gpu, n->gpu_gdr == 1 ? "supports" :
			 "may support");
		return;
	}
	snprintf(buf, len, "available: %s%s; NCCL uses it where the GPU-NIC "
		 "path is within NCCL_NET_GDR_LEVEL (%s)", n->peermem ?
		 "nvidia-peermem loaded" : "dma-buf (kernel, rdma-core, NIC)",
		 gpu, lv ? lv : "unset: NCCL's default PXB, C2C paths allowed");
}

/* ---- versions against the peers -------------------------------------- */

struct ver_field {
	const char *what;
	size_t	    off;
	bool	    fail;	/* a mismatch breaks the run, not just a WARN */
	const char *why;
};

#define VF(f, what, fail, why) \
	{ what, offsetof(struct diag_node, f), fail, why }
static const struct ver_field ver_fields[] = {
	/* NCCL refuses peers of another version at init ("Mismatched NCCL
	 * version detected", init.cc). */
	VF(nccl, "NCCL", true, "NCCL refuses to connect ranks of different "
	   "versions (\"Mismatched NCCL version\")"),
	VF(driver, "NVIDIA driver", false, "kernels and timings can differ"),
	VF(cuda_driver, "CUDA (driver API)", false,
	   "kernels and timings can differ"),
	VF(cuda_runtime, "CUDA runtime", false, "kernels and timings can differ"),
	VF(rdma_core, "rdma-core", false, "verbs behaviour can differ"),
	VF(kernel, "kernel", false, "RDMA core and driver behaviour can differ"),
};

void diag_chk_versions(const struct diag_ctx *c, struct diag_report *r)
{
	const char *self = c->scope->self_name && *c->scope->self_name ?
			   c->scope->self_name : "this node";
	char fix[160];
	size_t k;
	int p;

	for (p = 0; p < c->scope->npeers; p++) {
		const struct diag_node *o = &c->scope->peers[p];
		const char *pn = c->scope->peer_names ?
				 c->scope->peer_names[p] : "the peer";

		for (k = 0; k < sizeof(ver_fields) / sizeof(ver_fields[0]);
		     k++) {
			const struct ver_field *vf = &ver_fields[k];
			const char *a = (const char *)c->node + vf->off;
			const char *b = (const char *)o + vf->off;

			if (!a[0] || !b[0] || !strcmp(a, b))
				continue;
			snprintf(fix, sizeof(fix), "install the same %s on both "
				 "nodes", vf->what);
			diag_add(r, vf->fail ? DIAG_FAIL : DIAG_WARN,
				 "versions_differ", DIAG_WHERE_END, fix,
				 "%s %s on %s, %s on %s: %s", vf->what, a, self, b,
				 pn, vf->why);
		}
	}
}
