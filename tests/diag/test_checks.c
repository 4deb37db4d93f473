// SPDX-License-Identifier: MIT
/*
 * diag's rules and check table over facts built here.
 * - The pure rules: RoCE MTU for a netdev MTU (the kernel's iboe_get_mtu),
 *   PCIe link below both ends' capability (GB10's degraded Gen5 x2), two
 *   PCI functions that are one port over two PCIe links, NCCL's list
 *   syntax for NCCL_IB_HCA and NCCL_SOCKET_IFNAME.
 * - A GB10-shaped node: four devices, two per QSFP port, one per PCIe
 *   half (rocep1s0f0 / roceP2p1s0f0 on port 0 of the NIC, ...s0f1 on
 *   port 1, cable only in port 0), each half Gen5 x4 in an x4 root port
 *   although the function could do x16. The device checks must not flag
 *   the healthy x4 halves (nccl_rt's old check did), must flag the x2 one,
 *   must not flag a netdev MTU of 4192 whose RoCE MTU is already 4096 (the
 *   old "mtu < 4200" rule did), and the NCCL checks must flag the
 *   reference report's NCCL_IB_HCA=rocep1s0f0 (one half).
 * - The order of findings (the --devices text order, not table order),
 *   the rendered text and JSON, and which checks ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "bm_test.h"

static void pure_rules(void)
{
	char msg[128];

	EXPECT_EQ(diag_roce_mtu_for(1500), 1024);
	EXPECT_EQ(diag_roce_mtu_for(4200), 4096);
	EXPECT_EQ(diag_roce_mtu_for(4191), 2048);
	EXPECT_EQ(diag_roce_mtu_for(4192), 4096);
	EXPECT_EQ(diag_roce_mtu_for(9000), 4096);
	EXPECT_EQ(diag_roce_mtu_for(300), 0);

	/* GB10 half: Gen5 x4 in an x4 root port is healthy, x2 is not. */
	EXPECT_EQ(diag_pcie_check("32.0 GT/s PCIe", "4", "32.0 GT/s PCIe", "16",
				  "32.0 GT/s PCIe", "4", msg, sizeof(msg)), 0);
	EXPECT_EQ(diag_pcie_check("32.0 GT/s PCIe", "2", "32.0 GT/s PCIe", "16",
				  "32.0 GT/s PCIe", "4", msg, sizeof(msg)), 1);
	EXPECT_STREQ(msg, "PCIe 32.0 GT/s x2 (capable: 32.0 GT/s x4)");
	EXPECT_EQ(diag_pcie_check("16.0 GT/s PCIe", "16", "32.0 GT/s PCIe", "16",
				  "", "", msg, sizeof(msg)), 1);
	EXPECT_EQ(diag_pcie_check("Unknown", "0", "Unknown", "0", "", "", msg,
				  sizeof(msg)), -1);

	EXPECT(diag_pci_halves("0000:01:00.0", "0002:01:00.0"));
	EXPECT(!diag_pci_halves("0000:01:00.0", "0000:01:00.1")); /* 2 ports */
	EXPECT(!diag_pci_halves("0000:01:00.0", "0000:01:00.0"));
	EXPECT(!diag_pci_halves("0000:01:00.0", "0002:01:00.1"));

	/* NCCL_IB_HCA: prefix by default, "=" exact, "^" excludes, ":port". */
	EXPECT(diag_hca_match(NULL, "mlx5_0", 1));
	EXPECT(diag_hca_match("", "mlx5_0", 1));
	EXPECT(diag_hca_match("mlx5", "mlx5_10", 1));
	EXPECT(!diag_hca_match("=mlx5_1", "mlx5_10", 1));
	EXPECT(diag_hca_match("=mlx5_1", "mlx5_1", 2));
	EXPECT(diag_hca_match("mlx5_0:1,mlx5_1:1", "mlx5_1", 1));
	EXPECT(!diag_hca_match("mlx5_0:1,mlx5_1:1", "mlx5_1", 2));
	EXPECT(diag_hca_match("mlx5_0:1", "mlx5_0", 0)); /* some port of it */
	EXPECT(!diag_hca_match("^=mlx5_1,mlx5_4", "mlx5_1", 1));
	EXPECT(diag_hca_match("^=mlx5_1,mlx5_4", "mlx5_10", 1));
	EXPECT(diag_hca_match("^mlx5_0:2", "mlx5_0", 1));
	EXPECT(!diag_hca_match("^mlx5_0:2", "mlx5_0", 2));
	EXPECT(diag_hca_match("^mlx5_0:2", "mlx5_0", 0)); /* port 1 stays */
	EXPECT(!diag_hca_match("rocep1s0f0", "roceP2p1s0f0", 1));
	/* NCCL_SOCKET_IFNAME: the same syntax, no ports. */
	EXPECT(diag_ifname_match("enp1", "enp1s0f0np0"));
	EXPECT(!diag_ifname_match("=enp1", "enp1s0f0np0"));
	EXPECT(!diag_ifname_match("^docker,lo", "docker0"));
	EXPECT(diag_ifname_match("^docker,lo", "eth0"));
	EXPECT(!diag_ifname_match("eno1", "eth0"));
}

