// SPDX-License-Identifier: MIT
/*
 * This node's document: the device diagnosis (diag, with the node checks:
 * device nodes, memlock, GPUDirect RDMA, the NCCL_* environment), the
 * node facts, its IPv4 addresses (to pick the address on the RDMA link
 * for the peer's tests), the usable devices and the tools found next to
 * netroof with what they were built with.
 *
 * Scope of the diagnosis: the devices NCCL will use (NCCL_IB_HCA, else
 * every usable one), as the GPU tools judge them; when none is usable,
 * every device, so the verdict can say why (port down, no IPv4 GID).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "local.h"

/* "0000:0000:0000:0000:0000:ffff:0a00:0001" -> "10.0.0.1" */
static void gid_ipv4(const char *gid, char *buf, size_t len)
{
	struct in6_addr a;

	buf[0] = '\0';
	if (inet_pton(AF_INET6, gid, &a) != 1)
		return;
	inet_ntop(AF_INET, &a.s6_addr[12], buf, (socklen_t)len);
}

static json_t *usable_devs(const struct diag_facts *f)
{
	json_t *a = json_array();
	int i, j, k;

	for (i = 0; i < f->ndevs; i++) {
		const struct diag_dev *d = &f->devs[i];
		char ip[INET_ADDRSTRLEN] = "", rate[64] = "";

		if (!d->usable)
			continue;
		for (j = 0; j < d->nports; j++) {
			const struct diag_port *p = &d->ports[j];

			if (p->num != d->port)
				continue;
			snprintf(rate, sizeof(rate), "%s", p->rate);
			for (k = 0; k < p->ngids; k++)
				if (p->gids[k].index == d->gid)
					gid_ipv4(p->gids[k].gid, ip, sizeof(ip));
		}
		json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:b}",
			"device", d->name, "port", d->port, "gid", d->gid,
			"netdev", d->netdev, "ipv4", ip, "rate", rate,
			"software", d->via[0] != 0));
	}
	return a;
}

static json_t *addrs(void)
{
	struct ifaddrs *ifa, *p;
	json_t *a = json_array();

	if (getifaddrs(&ifa))
		return a;
	for (p = ifa; p; p = p->ifa_next) {
		char ip[INET_ADDRSTRLEN];
		uint32_t m;
		int pre = 0;

		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET ||
		    !(p->ifa_flags & IFF_UP))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_addr)->sin_addr,
			  ip, sizeof(ip));
		m = p->ifa_netmask ?
		    ntohl(((struct sockaddr_in *)p->ifa_netmask)->sin_addr.s_addr) :
		    0;
		while (m & 0x80000000u) {
			pre++;
			m <<= 1;
		}
		json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "ifname",
			p->ifa_name, "addr", ip, "prefix", pre));
	}
	freeifaddrs(ifa);
	return a;
}

/* The tools next to netroof and what they were built with. */
static json_t *tools(void)
{
	static const char *const tr[] = { "write", "send", "read", "tcp" };
	char path[PATH_MAX], out[4096];
	json_t *t = json_object(), *ib;
	size_t i;

	if (!chk_find_tool("ib_lat", path, sizeof(path))) {
		char *argv[] = { path, "--list", NULL };
		int ret = chk_run_capture(argv, 10000, out, sizeof(out));

		ib = json_pack("{s:s}", "path", path);
		for (i = 0; ret == 0 && i < sizeof(tr) / sizeof(tr[0]); i++) {
			const char *l = strstr(out, tr[i]);
			const char *eol = l ? strchr(l, '\n') : NULL;
			bool built = l && eol && eol - l >= 5 &&
				     !strncmp(eol - 5, "built", 5);

			json_object_set_new(ib, tr[i], json_boolean(built));
		}
		json_object_set_new(t, "ib_lat", ib);
	}
	if (!chk_find_tool("nccl_coll", path, sizeof(path))) {
		char *argv[] = { path, "-V", NULL };
		int ret = chk_run_capture(argv, 10000, out, sizeof(out));

		json_object_set_new(t, "nccl_coll", json_pack("{s:s,s:b}",
			"path", path, "nccl", ret == 0 &&
			strstr(out, "nccl=yes") != NULL));
	}
	if (!chk_find_tool("sim", path, sizeof(path)))
		json_object_set_new(t, "sim", json_pack("{s:s}", "path", path));
	return t;
}

static json_t *env_set(void)
{
	extern char **environ;
	json_t *e = json_object();
	char **p;

	for (p = environ; *p; p++) {
		const char *eq = strchr(*p, '=');
		char key[128];

		if (strncmp(*p, "NCCL_", 5) || !eq || eq - *p >= (long)sizeof(key))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *p), *p);
		json_object_set_new(e, key, json_string(eq + 1));
	}
	return e;
}

