// SPDX-License-Identifier: MIT
/*
 * diag's node facts and checks (issue 16):
 * - diag_node_collect() over sysfs-like fixtures (data/node-container: a
 *   GB10 node inside a container started with the reference report's
 *   --device flags, uverbs2 missing; data/node-bare), and over this
 *   process itself (RLIMIT_MEMLOCK lowered with setrlimit, CAP_IPC_LOCK
 *   dropped with capset: the real process state the check reads);
 * - the checks: device nodes (WARN while another device has its node,
 *   FAIL when none has), rdma_cm, memlock (FAIL below what the run
 *   registers, WARN below unlimited), GPUDirect RDMA, NCCL_NET_GDR_LEVEL,
 *   versions against peers (NCCL: FAIL; the rest WARN);
 * - the node JSON and its reading back (a peer's garbage is -EPROTO);
 * - this host's real versions against independent sources (uname, the
 *   libibverbs file name).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "diag.h"
#include "bm_test.h"

static const char *data;	/* tests/diag/data */

/* Two usable GB10 halves and an inactive one, by name (facts as
 * collect.c derives them; the node checks read only these fields). */
static struct diag_facts *facts(const char *const *names, int n)
{
	struct diag_facts *f = calloc(1, sizeof(*f));
	int i;

	f->locality = "sysfs";
	f->sys = DIAG_SYS_OK;
	f->ndevs = f->ndev_total = n;
	f->devs = calloc((size_t)n, sizeof(*f->devs));
	f->ngpus = 1;
	f->gpus = calloc(1, sizeof(*f->gpus));
	snprintf(f->gpus[0].bus, sizeof(f->gpus[0].bus), "000f:01:00.0");
	for (i = 0; i < n; i++) {
		struct diag_dev *d = &f->devs[i];

		snprintf(d->name, sizeof(d->name), "%s", names[i]);
		d->usable = i < 2;
		d->port = 1;
		d->gid = 3;
		d->numa = 0;
		d->paths = calloc(1, sizeof(*d->paths));
		d->paths[0] = (struct diag_path){ .cls = "NODE", .hops = -1 };
	}
	return f;
}

static int count(const struct diag_report *r, const char *code,
		 enum diag_sev sev, const char *text)
{
	int i, n = 0;

	for (i = 0; i < r->nf; i++)
		n += !strcmp(r->f[i].code, code) && r->f[i].sev == sev &&
		     (!text || strstr(r->f[i].message, text) ||
		      strstr(r->f[i].fix, text));
	return n;
}

