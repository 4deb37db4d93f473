// SPDX-License-Identifier: MIT
/*
 * The device checks, the check table and diag_run().
 *
 * Each check is one function over struct diag_ctx that adds findings with
 * diag_add(); the table below lists them in the order they run (the
 * NCCL_* checks are in checks_nccl.c). A check looks only at
 * the devices in scope. The findings are then sorted into the order the
 * --devices text shows them (by anchor, then table order), so that adding
 * a check never reorders the others.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"

/* ---- pure rules ------------------------------------------------------ */

int diag_roce_mtu_for(int netdev_mtu)
{
	int r;

	for (r = 4096; r >= 256; r /= 2)
		if (r + DIAG_ROCE_OVERHEAD <= netdev_mtu)
			return r;
	return 0;
}

/* PCIe speed text ("16.0 GT/s PCIe") to GT/s. */
static double gts(const char *s)
{
	return atof(s);
}

int diag_pcie_check(const char *cur_speed, const char *cur_width,
		    const char *max_speed, const char *max_width,
		    const char *up_max_speed, const char *up_max_width,
		    char *msg, size_t len)
{
	double cs = gts(cur_speed), ms = gts(max_speed);
	int cw = atoi(cur_width), mw = atoi(max_width);

	if (up_max_speed && gts(up_max_speed) > 0 && gts(up_max_speed) < ms)
		ms = gts(up_max_speed);
	if (up_max_width && atoi(up_max_width) > 0 && atoi(up_max_width) < mw)
		mw = atoi(up_max_width);
	if (cs <= 0 || ms <= 0 || cw <= 0 || mw <= 0) {
		snprintf(msg, len, "PCIe link unknown");
		return -1;
	}
	snprintf(msg, len, "PCIe %.1f GT/s x%d (capable: %.1f GT/s x%d)",
		 cs, cw, ms, mw);
	return cs + 0.05 < ms || cw < mw;
}

bool diag_pci_halves(const char *a, const char *b)
{
	const char *pa = strchr(a, ':'), *pb = strchr(b, ':');

	return pa && pb && strcmp(a, b) && !strcmp(pa, pb);
}

/* ---- findings --------------------------------------------------------- */

