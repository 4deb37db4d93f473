// SPDX-License-Identifier: MIT
/*
 * Collecting the facts of a node (see diag.h), judging nothing.
 *
 * Port state, link layer, rate and GIDs come from sysfs, so the listing
 * works without a verbs context; the active and largest MTU come from
 * ibv_query_port when verbs is built (one context per device, open while
 * its ports are read). Locality (PCI function, NUMA node, NIC-GPU path)
 * comes from topo.c (hwloc). Netdev speed against what the NIC supports
 * comes from the ethtool ioctl; the PCIe link and both ends' capability
 * from sysfs.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "diag_int.h"

#if HAVE_VERBS
#include <infiniband/verbs.h>
#endif

#define MAX_GPU 16

/* Fastest speed (Mb/s) among the link modes the NIC supports, from the
 * ethtool ioctl and the kernel's own link-mode names ("200000baseCR4/Full").
 * 0 when unknown (virtual NICs). */
static long eth_max_speed(const char *ifname)
{
	struct {
		struct ethtool_link_settings s;
		uint32_t maps[3 * 127];
	} ls;
	struct {
		struct ethtool_sset_info i;
		uint32_t n;
	} si;
	struct ethtool_gstrings *gs = NULL;
	struct ifreq ifr;
	long best = 0;
	int fd, nw, i;
	uint32_t count;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1, ifname);
	/* Handshake: the kernel answers with -nwords. */
	memset(&ls, 0, sizeof(ls));
	ls.s.cmd = ETHTOOL_GLINKSETTINGS;
	ifr.ifr_data = (void *)&ls;
	if (ioctl(fd, SIOCETHTOOL, &ifr) || ls.s.link_mode_masks_nwords >= 0)
		goto out;
	nw = -ls.s.link_mode_masks_nwords;
	if (nw > 127)
		goto out;
	ls.s.link_mode_masks_nwords = (int8_t)nw;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	memset(&si, 0, sizeof(si));
	si.i.cmd = ETHTOOL_GSSET_INFO;
	si.i.sset_mask = 1ULL << ETH_SS_LINK_MODES;
	ifr.ifr_data = (void *)&si;
	if (ioctl(fd, SIOCETHTOOL, &ifr) || !si.i.sset_mask)
		goto out;
	count = si.n;
	if (count > 32u * (unsigned)nw)
		count = 32u * (unsigned)nw;
	gs = calloc(1, sizeof(*gs) + (size_t)count * ETH_GSTRING_LEN);
	if (!gs)
		goto out;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_LINK_MODES;
	gs->len = count;
	ifr.ifr_data = (void *)gs;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	for (i = 0; i < (int)count; i++) {
		/* maps: supported[nw], advertising[nw], lp_advertising[nw] */
		if (ls.maps[i / 32] & (1u << (i % 32))) {
			long s = atol((char *)gs->data + i * ETH_GSTRING_LEN);

			if (s > best)
				best = s;
		}
	}
out:
	free(gs);
	close(fd);
	return best;
}

