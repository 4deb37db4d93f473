// SPDX-License-Identifier: MIT
/*
 * Node facts beyond the RDMA devices (see struct diag_node): what a
 * container hides, how much memory may be locked, GPUDirect RDMA as it
 * really is, and the versions two nodes must agree on.
 *
 * Files are read under a root ("" for this node; a fixture in the tests).
 * Libraries are probed with dlopen, never linked, so that the facts can be
 * read on a node without CUDA or NCCL and the tools that link diag do not
 * grow a dependency: libcuda (the driver's CUDA version and GPU 0's
 * GPUDirect RDMA and dma-buf attributes, the same ones NCCL asks),
 * libcudart, libnccl.so.2 and libibverbs (its file name carries the
 * rdma-core version; ibv_reg_dmabuf_mr's presence and NCCL's own probe of
 * it with fd -1 on the first usable device).
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config.h"
#include "diag_int.h"

#if HAVE_VERBS
#include <infiniband/verbs.h>
#endif

/* A file under root, into buf (trimmed); -errno if it cannot be read. */
static int rootf(const char *root, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rootf(const char *root, char *buf, size_t len, const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	return diag_sysfs_read(path, buf, len);
}

static bool rootexists(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	return access(path, F_OK) == 0;
}

/* 1 read/write, 0 missing, -1 there but not accessible. */
static int node_state(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (access(path, F_OK))
		return 0;
	return access(path, R_OK | W_OK) ? -1 : 1;
}

/* The type of the file system mounted at / (the last mount on it). */
static void root_fstype(const char *root, char *buf, size_t len)
{
	char path[PATH_MAX], line[1024];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", root);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[256], *dash;

		/* id parent major:minor root MOUNTPOINT opts ... - TYPE src */
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    strcmp(mnt, "/"))
			continue;
		dash = strstr(line, " - ");
		if (dash)
			snprintf(buf, len, "%.*s", (int)strcspn(dash + 3, " \n"),
				 dash + 3);
	}
	fclose(f);
}

/*
 * Signs of a container. /.dockerenv alone is not one: images exported
 * from Docker keep it when they boot as VMs (and the Soft-RoCE lab's VMs
 * see the host's through their shared root), so it counts with an
 * overlay root only, which is what Docker mounts.
 */
static void container(const char *root, struct diag_node *n)
{
	static const char *const words[] = { "docker", "kubepods", "containerd",
					     "libpod", "lxc" };
	char cg[4096], fs[64];
	size_t i;

	if (rootexists(root, "/run/.containerenv")) {
		n->container = true;
		snprintf(n->container_why, sizeof(n->container_why),
			 "/run/.containerenv exists");
		return;
	}
	root_fstype(root, fs, sizeof(fs));
	if (rootexists(root, "/.dockerenv") && !strcmp(fs, "overlay")) {
		n->container = true;
		snprintf(n->container_why, sizeof(n->container_why),
			 "/.dockerenv and an overlay root");
		return;
	}
	if (rootf(root, cg, sizeof(cg), "/proc/1/cgroup"))
		return;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strstr(cg, words[i])) {
			n->container = true;
			snprintf(n->container_why, sizeof(n->container_why),
				 "/proc/1/cgroup names %s", words[i]);
			return;
		}
	}
}

/* uverbsN of each device: /sys/class/infiniband_verbs/uverbsN/ibdev. */
static void devnodes(const char *root, const struct diag_facts *f,
		     struct diag_node *n)
{
	char dir[PATH_MAX], ibdev[64], rel[96];
	struct dirent **nl;
	int i, k, cnt;

