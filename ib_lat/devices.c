// SPDX-License-Identifier: MIT
/*
 * --devices, GID auto-pick, NIC NUMA node and CPU pinning, all from sysfs
 * (/sys/class/infiniband/DEV/ports/N/{state,phys_state,link_layer,rate,
 * gids/I,gid_attrs/types/I,gid_attrs/ndevs/I}, DEV/device -> PCI function),
 * so it works without opening a verbs context and without any device.
 * hwloc, when built, names the PCI device's NUMA node and the GPUs' nodes.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "transport.h"

#define IB_SYS "/sys/class/infiniband"

static int rd(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int rdf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rdf(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return rd(path, buf, len);
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

void lat_dev_list(char *buf, size_t len)
{
	struct dirent **nl;
	int n, i;
	size_t o = 0;

	buf[0] = '\0';
	n = scandir(IB_SYS, &nl, no_dots, cmp_name);
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
				      i ? "," : "", nl[i]->d_name);
		free(nl[i]);
	}
	if (n > 0)
		free(nl);
}

int lat_dev_numa(const char *dev)
{
	char b[32];

	if (rdf(b, sizeof(b), IB_SYS "/%s/device/numa_node", dev))
		return -1;
	return atoi(b);
}

/* Local IPv4 address the kernel would use toward peer (UDP connect). */
static int local_toward(const char *peer, struct in_addr *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	socklen_t sl = sizeof(sa);
	int fd, ret = 0;

	if (!peer || inet_pton(AF_INET, peer, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl))
		ret = -errno;
	else
		*a = sa.sin_addr;
	close(fd);
	return ret;
}

int lat_gid_autopick(const char *dev, int port, const char *peer_ip,
		     char *why, size_t len)
{
	char gid[64], type[32], ndev[64], ip[INET_ADDRSTRLEN] = "";
	struct in6_addr g;
	struct in_addr want;
	int i, any = -1;
	bool have_want = local_toward(peer_ip, &want) == 0;

	if (have_want)
		inet_ntop(AF_INET, &want, ip, sizeof(ip));
	for (i = 0; i < 1024; i++) {
		if (rdf(gid, sizeof(gid), IB_SYS "/%s/ports/%d/gids/%d", dev,
			port, i))
			break;
		if (rdf(type, sizeof(type),
			IB_SYS "/%s/ports/%d/gid_attrs/types/%d", dev, port, i) ||
		    strcmp(type, "RoCE v2"))
			continue;
		if (inet_pton(AF_INET6, gid, &g) != 1 ||
		    !IN6_IS_ADDR_V4MAPPED(&g))
			continue;
		rdf(ndev, sizeof(ndev), IB_SYS "/%s/ports/%d/gid_attrs/ndevs/%d",
		    dev, port, i);
		if (have_want && !memcmp(&g.s6_addr[12], &want, 4)) {
			snprintf(why, len, "auto: RoCE v2 IPv4 %s on %s, the "
				 "route to %s", ip, ndev, peer_ip);
			return i;
		}
		if (any < 0)
			any = i;
	}
	if (any >= 0) {
		snprintf(why, len, "auto: first RoCE v2 IPv4 GID (no GID for "
			 "local address %s toward %s)", ip, peer_ip ? peer_ip : "?");
		return any;
	}
	snprintf(why, len, "no RoCE v2 IPv4-mapped GID");
	return -ENOENT;
}

static int first_cpu_of(const char *list)
{
	return list[0] >= '0' && list[0] <= '9' ? atoi(list) : -1;
}

int lat_pin_cpu(int cpu, int numa, char *buf, size_t len)
{
	char cl[256] = "";
	cpu_set_t set;

	if (cpu == -2) {
		snprintf(buf, len, "not pinned (--cpu none)");
		return 0;
	}
	if (cpu < 0) {
		if (numa >= 0 &&
		    !rdf(cl, sizeof(cl), "/sys/devices/system/node/node%d/cpulist",
			 numa)) {
			/* CPU 0 takes most interrupts: prefer the last. */
			const char *p = strrchr(cl, ',');
			const char *q = strrchr(p ? p : cl, '-');

			cpu = q ? atoi(q + 1) : first_cpu_of(p ? p + 1 : cl);
		} else {
			snprintf(buf, len, "not pinned (NIC NUMA node unknown; "
				 "--cpu N to pin)");
			return 0;
		}
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(buf, len, "pinning to CPU %d failed: %s", cpu,
			 strerror(errno));
		return -errno;
	}
	snprintf(buf, len, "pinned to CPU %d%s", cpu,
		 numa >= 0 ? " (NIC's NUMA node)" : " (--cpu)");
	if (numa >= 0 && cl[0])
		snprintf(buf + strlen(buf), len - strlen(buf),
			 ", node %d cpus %s", numa, cl);
	return 0;
}