/* ---- a GB10-shaped node ------------------------------------------------- */

#define ROCE_V2_IPV4(a) "0000:0000:0000:0000:0000:ffff:0a00:000" a

static void add_gid(struct diag_port *p, int index, const char *type,
		    const char *gid, const char *netdev)
{
	struct diag_gid *g;

	p->gids = realloc(p->gids, (size_t)(p->ngids + 1) * sizeof(*p->gids));
	g = &p->gids[p->ngids++];
	memset(g, 0, sizeof(*g));
	g->index = index;
	snprintf(g->type, sizeof(g->type), "%s", type);
	snprintf(g->gid, sizeof(g->gid), "%s", gid);
	snprintf(g->netdev, sizeof(g->netdev), "%s", netdev);
}

/* One device with one Ethernet port (as collect.c derives it). */
static void gb10_dev(struct diag_facts *f, int i, const char *name,
		     const char *bus, const char *netdev, bool up,
		     const char *width, const char *ip_last, int netdev_mtu)
{
	struct diag_dev *d = &f->devs[i];
	struct diag_port *p;

	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->node_type, sizeof(d->node_type), "1: CA");
	snprintf(d->bus, sizeof(d->bus), "%s", bus);
	snprintf(d->cpus, sizeof(d->cpus), "0-19");
	d->numa = 0;
	d->gid = -1;
	d->pcie = (struct diag_pcie){ .known = true };
	snprintf(d->pcie.cur_speed, 32, "32.0 GT/s PCIe");
	snprintf(d->pcie.cur_width, 16, "%s", width);
	snprintf(d->pcie.max_speed, 32, "32.0 GT/s PCIe");
	snprintf(d->pcie.max_width, 16, "16");
	snprintf(d->pcie.up_max_speed, 32, "32.0 GT/s PCIe");
	snprintf(d->pcie.up_max_width, 16, "4");
	d->paths = calloc(1, sizeof(*d->paths));
	d->paths[0] = (struct diag_path){ .cls = "NODE", .hops = -1 };
	d->ports = calloc(1, sizeof(*d->ports));
	d->nports = 1;
	p = &d->ports[0];
	p->num = 1;
	snprintf(p->state, sizeof(p->state), up ? "4: ACTIVE" : "1: DOWN");
	p->active = up;
	snprintf(p->link_layer, sizeof(p->link_layer), "Ethernet");
	snprintf(p->rate, sizeof(p->rate), "200 Gb/sec (4X HDR)");
	p->best_gid = -1;
	add_gid(p, 0, "IB/RoCE v1", "fe80:0000:0000:0000:0000:0000:0000:0001",
		netdev);
	add_gid(p, 1, "RoCE v2", "fe80:0000:0000:0000:0000:0000:0000:0001",
		netdev);
	if (ip_last) {
		char g[64];

		snprintf(g, sizeof(g), ROCE_V2_IPV4("%s"), ip_last);
		add_gid(p, 3, "RoCE v2", g, netdev);
		p->best_gid = 3;
		p->n_roce_v2_ipv4 = 1;
		snprintf(p->best_netdev, sizeof(p->best_netdev), "%s", netdev);
	}
	snprintf(d->netdev, sizeof(d->netdev), "%s", netdev);
	snprintf(p->netdev, sizeof(p->netdev), "%s", netdev);
	if (up && ip_last) {
		d->usable = true;
		d->port = 1;
		d->gid = 3;
	}
	p->netdev_mtu = netdev_mtu;
	p->have_attr = true;
	p->max_mtu = 4096;
	p->active_mtu = diag_roce_mtu_for(netdev_mtu);
	p->speed_mbps = p->max_speed_mbps = up ? 200000 : 0;
}