	snprintf(dir, sizeof(dir), "%s/sys/class/infiniband_verbs", root);
	cnt = diag_scan(dir, &nl);
	n->ndevnodes = f ? f->ndevs : 0;
	for (i = 0; i < n->ndevnodes; i++) {
		struct diag_devnode *d = &n->devnodes[i];

		d->state = -2;
		for (k = 0; k < cnt; k++) {
			if (strncmp(nl[k]->d_name, "uverbs", 6) ||
			    rootf(root, ibdev, sizeof(ibdev),
				  "/sys/class/infiniband_verbs/%s/ibdev",
				  nl[k]->d_name) ||
			    strcmp(ibdev, f->devs[i].name))
				continue;
			snprintf(d->uverbs, sizeof(d->uverbs), "%.31s",
				 nl[k]->d_name);
			snprintf(rel, sizeof(rel), "/dev/infiniband/%s",
				 d->uverbs);
			d->state = node_state(root, rel);
			break;
		}
	}
	diag_scan_free(nl, cnt);
	n->rdma_cm = node_state(root, "/dev/infiniband/rdma_cm");
}

/* CapEff bit 14 (CAP_IPC_LOCK) of this process. */
static int cap_ipc_lock(void)
{
	char st[4096], *p;
	unsigned long long eff;

	if (diag_sysfs_read("/proc/self/status", st, sizeof(st)))
		return -1;
	p = strstr(st, "\nCapEff:");
	if (!p || sscanf(p + 8, "%llx", &eff) != 1)
		return -1;
	return (eff >> 14) & 1;
}

static void memlock(struct diag_node *n)
{
	struct rlimit rl;

	n->memlock_soft = n->memlock_hard = 0;
	if (!getrlimit(RLIMIT_MEMLOCK, &rl)) {
		n->memlock_soft = rl.rlim_cur == RLIM_INFINITY ?
				  -1 : (long long)rl.rlim_cur;
		n->memlock_hard = rl.rlim_max == RLIM_INFINITY ?
				  -1 : (long long)rl.rlim_max;
	}
	n->cap_ipc_lock = cap_ipc_lock();
}

long long diag_memlock_effective(const struct diag_node *n)
{
	return n->cap_ipc_lock == 1 ? -1 : n->memlock_soft;
}

/* "6.1.0-26-amd64" is 5.12 or later. */
static int kernel_ge(const char *rel, int maj, int min)
{
	int a, b;

	if (sscanf(rel, "%d.%d", &a, &b) != 2)
		return -1;
	return a > maj || (a == maj && b >= min);
}

static void kernel_and_driver(const char *root, struct diag_node *n)
{
	char v[256];
	struct utsname u;

	if (!rootf(root, v, sizeof(v), "/proc/sys/kernel/osrelease"))
		snprintf(n->kernel, sizeof(n->kernel), "%.63s", v);
	else if (!root[0] && !uname(&u))
		snprintf(n->kernel, sizeof(n->kernel), "%.63s", u.release);
	n->dmabuf_kernel = n->kernel[0] ? kernel_ge(n->kernel, 5, 12) : -1;
	if (!rootf(root, v, sizeof(v), "/sys/module/nvidia/version"))
		snprintf(n->driver, sizeof(n->driver), "%.63s", v);
	if (!rootf(root, v, sizeof(v), "/proc/driver/nvidia/version"))
		snprintf(n->nvidia_kmod, sizeof(n->nvidia_kmod), "%s",
			 strstr(v, "Open Kernel Module") ? "open" :
							   "proprietary");
	else if (n->driver[0])
		snprintf(n->nvidia_kmod, sizeof(n->nvidia_kmod), "%s",
			 rootexists(root, "/sys/module/nvidia/drivers") ?
			 "proprietary" : "");
	n->peermem = rootexists(root, "/sys/module/nvidia_peermem") ||
		     rootexists(root, "/sys/module/nv_peer_mem");
}

/* CUDA's version integers: 13000 -> "13.0". */
static void cuda_ver(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d", v / 1000, (v % 1000) / 10);
}

typedef int (*int_fn)(int *);