/* GPUs (PCI class 0x03, vendor NVIDIA) and their NUMA nodes, from sysfs. */
static int gpus(char names[][16], int numa[], int max)
{
	struct dirent **nl;
	char v[32], cls[32], b[32];
	int n, i, k = 0;

	n = scandir("/sys/bus/pci/devices", &nl, no_dots, cmp_name);
	for (i = 0; i < n; i++) {
		if (k < max &&
		    !rdf(v, sizeof(v), "/sys/bus/pci/devices/%s/vendor",
			 nl[i]->d_name) &&
		    !strcmp(v, "0x10de") &&
		    !rdf(cls, sizeof(cls), "/sys/bus/pci/devices/%s/class",
			 nl[i]->d_name) && !strncmp(cls, "0x03", 4)) {
			snprintf(names[k], 16, "%.15s", nl[i]->d_name);
			numa[k] = rdf(b, sizeof(b),
				      "/sys/bus/pci/devices/%s/numa_node",
				      nl[i]->d_name) ? -1 : atoi(b);
			k++;
		}
		free(nl[i]);
	}
	if (n > 0)
		free(nl);
	return k;
}

static int speed_gbps(const char *rate)
{
	return atoi(rate);	/* "100 Gb/sec (2X HDR)" -> 100 */
}

