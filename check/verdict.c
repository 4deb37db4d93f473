// SPDX-License-Identifier: MIT
/*
 * The verdict: a short list of checks over the report document, each
 * PASS, WARN, FAIL or SKIP with its figure and, for WARN and FAIL, the
 * fix. The device-level checks group the diagnosis' findings of every
 * node (diag's codes); the link checks read the steps' documents.
 *
 * A check is PASS only if it ran: the diag checks it groups ran on every
 * node (their codes are in each node's "ran") and there was something to
 * judge (a usable device for the device checks, a GPU for GPUDirect
 * RDMA), or its steps ran and succeeded. Exit status: 1 on any FAIL (with
 * --strict, any WARN too), 77 when no measurement step could run at all,
 * else 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "steps.h"
#include "verdict.h"

int vr_worse(int a, int b)
{
	return a > b ? a : b;
}

bool vr_ran_everywhere(json_t *nodes, const char *code)
{
	json_t *n, *c;
	size_t i, k;

	json_array_foreach(nodes, i, n) {
		bool found = false;

		json_array_foreach(json_object_get(n, "ran"), k, c)
			found |= !strcmp(json_string_value(c), code);
		if (!found)
			return false;
	}
	return true;
}

void vr_say(struct said *s, const char *host, const char *text)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].text, text)) {
			APPEND(s->e[i].hosts, ", %s", host);
			return;
		}
	if (s->n == 24)
		return;
	snprintf(s->e[s->n].text, sizeof(s->e[0].text), "%s", text);
	snprintf(s->e[s->n].hosts, sizeof(s->e[0].hosts), "%s", host);
	s->n++;
}

/* The findings of codes on every node into v: worst severity, details,
 * the fixes (hosts: fix; ...). Returns whether every code ran everywhere. */
bool vr_findings(json_t *rep, const char *const *codes, struct vrow *v)
{
	json_t *nodes = json_object_get(rep, "nodes"), *n, *f;
	struct said msgs = { 0 }, fixes = { 0 };
	bool ran = true;
	size_t i, k;
	int c;

	for (c = 0; codes[c]; c++)
		ran &= vr_ran_everywhere(nodes, codes[c]);
	json_array_foreach(nodes, i, n) {
		json_array_foreach(json_object_get(n, "findings"), k, f) {
			const char *code = json_string_value(json_object_get(f,
								"code"));
			const char *sev = json_string_value(json_object_get(f,
								"severity"));
			const char *fix = json_string_value(json_object_get(f,
								"fix"));
			bool ours = false;

			for (c = 0; codes[c] && code; c++)
				ours |= !strcmp(code, codes[c]);
			if (!ours)
				continue;
			v->status = vr_worse(v->status, sev && !strcmp(sev,
					     "FAIL") ? FAIL : WARN);
			vr_say(&msgs, chk_host_of(n), json_string_value(
			       json_object_get(f, "message")));
			if (fix && *fix)
				vr_say(&fixes, chk_host_of(n), fix);
		}
	}
	for (c = 0; c < msgs.n; c++) {
		char line[1500];

		snprintf(line, sizeof(line), "%s: %s", msgs.e[c].hosts,
			 msgs.e[c].text);
		json_array_append_new(v->details, json_string(line));
	}
	for (c = 0; c < fixes.n; c++)
		APPEND(v->fix, "%s%s: %s", v->fix[0] ? "; " : "",
		       fixes.e[c].hosts, fixes.e[c].text);
	return ran;
}

int vr_nodes_with(json_t *rep, const char *what)
{
	json_t *n;
	size_t i;
	int k = 0;

	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		if (!strcmp(what, "usable"))
			k += chk_usable0(n) != NULL;
		else if (!strcmp(what, "hw"))
			k += chk_usable0(n) && !json_is_true(json_object_get(
				chk_usable0(n), "software"));
		else if (!strcmp(what, "gpu"))
			k += json_integer_value(json_object_get(n, "gpus")) > 0 ||
			     json_integer_value(json_object_get(json_object_get(
				     json_object_get(n, "node"), "gdr"),
				     "cuda_gpus")) > 0;
	}
	return k;
}