void diag_add(struct diag_report *r, enum diag_sev sev, const char *code,
	      const struct diag_finding *where, const char *fix,
	      const char *fmt, ...)
{
	struct diag_finding *f;
	va_list ap;

	if (r->nf == r->cap) {
		void *n = realloc(r->f, (size_t)(r->cap ? 2 * r->cap : 16) *
				  sizeof(*r->f));

		if (!n)
			return;	/* out of memory: the finding is lost */
		r->f = n;
		r->cap = r->cap ? 2 * r->cap : 16;
	}
	f = &r->f[r->nf++];
	*f = *where;
	f->sev = sev;
	f->code = code;
	f->device[0] = '\0';
	f->port = 0;
	if (f->at != DIAG_AT_PAIR && f->at != DIAG_AT_END && f->dev >= 0) {
		const struct diag_dev *d = &r->facts->devs[f->dev];

		snprintf(f->device, sizeof(f->device), "%s", d->name);
		if (f->at >= DIAG_AT_PORT && f->at <= DIAG_AT_SPEED)
			f->port = d->ports[f->sub].num;
	}
	snprintf(f->fix, sizeof(f->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	if (sev == DIAG_FAIL)
		r->nfail++;
	else
		r->nwarn++;
}

/* ---- the device checks ---------------------------------------------- */

static void chk_pcie(const struct diag_ctx *c, struct diag_report *r)
{
	char msg[128];
	int i;

	for (i = 0; i < c->facts->ndevs; i++) {
		const struct diag_dev *d = &c->facts->devs[i];
		const struct diag_pcie *p = &d->pcie;

		if (!c->in_scope[i] || !p->known ||
		    diag_pcie_check(p->cur_speed, p->cur_width, p->max_speed,
				    p->max_width, p->up_max_speed,
				    p->up_max_width, msg, sizeof(msg)) <= 0)
			continue;
		diag_add(r, DIAG_WARN, "pcie_degraded",
			 DIAG_WHERE(DIAG_AT_PCIE, i, -1),
			 "reseat the NIC; check the slot or riser",
			 "%s: %s: the link trained below what both ends support "
			 "(reseat, check the slot or riser)", d->name, msg);
	}
}

static void chk_gpu_numa(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_facts *f = c->facts;
	int i, k;

	for (i = 0; i < f->ndevs; i++) {
		const struct diag_dev *d = &f->devs[i];

		for (k = 0; c->in_scope[i] && k < f->ngpus; k++) {
			const struct diag_gpu *g = &f->gpus[k];
			const char *cls = d->paths[k].cls;

			if (!(cls && !strcmp(cls, "SYS")) &&
			    !(g->numa >= 0 && d->numa >= 0 && g->numa != d->numa))
				continue;
			diag_add(r, DIAG_WARN, "gpu_other_numa",
				 DIAG_WHERE(DIAG_AT_GPU, i, k),
				 "use a NIC on the GPU's NUMA node",
				 "%s is on another NUMA node (%d) than GPU %s "
				 "(%d): traffic crosses the SMP link; use a NIC "
				 "near the GPU", d->name, d->numa, g->bus,
				 g->numa);
		}
	}
}

bool diag_port_in_scope(const struct diag_ctx *c, int i, int j)
{
	const struct diag_dev *d = &c->facts->devs[i];

	return c->in_scope[i] &&
	       diag_hca_match(c->scope->hca, d->name, d->ports[j].num) &&
	       (!c->scope->only_usable || d->ports[j].active);
}

/* The body runs for port j (p) of device i (d), every port in scope. */
#define FOR_PORTS(c, i, j, d, p)                                               \
	for (i = 0; i < (c)->facts->ndevs; i++)                                \
		for (d = &(c)->facts->devs[i], j = 0; j < d->nports; j++)      \
			if ((p = &d->ports[j]), diag_port_in_scope(c, i, j))

static void chk_port_active(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_dev *d;
	const struct diag_port *p;
	int i, j;

	FOR_PORTS(c, i, j, d, p) {
		if (p->active)
			continue;
		diag_add(r, DIAG_WARN, "port_not_active",
			 DIAG_WHERE(DIAG_AT_PORT, i, j),
			 "connect the cable and check the peer or switch port",
			 "%s port %d is %s, not ACTIVE (no cable or peer; ignore "
			 "if the port is unused)", d->name, p->num, p->state);
	}
}

static void chk_roce_gid(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_dev *d;
	const struct diag_port *p;
	int i, j;

	FOR_PORTS(c, i, j, d, p) {
		if (strcmp(p->link_layer, "Ethernet") || p->n_roce_v2_ipv4)
			continue;
		diag_add(r, DIAG_WARN, "no_roce_v2_ipv4_gid",
			 DIAG_WHERE(DIAG_AT_PORT, i, j),
			 "give the port's netdev an IPv4 address",
			 "%s port %d has no RoCE v2 IPv4 GID (no IPv4 address on "
			 "its netdev?)", d->name, p->num);
	}
}

static void chk_mtu(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_dev *d;
	const struct diag_port *p;
	char fix[256];
	int i, j;

	FOR_PORTS(c, i, j, d, p) {
		if (!p->have_attr || strcmp(p->link_layer, "Ethernet") ||
		    p->netdev_mtu <= 0 || p->active_mtu >= p->max_mtu)
			continue;
		snprintf(fix, sizeof(fix), "set MTU 9000 (at least %d) on %s, "
			 "on the peer and on the switch",
			 p->max_mtu + DIAG_ROCE_OVERHEAD, p->netdev);
		diag_add(r, DIAG_WARN, "roce_mtu_below_port",
			 DIAG_WHERE(DIAG_AT_MTU, i, j), fix,
			 "%s port %d: RoCE MTU %d, below the port's %d, because "
			 "netdev %s has MTU %d; a netdev MTU of %d or more (9000 "
			 "is usual) on both nodes and the switch allows %d-byte "
			 "RoCE packets", d->name, p->num, p->active_mtu,
			 p->max_mtu, p->netdev, p->netdev_mtu,
			 p->max_mtu + DIAG_ROCE_OVERHEAD, p->max_mtu);
	}
}

static void chk_speed(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_dev *d;
	const struct diag_port *p;
	int i, j;

	FOR_PORTS(c, i, j, d, p) {
		if (p->speed_mbps <= 0 || p->speed_mbps >= p->max_speed_mbps)
			continue;
		diag_add(r, DIAG_WARN, "netdev_speed_below_nic",
			 DIAG_WHERE(DIAG_AT_SPEED, i, j),
			 "check the cable, the peer and the switch port",
			 "%s port %d: %s runs at %ld Gb/s, below the %ld Gb/s it "
			 "supports (cable, peer or switch port)", d->name, p->num,
			 p->netdev, p->speed_mbps / 1000,
			 p->max_speed_mbps / 1000);
	}
}

/* The body runs for devices i < j (a, b), at least one in scope. */
#define FOR_PAIRS(c, i, j, a, b)                                               \
	for (i = 0; i < (c)->facts->ndevs; i++)                                \
		for (j = i + 1; j < (c)->facts->ndevs; j++)                    \
			if ((a = &(c)->facts->devs[i]),                        \
			    (b = &(c)->facts->devs[j]),                        \
			    (c)->in_scope[i] || (c)->in_scope[j])

static void chk_half_usable(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_dev *a, *b;
	int i, j;

	FOR_PAIRS(c, i, j, a, b) {
		if (a->via[0] || b->via[0] || !diag_pci_halves(a->bus, b->bus) ||
		    a->usable == b->usable)
			continue;
		diag_add(r, DIAG_WARN, "one_half_usable", DIAG_WHERE_PAIR(i, j),
			 "bring up the other half's port (cable, IPv4 address)",
			 "%s and %s are two halves of one port but only %s is "
			 "usable: about half the link's bandwidth", a->name,
			 b->name, a->usable ? a->name : b->name);
	}
}

static void chk_shared_netdev(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_dev *a, *b;
	char fix[256];
	int i, j;

	FOR_PAIRS(c, i, j, a, b) {
		if (!a->netdev[0] || strcmp(a->netdev, b->netdev))
			continue;
		snprintf(fix, sizeof(fix), "use one of %s and %s (ib_lat -d, "
			 "NCCL_IB_HCA)", a->name, b->name);
		diag_add(r, DIAG_WARN, "shared_netdev", DIAG_WHERE_PAIR(i, j),
			 fix, "%s and %s both run over netdev %s: pick one with "
			 "-d and NCCL_IB_HCA", a->name, b->name, a->netdev);
	}
}

static void chk_gid_differs(const struct diag_ctx *c, struct diag_report *r)
{
	if (!c->env->gid_differs)
		return;
	diag_add(r, DIAG_WARN, "gid_index_differs", DIAG_WHERE_END,
		 "leave NCCL_IB_GID_INDEX unset",
		 "the usable devices have their RoCE v2 IPv4 GID at different "
		 "indexes: NCCL_IB_GID_INDEX is one number; leave it unset "
		 "(NCCL picks RoCE v2 IPv4 itself)");
}

/* ---- the table and the run -------------------------------------------- */

/* Every check, in the order they run; a new check is one row here. */
static const struct diag_check table[] = {
	{ "pcie_degraded", DIAG_G_DEVICES,
	  "PCIe link trained below what the function and its upstream port "
	  "support", chk_pcie },
	{ "gpu_other_numa", DIAG_G_DEVICES,
	  "NIC and GPU on different NUMA nodes (or path SYS)", chk_gpu_numa },
	{ "port_not_active", DIAG_G_DEVICES, "every port ACTIVE",
	  chk_port_active },
	{ "no_roce_v2_ipv4_gid", DIAG_G_DEVICES,
	  "every Ethernet port has a RoCE v2 IPv4 GID", chk_roce_gid },
	{ "roce_mtu_below_port", DIAG_G_DEVICES,
	  "active RoCE MTU is the port's largest (netdev MTU large enough)",
	  chk_mtu },
	{ "netdev_speed_below_nic", DIAG_G_DEVICES,
	  "netdev runs at the fastest speed the NIC supports", chk_speed },
	{ "one_half_usable", DIAG_G_DEVICES,
	  "both PCIe halves of a port usable", chk_half_usable },
	{ "shared_netdev", DIAG_G_DEVICES,
	  "no two RDMA devices over one netdev", chk_shared_netdev },
	{ "gid_index_differs", DIAG_G_DEVICES,
	  "one RoCE v2 IPv4 GID index for every usable device",
	  chk_gid_differs },
	{ "nccl_ib_disable", DIAG_G_NCCL,
	  "NCCL_IB_DISABLE not set while an RDMA port is usable",
	  diag_chk_nccl_ib_disable },
	{ "nccl_ib_hca_unknown", DIAG_G_NCCL,
	  "NCCL_IB_HCA names usable devices and ports of this node",
	  diag_chk_nccl_hca_unknown },
	{ "nccl_ib_hca_half", DIAG_G_NCCL,
	  "NCCL_IB_HCA lists both PCIe halves of a port",
	  diag_chk_nccl_hca_half },
	{ "nccl_ib_gid_index", DIAG_G_NCCL,
	  "NCCL_IB_GID_INDEX is a RoCE v2 IPv4 GID on every device used",
	  diag_chk_nccl_gid_index },
	{ "nccl_socket_ifname", DIAG_G_NCCL,
	  "NCCL_SOCKET_IFNAME selects the RDMA link's netdev",
	  diag_chk_nccl_socket_ifname },
	{ "nccl_net_gdr_level", DIAG_G_NCCL,
	  "NCCL_NET_GDR_LEVEL does not turn GPUDirect RDMA off on the GPU-NIC "
	  "path", diag_chk_nccl_gdr_level },
	{ "dev_node_missing", DIAG_G_NODE,
	  "each usable device's /dev/infiniband/uverbsN is there (containers)",
	  diag_chk_devnodes },
	{ "rdma_cm_missing", DIAG_G_NODE,
	  "/dev/infiniband/rdma_cm is there", diag_chk_rdma_cm },
	{ "memlock_low", DIAG_G_NODE,
	  "RLIMIT_MEMLOCK (or CAP_IPC_LOCK) lets the buffers be registered",
	  diag_chk_memlock },
	{ "gdr_unavailable", DIAG_G_NODE,
	  "GPUDirect RDMA is not lost on the NIC side (nvidia-peermem or "
	  "dma-buf) where the GPU supports it", diag_chk_gdr },
	{ "versions_differ", DIAG_G_PEER,
	  "NCCL, driver, CUDA, rdma-core and kernel versions match the peers'",
	  diag_chk_versions },
};
#define NTABLE (sizeof(table) / sizeof(table[0]))
_Static_assert(NTABLE <= 64, "diag_report.ran holds 64 bits");

const struct diag_check *diag_checks(size_t *nchecks_p)
{
	*nchecks_p = NTABLE;
	return table;
}

/* The NCCL environment the usable devices call for. */
static void recommend(const struct diag_facts *f, struct diag_env *e)
{
	int i, gid = -1;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < f->ndevs; i++) {
		const struct diag_dev *d = &f->devs[i];
		size_t o = strlen(e->ib_hca);

		if (!d->usable)
			continue;
		snprintf(e->ib_hca + o, sizeof(e->ib_hca) - o, "%s%s:%d",
			 o ? "," : "", d->name, d->port);
		if (d->gid >= 0) {
			if (gid >= 0 && gid != d->gid)
				e->gid_differs = true;
			if (gid < 0)
				gid = d->gid;
		}
		if (!e->socket_ifname[0] && d->netdev[0])
			snprintf(e->socket_ifname, sizeof(e->socket_ifname),
				 "%s", d->netdev);
	}
	e->ib_disable = !e->ib_hca[0];
	e->gid_index = e->gid_differs ? -1 : gid;
}

static int anchor_rank(const struct diag_finding *f)
{
	switch (f->at) {
	case DIAG_AT_PCIE:
		return 0;
	case DIAG_AT_GPU:
		return 1;
	default:
		return 2;
	}
}

/* --devices text order: devices (PCIe, GPUs, ports in order, each port's
 * GID table, MTU, speed), then pairs, then the end; ties keep the order
 * the findings were added in (table order). */
static int cmp_finding(const void *pa, const void *pb)
{
	const struct diag_finding *a = pa, *b = pb;
	int ga = a->at == DIAG_AT_END ? 2 : a->at == DIAG_AT_PAIR ? 1 : 0;
	int gb = b->at == DIAG_AT_END ? 2 : b->at == DIAG_AT_PAIR ? 1 : 0;

	if (ga != gb)
		return ga - gb;
	if (a->dev != b->dev)
		return a->dev - b->dev;
	if (ga == 1 && a->dev2 != b->dev2)
		return a->dev2 - b->dev2;
	if (ga == 0) {
		if (anchor_rank(a) != anchor_rank(b))
			return anchor_rank(a) - anchor_rank(b);
		if (a->sub != b->sub)
			return a->sub - b->sub;
		if (a->at != b->at)
			return (int)a->at - (int)b->at;
	}
	return 0;
}

/* A stable sort (qsort is not): insertion, for a few dozen findings. */
static void sort_findings(struct diag_report *r)
{
	int i, j;

	for (i = 1; i < r->nf; i++) {
		struct diag_finding t = r->f[i];

		for (j = i; j > 0 && cmp_finding(&r->f[j - 1], &t) > 0; j--)
			r->f[j] = r->f[j - 1];
		r->f[j] = t;
	}
}

int diag_run(struct diag_facts *facts, const struct diag_scope *scope,
	     struct diag_report **rep_p)
{
	struct diag_report *r = calloc(1, sizeof(*r));
	int i;

	if (!r) {
		diag_facts_free(facts);
		return -ENOMEM;
	}
	r->facts = facts;
	r->in_scope = calloc((size_t)(facts->ndevs ? facts->ndevs : 1),
			     sizeof(bool));
	if (!r->in_scope) {
		diag_report_free(r);
		return -ENOMEM;
	}
	for (i = 0; i < facts->ndevs; i++) {
		const struct diag_dev *d = &facts->devs[i];

		r->in_scope[i] = diag_hca_match(scope->hca, d->name, 0) &&
				 (!scope->only_usable || d->usable);
	}
	recommend(facts, &r->env);
	diag_run_more(r, scope);
	*rep_p = r;
	return 0;
}

int diag_run_more(struct diag_report *r, const struct diag_scope *scope)
{
	struct diag_nccl_vars vars;
	struct diag_ctx c;
	size_t i;

	if (!scope->vars)
		vars = diag_nccl_vars_from_env();
	c = (struct diag_ctx){ .facts = r->facts, .scope = scope,
			       .in_scope = r->in_scope, .env = &r->env,
			       .vars = scope->vars ? scope->vars : &vars,
			       .node = scope->node };
	for (i = 0; i < NTABLE; i++) {
		if (!(table[i].group & scope->groups))
			continue;
		/* A check without the facts it reads has not run. */
		if ((table[i].group & (DIAG_G_NODE | DIAG_G_PEER)) &&
		    !scope->node)
			continue;
		if (table[i].group == DIAG_G_PEER && scope->npeers < 1)
			continue;
		table[i].run(&c, r);
		r->ran |= 1ULL << i;
	}
	sort_findings(r);
	return 0;
}

int diag_diagnose(const struct diag_scope *scope, struct diag_report **rep_p)
{
	struct diag_facts *f;
	int ret = diag_collect(&f);

	return ret ? ret : diag_run(f, scope, rep_p);
}

void diag_report_free(struct diag_report *r)
{
	if (!r)
		return;
	diag_facts_free(r->facts);
	free(r->f);
	free(r->in_scope);
	free(r);
}

const char *diag_sev_name(enum diag_sev s)
{
	return s == DIAG_FAIL ? "FAIL" : "WARN";
}

int diag_worst(const struct diag_report *r)
{
	return r->nfail ? DIAG_FAIL : r->nwarn ? DIAG_WARN : 0;
}

bool diag_ran(const struct diag_report *r, const char *code)
{
	size_t i;

	for (i = 0; i < NTABLE; i++)
		if (!strcmp(table[i].code, code))
			return r->ran & (1ULL << i);
	return false;
}