int lat_devices_report(FILE *f)
{
	struct dirent **dl, **pl;
	char b[256], pci[PATH_MAX], gid[64], type[32], ndev[64], state[64],
	     ll[32], rate[64], gpu[8][16], hca[512] = "", ifname[64] = "",
	     mtu[32];
	int gnuma[8], ngpu, nd, np, i, j, k, g, warn = 0, best_gid = -1;
	char seen_pci[16][PATH_MAX];
	int nseen = 0;

	ngpu = gpus(gpu, gnuma, 8);
	nd = scandir(IB_SYS, &dl, no_dots, cmp_name);
	if (nd <= 0) {
		fprintf(f, "# no RDMA device (%s is %s): nothing to check; "
			"ib_lat -t tcp still works\n", IB_SYS,
			nd < 0 ? "missing: kernel without RDMA support" : "empty");
		fprintf(f, "# GPUs: %d\n", ngpu);
		fprintf(f, "# NCCL environment: NCCL_IB_DISABLE=1 (sockets)\n");
		return 0;
	}
	for (i = 0; i < nd; i++) {
		const char *d = dl[i]->d_name;
		char path[PATH_MAX], *real;
		int numa = lat_dev_numa(d);

		snprintf(path, sizeof(path), IB_SYS "/%s/device", d);
		real = realpath(path, NULL);
		snprintf(pci, sizeof(pci), "%s",
			 real ? strrchr(real, '/') + 1 : "-");
		free(real);
		rdf(b, sizeof(b), IB_SYS "/%s/node_type", d);
		fprintf(f, "%s: %s, PCI %s, NUMA node %d\n", d, b, pci, numa);
		/* Several devices on one PCI slot (function .0/.1 differ only
		 * in the last digit) hint at one physical port split. */
		for (k = 0; k < nseen; k++) {
			size_t l = strlen(pci);

			if (l > 2 && !strncmp(seen_pci[k], pci, l - 1)) {
				fprintf(f, "  WARNING: %s shares PCI slot %.*s with "
					"another RDMA device: list both in "
					"NCCL_IB_HCA to use the whole link\n",
					d, (int)(l - 2), pci);
				warn++;
			}
		}
		if (nseen < 16)
			snprintf(seen_pci[nseen++], PATH_MAX, "%s", pci);
		for (g = 0; g < ngpu; g++) {
			fprintf(f, "  GPU %s: NUMA node %d (%s)\n", gpu[g],
				gnuma[g], gnuma[g] == numa ? "same node as NIC" :
				"OTHER node");
			if (gnuma[g] != numa && numa >= 0 && gnuma[g] >= 0) {
				fprintf(f, "  WARNING: GPU %s is on another "
					"NUMA node than %s\n", gpu[g], d);
				warn++;
			}
		}
		snprintf(path, sizeof(path), IB_SYS "/%s/ports", d);
		np = scandir(path, &pl, no_dots, cmp_name);
		for (j = 0; j < np; j++) {
			const char *p = pl[j]->d_name;
			int nv2 = 0;

			rdf(state, sizeof(state), IB_SYS "/%s/ports/%s/state", d, p);
			rdf(ll, sizeof(ll), IB_SYS "/%s/ports/%s/link_layer", d, p);
			rdf(rate, sizeof(rate), IB_SYS "/%s/ports/%s/rate", d, p);
			fprintf(f, "  port %s: %s, link layer %s, rate %s\n", p,
				state, ll, rate);
			if (!strstr(state, "ACTIVE")) {
				fprintf(f, "  WARNING: %s port %s is not ACTIVE\n",
					d, p);
				warn++;
			}
			fprintf(f, "    %-5s %-9s %-40s %s\n", "gid", "type",
				"address", "netdev");
			for (k = 0; k < 1024; k++) {
				if (rdf(gid, sizeof(gid),
					IB_SYS "/%s/ports/%s/gids/%d", d, p, k))
					break;
				if (!strcmp(gid, "0000:0000:0000:0000:0000:0000:0000:0000"))
					continue;
				rdf(type, sizeof(type),
				    IB_SYS "/%s/ports/%s/gid_attrs/types/%d", d, p, k);
				rdf(ndev, sizeof(ndev),
				    IB_SYS "/%s/ports/%s/gid_attrs/ndevs/%d", d, p, k);
				fprintf(f, "    %-5d %-9s %-40s %s\n", k,
					type[0] ? type : "IB", gid,
					ndev[0] ? ndev : "-");
				if (!strcmp(type, "RoCE v2") &&
				    !strncmp(gid, "0000:0000:0000:0000:0000:ffff", 29)) {
					nv2++;
					if (best_gid < 0) {
						best_gid = k;
						snprintf(ifname, sizeof(ifname),
							 "%s", ndev);
					}
				}
			}
			if (!strcmp(ll, "Ethernet") && !nv2) {
				fprintf(f, "  WARNING: %s port %s has no RoCE v2 "
					"IPv4 GID (no IPv4 address on its netdev?)\n",
					d, p);
				warn++;
			}
			if (ifname[0] &&
			    !rdf(mtu, sizeof(mtu), "/sys/class/net/%s/mtu", ifname)) {
				int m = atoi(mtu), roce = 0;

				/* RoCE MTU: largest IB MTU that fits with the
				 * ~58-byte RoCE v2 header overhead. */
				for (int r = 4096; r >= 256; r /= 2)
					if (r + 58 <= m) {
						roce = r;
						break;
					}
				fprintf(f, "    netdev %s MTU %d -> RoCE MTU %d\n",
					ifname, m, roce);
				if (m != 1500 && m != 9000 && m != 4200)
					fprintf(f, "    note: netdev MTU %d is not "
						"a usual value (1500/4200/9000)\n", m);
			}
			if (speed_gbps(rate) > 0 && strstr(rate, "1X") &&
			    !strstr(ll, "Ethernet")) {
				fprintf(f, "  WARNING: %s port %s runs at width "
					"1X\n", d, p);
				warn++;
			}
			free(pl[j]);
		}
		if (np > 0)
			free(pl);
		snprintf(hca + strlen(hca), sizeof(hca) - strlen(hca), "%s%s",
			 hca[0] ? "," : "", d);
		free(dl[i]);
	}
	free(dl);
	fprintf(f, "# hwloc: %s\n", HAVE_HWLOC ?
		"built (GPU/NIC locality from sysfs NUMA nodes)" :
		"not built; locality from sysfs NUMA nodes");
	fprintf(f, "# %d warning(s)\n", warn);
	fprintf(f, "# NCCL environment recommended:\n");
	fprintf(f, "export NCCL_IB_HCA=%s\n", hca);
	if (best_gid >= 0)
		fprintf(f, "export NCCL_IB_GID_INDEX=%d\n", best_gid);
	if (ifname[0])
		fprintf(f, "export NCCL_SOCKET_IFNAME=%s\n", ifname);
	return 0;
}