/*
 * devs, sorted by name as sysfs lists them:
 * 0 roceP2p1s0f0 0002:01:00.0 port 0, second half   up, x4, MTU 1500
 * 1 roceP2p1s0f1 0002:01:00.1 port 1, second half   down, MTU 9000
 * 2 rocep1s0f0   0000:01:00.0 port 0, first half    up, x2 (degraded), 4192
 * 3 rocep1s0f1   0000:01:00.1 port 1, first half    down, no IPv4, 9000
 */
static struct diag_facts *gb10(void)
{
	struct diag_facts *f = calloc(1, sizeof(*f));

	f->locality = "hwloc";
	f->sys = DIAG_SYS_OK;
	f->ngpus = 1;
	f->gpus = calloc(1, sizeof(*f->gpus));
	snprintf(f->gpus[0].bus, sizeof(f->gpus[0].bus), "000f:01:00.0");
	snprintf(f->gpus[0].cpus, sizeof(f->gpus[0].cpus), "0-19");
	f->ndevs = f->ndev_total = 4;
	f->devs = calloc(4, sizeof(*f->devs));
	gb10_dev(f, 0, "roceP2p1s0f0", "0002:01:00.0", "enP2p1s0f0np0", true,
		 "4", "1", 1500);
	gb10_dev(f, 1, "roceP2p1s0f1", "0002:01:00.1", "enP2p1s0f1np1", false,
		 "4", "2", 9000);
	gb10_dev(f, 2, "rocep1s0f0", "0000:01:00.0", "enp1s0f0np0", true,
		 "2", "3", 4192);
	gb10_dev(f, 3, "rocep1s0f1", "0000:01:00.1", "enp1s0f1np1", false,
		 "4", NULL, 9000);
	return f;
}

static int count(const struct diag_report *r, const char *code,
		 const char *dev)
{
	int i, n = 0;

	for (i = 0; i < r->nf; i++)
		n += !strcmp(r->f[i].code, code) &&
		     (!dev || !strcmp(r->f[i].device, dev));
	return n;
}

static const struct diag_finding *find(const struct diag_report *r,
				       const char *code)
{
	int i;

	for (i = 0; i < r->nf; i++)
		if (!strcmp(r->f[i].code, code))
			return &r->f[i];
	return NULL;
}

