// SPDX-License-Identifier: MIT
/*
 * sysfs reading for the diagnosis, the device list and the GID auto-pick.
 *
 * Port state, link layer, rate and the GID table live in
 * /sys/class/infiniband/DEV/ports/N/{state,link_layer,rate,gids/I,
 * gid_attrs/types/I,gid_attrs/ndevs/I}, so they can be read without a
 * verbs context (and without libibverbs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag_int.h"

int diag_sysfs_read(const char *path, char *buf, size_t len)
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

int diag_rdf(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return diag_sysfs_read(path, buf, len);
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int diag_scan(const char *path, struct dirent ***nl_p)
{
	return scandir(path, nl_p, no_dots, cmp_name);
}

void diag_scan_free(struct dirent **nl, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(nl[i]);
	if (n > 0)
		free(nl);
}

void diag_first_entry(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct dirent **nl;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	n = diag_scan(path, &nl);
	if (n > 0)
		snprintf(buf, len, "%.*s", (int)len - 1, nl[0]->d_name);
	diag_scan_free(nl, n);
}

void diag_dev_list(char *buf, size_t len)
{
	struct dirent **nl;
	int n, i;
	size_t o = 0;

	buf[0] = '\0';
	n = diag_scan(DIAG_IB_SYS, &nl);
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s",
				      i ? "," : "", nl[i]->d_name);
	diag_scan_free(nl, n);
}

bool diag_roce_v2_ipv4(const char *gid, const char *type)
{
	return !strcmp(type, "RoCE v2") &&
	       !strncmp(gid, "0000:0000:0000:0000:0000:ffff", 29);
}

bool diag_state_active(const char *state)
{
	return strstr(state, "ACTIVE") != NULL;
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

int diag_gid_autopick(const char *dev, int port, const char *peer_ip,
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
		if (diag_rdf(gid, sizeof(gid), DIAG_IB_SYS "/%s/ports/%d/gids/%d",
			     dev, port, i))
			break;
		if (diag_rdf(type, sizeof(type),
			     DIAG_IB_SYS "/%s/ports/%d/gid_attrs/types/%d", dev,
			     port, i) ||
		    !diag_roce_v2_ipv4(gid, type) ||
		    inet_pton(AF_INET6, gid, &g) != 1)
			continue;
		diag_rdf(ndev, sizeof(ndev),
			 DIAG_IB_SYS "/%s/ports/%d/gid_attrs/ndevs/%d", dev, port,
			 i);
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
			 "local address %s toward %s)", ip,
			 peer_ip ? peer_ip : "?");
		return any;
	}
	snprintf(why, len, "no RoCE v2 IPv4-mapped GID");
	return -ENOENT;
}