static void pcie(struct diag_dev *d)
{
	struct diag_pcie *p = &d->pcie;
	char path[PATH_MAX];

	if (d->via[0] || !d->bus[0] ||
	    diag_rdf(p->cur_speed, sizeof(p->cur_speed),
		     "/sys/bus/pci/devices/%s/current_link_speed", d->bus) ||
	    diag_rdf(p->cur_width, sizeof(p->cur_width),
		     "/sys/bus/pci/devices/%s/current_link_width", d->bus) ||
	    diag_rdf(p->max_speed, sizeof(p->max_speed),
		     "/sys/bus/pci/devices/%s/max_link_speed", d->bus) ||
	    diag_rdf(p->max_width, sizeof(p->max_width),
		     "/sys/bus/pci/devices/%s/max_link_width", d->bus))
		return;
	p->known = true;
	/* The upstream port: the PCI function above it in sysfs. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/..", d->bus);
	if (!diag_pci_of_path(path, p->up_bus, sizeof(p->up_bus))) {
		diag_rdf(p->up_max_speed, sizeof(p->up_max_speed),
			 "/sys/bus/pci/devices/%s/max_link_speed", p->up_bus);
		diag_rdf(p->up_max_width, sizeof(p->up_max_width),
			 "/sys/bus/pci/devices/%s/max_link_width", p->up_bus);
	}
}

/* GID table of one port; best GID = the first RoCE v2 IPv4-mapped one. */
static int gids(struct diag_dev *d, struct diag_port *pt, const char *p)
{
	char gid[64];
	int k, cap = 0;

	pt->best_gid = -1;
	for (k = 0; k < 1024; k++) {
		struct diag_gid *g;

		if (diag_rdf(gid, sizeof(gid), DIAG_IB_SYS "/%s/ports/%s/gids/%d",
			     d->name, p, k))
			break;
		if (!strcmp(gid, "0000:0000:0000:0000:0000:0000:0000:0000"))
			continue;
		if (pt->ngids == cap) {
			void *n = realloc(pt->gids, (size_t)(cap ? 2 * cap : 8) *
					  sizeof(*pt->gids));

			if (!n)
				return -ENOMEM;
			pt->gids = n;
			cap = cap ? 2 * cap : 8;
		}
		g = &pt->gids[pt->ngids++];
		memset(g, 0, sizeof(*g));
		g->index = k;
		snprintf(g->gid, sizeof(g->gid), "%s", gid);
		diag_rdf(g->type, sizeof(g->type),
			 DIAG_IB_SYS "/%s/ports/%s/gid_attrs/types/%d", d->name,
			 p, k);
		diag_rdf(g->netdev, sizeof(g->netdev),
			 DIAG_IB_SYS "/%s/ports/%s/gid_attrs/ndevs/%d", d->name,
			 p, k);
		if (diag_roce_v2_ipv4(g->gid, g->type) &&
		    pt->n_roce_v2_ipv4++ == 0) {
			pt->best_gid = k;
			snprintf(pt->best_netdev, sizeof(pt->best_netdev), "%s",
				 g->netdev);
		}
	}
	return 0;
}

#if HAVE_VERBS
static struct ibv_context *open_ctx(const char *name)
{
	struct ibv_device **l = ibv_get_device_list(NULL), **p;
	struct ibv_context *ctx = NULL;

	for (p = l; p && *p && !ctx; p++)
		if (!strcmp(ibv_get_device_name(*p), name))
			ctx = ibv_open_device(*p);
	if (l)
		ibv_free_device_list(l);
	return ctx;
}
#endif

static void port_attr(void *ctx, struct diag_port *pt)
{
#if HAVE_VERBS
	struct ibv_port_attr pa;

	if (ctx && !ibv_query_port(ctx, (uint8_t)pt->num, &pa)) {
		pt->have_attr = true;
		pt->active_mtu = 128 << pa.active_mtu;
		pt->max_mtu = 128 << pa.max_mtu;
	}
#endif
	(void)ctx;
}

static void netdev_facts(struct diag_port *pt)
{
	char b[32];

	pt->netdev_mtu = -1;
	if (pt->netdev[0] &&
	    !diag_rdf(b, sizeof(b), "/sys/class/net/%s/mtu", pt->netdev))
		pt->netdev_mtu = atoi(b);
	if (strcmp(pt->link_layer, "Ethernet") || !pt->netdev[0] ||
	    diag_rdf(b, sizeof(b), "/sys/class/net/%s/speed", pt->netdev))
		return;
	pt->speed_mbps = atol(b);
	pt->max_speed_mbps = eth_max_speed(pt->netdev);
	if (pt->speed_mbps <= 0 || pt->max_speed_mbps <= 0)
		pt->speed_mbps = pt->max_speed_mbps = 0;
}

static int ports(struct diag_dev *d)
{
	struct dirent **pl;
	char path[PATH_MAX];
	void *ctx = NULL;
	int np, j, ret = 0;

#if HAVE_VERBS
	ctx = open_ctx(d->name);
#endif
	snprintf(path, sizeof(path), DIAG_IB_SYS "/%s/ports", d->name);
	np = diag_scan(path, &pl);
	if (np > 0) {
		d->ports = calloc((size_t)np, sizeof(*d->ports));
		if (!d->ports)
			ret = -ENOMEM;
	}
	for (j = 0; !ret && j < np; j++) {
		struct diag_port *pt = &d->ports[d->nports++];
		const char *p = pl[j]->d_name;

		pt->num = atoi(p);
		diag_rdf(pt->state, sizeof(pt->state),
			 DIAG_IB_SYS "/%s/ports/%s/state", d->name, p);
		diag_rdf(pt->link_layer, sizeof(pt->link_layer),
			 DIAG_IB_SYS "/%s/ports/%s/link_layer", d->name, p);
		diag_rdf(pt->rate, sizeof(pt->rate),
			 DIAG_IB_SYS "/%s/ports/%s/rate", d->name, p);
		pt->active = diag_state_active(pt->state);
		ret = gids(d, pt, p);
		/* The device's netdev: the first port's best GID's (or the
		 * netdev under a software device), then the usable port's. */
		if (!d->netdev[0])
			snprintf(d->netdev, sizeof(d->netdev), "%s",
				 pt->best_netdev[0] ? pt->best_netdev : d->via);
		if (pt->active && !d->usable &&
		    (strcmp(pt->link_layer, "Ethernet") || pt->best_gid >= 0)) {
			d->usable = true;
			d->port = pt->num;
			d->gid = pt->best_gid;
			snprintf(d->netdev, sizeof(d->netdev), "%s",
				 pt->best_netdev[0] ? pt->best_netdev : d->via);
		}
		snprintf(pt->netdev, sizeof(pt->netdev), "%s", d->netdev);
		port_attr(ctx, pt);
		netdev_facts(pt);
	}
	diag_scan_free(pl, np);
#if HAVE_VERBS
	if (ctx)
		ibv_close_device(ctx);
#endif
	return ret;
}

static int paths_to_gpus(struct diag_topo *tp, const char *bus,
			 const struct diag_facts *f, struct diag_path **p_p)
{
	struct diag_path *p;
	int i;

	p = calloc((size_t)(f->ngpus ? f->ngpus : 1), sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < f->ngpus; i++) {
		p[i].hops = -1;
		p[i].cls = bus[0] ? diag_topo_path(tp, bus, f->gpus[i].bus,
						   &p[i].hops) : NULL;
	}
	*p_p = p;
	return 0;
}

static int device(struct diag_topo *tp, struct diag_facts *f,
		  struct diag_dev *d, const char *name)
{
	struct diag_near n;
	int ret;

	snprintf(d->name, sizeof(d->name), "%.63s", name);
	d->gid = -1;
	diag_pci_of_rdma(d->name, d->bus, sizeof(d->bus), d->via,
			 sizeof(d->via));
	diag_topo_near(tp, d->bus, &n);
	d->numa = n.numa;
	snprintf(d->cpus, sizeof(d->cpus), "%s", n.cpus);
	if (!d->via[0])
		diag_first_entry(d->netdev, sizeof(d->netdev),
				 DIAG_IB_SYS "/%s/device/net", d->name);
	diag_rdf(d->node_type, sizeof(d->node_type),
		 DIAG_IB_SYS "/%s/node_type", d->name);
	diag_rdf(d->guid, sizeof(d->guid), DIAG_IB_SYS "/%s/sys_image_guid",
		 d->name);
	pcie(d);
	ret = paths_to_gpus(tp, d->bus, f, &d->paths);
	return ret ? ret : ports(d);
}

static int netdevs(struct diag_topo *tp, struct diag_facts *f)
{
	struct dirent **nl;
	char path[PATH_MAX], bus[32];
	int n, i, ret = 0;

	n = diag_scan("/sys/class/net", &nl);
	if (n > 0) {
		f->netdevs = calloc((size_t)n, sizeof(*f->netdevs));
		if (!f->netdevs)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++) {
		struct diag_netdev *nd;

		snprintf(path, sizeof(path), "/sys/class/net/%s/device",
			 nl[i]->d_name);
		if (diag_pci_of_path(path, bus, sizeof(bus)))
			continue;
		nd = &f->netdevs[f->nnetdevs++];
		snprintf(nd->name, sizeof(nd->name), "%.63s", nl[i]->d_name);
		snprintf(nd->bus, sizeof(nd->bus), "%s", bus);
		ret = paths_to_gpus(tp, bus, f, &nd->paths);
	}
	diag_scan_free(nl, n);
	return ret;
}

int diag_collect(struct diag_facts **facts_p)
{
	struct diag_topo *tp = diag_topo_open();
	struct diag_facts *f = calloc(1, sizeof(*f));
	struct dirent **dl = NULL;
	int i, nd = -1, ret = -ENOMEM;

	if (!f)
		goto out;
	f->locality = diag_topo_source();
	f->gpus = calloc(MAX_GPU, sizeof(*f->gpus));
	if (!f->gpus)
		goto out;
	f->ngpus = diag_topo_gpus(tp, f->gpus, MAX_GPU);
	for (i = 0; i < f->ngpus; i++) {
		struct diag_near n;

		diag_topo_near(tp, f->gpus[i].bus, &n);
		snprintf(f->gpus[i].cpus, sizeof(f->gpus[i].cpus), "%s", n.cpus);
	}
	ret = netdevs(tp, f);
	if (ret)
		goto out;
	nd = diag_scan(DIAG_IB_SYS, &dl);
	f->ndev_total = nd;
	f->sys = nd < 0 ? DIAG_SYS_MISSING : nd == 0 ? DIAG_SYS_EMPTY :
						       DIAG_SYS_OK;
	if (nd > 0) {
		f->ndevs = nd > DIAG_MAX_DEV ? DIAG_MAX_DEV : nd;
		f->devs = calloc((size_t)f->ndevs, sizeof(*f->devs));
		if (!f->devs) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < f->ndevs && !ret; i++)
		ret = device(tp, f, &f->devs[i], dl[i]->d_name);
out:
	diag_scan_free(dl, nd);
	diag_topo_close(tp);
	if (ret) {
		diag_facts_free(f);
		return ret;
	}
	*facts_p = f;
	return 0;
}

void diag_facts_free(struct diag_facts *f)
{
	int i, j;

	if (!f)
		return;
	for (i = 0; i < f->ndevs; i++) {
		for (j = 0; j < f->devs[i].nports; j++)
			free(f->devs[i].ports[j].gids);
		free(f->devs[i].ports);
		free(f->devs[i].paths);
	}
	for (i = 0; i < f->nnetdevs; i++)
		free(f->netdevs[i].paths);
	free(f->devs);
	free(f->netdevs);
	free(f->gpus);
	free(f);
}