static void devices_scope(void)
{
	const struct diag_scope s = { .groups = DIAG_G_DEVICES };
	struct diag_report *r;
	const struct diag_finding *f;
	char *text = NULL;
	size_t len = 0;
	FILE *mf;
	json_t *doc, *w;
	int i;

	EXPECT_EQ(diag_run(gb10(), &s, &r), 0);
	/* PCIe: only the x2 half, capped by its x4 root port. */
	EXPECT_EQ(count(r, "pcie_degraded", NULL), 1);
	EXPECT_EQ(count(r, "pcie_degraded", "rocep1s0f0"), 1);
	f = find(r, "pcie_degraded");
	EXPECT(f && strstr(f->message, "PCIe 32.0 GT/s x2 (capable: 32.0 GT/s "
			   "x4)"));
	/* MTU: 1500 caps RoCE at 1024; 4192 already gives 4096. */
	EXPECT_EQ(count(r, "roce_mtu_below_port", NULL), 1);
	EXPECT_EQ(count(r, "roce_mtu_below_port", "roceP2p1s0f0"), 1);
	f = find(r, "roce_mtu_below_port");
	EXPECT(f && f->port == 1 && f->sev == DIAG_WARN);
	EXPECT(f && strstr(f->message, "RoCE MTU 1024, below the port's 4096, "
			   "because netdev enP2p1s0f0np0 has MTU 1500; a netdev "
			   "MTU of 4192 or more"));
	EXPECT(f && strstr(f->fix, "MTU 9000"));
	EXPECT_EQ(count(r, "port_not_active", NULL), 2);
	EXPECT_EQ(count(r, "no_roce_v2_ipv4_gid", NULL), 1);
	EXPECT_EQ(count(r, "no_roce_v2_ipv4_gid", "rocep1s0f1"), 1);
	/* Port 0's halves are both usable: no finding; port 1's neither. */
	EXPECT_EQ(count(r, "one_half_usable", NULL), 0);
	EXPECT_EQ(count(r, "shared_netdev", NULL), 0);
	EXPECT_EQ(count(r, "gid_index_differs", NULL), 0);
	EXPECT_EQ(count(r, "gpu_other_numa", NULL), 0);
	EXPECT_EQ(r->nwarn, 5);
	EXPECT_EQ(r->nfail, 0);
	EXPECT_EQ(diag_worst(r), DIAG_WARN);
	/* Text order: device 0's MTU before device 2's PCIe, although the
	 * PCIe check comes first in the table. */
	EXPECT_STREQ(r->f[0].code, "roce_mtu_below_port");
	EXPECT_STREQ(r->f[1].code, "port_not_active");
	EXPECT_STREQ(r->f[2].code, "pcie_degraded");
	/* The recommendation: both halves of the cabled port. */
	EXPECT(!r->env.ib_disable);
	EXPECT_STREQ(r->env.ib_hca, "roceP2p1s0f0:1,rocep1s0f0:1");
	EXPECT_EQ(r->env.gid_index, 3);
	EXPECT_STREQ(r->env.socket_ifname, "enP2p1s0f0np0");
	EXPECT(diag_ran(r, "pcie_degraded"));
	EXPECT(!diag_ran(r, "nccl_ib_hca_half"));
	EXPECT(!diag_ran(r, "no_such_check"));

	mf = open_memstream(&text, &len);
	diag_print(r, mf);
	fclose(mf);
	EXPECT(strstr(text, "# rocep1s0f0 and roceP2p1s0f0") == NULL);
	EXPECT(strstr(text, "# roceP2p1s0f0 and rocep1s0f0: one physical port "
		      "over two PCIe links (0002:01:00.0, 0000:01:00.0)\n# both "
		      "listed in NCCL_IB_HCA below"));
	EXPECT(strstr(text, "    MTU: active 1024, port max 4096, netdev "
		      "enP2p1s0f0np0 1500\n  WARNING: roceP2p1s0f0 port 1: RoCE "
		      "MTU 1024"));
	EXPECT(strstr(text, "  PCIe 32.0 GT/s x2 (capable: 32.0 GT/s x4)\n  "
		      "WARNING: rocep1s0f0: PCIe"));
	EXPECT(strstr(text, "  PCIe 32.0 GT/s x4 (capable: 32.0 GT/s x4)\n  "
		      "GPU 000f:01:00.0: NODE"));
	EXPECT(strstr(text, "# 5 warning(s)\n# NCCL environment recommended:\n"
		      "export NCCL_IB_HCA=roceP2p1s0f0:1,rocep1s0f0:1\nexport "
		      "NCCL_IB_GID_INDEX=3\nexport "
		      "NCCL_SOCKET_IFNAME=enP2p1s0f0np0\n"));
	free(text);

	doc = diag_report_json(r, "test");
	w = json_object_get(doc, "warnings");
	EXPECT_EQ(json_array_size(w), 5);
	for (i = 0; i < r->nf && i < (int)json_array_size(w); i++)
		EXPECT_STREQ(json_string_value(json_array_get(w, i)),
			     r->f[i].message);
	EXPECT_EQ(json_array_size(json_object_get(json_array_get(
		json_object_get(doc, "devices"), 2), "warnings")), 1);
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(doc,
		"nccl_env"), "NCCL_IB_GID_INDEX")), 3);
	json_decref(doc);
	doc = diag_findings_json(r);
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(doc, 0),
		"severity")), "WARN");
	EXPECT_STREQ(json_string_value(json_object_get(json_array_get(doc, 0),
		"device")), "roceP2p1s0f0");
	json_decref(doc);
	diag_report_free(r);
}

