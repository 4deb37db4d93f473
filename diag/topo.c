// SPDX-License-Identifier: MIT
/*
 * Where a NIC sits: its PCI function, NUMA node and nearby CPUs, the GPUs
 * and the PCI path between NIC and GPU, and pinning near the NIC.
 *
 * With hwloc (the feature option) the answers come from hwloc's topology,
 * which knows PCI bridges and host bridges, so the NIC-GPU path is classed
 * the way nvidia-smi topo and NCCL class it: PIX (same PCIe switch), PXB
 * (several switches), PHB (same host bridge), NODE (same NUMA node), SYS
 * (across NUMA nodes). Without hwloc, sysfs numa_node gives NODE or SYS.
 * HWLOC_XMLFILE (hwloc's own variable) loads a saved topology instead of
 * this machine's: the tests use one captured on a GPU machine.
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdbool.h>
#include <limits.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"

#if HAVE_HWLOC
#include <hwloc.h>
#endif

struct diag_topo {
#if HAVE_HWLOC
	hwloc_topology_t t;
#endif
	int dummy;
};

struct diag_topo *diag_topo_open(void)
{
	struct diag_topo *tp = calloc(1, sizeof(*tp));

	if (!tp)
		return NULL;
#if HAVE_HWLOC
	if (hwloc_topology_init(&tp->t)) {
		free(tp);
		return NULL;
	}
	hwloc_topology_set_io_types_filter(tp->t,
					   HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (hwloc_topology_load(tp->t)) {
		hwloc_topology_destroy(tp->t);
		free(tp);
		return NULL;
	}
#endif
	return tp;
}

void diag_topo_close(struct diag_topo *tp)
{
	if (!tp)
		return;
#if HAVE_HWLOC
	hwloc_topology_destroy(tp->t);
#endif
	free(tp);
}

const char *diag_topo_source(void)
{
	return HAVE_HWLOC ? "hwloc" : "sysfs (hwloc not built)";
}

/* Last PCI bus id ("0000:01:00.0") in a resolved sysfs path. */
int diag_pci_of_path(const char *link, char *bus, size_t len)
{
	char *real = realpath(link, NULL), *p;
	regex_t re;
	regmatch_t m;
	int ret = -ENOENT;

	bus[0] = '\0';
	if (!real)
		return -errno;
	if (regcomp(&re, "[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-9a-f]",
		    REG_EXTENDED | REG_ICASE)) {
		free(real);
		return -EINVAL;
	}
	for (p = real; !regexec(&re, p, 1, &m, 0); p += m.rm_eo) {
		snprintf(bus, len, "%.*s", (int)(m.rm_eo - m.rm_so),
			 p + m.rm_so);
		ret = 0;
	}
	regfree(&re);
	free(real);
	return ret;
}

/*
 * The PCI function behind an RDMA device: its own (hardware), else its
 * netdev's (rxe, siw: a software device over a NIC). via (may be NULL)
 * gets the netdev used, "" if none.
 */