static void container(void)
{
	static const char *const names[] = { "roceP2p1s0f0", "rocep1s0f0",
					     "rocep1s0f1" };
	char root[4096];
	struct diag_facts *f = facts(names, 3);
	struct diag_node n;
	struct diag_report *r;
	struct diag_scope s;

	snprintf(root, sizeof(root), "%s/node-container", data);
	EXPECT_EQ(diag_node_collect(root, f, &n), 0);
	EXPECT(n.container);
	EXPECT_STREQ(n.container_why, "/.dockerenv and an overlay root");
	EXPECT_EQ(n.ndevnodes, 3);
	EXPECT_STREQ(n.devnodes[0].uverbs, "uverbs2");
	EXPECT_EQ(n.devnodes[0].state, 0);	/* not passed to the container */
	EXPECT_STREQ(n.devnodes[1].uverbs, "uverbs0");
	EXPECT_EQ(n.devnodes[1].state, 1);
	EXPECT_EQ(n.devnodes[2].state, -2);	/* no uverbs entry at all */
	EXPECT_EQ(n.rdma_cm, 1);
	EXPECT_STREQ(n.kernel, "6.11.0-1016-nvidia");
	EXPECT_EQ(n.dmabuf_kernel, 1);
	EXPECT_STREQ(n.driver, "580.95.05");
	EXPECT_STREQ(n.nvidia_kmod, "open");
	EXPECT_EQ(n.peermem, 0);
	/* with a root, libraries and the CUDA driver are not probed */
	EXPECT_EQ(n.cuda_gpus, -1);
	EXPECT_STREQ(n.nccl, "");

	s = (struct diag_scope){ .groups = DIAG_G_NODE, .node = &n };
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	/* one half still has its node: a WARN naming the missing one and the
	 * container flag that fixes it */
	EXPECT_EQ(count(r, "dev_node_missing", DIAG_WARN, "roceP2p1s0f0"), 1);
	EXPECT_EQ(count(r, "dev_node_missing", DIAG_WARN,
			"--device /dev/infiniband/uverbs2"), 1);
	EXPECT_EQ(count(r, "dev_node_missing", DIAG_WARN, "in this container"),
		  1);
	EXPECT_EQ(count(r, "rdma_cm_missing", DIAG_WARN, NULL), 0);
	EXPECT(diag_ran(r, "dev_node_missing"));
	EXPECT(diag_ran(r, "memlock_low"));
	EXPECT(!diag_ran(r, "versions_differ"));	/* no peers given */
	diag_report_free(r);

	/* neither usable device's node is there: no RDMA left, FAIL */
	f = facts(names, 3);
	n.devnodes[1].state = 0;
	n.rdma_cm = 0;
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "dev_node_missing", DIAG_FAIL, NULL), 2);
	EXPECT_EQ(count(r, "rdma_cm_missing", DIAG_WARN,
			"--device /dev/infiniband/rdma_cm"), 1);
	diag_report_free(r);

	/* the node group without node facts has not run */
	f = facts(names, 3);
	s.node = NULL;
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT(!diag_ran(r, "dev_node_missing"));
	EXPECT_EQ(r->nf, 0);
	diag_report_free(r);
}

static void bare(void)
{
	static const char *const names[] = { "rxe0" };
	char root[4096];
	struct diag_facts *f = facts(names, 1);
	struct diag_node n;
	struct diag_report *r;
	struct diag_scope s;

	snprintf(root, sizeof(root), "%s/node-bare", data);
	EXPECT_EQ(diag_node_collect(root, f, &n), 0);
	EXPECT(!n.container);	/* /.dockerenv on a VM's ext4 root */
	EXPECT_EQ(n.devnodes[0].state, 1);
	EXPECT_EQ(n.rdma_cm, 0);
	EXPECT_STREQ(n.nvidia_kmod, "proprietary");
	EXPECT_EQ(n.peermem, 1);
	EXPECT(diag_gdr_nic_ok(&n));
	s = (struct diag_scope){ .groups = DIAG_G_NODE, .node = &n };
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	/* librdmacm loads rdma_ucm on first use outside a container */
	EXPECT_EQ(count(r, "rdma_cm_missing", DIAG_WARN, NULL), 0);
	EXPECT_EQ(count(r, "dev_node_missing", DIAG_WARN, NULL) +
		  count(r, "dev_node_missing", DIAG_FAIL, NULL), 0);
	EXPECT_EQ(count(r, "gdr_unavailable", DIAG_WARN, NULL), 0);
	diag_report_free(r);
}

/* Drop CAP_IPC_LOCK from this process's effective set. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_IPC_LOCK);
	return (int)syscall(SYS_capset, &h, d);
}

static void memlock(void)
{
	static const char *const names[] = { "rxe0" };
	struct rlimit rl = { 8 << 20, 8 << 20 };
	struct diag_facts *f;
	struct diag_node n;
	struct diag_report *r;
	struct diag_scope s;

	EXPECT_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	EXPECT_EQ(drop_ipc_lock(), 0);
	diag_node_collect("", NULL, &n);
	EXPECT_EQ(n.memlock_soft, 8 << 20);
	EXPECT_EQ(n.memlock_hard, 8 << 20);
	EXPECT_EQ(n.cap_ipc_lock, 0);
	EXPECT_EQ(diag_memlock_effective(&n), 8 << 20);

	/* this run registers 16 MiB at once: it would fail */
	f = facts(names, 1);
	s = (struct diag_scope){ .groups = DIAG_G_NODE, .node = &n,
				 .memlock_need = 16 << 20 };
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "memlock_low", DIAG_FAIL, "8.0 MiB"), 1);
	EXPECT_EQ(count(r, "memlock_low", DIAG_FAIL, "ulimit -l unlimited"), 1);
	diag_report_free(r);
	/* it needs 1 MiB: works, but NCCL will want more */
	f = facts(names, 1);
	s.memlock_need = 1 << 20;
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "memlock_low", DIAG_WARN, "not unlimited"), 1);
	diag_report_free(r);
	/* CAP_IPC_LOCK: the limit does not apply to registration */
	n.cap_ipc_lock = 1;
	f = facts(names, 1);
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "memlock_low", DIAG_WARN, NULL) +
		  count(r, "memlock_low", DIAG_FAIL, NULL), 0);
	EXPECT(diag_ran(r, "memlock_low"));
	diag_report_free(r);
}