unsigned vr_skips(json_t *rep)
{
	const char *s = json_string_value(json_object_get(json_object_get(rep,
							"params"), "skip"));
	unsigned skip = 0;
	char bad[128];

	/* the report's own list (chk_skip_names): an unknown name is left
	 * out */
	if (s)
		(void)chk_skip_parse(s, &skip, bad, sizeof(bad));
	return skip;
}

/* ---- device checks ---------------------------------------------------- */

static void v_rdma_device(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "port_not_active",
		"no_roce_v2_ipv4_gid", "shared_netdev", "gid_index_differs",
		NULL };
	json_t *n;
	size_t i;
	bool ran = vr_findings(rep, codes, v);

	if (vr_skips(rep) & CHK_SKIP_RDMA) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "--skip rdma");
		return;
	}
	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		json_t *u = chk_usable0(n);

		if (u)
			PART(v, chk_host_of(n), "%s port %lld ACTIVE, RoCE v2 GID "
			     "%lld over %s", json_string_value(json_object_get(u,
			     "device")), json_integer_value(json_object_get(u,
			     "port")), json_integer_value(json_object_get(u,
			     "gid")), json_string_value(json_object_get(u,
			     "netdev")));
		else
			PART(v, chk_host_of(n), "none");
		if (!u) {
			v->status = FAIL;
			if (!v->fix[0])
				APPEND(v->fix, "%s: bring up an RDMA port (cable, "
				       "driver, an IPv4 address on its netdev); "
				       "until then NCCL uses TCP sockets",
				       chk_host_of(n));
		}
	}
	if (!ran && v->status == PASS)
		v->status = SKIP;
}

static void port_mtus(json_t *rep, struct vrow *v)
{
	json_t *n, *d, *p;
	size_t i, k, j;

	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		const char *dev = json_string_value(json_object_get(chk_usable0(n),
							"device"));
		long long port = json_integer_value(json_object_get(chk_usable0(n),
							"port"));

		json_array_foreach(json_object_get(json_object_get(n, "diag"),
						   "devices"), k, d) {
			if (!dev || strcmp(dev, json_string_value(json_object_get(
					   d, "name"))))
				continue;
			json_array_foreach(json_object_get(d, "ports"), j, p) {
				if (json_integer_value(json_object_get(p, "port"))
				    != port)
					continue;
				PART(v, chk_host_of(n), "%s: RoCE MTU %lld of %lld "
				     "(netdev MTU %lld)", dev, json_integer_value(
				     json_object_get(p, "active_mtu")),
				     json_integer_value(json_object_get(p,
				     "max_mtu")), json_integer_value(
				     json_object_get(p, "netdev_mtu")));
			}
		}
	}
}

static void v_mtu(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "roce_mtu_below_port", NULL };
	bool ran = vr_findings(rep, codes, v);

	port_mtus(rep, v);
	if (!ran || !vr_nodes_with(rep, "usable")) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "no usable RDMA device");
	}
}

static void v_pcie(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "pcie_degraded",
		"one_half_usable", "netdev_speed_below_nic", NULL };
	bool ran = vr_findings(rep, codes, v);
	json_t *n, *d;
	size_t i, k;

	json_array_foreach(json_object_get(rep, "nodes"), i, n)
		json_array_foreach(json_object_get(json_object_get(n, "diag"),
						   "devices"), k, d)
			if (json_object_get(d, "pcie"))
				PART(v, chk_host_of(n), "%s: %s", json_string_value(
				     json_object_get(d, "name")),
				     json_string_value(json_object_get(d,
				     "pcie")));
	if (!ran || !vr_nodes_with(rep, "hw")) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "no hardware RDMA device "
			 "in use (software devices have no PCIe link)");
	}
}

static void v_numa(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "gpu_other_numa", NULL };
	bool ran = vr_findings(rep, codes, v);

	if (!ran || !vr_nodes_with(rep, "gpu") || !vr_nodes_with(rep, "usable")) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "needs a GPU and a usable "
			 "RDMA device");
		return;
	}
	snprintf(v->figure, sizeof(v->figure), "NIC and GPU on one NUMA node "
		 "on every node");
}