static struct diag_report *nccl(const struct diag_nccl_vars *v)
{
	const struct diag_scope s = {
		.groups = DIAG_G_DEVICES | DIAG_G_NCCL, .hca = v->ib_hca,
		.only_usable = !v->ib_hca, .vars = v };
	struct diag_report *r = NULL;

	EXPECT_EQ(diag_run(gb10(), &s, &r), 0);
	return r;
}

static void nccl_scope(void)
{
	struct diag_nccl_vars v = { .ib_hca = "rocep1s0f0" };
	struct diag_report *r;
	const struct diag_finding *f;

	/* The reference report's setting: one PCIe half. */
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_hca_half", NULL), 1);
	f = find(r, "nccl_ib_hca_half");
	EXPECT(f && strstr(f->message, "lists rocep1s0f0 but not roceP2p1s0f0"));
	/* x2 at 32 GT/s, 128b/130b: 63 Gb/s */
	EXPECT(f && strstr(f->message, "about 63 Gb/s"));
	/* what it forgoes: the other half's x4 link, 126 Gb/s */
	EXPECT(f && strstr(f->message, "it forgoes roceP2p1s0f0's PCIe link, "
			   "about 126 Gb/s"));
	EXPECT(f && !strcmp(f->fix, "add roceP2p1s0f0:1 to NCCL_IB_HCA"));
	/* Only the selected device is judged: its PCIe, not the other
	 * half's MTU. */
	EXPECT_EQ(count(r, "pcie_degraded", "rocep1s0f0"), 1);
	EXPECT_EQ(count(r, "roce_mtu_below_port", NULL), 0);
	EXPECT_EQ(count(r, "port_not_active", NULL), 0);
	EXPECT_EQ(count(r, "nccl_ib_hca_unknown", NULL), 0);
	diag_report_free(r);

	/* Both halves: nothing about NCCL_IB_HCA. */
	v.ib_hca = "rocep1s0f0:1,roceP2p1s0f0:1";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_hca_half", NULL), 0);
	EXPECT_EQ(count(r, "roce_mtu_below_port", "roceP2p1s0f0"), 1);
	diag_report_free(r);

	/* A name that is not here, and a selection with no usable port. */
	v.ib_hca = "mlx5";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_hca_unknown", NULL), 2);
	EXPECT_EQ(r->nfail, 2);
	EXPECT(strstr(r->f[r->nf - 2].message, "'mlx5' names no RDMA device "
		      "here (devices: roceP2p1s0f0,roceP2p1s0f1,rocep1s0f0,"
		      "rocep1s0f1)"));
	EXPECT_STREQ(r->f[r->nf - 1].fix,
		     "NCCL_IB_HCA=roceP2p1s0f0:1,rocep1s0f0:1");
	diag_report_free(r);
	v.ib_hca = "rocep1s0f1";	/* down */
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_hca_unknown", NULL), 1);
	EXPECT_EQ(count(r, "port_not_active", "rocep1s0f1"), 1);
	diag_report_free(r);

	/* Unset: every usable device, only active ports judged. */
	v = (struct diag_nccl_vars){ .ib_gid_index = "1" };
	r = nccl(&v);
	EXPECT_EQ(count(r, "port_not_active", NULL), 0);
	EXPECT_EQ(count(r, "roce_mtu_below_port", NULL), 1);
	/* index 1 is RoCE v2 but link-local IPv6, on both usable devices */
	EXPECT_EQ(count(r, "nccl_ib_gid_index", NULL), 2);
	f = find(r, "nccl_ib_gid_index");
	EXPECT(f && f->sev == DIAG_WARN && !strcmp(f->fix,
		"NCCL_IB_GID_INDEX=3, or leave it unset"));
	diag_report_free(r);
	v.ib_gid_index = "7";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_gid_index", NULL), 2);
	EXPECT_EQ(r->nfail, 2);
	diag_report_free(r);
	v.ib_gid_index = "3";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_gid_index", NULL), 0);
	diag_report_free(r);
	v.ib_gid_index = "x";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_gid_index", NULL), 1);
	diag_report_free(r);

	v = (struct diag_nccl_vars){ .socket_ifname = "eno1" };
	r = nccl(&v);
	f = find(r, "nccl_socket_ifname");
	EXPECT(f && !strcmp(f->fix, "NCCL_SOCKET_IFNAME=enP2p1s0f0np0"));
	diag_report_free(r);
	v.socket_ifname = "enP2";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_socket_ifname", NULL), 0);
	diag_report_free(r);

	v = (struct diag_nccl_vars){ .ib_disable = "1" };
	r = nccl(&v);
	f = find(r, "nccl_ib_disable");
	EXPECT(f && strstr(f->message, "(roceP2p1s0f0:1,rocep1s0f0:1)"));
	EXPECT(diag_ran(r, "nccl_ib_disable"));
	diag_report_free(r);
	v.ib_disable = "0";
	r = nccl(&v);
	EXPECT_EQ(count(r, "nccl_ib_disable", NULL), 0);
	diag_report_free(r);
}

