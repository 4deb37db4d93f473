// SPDX-License-Identifier: MIT
/*
 * --devices and the GID auto-pick.
 *
 * Port state, link layer, rate and the GID table come from sysfs
 * (/sys/class/infiniband/DEV/ports/N/{state,link_layer,rate,gids/I,
 * gid_attrs/types/I,gid_attrs/ndevs/I}), so the listing works without a
 * verbs context; the active and largest MTU come from ibv_query_port when
 * verbs is built. Locality (PCI function, NUMA node, NIC-GPU path) comes
 * from topo.c (hwloc). Netdev speed against what the NIC supports comes
 * from the ethtool ioctl; PCIe link speed/width against both ends'
 * capability from sysfs. Every finding is printed and, with -J, written
 * as JSON.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "transport.h"

#if HAVE_VERBS
#include <infiniband/verbs.h>
#endif

#define IB_SYS "/sys/class/infiniband"
#define MAX_DEV 32

static int rdf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rdf(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return lat_sysfs_read(path, buf, len);
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

/* First entry of a directory (a device's netdev under device/net). */
static void first_entry(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void first_entry(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct dirent **nl;
	va_list ap;
	int n, i;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	n = scandir(path, &nl, no_dots, cmp_name);
	for (i = 0; i < n; i++) {
		if (!i)
			snprintf(buf, len, "%.*s", (int)len - 1, nl[i]->d_name);
		free(nl[i]);
	}
	if (n > 0)
		free(nl);
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

static bool roce_v2_ipv4(const char *gid, const char *type)
{
	return !strcmp(type, "RoCE v2") &&
	       !strncmp(gid, "0000:0000:0000:0000:0000:ffff", 29);
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
		    !roce_v2_ipv4(gid, type) || inet_pton(AF_INET6, gid, &g) != 1)
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

/* ---- link checks -------------------------------------------------------- */

/* Largest IB MTU that fits a netdev MTU: the kernel's iboe_get_mtu()
 * reserves GRH 40 + UDP 8 + BTH 12 + XRC 4 + AtomicETH 28 + ICRC 4 = 96
 * bytes. */
#define ROCE_OVERHEAD 96
int lat_roce_mtu_for(int netdev_mtu)
{
	int r;

	for (r = 4096; r >= 256; r /= 2)
		if (r + ROCE_OVERHEAD <= netdev_mtu)
			return r;
	return 0;
}

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
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
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

/* PCIe speed text ("16.0 GT/s PCIe") to GT/s. */
static double gts(const char *s)
{
	return atof(s);
}

/*
 * PCIe link trained below what both ends can do (a NIC at Gen5 x2 in an
 * x4 port). Writes the finding to msg; 1 if degraded, 0 if not, -1 unknown.
 */
int lat_pcie_check(const char *cur_speed, const char *cur_width,
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

/* ---- the report --------------------------------------------------------- */

struct rep {
	FILE   *f;
	json_t *warnings;
	int	nwarn;
};

static void warnf(struct rep *r, json_t *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warnf(struct rep *r, json_t *dev, const char *fmt, ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	fprintf(r->f, "  WARNING: %s\n", b);
	json_array_append_new(r->warnings, json_string(b));
	if (dev)
		json_array_append_new(json_object_get(dev, "warnings"),
				      json_string(b));
	r->nwarn++;
}

struct dev {
	char	name[64];
	char	bus[32];	/* PCI function (own, or its netdev's) */
	char	via[64];	/* software device: the netdev under it */
	char	ndev[64];	/* netdev of its best GID */
	int	gid;		/* best RoCE v2 IPv4 GID, -1 none */
	bool	usable;		/* active and (IB or a RoCE v2 IPv4 GID) */
	int	port;		/* that port */
	json_t *j;
#if HAVE_VERBS
	struct ibv_context *ctx; /* open while its ports are listed */
#endif
};

/* Same bus:dev.func in another PCI domain: one NIC port reached over two
 * PCIe links (GB10's ConnectX-7 shows each QSFP port as two devices). */
bool lat_pci_halves(const char *a, const char *b)
{
	const char *pa = strchr(a, ':'), *pb = strchr(b, ':');

	return pa && pb && strcmp(a, b) && !strcmp(pa, pb);
}

static void port_mtu(struct rep *r, struct dev *d, json_t *jp, int port,
		     const char *ll)
{
	char mtu[32];
	int netmtu = -1;

	if (d->ndev[0] &&
	    !rdf(mtu, sizeof(mtu), "/sys/class/net/%s/mtu", d->ndev))
		netmtu = atoi(mtu);
#if HAVE_VERBS
	{
		struct ibv_port_attr pa;

		if (d->ctx && !ibv_query_port(d->ctx, (uint8_t)port, &pa)) {
			int act = 128 << pa.active_mtu, mx = 128 << pa.max_mtu;

			fprintf(r->f, "    MTU: active %d, port max %d", act, mx);
			json_object_set_new(jp, "active_mtu", json_integer(act));
			json_object_set_new(jp, "max_mtu", json_integer(mx));
			if (netmtu > 0) {
				fprintf(r->f, ", netdev %s %d", d->ndev, netmtu);
				json_object_set_new(jp, "netdev_mtu",
						    json_integer(netmtu));
			}
			fprintf(r->f, "\n");
			if (!strcmp(ll, "Ethernet") && netmtu > 0 && act < mx)
				warnf(r, d->j, "%s port %d: RoCE MTU %d, below "
				      "the port's %d, because netdev %s has MTU "
				      "%d; a netdev MTU of %d or more (9000 is "
				      "usual) on both nodes and the switch allows "
				      "%d-byte RoCE packets", d->name, port, act,
				      mx, d->ndev, netmtu, mx + ROCE_OVERHEAD, mx);
			return;
		}
	}
#endif
	if (netmtu > 0) {
		fprintf(r->f, "    MTU: netdev %s %d -> RoCE MTU %d (port "
			"attributes need verbs)\n", d->ndev, netmtu,
			lat_roce_mtu_for(netmtu));
		json_object_set_new(jp, "netdev_mtu", json_integer(netmtu));
	}
}

static void port_speed(struct rep *r, struct dev *d, json_t *jp, int port)
{
	char sp[32];
	long cur, best;

	if (!d->ndev[0] ||
	    rdf(sp, sizeof(sp), "/sys/class/net/%s/speed", d->ndev))
		return;
	cur = atol(sp);
	best = eth_max_speed(d->ndev);
	if (cur <= 0 || best <= 0)
		return;
	fprintf(r->f, "    netdev %s: %ld Gb/s (NIC supports up to %ld Gb/s)\n",
		d->ndev, cur / 1000, best / 1000);
	json_object_set_new(jp, "netdev_speed_mbps", json_integer(cur));
	json_object_set_new(jp, "netdev_max_speed_mbps", json_integer(best));
	if (cur < best)
		warnf(r, d->j, "%s port %d: %s runs at %ld Gb/s, below the %ld "
		      "Gb/s it supports (cable, peer or switch port)", d->name,
		      port, d->ndev, cur / 1000, best / 1000);
}

static void pcie(struct rep *r, struct dev *d)
{
	char cs[32], cw[16], ms[32], mw[16], us[32] = "", uw[16] = "",
	     up[32], msg[128], path[PATH_MAX];
	int k;

	if (d->via[0] || !d->bus[0] ||
	    rdf(cs, sizeof(cs), "/sys/bus/pci/devices/%s/current_link_speed",
		d->bus) ||
	    rdf(cw, sizeof(cw), "/sys/bus/pci/devices/%s/current_link_width",
		d->bus) ||
	    rdf(ms, sizeof(ms), "/sys/bus/pci/devices/%s/max_link_speed",
		d->bus) ||
	    rdf(mw, sizeof(mw), "/sys/bus/pci/devices/%s/max_link_width",
		d->bus))
		return;
	/* The upstream port: the PCI function above it in sysfs. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/..", d->bus);
	if (!lat_pci_of_path(path, up, sizeof(up))) {
		rdf(us, sizeof(us), "/sys/bus/pci/devices/%s/max_link_speed", up);
		rdf(uw, sizeof(uw), "/sys/bus/pci/devices/%s/max_link_width", up);
	}
	k = lat_pcie_check(cs, cw, ms, mw, us, uw, msg, sizeof(msg));
	if (k < 0)
		return;
	fprintf(r->f, "  %s\n", msg);
	json_object_set_new(d->j, "pcie", json_string(msg));
	if (k > 0)
		warnf(r, d->j, "%s: %s: the link trained below what both ends "
		      "support (reseat, check the slot or riser)", d->name, msg);
}

static void ports(struct rep *r, struct dev *d)
{
	struct dirent **pl;
	char path[PATH_MAX], state[64], ll[32], rate[64], gid[64], type[32],
	     ndev[64];
	json_t *jports = json_array();
	int np, j, k;

#if HAVE_VERBS
	{
		struct ibv_device **l = ibv_get_device_list(NULL), **p;

		for (p = l; p && *p && !d->ctx; p++)
			if (!strcmp(ibv_get_device_name(*p), d->name))
				d->ctx = ibv_open_device(*p);
		if (l)
			ibv_free_device_list(l);
	}
#endif
	snprintf(path, sizeof(path), IB_SYS "/%s/ports", d->name);
	np = scandir(path, &pl, no_dots, cmp_name);
	for (j = 0; j < np; j++) {
		const char *p = pl[j]->d_name;
		json_t *jp = json_object(), *jg = json_array();
		int port = atoi(p), nv2 = 0, best = -1;
		char bestdev[64] = "";

		rdf(state, sizeof(state), IB_SYS "/%s/ports/%s/state", d->name, p);
		rdf(ll, sizeof(ll), IB_SYS "/%s/ports/%s/link_layer", d->name, p);
		rdf(rate, sizeof(rate), IB_SYS "/%s/ports/%s/rate", d->name, p);
		fprintf(r->f, "  port %s: %s, link layer %s, rate %s\n", p,
			state, ll, rate);
		json_object_set_new(jp, "port", json_integer(port));
		json_object_set_new(jp, "state", json_string(state));
		json_object_set_new(jp, "link_layer", json_string(ll));
		json_object_set_new(jp, "rate", json_string(rate));
		fprintf(r->f, "    %-5s %-9s %-40s %s\n", "gid", "type",
			"address", "netdev");
		for (k = 0; k < 1024; k++) {
			if (rdf(gid, sizeof(gid), IB_SYS "/%s/ports/%s/gids/%d",
				d->name, p, k))
				break;
			if (!strcmp(gid, "0000:0000:0000:0000:0000:0000:0000:0000"))
				continue;
			rdf(type, sizeof(type),
			    IB_SYS "/%s/ports/%s/gid_attrs/types/%d", d->name, p, k);
			rdf(ndev, sizeof(ndev),
			    IB_SYS "/%s/ports/%s/gid_attrs/ndevs/%d", d->name, p, k);
			fprintf(r->f, "    %-5d %-9s %-40s %s\n", k,
				type[0] ? type : "IB", gid, ndev[0] ? ndev : "-");
			json_array_append_new(jg, json_pack("{s:i,s:s,s:s,s:s}",
				"index", k, "type", type[0] ? type : "IB",
				"gid", gid, "netdev", ndev));
			if (roce_v2_ipv4(gid, type) && nv2++ == 0) {
				best = k;
				snprintf(bestdev, sizeof(bestdev), "%s", ndev);
			}
		}
		json_object_set_new(jp, "gids", jg);
		if (!strstr(state, "ACTIVE"))
			warnf(r, d->j, "%s port %s is %s, not ACTIVE (no cable "
			      "or peer; ignore if the port is unused)", d->name,
			      p, state);
		if (!strcmp(ll, "Ethernet") && !nv2)
			warnf(r, d->j, "%s port %s has no RoCE v2 IPv4 GID "
			      "(no IPv4 address on its netdev?)", d->name, p);
		if (!d->ndev[0])
			snprintf(d->ndev, sizeof(d->ndev), "%s",
				 bestdev[0] ? bestdev : d->via);
		if (strstr(state, "ACTIVE")) {
			bool ok = strcmp(ll, "Ethernet") || best >= 0;

			if (!d->usable && ok) {
				d->usable = true;
				d->port = port;
				d->gid = best;
				snprintf(d->ndev, sizeof(d->ndev), "%s",
					 bestdev[0] ? bestdev : d->via);
			}
		}
		port_mtu(r, d, jp, port, ll);
		if (!strcmp(ll, "Ethernet"))
			port_speed(r, d, jp, port);
		json_array_append_new(jports, jp);
		free(pl[j]);
	}
	if (np > 0)
		free(pl);
#if HAVE_VERBS
	if (d->ctx)
		ibv_close_device(d->ctx);
	d->ctx = NULL;
#endif
	json_object_set_new(d->j, "ports", jports);
}

static void gpu_paths(struct rep *r, struct lat_topo *tp, struct dev *d,
		      const struct lat_gpu *g, int ngpu, int nic_numa)
{
	json_t *jg = json_array();
	int i, hops;

	for (i = 0; i < ngpu; i++) {
		const char *cls = d->bus[0] ? lat_topo_path(tp, d->bus, g[i].bus,
							    &hops) : NULL;

		fprintf(r->f, "  GPU %s: %s (%s", g[i].bus, cls ? cls : "?",
			lat_topo_path_desc(cls));
		if (cls && hops >= 0)
			fprintf(r->f, ", %d hops", hops);
		fprintf(r->f, "), GPU NUMA node %d\n", g[i].numa);
		json_array_append_new(jg, json_pack("{s:s,s:s?,s:i,s:i}",
			"gpu", g[i].bus, "path", cls, "hops", cls ? hops : -1,
			"numa", g[i].numa));
		if ((cls && !strcmp(cls, "SYS")) ||
		    (g[i].numa >= 0 && nic_numa >= 0 && g[i].numa != nic_numa))
			warnf(r, d->j, "%s is on another NUMA node (%d) than "
			      "GPU %s (%d): traffic crosses the SMP link; use "
			      "a NIC near the GPU", d->name, nic_numa, g[i].bus,
			      g[i].numa);
	}
	json_object_set_new(d->j, "gpus", jg);
}

/* GPUs, and every netdev on a PCI function with its path to each GPU:
 * the socket transport (NCCL_SOCKET_IFNAME) cares as much as RDMA does. */
static json_t *locality(struct rep *r, struct lat_topo *tp,
			const struct lat_gpu *g, int ngpu)
{
	json_t *jn = json_array();
	struct dirent **nl;
	char path[PATH_MAX], bus[32];
	int n, i, k, hops;

	for (k = 0; k < ngpu; k++) {
		struct lat_near nr;

		lat_topo_near(tp, g[k].bus, &nr);
		fprintf(r->f, "GPU %s: NUMA node %d, CPUs %s\n", g[k].bus,
			g[k].numa, nr.cpus[0] ? nr.cpus : "?");
	}
	n = scandir("/sys/class/net", &nl, no_dots, cmp_name);
	for (i = 0; i < n; i++) {
		const char *ifn = nl[i]->d_name;
		json_t *jp = json_array();

		snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifn);
		if (!lat_pci_of_path(path, bus, sizeof(bus))) {
			fprintf(r->f, "netdev %s: PCI %s", ifn, bus);
			for (k = 0; k < ngpu; k++) {
				const char *cls = lat_topo_path(tp, bus, g[k].bus,
								&hops);

				fprintf(r->f, "%s GPU %s %s", k ? "," : ";",
					g[k].bus, cls ? cls : "?");
				json_array_append_new(jp, json_pack("{s:s,s:s?}",
					"gpu", g[k].bus, "path", cls));
			}
			fprintf(r->f, "\n");
			json_array_append_new(jn, json_pack("{s:s,s:s,s:o}",
				"netdev", ifn, "pci", bus, "gpu_paths", jp));
		} else {
			json_decref(jp);
		}
		free(nl[i]);
	}
	if (n > 0)
		free(nl);
	return jn;
}

int lat_devices_report(FILE *f, const char *json_path)
{
	struct rep r = { .f = f, .warnings = json_array() };
	struct lat_gpu g[16];
	struct dev *dv = NULL;
	struct dirent **dl;
	struct lat_topo *tp = lat_topo_open();
	json_t *doc = json_pack("{s:s,s:s}", "tool", "ib_lat --devices",
				"locality", lat_topo_source()), *jdevs = json_array(), *env = json_object();
	char hca[512] = "", ifname[64] = "", b[128];
	int ngpu, nd, ntot, i, j, gid = -1, ret = 0;
	bool gid_differs = false;
	FILE *jf = NULL;

	if (json_path) {
		jf = strcmp(json_path, "-") ? fopen(json_path, "wx") : stdout;
		if (!jf) {
			fprintf(stderr, "ib_lat: cannot create %s: %s%s\n",
				json_path, strerror(errno), errno == EEXIST ?
				" (refusing to overwrite)" : "");
			ret = BM_EXIT_USAGE;
			goto out;
		}
		if (jf == stdout)
			r.f = f = stderr;
	}
	ngpu = lat_topo_gpus(tp, g, 16);
	ntot = nd = scandir(IB_SYS, &dl, no_dots, cmp_name);
	if (nd > MAX_DEV)
		nd = MAX_DEV;
	fprintf(f, "# locality from %s; %d GPU(s); NIC-GPU paths as nvidia-smi "
		"topo -m: PIX PXB PHB NODE SYS, nearest first\n",
		lat_topo_source(), ngpu);
	json_object_set_new(doc, "netdevs", locality(&r, tp, g, ngpu));
	if (nd <= 0) {
		fprintf(f, "# no RDMA device (%s is %s): nothing to check; "
			"ib_lat -t tcp still works\n", IB_SYS,
			nd < 0 ? "missing: kernel without RDMA support" : "empty");
		json_object_set_new(env, "NCCL_IB_DISABLE", json_string("1"));
		fprintf(f, "# NCCL environment recommended: sockets only\n"
			"export NCCL_IB_DISABLE=1\n");
		goto done;
	}
	dv = calloc((size_t)nd, sizeof(*dv));
	for (i = 0; dv && i < nd; i++) {
		struct dev *d = &dv[i];
		struct lat_near n;
		char guid[64] = "";

		snprintf(d->name, sizeof(d->name), "%.63s", dl[i]->d_name);
		d->gid = -1;
		d->j = json_pack("{s:s,s:[]}", "name", d->name, "warnings");
		lat_pci_of_rdma(d->name, d->bus, sizeof(d->bus), d->via,
				sizeof(d->via));
		lat_topo_near(tp, d->bus, &n);
		if (!d->via[0])
			first_entry(d->ndev, sizeof(d->ndev),
				    IB_SYS "/%s/device/net", d->name);
		rdf(b, sizeof(b), IB_SYS "/%s/node_type", d->name);
		rdf(guid, sizeof(guid), IB_SYS "/%s/sys_image_guid", d->name);
		fprintf(f, "%s: %s, ", d->name, b);
		if (d->via[0])
			fprintf(f, "software device over %s, ", d->via);
		fprintf(f, "PCI %s, NUMA node %d, CPUs %s\n",
			d->bus[0] ? d->bus : "-", n.numa, n.cpus[0] ? n.cpus : "?");
		json_object_set_new(d->j, "node_type", json_string(b));
		json_object_set_new(d->j, "pci", json_string(d->bus));
		json_object_set_new(d->j, "over_netdev", json_string(d->via));
		json_object_set_new(d->j, "numa", json_integer(n.numa));
		json_object_set_new(d->j, "cpus", json_string(n.cpus));
		json_object_set_new(d->j, "sys_image_guid", json_string(guid));
		pcie(&r, d);
		gpu_paths(&r, tp, d, g, ngpu, n.numa);
		ports(&r, d);
		json_array_append_new(jdevs, d->j);
	}
	/* Devices sharing a physical port or a netdev. */
	for (i = 0; dv && i < nd; i++) {
		for (j = i + 1; j < nd; j++) {
			struct dev *a = &dv[i], *c = &dv[j];

			if (!a->via[0] && !c->via[0] &&
			    lat_pci_halves(a->bus, c->bus)) {
				fprintf(f, "# %s and %s: one physical port over "
					"two PCIe links (%s, %s)\n", a->name,
					c->name, a->bus, c->bus);
				if (a->usable != c->usable)
					warnf(&r, NULL, "%s and %s are two halves of "
					      "one port but only %s is usable: "
					      "about half the link's bandwidth",
					      a->name, c->name,
					      a->usable ? a->name : c->name);
				else if (a->usable)
					fprintf(f, "# both listed in NCCL_IB_HCA "
						"below: NCCL needs both for the "
						"link's full rate\n");
			}
			if (a->ndev[0] && !strcmp(a->ndev, c->ndev))
				warnf(&r, NULL, "%s and %s both run over netdev "
				      "%s: pick one with -d and NCCL_IB_HCA",
				      a->name, c->name, a->ndev);
		}
	}
	for (i = 0; dv && i < nd; i++) {
		struct dev *d = &dv[i];

		if (!d->usable)
			continue;
		snprintf(hca + strlen(hca), sizeof(hca) - strlen(hca),
			 "%s%s:%d", hca[0] ? "," : "", d->name, d->port);
		if (d->gid >= 0) {
			if (gid >= 0 && gid != d->gid)
				gid_differs = true;
			if (gid < 0)
				gid = d->gid;
		}
		if (!ifname[0] && d->ndev[0])
			snprintf(ifname, sizeof(ifname), "%s", d->ndev);
	}
	if (gid_differs)
		warnf(&r, NULL, "the usable devices have their RoCE v2 IPv4 GID "
		      "at different indexes: NCCL_IB_GID_INDEX is one number; "
		      "leave it unset (NCCL picks RoCE v2 IPv4 itself)");
	fprintf(f, "# %d warning(s)\n", r.nwarn);
	if (!hca[0]) {
		fprintf(f, "# NCCL environment recommended: no usable RDMA "
			"port (none ACTIVE with a RoCE v2 IPv4 GID): sockets\n"
			"export NCCL_IB_DISABLE=1\n");
		json_object_set_new(env, "NCCL_IB_DISABLE", json_string("1"));
		goto done;
	}
	fprintf(f, "# NCCL environment recommended:\nexport NCCL_IB_HCA=%s\n",
		hca);
	json_object_set_new(env, "NCCL_IB_HCA", json_string(hca));
	if (gid >= 0 && !gid_differs) {
		fprintf(f, "export NCCL_IB_GID_INDEX=%d\n", gid);
		json_object_set_new(env, "NCCL_IB_GID_INDEX", json_integer(gid));
	}
	if (ifname[0]) {
		fprintf(f, "export NCCL_SOCKET_IFNAME=%s\n", ifname);
		json_object_set_new(env, "NCCL_SOCKET_IFNAME",
				    json_string(ifname));
	}
done:
	json_object_set_new(doc, "devices", jdevs);
	jdevs = NULL;
	{
		json_t *jg = json_array();

		for (i = 0; i < ngpu; i++)
			json_array_append_new(jg, json_pack("{s:s,s:i}", "pci",
							    g[i].bus, "numa", g[i].numa));
		json_object_set_new(doc, "gpus", jg);
	}
	json_object_set_new(doc, "warnings", r.warnings);
	r.warnings = NULL;
	json_object_set_new(doc, "nccl_env", env);
	env = NULL;
	if (jf) {
		json_dumpf(doc, jf, JSON_INDENT(1));
		fputc('\n', jf);
		if (jf != stdout && fclose(jf))
			ret = BM_EXIT_FAIL;
	}
	for (i = 0; i < ntot; i++)
		free(dl[i]);
	if (ntot > 0)
		free(dl);
out:
	free(dv);
	json_decref(doc);
	json_decref(jdevs);
	json_decref(env);
	json_decref(r.warnings);
	lat_topo_close(tp);
	return ret;
}