static void gdr(void)
{
	static const char *const names[] = { "rocep1s0f0", "roceP2p1s0f0" };
	struct diag_nccl_vars v = { 0 };
	struct diag_node n;
	struct diag_facts *f;
	struct diag_report *r;
	struct diag_scope s;
	char buf[512];

	memset(&n, 0, sizeof(n));
	n.gpu_gdr = 1;
	n.cuda_gpus = 1;
	n.dmabuf_kernel = n.dmabuf_verbs = 1;
	n.dmabuf_nic = 0;
	snprintf(n.kernel, sizeof(n.kernel), "6.8.0");
	f = facts(names, 2);
	s = (struct diag_scope){ .groups = DIAG_G_NODE, .node = &n,
				 .vars = &v };
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "gdr_unavailable", DIAG_WARN,
			"NIC refuses dma-buf"), 1);
	diag_gdr_describe(&n, r->facts, &v, buf, sizeof(buf));
	EXPECT(strstr(buf, "off: GPU 0 supports it") != NULL);
	diag_report_free(r);

	n.peermem = 1;
	f = facts(names, 2);
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "gdr_unavailable", DIAG_WARN, NULL), 0);
	diag_gdr_describe(&n, r->facts, &v, buf, sizeof(buf));
	EXPECT(strstr(buf, "available: nvidia-peermem loaded") != NULL);
	EXPECT(strstr(buf, "default PXB") != NULL);
	diag_report_free(r);

	/* NCCL_NET_GDR_LEVEL=PIX is nearer than the NIC's NODE path: off */
	v.net_gdr_level = "PIX";
	f = facts(names, 2);
	s.groups = DIAG_G_NCCL;
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "nccl_net_gdr_level", DIAG_WARN, "path NODE"), 2);
	diag_report_free(r);
	v.net_gdr_level = "4";	/* the old numbering: SYS */
	f = facts(names, 2);
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "nccl_net_gdr_level", DIAG_WARN, NULL), 0);
	diag_report_free(r);
	v.net_gdr_level = "FAR";
	f = facts(names, 2);
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "nccl_net_gdr_level", DIAG_WARN, "not a level"), 1);
	diag_report_free(r);

	/* GB10: the GPU says no; nothing to fix, the sentence says why */
	memset(&n, 0, sizeof(n));
	n.gpu_gdr = 0;
	n.cuda_gpus = 1;
	n.gpu_cc = 121;
	snprintf(n.gpu_name, sizeof(n.gpu_name), "NVIDIA GB10");
	f = facts(names, 2);
	s.groups = DIAG_G_NODE | DIAG_G_NCCL;
	v.net_gdr_level = "PIX";
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(count(r, "gdr_unavailable", DIAG_WARN, NULL), 0);
	EXPECT_EQ(count(r, "nccl_net_gdr_level", DIAG_WARN, NULL), 0);
	diag_gdr_describe(&n, r->facts, &v, buf, sizeof(buf));
	EXPECT(strstr(buf, "NVIDIA GB10, sm_121") != NULL);
	EXPECT(strstr(buf, "not support it on DGX Spark") != NULL);
	diag_report_free(r);
}