static void cuda_driver(struct diag_node *n)
{
	void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
	int (*init)(unsigned), (*count)(int *), (*get)(int *, int);
	int (*attr)(int *, int, int), (*name)(char *, int, int);
	int_fn ver;
	int v, dev;

	n->cuda_gpus = -1;
	if (!h)
		return;
	ver = (int_fn)dlsym(h, "cuDriverGetVersion");
	init = (int (*)(unsigned))dlsym(h, "cuInit");
	count = (int (*)(int *))dlsym(h, "cuDeviceGetCount");
	get = (int (*)(int *, int))dlsym(h, "cuDeviceGet");
	attr = (int (*)(int *, int, int))dlsym(h, "cuDeviceGetAttribute");
	name = (int (*)(char *, int, int))dlsym(h, "cuDeviceGetName");
	if (ver && !ver(&v))
		cuda_ver(v, n->cuda_driver, sizeof(n->cuda_driver));
	if (!init || !count || !get || !attr || init(0) || count(&v))
		goto out;
	n->cuda_gpus = v;
	if (v < 1 || get(&dev, 0))
		goto out;
	/* CUdevice_attribute values (cuda.h): INTEGRATED 18, COMPUTE_CAPABILITY
	 * MAJOR 75 / MINOR 76, GPU_DIRECT_RDMA_SUPPORTED 116, DMA_BUF_SUPPORTED
	 * 124: what NCCL reads (plugin/net.cc) before it enables GDR. */
	if (!attr(&v, 18, dev))
		n->gpu_integrated = v != 0;
	if (!attr(&v, 116, dev))
		n->gpu_gdr = v != 0;
	if (!attr(&v, 124, dev))
		n->gpu_dmabuf = v != 0;
	if (!attr(&v, 75, dev)) {
		n->gpu_cc = v * 10;
		if (!attr(&v, 76, dev))
			n->gpu_cc += v;
	}
	if (name)
		name(n->gpu_name, sizeof(n->gpu_name), dev);
out:
	dlclose(h);
}

static void cuda_runtime(struct diag_node *n)
{
	static const char *const libs[] = { "libcudart.so", "libcudart.so.13",
					    "libcudart.so.12" };
	size_t i;
	int v;

	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		void *h = dlopen(libs[i], RTLD_LAZY | RTLD_LOCAL);
		int_fn f;

		if (!h)
			continue;
		f = (int_fn)dlsym(h, "cudaRuntimeGetVersion");
		if (f && !f(&v))
			cuda_ver(v, n->cuda_runtime, sizeof(n->cuda_runtime));
		dlclose(h);
		if (n->cuda_runtime[0])
			return;
	}
}

static void nccl(struct diag_node *n)
{
	void *h = dlopen("libnccl.so.2", RTLD_LAZY | RTLD_LOCAL);
	int_fn f;
	int v;

	if (!h)
		return;
	/* ncclGetVersion: 22809 = 2.28.9 (NCCL_VERSION_CODE since 2.9). */
	f = (int_fn)dlsym(h, "ncclGetVersion");
	if (f && !f(&v))
		snprintf(n->nccl, sizeof(n->nccl), "%d.%d.%d", v / 10000,
			 (v / 100) % 100, v % 100);
	dlclose(h);
}

#if HAVE_VERBS
/* NCCL's ncclIbDmaBufSupport (net_ib.cc): a dma-buf MR on fd -1 fails with
 * EOPNOTSUPP/EPROTONOSUPPORT when the device or kernel cannot do it, with
 * another error (EBADF) when it could. */
static void dmabuf_probe(const struct diag_facts *f, struct diag_node *n)
{
	struct ibv_device **l = ibv_get_device_list(NULL), **p;
	struct ibv_context *ctx = NULL;
	struct ibv_pd *pd = NULL;
	struct ibv_mr *mr;
	int i;

	for (i = 0; f && i < f->ndevs && !n->dmabuf_dev[0]; i++)
		if (f->devs[i].usable)
			snprintf(n->dmabuf_dev, sizeof(n->dmabuf_dev), "%s",
				 f->devs[i].name);
	for (p = l; p && *p && n->dmabuf_dev[0] && !ctx; p++)
		if (!strcmp(ibv_get_device_name(*p), n->dmabuf_dev))
			ctx = ibv_open_device(*p);
	if (ctx)
		pd = ibv_alloc_pd(ctx);
	if (pd) {
		errno = 0;
		mr = ibv_reg_dmabuf_mr(pd, 0, 0, 0, -1, 0);
		if (mr)
			ibv_dereg_mr(mr);
		n->dmabuf_nic = !(errno == EOPNOTSUPP ||
				  errno == EPROTONOSUPPORT);
		ibv_dealloc_pd(pd);
	}
	if (ctx)
		ibv_close_device(ctx);
	if (l)
		ibv_free_device_list(l);
}
#endif