static void v_nccl_env(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "nccl_ib_disable",
		"nccl_ib_hca_unknown", "nccl_ib_hca_half", "nccl_ib_gid_index",
		"nccl_socket_ifname", "nccl_net_gdr_level", NULL };
	bool ran = vr_findings(rep, codes, v);
	json_t *n, *val;
	const char *k;
	size_t i;

	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		char set[512] = "", rec[512] = "";

		json_object_foreach(json_object_get(n, "env_set"), k, val)
			APPEND(set, "%s%s=%s", set[0] ? " " : "", k,
			       json_string_value(val));
		json_object_foreach(json_object_get(n, "recommended"), k, val) {
			if (json_is_string(val))
				APPEND(rec, "%s%s=%s", rec[0] ? " " : "", k,
				       json_string_value(val));
			else
				APPEND(rec, "%s%s=%lld", rec[0] ? " " : "", k,
				       json_integer_value(val));
		}
		PART(v, chk_host_of(n), "%s; recommended %s", set[0] ? set :
		     "no NCCL_* set", rec);
	}
	if (!ran)
		v->status = SKIP;
}

static void v_devnodes(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "dev_node_missing",
		"rdma_cm_missing", NULL };
	bool ran = vr_findings(rep, codes, v);
	json_t *n, *d;
	size_t i, k;

	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		json_t *nd = json_object_get(n, "node");
		const char *dev = json_string_value(json_object_get(chk_usable0(n),
							"device"));

		json_array_foreach(json_object_get(nd, "devnodes"), k, d)
			if (dev && !strcmp(dev, json_string_value(json_object_get(
					   d, "device"))))
				PART(v, chk_host_of(n), "/dev/infiniband/%s %s, "
				     "rdma_cm %s (%s)", json_string_value(
				     json_object_get(d, "uverbs")),
				     json_string_value(json_object_get(d, "node")),
				     json_is_true(json_object_get(nd,
				     "container")) || strcmp(json_string_value(
				     json_object_get(nd, "rdma_cm")), "missing") ?
				     json_string_value(json_object_get(nd,
				     "rdma_cm")) : "made on first use (librdmacm "
				     "loads rdma_ucm)", json_is_true(
				     json_object_get(nd, "container")) ?
				     json_string_value(json_object_get(nd,
				     "container_why")) : "not in a container");
	}
	if (!ran || !vr_nodes_with(rep, "usable")) {
		v->status = SKIP;
		snprintf(v->figure, sizeof(v->figure), "no usable RDMA device");
	}
}

static void fmt_mem(long long v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%.1f MiB", v / 1048576.0);
}

static void v_memlock(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "memlock_low", NULL };
	bool ran = vr_findings(rep, codes, v);
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(rep, "nodes"), i, n) {
		json_t *nd = json_object_get(n, "node");
		char a[32];

		fmt_mem(json_integer_value(json_object_get(nd, "memlock_soft")),
			a, sizeof(a));
		PART(v, chk_host_of(n), "RLIMIT_MEMLOCK %s%s", a, json_is_true(
		     json_object_get(nd, "cap_ipc_lock")) ?
		     ", CAP_IPC_LOCK (no limit applies)" : "");
	}
	if (!ran || !vr_nodes_with(rep, "usable"))
		v->status = SKIP;
}

static void v_gdr(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "gdr_unavailable", NULL };
	bool ran = vr_findings(rep, codes, v);
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(rep, "nodes"), i, n)
		PART(v, chk_host_of(n), "%s", json_string_value(json_object_get(n,
								       "gdr")));
	if (!ran || !vr_nodes_with(rep, "gpu"))
		v->status = SKIP;
}