/* The node's name in reports: its host name, unless that says nothing
 * (the lab's VMs are "(none)"); then its RDMA link's or first IPv4
 * address. */
static const char *display_name(const char *host, const struct diag_facts *f)
{
	static char name[INET_ADDRSTRLEN + 8];
	json_t *u = usable_devs(f), *a, *x;
	const char *ip = json_string_value(json_object_get(json_array_get(u, 0),
							   "ipv4"));
	size_t i;

	if (host[0] && strcmp(host, "(none)") && strcmp(host, "localhost")) {
		json_decref(u);
		return host;
	}
	snprintf(name, sizeof(name), "%s", ip && *ip ? ip : "node");
	json_decref(u);
	if (strcmp(name, "node"))
		return name;
	a = addrs();
	json_array_foreach(a, i, x)
		if (strncmp(json_string_value(json_object_get(x, "addr")), "127.",
			    4)) {
			snprintf(name, sizeof(name), "%s", json_string_value(
				 json_object_get(x, "addr")));
			break;
		}
	json_decref(a);
	return name;
}

static json_t *ran_codes(const struct diag_report *r)
{
	const struct diag_check *t;
	json_t *a = json_array();
	size_t n, i;

	t = diag_checks(&n);
	for (i = 0; i < n; i++)
		if (diag_ran(r, t[i].code))
			json_array_append_new(a, json_string(t[i].code));
	return a;
}

static void refresh(struct chk_local *l)
{
	json_object_set_new(l->doc, "findings", diag_findings_json(l->rep));
	json_object_set_new(l->doc, "ran", ran_codes(l->rep));
}

int chk_local_doc(long long memlock_need, struct chk_local *l)
{
	struct diag_nccl_vars v = diag_nccl_vars_from_env();
	struct diag_facts *f;
	struct diag_scope s;
	char host[256] = "", gdr[512];
	bool any = false;
	int ret, i;

	memset(l, 0, sizeof(*l));
	gethostname(host, sizeof(host) - 1);
	ret = diag_collect(&f);
	if (ret)
		return ret;
	diag_node_collect("", f, &l->node);
	for (i = 0; i < f->ndevs; i++)
		any |= f->devs[i].usable && diag_hca_match(v.ib_hca,
							   f->devs[i].name, 0);
	s = (struct diag_scope){
		.groups = DIAG_G_DEVICES | DIAG_G_NCCL | DIAG_G_NODE,
		.hca = any ? v.ib_hca : NULL, .only_usable = any && !v.ib_hca,
		.node = &l->node, .memlock_need = memlock_need,
	};
	ret = diag_run(f, &s, &l->rep);
	if (ret)
		return ret;
	f = l->rep->facts;
	diag_gdr_describe(&l->node, f, &v, gdr, sizeof(gdr));
	l->doc = json_pack("{s:s,s:s,s:o,s:o,s:o,s:s,s:I,s:o,s:o,s:o,s:o,s:i}",
		"host", host, "name", display_name(host, f), "diag",
		diag_report_json(l->rep, "netroof check"),
		"node", diag_node_json(&l->node, f),
		"recommended", diag_env_json(&l->rep->env), "gdr", gdr,
		"memlock_effective",
		(json_int_t)diag_memlock_effective(&l->node), "env_set",
		env_set(), "usable", usable_devs(f), "addrs", addrs(),
		"tools", tools(), "gpus", f->ngpus);
	if (!l->doc)
		return -ENOMEM;
	refresh(l);
	return 0;
}

int chk_local_versions(struct chk_local *l, json_t *nodes)
{
	struct diag_node *peers;
	const char **names;
	struct diag_scope s;
	size_t i, n = json_array_size(nodes);
	int np = 0;

	if (n < 2)
		return 0;
	peers = calloc(n, sizeof(*peers));
	names = calloc(n, sizeof(*names));
	if (!peers || !names) {
		free(peers);
		free(names);
		return -ENOMEM;
	}
	for (i = 1; i < n; i++) {
		json_t *d = json_array_get(nodes, i);

		if (diag_node_from_json(json_object_get(d, "node"), &peers[np]))
			continue;	/* a peer's unreadable facts: unknown */
		names[np++] = json_string_value(json_object_get(d, "name"));
	}
	s = (struct diag_scope){
		.groups = DIAG_G_PEER, .node = &l->node, .peers = peers,
		.peer_names = names, .npeers = np,
		.self_name = json_string_value(json_object_get(l->doc, "name")),
	};
	diag_run_more(l->rep, &s);
	refresh(l);
	free(peers);
	free(names);
	return 0;
}

void chk_local_free(struct chk_local *l)
{
	diag_report_free(l->rep);
	json_decref(l->doc);
	memset(l, 0, sizeof(*l));
}