static void rdma_core(const struct diag_facts *f, struct diag_node *n)
{
	void *h = dlopen("libibverbs.so.1", RTLD_LAZY | RTLD_LOCAL);
	struct link_map *lm = NULL;
	char real[PATH_MAX];
	const char *base;
	int a, b, c, d;

	if (!h)
		return;
	n->dmabuf_verbs = dlsym(h, "ibv_reg_dmabuf_mr") != NULL;
	/* libibverbs.so.1.<abi>.<rdma-core major>.<minor> */
	if (!dlinfo(h, RTLD_DI_LINKMAP, &lm) && lm && lm->l_name &&
	    realpath(lm->l_name, real)) {
		base = strrchr(real, '/');
		base = base ? base + 1 : real;
		if (sscanf(base, "libibverbs.so.%d.%d.%d.%d", &a, &b, &c, &d) ==
		    4)
			snprintf(n->rdma_core, sizeof(n->rdma_core), "%d.%d", c,
				 d);
	}
	dlclose(h);
#if HAVE_VERBS
	if (n->dmabuf_verbs == 1)
		dmabuf_probe(f, n);
#endif
	(void)f;
}

int diag_node_collect(const char *root, const struct diag_facts *f,
		      struct diag_node *n)
{
	memset(n, 0, sizeof(*n));
	n->cap_ipc_lock = n->dmabuf_kernel = n->dmabuf_verbs = -1;
	n->dmabuf_nic = n->gpu_gdr = n->gpu_dmabuf = n->gpu_integrated = -1;
	n->cuda_gpus = -1;
	if (!root)
		root = "";
	container(root, n);
	devnodes(root, f, n);
	memlock(n);
	kernel_and_driver(root, n);
	if (root[0])
		return 0;
	cuda_driver(n);
	cuda_runtime(n);
	nccl(n);
	rdma_core(f, n);
	return 0;
}

/* ---- JSON ------------------------------------------------------------ */

/* Tri-state as JSON: true, false, null. */
static json_t *tri(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static const char *devnode_word(int st)
{
	switch (st) {
	case 1: return "ok";
	case 0: return "missing";
	case -1: return "no access";
	default: return "unknown";
	}
}

json_t *diag_node_json(const struct diag_node *n, const struct diag_facts *f)
{
	json_t *dn = json_array(), *j;
	int i;

	for (i = 0; i < n->ndevnodes; i++)
		json_array_append_new(dn, json_pack("{s:s,s:s,s:s,s:i}",
			"device", f && i < f->ndevs ? f->devs[i].name : "",
			"uverbs", n->devnodes[i].uverbs, "node",
			devnode_word(n->devnodes[i].state), "state",
			n->devnodes[i].state));
	j = json_pack("{s:b,s:s,s:o,s:s,s:I,s:I,s:o}",
		      "container", n->container, "container_why",
		      n->container_why, "devnodes", dn, "rdma_cm",
		      devnode_word(n->rdma_cm), "memlock_soft",
		      (json_int_t)n->memlock_soft, "memlock_hard",
		      (json_int_t)n->memlock_hard, "cap_ipc_lock",
		      tri(n->cap_ipc_lock));
	if (!j)
		return NULL;
	json_object_set_new(j, "gdr", json_pack(
		"{s:o,s:s,s:o,s:o,s:o,s:s,s:i,s:s,s:i,s:o,s:o,s:o}",
		"peermem", json_boolean(n->peermem), "nvidia_kmod",
		n->nvidia_kmod, "dmabuf_kernel", tri(n->dmabuf_kernel),
		"dmabuf_verbs", tri(n->dmabuf_verbs), "dmabuf_nic",
		tri(n->dmabuf_nic), "dmabuf_dev", n->dmabuf_dev, "cuda_gpus",
		n->cuda_gpus, "gpu_name", n->gpu_name, "gpu_cc", n->gpu_cc,
		"gpu_integrated", tri(n->gpu_integrated), "gpu_gdr",
		tri(n->gpu_gdr), "gpu_dmabuf", tri(n->gpu_dmabuf)));
	json_object_set_new(j, "versions", json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s}", "kernel", n->kernel, "driver",
		n->driver, "cuda_driver", n->cuda_driver, "cuda_runtime",
		n->cuda_runtime, "nccl", n->nccl, "rdma_core", n->rdma_core));
	return j;
}