static void versions(void)
{
	static const char *const names[] = { "rocep1s0f0" };
	static const char *const peer_names[] = { "spark-b" };
	struct diag_node a, b;
	struct diag_facts *f = facts(names, 1);
	struct diag_report *r;
	struct diag_scope s;
	json_t *j;

	memset(&a, 0, sizeof(a));
	snprintf(a.nccl, sizeof(a.nccl), "2.28.9");
	snprintf(a.kernel, sizeof(a.kernel), "6.11.0-1016-nvidia");
	snprintf(a.rdma_core, sizeof(a.rdma_core), "50.0");
	b = a;
	snprintf(b.nccl, sizeof(b.nccl), "2.27.3");
	snprintf(b.kernel, sizeof(b.kernel), "6.14.0-1013-nvidia");
	b.rdma_core[0] = '\0';	/* unknown on the peer: not a difference */
	s = (struct diag_scope){ .groups = DIAG_G_DEVICES, .node = &a };
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT(!diag_ran(r, "versions_differ"));
	s = (struct diag_scope){ .groups = DIAG_G_PEER, .node = &a, .peers = &b,
				 .peer_names = peer_names, .npeers = 1,
				 .self_name = "spark-a" };
	EXPECT_EQ(diag_run_more(r, &s), 0);
	EXPECT(diag_ran(r, "versions_differ"));
	EXPECT_EQ(count(r, "versions_differ", DIAG_FAIL,
			"NCCL 2.28.9 on spark-a, 2.27.3 on spark-b"), 1);
	EXPECT_EQ(count(r, "versions_differ", DIAG_WARN, "kernel"), 1);
	EXPECT_EQ(count(r, "versions_differ", DIAG_WARN, "rdma-core"), 0);
	diag_report_free(r);

	/* JSON both ways; a peer's wrong types are refused */
	j = diag_node_json(&b, NULL);
	EXPECT(j != NULL);
	memset(&a, 0, sizeof(a));
	EXPECT_EQ(diag_node_from_json(j, &a), 0);
	EXPECT_STREQ(a.nccl, "2.27.3");
	EXPECT_STREQ(a.kernel, "6.14.0-1013-nvidia");
	EXPECT_EQ(a.cap_ipc_lock, 0);
	json_object_set_new(json_object_get(j, "versions"), "nccl",
			    json_integer(5));
	EXPECT_EQ(diag_node_from_json(j, &a), -EPROTO);
	json_decref(j);
	j = json_string("no");
	EXPECT_EQ(diag_node_from_json(j, &a), -EPROTO);
	json_decref(j);
}

/* This host's facts against sources independent of diag. */
static void this_host(void)
{
	struct diag_node n;
	struct utsname u;
	struct dirent **nl;
	int k, cnt;
	char want[64] = "";

	diag_node_collect("", NULL, &n);
	EXPECT(!uname(&u));
	EXPECT_STREQ(n.kernel, u.release);
	/* rdma-core's version is the tail of libibverbs' file name */
	cnt = scandir("/usr/lib/x86_64-linux-gnu", &nl, NULL, alphasort);
	for (k = 0; k < cnt; k++) {
		int a, b, c, d;

		if (sscanf(nl[k]->d_name, "libibverbs.so.%d.%d.%d.%d", &a, &b,
			   &c, &d) == 4)
			snprintf(want, sizeof(want), "%d.%d", c, d);
		free(nl[k]);
	}
	if (cnt > 0)
		free(nl);
	if (want[0])
		EXPECT_STREQ(n.rdma_core, want);
	printf("this host: kernel %s, rdma-core %s, NCCL %s, CUDA runtime %s, "
	       "driver %s, %d CUDA GPU(s), memlock %lld%s\n", n.kernel,
	       n.rdma_core, n.nccl[0] ? n.nccl : "-", n.cuda_runtime[0] ?
	       n.cuda_runtime : "-", n.driver[0] ? n.driver : "-", n.cuda_gpus,
	       n.memlock_soft, n.container ? ", in a container" : "");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_node DATA_DIR\n");
		return 2;
	}
	data = argv[1];
	container();
	bare();
	gdr();
	versions();
	this_host();
	memlock();	/* last: it drops this process's CAP_IPC_LOCK */
	return TEST_DONE();
}