/* The other device checks: one half usable, a shared netdev, GIDs at
 * different indexes, a GPU on another NUMA node, a slow netdev; and where
 * the text puts them. */
static void more_findings(void)
{
	const struct diag_scope s = { .groups = DIAG_G_DEVICES };
	struct diag_facts *f = gb10();
	struct diag_report *r;
	const struct diag_finding *x;
	char *text = NULL;
	size_t len = 0;
	FILE *mf;

	/* rocep1s0f0 (dev 2) down: port 0 has one usable half */
	f->devs[2].usable = false;
	f->devs[2].port = 0;
	f->devs[2].ports[0].active = false;
	snprintf(f->devs[2].ports[0].state, 64, "1: DOWN");
	/* rocep1s0f1 (dev 3) over dev 0's netdev, usable at GID index 1 */
	snprintf(f->devs[3].netdev, 64, "enP2p1s0f0np0");
	f->devs[3].usable = true;
	f->devs[3].port = 1;
	f->devs[3].gid = 1;
	f->devs[3].ports[0].active = true;
	f->gpus[0].numa = 1;
	f->devs[0].ports[0].speed_mbps = 100000;
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	x = find(r, "one_half_usable");
	EXPECT(x && !strcmp(x->message, "roceP2p1s0f0 and rocep1s0f0 are two "
			    "halves of one port but only roceP2p1s0f0 is usable: "
			    "about half the link's bandwidth"));
	EXPECT(x && x->device[0] == '\0' && x->at == DIAG_AT_PAIR);
	EXPECT_EQ(count(r, "shared_netdev", NULL), 1);
	EXPECT_EQ(count(r, "gid_index_differs", NULL), 1);
	EXPECT_EQ(r->env.gid_index, -1);
	EXPECT_STREQ(r->env.ib_hca, "roceP2p1s0f0:1,rocep1s0f1:1");
	EXPECT_EQ(count(r, "gpu_other_numa", NULL), 4);
	EXPECT_EQ(count(r, "netdev_speed_below_nic", "roceP2p1s0f0"), 1);
	x = find(r, "netdev_speed_below_nic");
	EXPECT(x && strstr(x->message, "enP2p1s0f0np0 runs at 100 Gb/s, below "
			   "the 200 Gb/s it supports"));
	/* and port 1's halves, now that rocep1s0f1 is usable */
	EXPECT_EQ(count(r, "one_half_usable", NULL), 2);
	/* pairs in (i, j) order after the devices, the GID finding last */
	EXPECT_STREQ(r->f[r->nf - 1].code, "gid_index_differs");
	EXPECT_STREQ(r->f[r->nf - 2].code, "one_half_usable");
	EXPECT_EQ(r->f[r->nf - 2].dev, 1);
	EXPECT_STREQ(r->f[r->nf - 3].code, "shared_netdev");
	EXPECT_STREQ(r->f[r->nf - 4].code, "one_half_usable");
	EXPECT_EQ(r->f[r->nf - 4].dev, 0);
	mf = open_memstream(&text, &len);
	diag_print(r, mf);
	fclose(mf);
	EXPECT(strstr(text, "  GPU 000f:01:00.0: NODE (same NUMA node, across "
		      "host bridges), GPU NUMA node 1\n  WARNING: roceP2p1s0f0 "
		      "is on another NUMA node (0) than GPU 000f:01:00.0 (1)"));
	EXPECT(strstr(text, "    netdev enP2p1s0f0np0: 100 Gb/s (NIC supports "
		      "up to 200 Gb/s)\n  WARNING: roceP2p1s0f0 port 1: "
		      "enP2p1s0f0np0 runs at 100 Gb/s"));
	EXPECT(strstr(text, "# roceP2p1s0f0 and rocep1s0f0: one physical port "
		      "over two PCIe links (0002:01:00.0, 0000:01:00.0)\n  "
		      "WARNING: roceP2p1s0f0 and rocep1s0f0 are two halves"));
	EXPECT(strstr(text, "  WARNING: roceP2p1s0f0 and rocep1s0f1 both run "
		      "over netdev enP2p1s0f0np0: pick one with -d and "
		      "NCCL_IB_HCA\n# roceP2p1s0f1 and rocep1s0f1: one physical "
		      "port over two PCIe links (0002:01:00.1, 0000:01:00.1)\n"
		      "  WARNING: roceP2p1s0f1 and rocep1s0f1 are two halves of "
		      "one port but only rocep1s0f1 is usable: about half the "
		      "link's bandwidth\n  WARNING: the usable devices have "
		      "their RoCE v2 IPv4 GID at different indexes"));
	EXPECT(strstr(text, "export NCCL_IB_HCA=roceP2p1s0f0:1,rocep1s0f1:1\n"
		      "export NCCL_SOCKET_IFNAME=enP2p1s0f0np0\n"));
	EXPECT(!strstr(text, "NCCL_IB_GID_INDEX="));
	free(text);
	diag_report_free(r);
}

/* No RDMA device at all: sockets, nothing to find. */
static void no_device(void)
{
	struct diag_facts *f = calloc(1, sizeof(*f));
	const struct diag_scope s = { .groups = DIAG_G_DEVICES | DIAG_G_NCCL,
				      .vars = &(struct diag_nccl_vars){ 0 } };
	struct diag_report *r;
	char *text = NULL;
	size_t len = 0;
	FILE *mf;

	f->locality = "sysfs (hwloc not built)";
	f->sys = DIAG_SYS_MISSING;
	EXPECT_EQ(diag_run(f, &s, &r), 0);
	EXPECT_EQ(r->nf, 0);
	EXPECT(r->env.ib_disable);
	mf = open_memstream(&text, &len);
	diag_print(r, mf);
	fclose(mf);
	EXPECT(strstr(text, "# no RDMA device (/sys/class/infiniband is missing: "
		      "kernel without RDMA support)"));
	EXPECT(strstr(text, "export NCCL_IB_DISABLE=1\n"));
	free(text);
	diag_report_free(r);
}

int main(void)
{
	pure_rules();
	devices_scope();
	nccl_scope();
	more_findings();
	no_device();
	return TEST_DONE();
}