/* A string field into buf: 0, or -EPROTO when present but not a string. */
static int jstr(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return -EPROTO;
	snprintf(buf, len, "%s", json_string_value(v));
	return 0;
}

static int jtri(json_t *o, const char *key, int *v_p)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*v_p = json_is_true(v);
		return 0;
	}
	if (json_is_integer(v)) {
		*v_p = (int)json_integer_value(v);
		return 0;
	}
	return -EPROTO;
}

int diag_node_from_json(json_t *j, struct diag_node *n)
{
	json_t *g, *v, *o;
	int ret = 0;

	memset(n, 0, sizeof(*n));
	n->cap_ipc_lock = n->dmabuf_kernel = n->dmabuf_verbs = -1;
	n->dmabuf_nic = n->gpu_gdr = n->gpu_dmabuf = n->gpu_integrated = -1;
	n->cuda_gpus = -1;
	if (!json_is_object(j))
		return -EPROTO;
	v = json_object_get(j, "container");
	n->container = json_is_true(v);
	ret |= jstr(j, "container_why", n->container_why,
		    sizeof(n->container_why));
	v = json_object_get(j, "memlock_soft");
	n->memlock_soft = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(j, "memlock_hard");
	n->memlock_hard = json_is_integer(v) ? json_integer_value(v) : 0;
	ret |= jtri(j, "cap_ipc_lock", &n->cap_ipc_lock);
	g = json_object_get(j, "gdr");
	if (json_is_object(g)) {
		n->peermem = json_is_true(json_object_get(g, "peermem"));
		ret |= jstr(g, "nvidia_kmod", n->nvidia_kmod,
			    sizeof(n->nvidia_kmod));
		ret |= jtri(g, "dmabuf_kernel", &n->dmabuf_kernel);
		ret |= jtri(g, "dmabuf_verbs", &n->dmabuf_verbs);
		ret |= jtri(g, "dmabuf_nic", &n->dmabuf_nic);
		ret |= jtri(g, "cuda_gpus", &n->cuda_gpus);
		ret |= jtri(g, "gpu_gdr", &n->gpu_gdr);
		ret |= jtri(g, "gpu_dmabuf", &n->gpu_dmabuf);
		ret |= jtri(g, "gpu_integrated", &n->gpu_integrated);
		ret |= jtri(g, "gpu_cc", &n->gpu_cc);
		ret |= jstr(g, "gpu_name", n->gpu_name, sizeof(n->gpu_name));
	}
	o = json_object_get(j, "versions");
	if (o && !json_is_object(o))
		return -EPROTO;
	ret |= jstr(o, "kernel", n->kernel, sizeof(n->kernel));
	ret |= jstr(o, "driver", n->driver, sizeof(n->driver));
	ret |= jstr(o, "cuda_driver", n->cuda_driver, sizeof(n->cuda_driver));
	ret |= jstr(o, "cuda_runtime", n->cuda_runtime,
		    sizeof(n->cuda_runtime));
	ret |= jstr(o, "nccl", n->nccl, sizeof(n->nccl));
	ret |= jstr(o, "rdma_core", n->rdma_core, sizeof(n->rdma_core));
	return ret ? -EPROTO : 0;
}