static void v_versions(json_t *rep, struct vrow *v)
{
	static const char *const codes[] = { "versions_differ", NULL };
	static const char *const keys[] = { "kernel", "driver", "cuda_driver",
					    "cuda_runtime", "nccl", "rdma_core" };
	static const char *const names[] = { "kernel", "NVIDIA driver",
		"CUDA (driver)", "CUDA runtime", "NCCL", "rdma-core" };
	json_t *nodes = json_object_get(rep, "nodes"), *n;
	bool ran;
	size_t i, k;

	vr_findings(rep, codes, v);
	/* the comparison runs on rank 0 only, against every peer */
	ran = false;
	json_array_foreach(json_object_get(json_array_get(nodes, 0), "ran"), i,
			   n)
		ran |= !strcmp(json_string_value(n), "versions_differ");
	ran &= json_array_size(nodes) > 1;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char vals[256] = "", first[64] = "";
		bool same = true, any = false;

		json_array_foreach(nodes, i, n) {
			const char *s = json_string_value(json_object_get(
				json_object_get(json_object_get(n, "node"),
						"versions"), keys[k]));

			s = s && *s ? s : "-";
			any |= strcmp(s, "-") != 0;
			if (!i)
				snprintf(first, sizeof(first), "%s", s);
			same &= !strcmp(first, s);
			APPEND(vals, "%s%s", i ? " / " : "", s);
		}
		if (any)	/* one value where all agree, else each node's */
			APPEND(v->figure, "%s%s %s", v->figure[0] ? "; " : "",
			       names[k], same ? first : vals);
	}
	if (!ran)
		v->status = SKIP;
}

/* ---- the table ---------------------------------------------------------- */

static const struct {
	const char *id, *title;
	void (*eval)(json_t *rep, struct vrow *v);
} vchecks[] = {
	{ "rdma_device", "RDMA device usable on every node", v_rdma_device },
	{ "mtu", "RoCE MTU is the port's largest", v_mtu },
	{ "pcie", "PCIe links and halves", v_pcie },
	{ "numa", "NIC near the GPU", v_numa },
	{ "nccl_env", "NCCL_* environment against the devices", v_nccl_env },
	{ "device_nodes", "/dev/infiniband nodes (containers)", v_devnodes },
	{ "memlock", "Locked memory for registration", v_memlock },
	{ "gdr", "GPUDirect RDMA", v_gdr },
	{ "versions", "Driver, CUDA, NCCL, rdma-core, kernel versions",
	  v_versions },
	{ "rdma_latency", "RDMA latency", vr_rdma_lat },
	{ "tcp_latency", "TCP latency", vr_tcp_lat },
	{ "rdma_bandwidth", "RDMA bandwidth", vr_rdma_bw },
	{ "tcp_bandwidth", "TCP bandwidth", vr_tcp_bw },
	{ "nccl", "NCCL over IB and sockets (2 ranks)", vr_nccl },
	{ "pairs", "Pairwise matrix", vr_pairs },
};

static const char *status_name(int s)
{
	static const char *const n[] = { "SKIP", "PASS", "WARN", "FAIL" };

	return n[s + 1];
}

json_t *chk_verdict(json_t *rep, bool strict, int *exit_p)
{
	json_t *out = json_array(), *s;
	int counts[4] = { 0 }, ran_steps = 0, ex;
	size_t i, k;

	for (k = 0; k < sizeof(vchecks) / sizeof(vchecks[0]); k++) {
		struct said figs = { 0 };
		struct vrow v = { .status = PASS, .details = json_array(),
				  .figs = &figs };
		int j;

		vchecks[k].eval(rep, &v);
		/* the nodes' parts, unless the check said something else */
		if (!v.figure[0])
			for (j = 0; j < figs.n; j++)
				APPEND(v.figure, "%s%s: %s", j ? "; " : "",
				       figs.e[j].hosts, figs.e[j].text);
		if (v.status <= PASS)
			v.fix[0] = '\0';
		counts[v.status + 1]++;
		json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}",
			"id", vchecks[k].id, "title", vchecks[k].title, "status",
			status_name(v.status), "figure", v.figure, "fix", v.fix,
			"details", v.details));
	}
	json_array_foreach(json_object_get(rep, "steps"), i, s) {
		const char *st = json_string_value(json_object_get(s, "status"));

		ran_steps += st && strcmp(st, "skipped");
	}
	ex = counts[FAIL + 1] || (strict && counts[WARN + 1]) ? BM_EXIT_FAIL :
	     !ran_steps ? BM_EXIT_UNAVAIL : BM_EXIT_OK;
	json_object_set_new(rep, "verdict", json_pack(
		"{s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "exit", ex, "pass",
		counts[PASS + 1], "warn", counts[WARN + 1], "fail",
		counts[FAIL + 1], "skip", counts[SKIP + 1], "steps_run",
		ran_steps, "strict", strict));
	*exit_p = ex;
	return out;
}