int diag_pci_of_rdma(const char *dev, char *bus, size_t len, char *via,
		    size_t vlen)
{
	char path[PATH_MAX], par[64];

	if (via)
		via[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/device", dev);
	if (!diag_pci_of_path(path, bus, len))
		return 0;
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/parent", dev);
	if (diag_sysfs_read(path, par, sizeof(par)) || !par[0])
		return -ENOENT;
	if (via)
		snprintf(via, vlen, "%s", par);
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", par);
	return diag_pci_of_path(path, bus, len);
}

/* The netdev holding local address ip, and its PCI function. */
int diag_pci_of_ip(const char *ip, char *bus, size_t len, char *ifname,
		  size_t iflen)
{
	struct ifaddrs *ifa, *i;
	char path[PATH_MAX], host[NI_MAXHOST];

	bus[0] = ifname[0] = '\0';
	if (!ip || getifaddrs(&ifa))
		return -ENOENT;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (getnameinfo(i->ifa_addr, i->ifa_addr->sa_family == AF_INET ?
				sizeof(struct sockaddr_in) :
				sizeof(struct sockaddr_in6), host, sizeof(host),
				NULL, 0, NI_NUMERICHOST))
			continue;
		if (!strcmp(host, ip)) {
			snprintf(ifname, iflen, "%s", i->ifa_name);
			break;
		}
	}
	freeifaddrs(ifa);
	if (!ifname[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	return diag_pci_of_path(path, bus, len);
}

/* NUMA node of a PCI function, -1 unknown. */
static int sysfs_numa(const char *bus)
{
	char path[PATH_MAX], b[32];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", bus);
	return diag_sysfs_read(path, b, sizeof(b)) ? -1 : atoi(b);
}

/* Last CPU of a cpulist ("0-9,20-29" -> 29), -1 if none. */
static int last_of_list(const char *cl)
{
	const char *p = cl + strlen(cl);

	while (p > cl && (p[-1] >= '0' && p[-1] <= '9'))
		p--;
	return *p >= '0' && *p <= '9' ? atoi(p) : -1;
}

int diag_topo_near(struct diag_topo *tp, const char *bus, struct diag_near *n)
{
	char path[PATH_MAX];

	memset(n, 0, sizeof(*n));
	n->numa = -1;
	n->cpu = -1;
#if HAVE_HWLOC
	if (tp) {
		hwloc_obj_t o = hwloc_get_pcidev_by_busidstring(tp->t, bus);
		hwloc_obj_t a;

		if (!o)
			return -ENOENT;
		a = hwloc_get_non_io_ancestor_obj(tp->t, o);
		if (!a || !a->cpuset)
			return -ENOENT;
		hwloc_bitmap_list_snprintf(n->cpus, sizeof(n->cpus), a->cpuset);
		n->cpu = hwloc_bitmap_last(a->cpuset);
		if (a->nodeset && hwloc_bitmap_weight(a->nodeset) == 1)
			n->numa = hwloc_bitmap_first(a->nodeset);
		snprintf(n->anchor, sizeof(n->anchor), "%s",
			 hwloc_obj_type_string(a->type));
		return 0;
	}
#endif
	(void)tp;
	n->numa = sysfs_numa(bus);
	if (n->numa < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 n->numa);
	if (diag_sysfs_read(path, n->cpus, sizeof(n->cpus)))
		return -ENOENT;
	n->cpu = last_of_list(n->cpus);
	snprintf(n->anchor, sizeof(n->anchor), "NUMANode");
	return 0;
}

int diag_topo_gpus(struct diag_topo *tp, struct diag_gpu *g, int max)
{
	int k = 0;

#if HAVE_HWLOC
	if (tp) {
		hwloc_obj_t o = NULL;

		while ((o = hwloc_get_next_pcidev(tp->t, o)) && k < max) {
			struct hwloc_pcidev_attr_s *p = &o->attr->pcidev;
			struct diag_near n;

			if (p->vendor_id != 0x10de || p->class_id >> 8 != 0x03)
				continue;
			snprintf(g[k].bus, sizeof(g[k].bus),
				 "%04x:%02x:%02x.%01x", p->domain, p->bus,
				 p->dev, p->func);
			g[k].numa = diag_topo_near(tp, g[k].bus, &n) ? -1 :
								      n.numa;
			k++;
		}
		return k;
	}
#endif
	{
		struct dirent **nl;
		char path[PATH_MAX], v[32], cls[32];
		int n, i;

		n = scandir("/sys/bus/pci/devices", &nl, NULL, alphasort);
		for (i = 0; i < n; i++) {
			const char *d = nl[i]->d_name;

			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/vendor", d);
			if (d[0] != '.' && k < max && !diag_sysfs_read(path, v, sizeof(v)) &&
			    !strcmp(v, "0x10de")) {
				snprintf(path, sizeof(path),
					 "/sys/bus/pci/devices/%s/class", d);
				if (!diag_sysfs_read(path, cls, sizeof(cls)) &&
				    !strncmp(cls, "0x03", 4)) {
					snprintf(g[k].bus, sizeof(g[k].bus),
						 "%.15s", d);
					g[k].numa = sysfs_numa(d);
					k++;
				}
			}
			free(nl[i]);
		}
		if (n > 0)
			free(nl);
	}
	return k;
}

#if HAVE_HWLOC
static bool host_bridge(hwloc_obj_t o)
{
	return o->type == HWLOC_OBJ_BRIDGE &&
	       o->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_HOST;
}

/* Bridges strictly between o and its ancestor top. */
static int bridges_below(hwloc_obj_t o, hwloc_obj_t top, int *hops)
{
	int nb = 0;

	for (o = o->parent; o && o != top; o = o->parent) {
		(*hops)++;
		if (o->type == HWLOC_OBJ_BRIDGE)
			nb++;
	}
	(*hops)++;
	return nb;
}
#endif

const char *diag_topo_path(struct diag_topo *tp, const char *a, const char *b,
			  int *hops)
{
	*hops = -1;
#if HAVE_HWLOC
	if (tp) {
		hwloc_obj_t oa = hwloc_get_pcidev_by_busidstring(tp->t, a);
		hwloc_obj_t ob = hwloc_get_pcidev_by_busidstring(tp->t, b);
		hwloc_obj_t c;
		int nb, h = 0;

		if (!oa || !ob)
			return NULL;
		c = hwloc_get_common_ancestor_obj(tp->t, oa, ob);
		nb = bridges_below(oa, c, &h) + bridges_below(ob, c, &h);
		*hops = h;
		if (c->type == HWLOC_OBJ_BRIDGE || c->type == HWLOC_OBJ_PCI_DEVICE) {
			if (host_bridge(c))
				return "PHB";
			/* One switch: a downstream port on each side. */
			return nb <= 2 ? "PIX" : "PXB";
		}
		return c->nodeset && hwloc_bitmap_weight(c->nodeset) <= 1 ?
			       "NODE" : "SYS";
	}
#endif
	{
		int na = sysfs_numa(a), nb = sysfs_numa(b);

		(void)tp;
		if (na < 0 || nb < 0)
			return NULL;
		return na == nb ? "NODE" : "SYS";
	}
}

const char *diag_topo_path_desc(const char *cls)
{
	if (!cls)
		return "unknown";
	if (!strcmp(cls, "PIX"))
		return "same PCIe switch";
	if (!strcmp(cls, "PXB"))
		return "across PCIe switches, same host bridge";
	if (!strcmp(cls, "PHB"))
		return "through the host bridge";
	if (!strcmp(cls, "NODE"))
		return "same NUMA node, across host bridges";
	return "across NUMA nodes (SMP interconnect)";
}

int diag_pin_near(int cpu, const char *bus, const char *what, char *buf,
		 size_t len)
{
	struct diag_topo *tp = NULL;
	struct diag_near n = { .numa = -1, .cpu = -1 };
	cpu_set_t set;
	int ret = 0;

	if (cpu == -2) {
		snprintf(buf, len, "not pinned (--cpu none)");
		return 0;
	}
	if (cpu < 0) {
		tp = bus && bus[0] ? diag_topo_open() : NULL;
		if (!tp || diag_topo_near(tp, bus, &n) || n.cpu < 0) {
			snprintf(buf, len, "not pinned (no locality known for "
				 "%s%s%s; --cpu N to pin)", what,
				 bus && bus[0] ? " at PCI " : "",
				 bus ? bus : "");
			diag_topo_close(tp);
			return 0;
		}
		diag_topo_close(tp);
		cpu = n.cpu;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		ret = -errno;
		snprintf(buf, len, "pinning to CPU %d failed: %s", cpu,
			 strerror(errno));
		return ret;
	}
	if (n.cpus[0])
		snprintf(buf, len, "pinned to CPU %d, near %s (PCI %s; %s: "
			 "%s cpus %s, NUMA node %d)", cpu, what, bus,
			 diag_topo_source(), n.anchor, n.cpus, n.numa);
	else
		snprintf(buf, len, "pinned to CPU %d (--cpu)", cpu);
	return 0;
}
