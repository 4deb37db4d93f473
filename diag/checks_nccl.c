// SPDX-License-Identifier: MIT
/*
 * The NCCL_* environment against the facts, and diag_nccl(): what a GPU
 * tool asks before it opens a communicator.
 *
 * NCCL_IB_HCA and NCCL_SOCKET_IFNAME use NCCL's list syntax: items
 * separated by commas, each a name prefix ("mlx5" selects mlx5_0 and
 * mlx5_1), "=" before the list for exact names, "^" before it to exclude
 * the items instead; NCCL_IB_HCA items may end in ":port".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"

#define MAX_ITEMS 32

struct item {
	char name[64];
	int  port;		/* 0: any */
};

struct list {
	bool	    exclude;	/* "^" */
	bool	    exact;	/* "=" */
	int	    n;
	struct item it[MAX_ITEMS];
};

static void parse_list(const char *spec, bool ports, struct list *l)
{
	const char *p = spec ? spec : "";

	memset(l, 0, sizeof(*l));
	if (*p == '^') {
		l->exclude = true;
		p++;
	}
	if (*p == '=') {
		l->exact = true;
		p++;
	}
	while (*p && l->n < MAX_ITEMS) {
		size_t len = strcspn(p, ",");
		struct item *it = &l->it[l->n];
		char *colon;

		if (len) {
			snprintf(it->name, sizeof(it->name), "%.*s", (int)len, p);
			colon = ports ? strchr(it->name, ':') : NULL;
			if (colon) {
				*colon = '\0';
				it->port = atoi(colon + 1);
			}
			l->n++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

static bool name_match(const struct list *l, const struct item *it,
		       const char *name)
{
	return l->exact ? !strcmp(name, it->name) :
			  !strncmp(name, it->name, strlen(it->name));
}

/* Whether an item of l names (name, port); port 0 asks about the whole
 * device: any item on it when including, a port-less item when
 * excluding. */
static bool list_has(const struct list *l, const char *name, int port)
{
	int i;

	for (i = 0; i < l->n; i++) {
		const struct item *it = &l->it[i];

		if (!name_match(l, it, name))
			continue;
		if (!it->port || it->port == port || (!port && !l->exclude))
			return true;
	}
	return false;
}

bool diag_hca_match(const char *hca, const char *dev, int port)
{
	struct list l;

	if (!hca || !*hca)
		return true;
	parse_list(hca, true, &l);
	return list_has(&l, dev, port) != l.exclude;
}

bool diag_ifname_match(const char *spec, const char *ifname)
{
	struct list l;

	if (!spec || !*spec)
		return true;
	parse_list(spec, false, &l);
	return list_has(&l, ifname, 0) != l.exclude;
}

struct diag_nccl_vars diag_nccl_vars_from_env(void)
{
	return (struct diag_nccl_vars){
		.ib_hca	       = getenv("NCCL_IB_HCA"),
		.ib_disable    = getenv("NCCL_IB_DISABLE"),
		.ib_gid_index  = getenv("NCCL_IB_GID_INDEX"),
		.socket_ifname = getenv("NCCL_SOCKET_IFNAME"),
		.net_gdr_level = getenv("NCCL_NET_GDR_LEVEL"),
		.dmabuf_enable = getenv("NCCL_DMABUF_ENABLE"),
	};
}

static bool ib_disabled(const struct diag_nccl_vars *v)
{
	return v->ib_disable && atoi(v->ib_disable) != 0;
}

static bool set(const char *v)
{
	return v && *v;
}

void diag_chk_nccl_ib_disable(const struct diag_ctx *c, struct diag_report *r)
{
	if (!ib_disabled(c->vars) || c->env->ib_disable)
		return;
	diag_add(r, DIAG_WARN, "nccl_ib_disable", DIAG_WHERE_END,
		 "unset NCCL_IB_DISABLE",
		 "NCCL_IB_DISABLE=%s: NCCL will use TCP sockets although RDMA "
		 "ports are usable here (%s)", c->vars->ib_disable,
		 c->env->ib_hca);
}

void diag_chk_nccl_hca_unknown(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_facts *f = c->facts;
	const char *hca = c->vars->ib_hca;
	char names[256] = "", fix[600];
	struct list l;
	size_t o = 0;
	int i, k, usable = 0;

	if (!set(hca) || ib_disabled(c->vars))
		return;
	parse_list(hca, true, &l);
	for (i = 0; i < f->ndevs && o < sizeof(names); i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
				      i ? "," : "", f->devs[i].name);
	for (k = 0; !l.exclude && k < l.n; k++) {
		struct list one = l;
		bool any = false;

		one.n = 1;
		one.it[0] = l.it[k];
		for (i = 0; i < f->ndevs && !any; i++)
			any = list_has(&one, f->devs[i].name, 0);
		if (!any)
			diag_add(r, DIAG_FAIL, "nccl_ib_hca_unknown",
				 DIAG_WHERE_END, "name devices of this node "
				 "(ib_lat --devices lists them)",
				 "NCCL_IB_HCA=%s: '%s' names no RDMA device here "
				 "(devices: %s)", hca, l.it[k].name,
				 names[0] ? names : "none");
	}
	for (i = 0; i < f->ndevs; i++)
		usable += f->devs[i].usable &&
			  diag_hca_match(hca, f->devs[i].name, f->devs[i].port);
	if (usable || c->env->ib_disable)
		return;
	snprintf(fix, sizeof(fix), "NCCL_IB_HCA=%s", c->env->ib_hca);
	diag_add(r, DIAG_FAIL, "nccl_ib_hca_unknown", DIAG_WHERE_END, fix,
		 "NCCL_IB_HCA=%s selects no usable RDMA port (usable: %s): NCCL "
		 "will not use RDMA", hca, c->env->ib_hca);
}

/* PCIe link bandwidth in Gb/s (8b/10b to Gen2, 128b/130b from Gen3), 0
 * unknown. */
static double pcie_gbps(const struct diag_pcie *p)
{
	double gts = atof(p->cur_speed);
	int w = atoi(p->cur_width);

	if (!p->known || gts <= 0 || w <= 0)
		return 0;
	return gts * w * (gts >= 8 ? 128.0 / 130 : 0.8);
}

void diag_chk_nccl_hca_half(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_facts *f = c->facts;
	const char *hca = c->vars->ib_hca;
	char fix[160], bw[128], lost[128];
	int i, j;

	if (!set(hca) || ib_disabled(c->vars))
		return;
	for (i = 0; i < f->ndevs; i++) {
		const struct diag_dev *a = &f->devs[i];

		if (!a->usable || a->via[0] ||
		    !diag_hca_match(hca, a->name, a->port))
			continue;
		for (j = 0; j < f->ndevs; j++) {
			const struct diag_dev *b = &f->devs[j];
			double g = pcie_gbps(&a->pcie);

			if (j == i || !b->usable || b->via[0] ||
			    !diag_pci_halves(a->bus, b->bus) ||
			    diag_hca_match(hca, b->name, b->port))
				continue;
			bw[0] = lost[0] = '\0';
			if (g > 0)
				snprintf(bw, sizeof(bw), " (%s's PCIe link: about "
					 "%.0f Gb/s)", a->name, g);
			if (pcie_gbps(&b->pcie) > 0)
				snprintf(lost, sizeof(lost), "; it forgoes %s's "
					 "PCIe link, about %.0f Gb/s", b->name,
					 pcie_gbps(&b->pcie));
			snprintf(fix, sizeof(fix), "add %s:%d to NCCL_IB_HCA",
				 b->name, b->port);
			diag_add(r, DIAG_WARN, "nccl_ib_hca_half",
				 DIAG_WHERE_END, fix,
				 "NCCL_IB_HCA=%s lists %s but not %s, the other "
				 "PCIe half of the same port: NCCL moves at most "
				 "one PCIe link's worth%s, about half the port's "
				 "bandwidth%s", hca, a->name, b->name, bw, lost);
		}
	}
}

void diag_chk_nccl_gid_index(const struct diag_ctx *c, struct diag_report *r)
{
	const struct diag_facts *f = c->facts;
	const char *v = c->vars->ib_gid_index;
	char fix[96], *end;
	long want;
	int i, j, k;

	if (!set(v) || ib_disabled(c->vars))
		return;
	want = strtol(v, &end, 10);
	if (*end || want < 0) {
		diag_add(r, DIAG_FAIL, "nccl_ib_gid_index", DIAG_WHERE_END,
			 "give a GID index (ib_lat --devices lists them)",
			 "NCCL_IB_GID_INDEX=%s is not a GID index", v);
		return;
	}
	for (i = 0; i < f->ndevs; i++) {
		const struct diag_dev *d = &f->devs[i];

		for (j = 0; j < d->nports; j++) {
			const struct diag_port *p = &d->ports[j];
			const struct diag_gid *g = NULL;

			if (!diag_port_in_scope(c, i, j) || !p->active ||
			    strcmp(p->link_layer, "Ethernet"))
				continue;
			for (k = 0; k < p->ngids; k++)
				if (p->gids[k].index == want)
					g = &p->gids[k];
			if (p->best_gid >= 0)
				snprintf(fix, sizeof(fix), "NCCL_IB_GID_INDEX=%d, "
					 "or leave it unset", p->best_gid);
			else
				snprintf(fix, sizeof(fix), "leave "
					 "NCCL_IB_GID_INDEX unset");
			if (!g)
				diag_add(r, DIAG_FAIL, "nccl_ib_gid_index",
					 DIAG_WHERE(DIAG_AT_PORT, i, j), fix,
					 "NCCL_IB_GID_INDEX=%ld: %s port %d has no "
					 "GID at that index", want, d->name,
					 p->num);
			else if (!diag_roce_v2_ipv4(g->gid, g->type) &&
				 p->best_gid >= 0)
				diag_add(r, DIAG_WARN, "nccl_ib_gid_index",
					 DIAG_WHERE(DIAG_AT_PORT, i, j), fix,
					 "NCCL_IB_GID_INDEX=%ld: on %s port %d that "
					 "is %s (%s), not the RoCE v2 IPv4 GID %d: "
					 "the peer must reach that address", want,
					 d->name, p->num, g->gid,
					 g->type[0] ? g->type : "IB",
					 p->best_gid);
		}
	}
}

void diag_chk_nccl_socket_ifname(const struct diag_ctx *c,
				 struct diag_report *r)
{
	const char *spec = c->vars->socket_ifname;
	const char *link = c->env->socket_ifname;
	char fix[96];

	if (!set(spec) || !link[0] || diag_ifname_match(spec, link))
		return;
	snprintf(fix, sizeof(fix), "NCCL_SOCKET_IFNAME=%s", link);
	diag_add(r, DIAG_WARN, "nccl_socket_ifname", DIAG_WHERE_END, fix,
		 "NCCL_SOCKET_IFNAME=%s does not select %s, the netdev of the "
		 "RDMA link: NCCL's bootstrap and its socket transport use "
		 "another interface", spec, link);
}

int diag_nccl(const char *hca, const struct diag_nccl_vars *vars,
	      struct diag_report **rep_p)
{
	struct diag_nccl_vars v = vars ? *vars : diag_nccl_vars_from_env();
	struct diag_scope s;

	if (hca)
		v.ib_hca = hca;
	s = (struct diag_scope){
		/* NCCL_IB_DISABLE: NCCL uses no device, so only the variables
		 * are judged. */
		.groups	     = ib_disabled(&v) ? DIAG_G_NCCL :
						 DIAG_G_DEVICES | DIAG_G_NCCL,
		.hca	     = v.ib_hca,
		.only_usable = !set(v.ib_hca),
		.vars	     = &v,
	};
	return diag_diagnose(&s, rep_p);
}
