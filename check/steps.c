// SPDX-License-Identifier: MIT
/*
 * Step kinds of a node pair and the command lines of their jobs.
 *
 * Order (full set, two nodes; the pairwise set keeps the probes and the
 * bandwidth at two sizes):
 *   rdma_probe  ib_lat -t write -s 2          one-way latency of the link
 *   rdma_lat    ib_lat -t write -b 2 -e 64K   the sweep (iterations fit
 *                                             --budget at the probe's
 *                                             latency)
 *   rdma_dec    ib_lat -t write -s S          each decode size the sweep
 *                                             does not hit (sim's schedule)
 *   rdma_read   ib_lat -t read -s 2           round trip (what KV-cache
 *                                             transfers by RDMA read see;
 *                                             NCCL's decode path writes)
 *   rdma_cm     ib_lat -t write -R -s 2       the connection by rdma_cm
 *   tcp_probe, tcp_lat, tcp_dec              the same with -t tcp
 *                                             --busy-poll: NCCL's socket
 *                                             proxy busy-polls its recv
 *   rdma_bw, tcp_bw  ib_lat --bw -s S         one run per size, each with
 *                                             iterations for --budget at
 *                                             the rate measured so far
 *   nccl        nccl_coll --compare --decode  both nodes with a GPU
 * Each ib_lat pair runs on its own port (bootstrap port + 2 + 2 x slot;
 * rdma_cm takes the next one).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steps.h"

enum { TR_RDMA, TR_TCP };

/* ---- reading ib_lat documents -------------------------------------- */

static double row_num(json_t *row, const char *k)
{
	json_t *v = json_object_get(row, k);

	return json_is_number(v) ? json_number_value(v) : 0;
}

double chk_doc_lat(json_t *doc, size_t size)
{
	json_t *rows = json_object_get(doc, "results"), *row;
	double best = 0, bsize = 0;
	size_t i;

	json_array_foreach(rows, i, row) {
		double sz = row_num(row, "size"), l = row_num(row, "lat_us_p50");
		const char *op = json_string_value(json_object_get(row, "op"));

		if (!op || strcmp(op, "lat") || l <= 0)
			continue;
		if (size ? sz == (double)size : (!bsize || sz < bsize)) {
			best = l;
			bsize = sz;
		}
	}
	return best;
}

double chk_doc_bw(json_t *doc, size_t *size_p)
{
	json_t *rows = json_object_get(doc, "results"), *row;
	double best = 0;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *op = json_string_value(json_object_get(row, "op"));
		double b = row_num(row, "bw_gbps");

		if (op && !strcmp(op, "bw") && b > best) {
			best = b;
			if (size_p)
				*size_p = (size_t)row_num(row, "size");
		}
	}
	return best;
}

/* ---- the pair ------------------------------------------------------- */

json_t *chk_usable0(json_t *node)
{
	return json_array_get(json_object_get(node, "usable"), 0);
}

static bool tool_has(json_t *node, const char *tool, const char *what)
{
	json_t *t = json_object_get(json_object_get(node, "tools"), tool);

	return t && (!what || json_is_true(json_object_get(t, what)));
}

const char *chk_host_of(json_t *node)
{
	const char *h = json_string_value(json_object_get(node, "name"));

	return h ? h : "?";
}

static uint32_t ip4(const char *s)
{
	unsigned a, b, c, d;

	if (!s || sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		return 0;
	return a << 24 | b << 16 | c << 8 | d;
}

/* The server's address on its RDMA link's netdev, if the client has an
 * address in the same subnet: TCP then crosses the link that RDMA uses,
 * not a management network the bootstrap may have come over. */
static bool link_addr(json_t *ns, json_t *nc, char *buf, size_t len,
		      char *why, size_t wlen)
{
	json_t *u = chk_usable0(ns), *a, *b;
	const char *netdev = json_string_value(json_object_get(u, "netdev"));
	size_t i, j;

	if (!netdev)
		return false;
	json_array_foreach(json_object_get(ns, "addrs"), i, a) {
		const char *ifn = json_string_value(json_object_get(a, "ifname"));
		const char *ad = json_string_value(json_object_get(a, "addr"));
		int pre = (int)json_integer_value(json_object_get(a, "prefix"));
		uint32_t mask = pre <= 0 ? 0 : pre >= 32 ? ~0u :
				~((1u << (32 - pre)) - 1);

		if (!ifn || !ad || strcmp(ifn, netdev) || !mask)
			continue;
		json_array_foreach(json_object_get(nc, "addrs"), j, b) {
			const char *bd = json_string_value(json_object_get(b,
								"addr"));

			if ((ip4(bd) & mask) != (ip4(ad) & mask) ||
			    !strcmp(bd, ad))
				continue;
			snprintf(buf, len, "%s", ad);
			snprintf(why, wlen, "%s on %s, the netdev of %s (%s's "
				 "%s is in its subnet)", ad, netdev,
				 json_string_value(json_object_get(u, "device")),
				 chk_host_of(nc), bd);
			return true;
		}
	}
	return false;
}

void chk_pair_init(struct chk_pair *pr, json_t *nodes, int s, int c, int slot,
		   bool full, const char *boot_addr)
{
	json_t *ns = json_array_get(nodes, (size_t)s);
	json_t *nc = json_array_get(nodes, (size_t)c);
	json_t *us = chk_usable0(ns), *uc = chk_usable0(nc);

	memset(pr, 0, sizeof(*pr));
	pr->s = s;
	pr->c = c;
	pr->slot = slot;
	pr->full = full;
	if (!link_addr(ns, nc, pr->host, sizeof(pr->host), pr->host_why,
		       sizeof(pr->host_why))) {
		snprintf(pr->host, sizeof(pr->host), "%s", boot_addr);
		snprintf(pr->host_why, sizeof(pr->host_why), "%s, the bootstrap "
			 "address (no address of an RDMA link's netdev shares a "
			 "subnet with %s)", boot_addr, chk_host_of(nc));
	}
	pr->tcp = tool_has(ns, "ib_lat", "tcp") && tool_has(nc, "ib_lat", "tcp");
	if (!pr->tcp)
		snprintf(pr->tcp_why, sizeof(pr->tcp_why), "ib_lat not found "
			 "next to netroof on %s", tool_has(ns, "ib_lat", "tcp") ?
			 chk_host_of(nc) : chk_host_of(ns));
	if (!us || !uc)
		snprintf(pr->rdma_why, sizeof(pr->rdma_why), "no usable RDMA "
			 "device on %s", !us && !uc ? "either node" :
			 !us ? chk_host_of(ns) : chk_host_of(nc));
	else if (!tool_has(ns, "ib_lat", "write") ||
		 !tool_has(nc, "ib_lat", "write"))
		snprintf(pr->rdma_why, sizeof(pr->rdma_why), "ib_lat on %s was "
			 "built without libibverbs", tool_has(ns, "ib_lat",
			 "write") ? chk_host_of(nc) : chk_host_of(ns));
	else
		pr->rdma = true;
	if (json_integer_value(json_object_get(ns, "gpus")) < 1 ||
	    json_integer_value(json_object_get(nc, "gpus")) < 1)
		snprintf(pr->gpu_why, sizeof(pr->gpu_why), "no GPU on %s",
			 json_integer_value(json_object_get(ns, "gpus")) < 1 &&
			 json_integer_value(json_object_get(nc, "gpus")) < 1 ?
			 "either node" : json_integer_value(json_object_get(ns,
			 "gpus")) < 1 ? chk_host_of(ns) : chk_host_of(nc));
	else if (!tool_has(ns, "nccl_coll", "nccl") ||
		 !tool_has(nc, "nccl_coll", "nccl"))
		snprintf(pr->gpu_why, sizeof(pr->gpu_why), "nccl_coll on %s was "
			 "built without NCCL (or is missing)",
			 tool_has(ns, "nccl_coll", "nccl") ? chk_host_of(nc) :
			 chk_host_of(ns));
	else
		pr->gpu = true;
}

/* ---- generators ----------------------------------------------------- */

struct gen_out {
	json_t *job;		/* fields both roles share */
	const char *title;
	double expect_s;	/* how long it should take */
};

struct kind {
	const char *name;
	int	    tr;		/* TR_RDMA / TR_TCP / -1 (nccl) */
	bool	    lean;	/* also in the pairwise set */
	/* 1 job made, 0 kind finished, -1 cannot run (why) */
	int	  (*gen)(struct chk_pair *pr, const struct chk_plan *pl,
			 const struct kind *k, struct gen_out *g);
	const char *what;
};

static uint64_t clampu(double v, uint64_t lo, uint64_t hi)
{
	if (!(v >= (double)lo))
		return lo;
	return v > (double)hi ? hi : (uint64_t)v;
}

static json_t *lat_job(const char *test, size_t min, size_t max, uint64_t it,
		       bool busy)
{
	uint64_t w = clampu(it / 5.0, 5, 100);

	return json_pack("{s:s,s:s,s:b,s:b,s:b,s:I,s:I,s:f,s:I,s:I,s:I}",
			 "tool", "ib_lat", "test", test, "bw", 0, "rdma_cm", 0,
			 "busy_poll", busy, "size_min", (json_int_t)min,
			 "size_max", (json_int_t)max, "factor", 2.0, "iters",
			 (json_int_t)it, "warmup", (json_int_t)w, "window",
			 (json_int_t)0);
}

static const char *tr_test(int tr)
{
	return tr == TR_RDMA ? "write" : "tcp";
}

static int gen_probe(struct chk_pair *pr, const struct chk_plan *pl,
		     const struct kind *k, struct gen_out *g)
{
	uint64_t it = pl->p->iters < 200 ? pl->p->iters : 200;

	if (pr->sub)
		return 0;
	g->job = lat_job(tr_test(k->tr), 2, 2, it, k->tr == TR_TCP);
	g->title = k->what;
	g->expect_s = it * 2e-3;	/* a slow emulated link: 1 ms one way */
	return 1;
}

/* Seconds one iteration at size takes (a round trip), from what the
 * probe and the sweep measured. */
static double iter_s(const struct chk_pair *pr, int tr, size_t size)
{
	double l = pr->l_us[tr] > 0 ? pr->l_us[tr] : 1000;
	double per_byte = pr->l64_us[tr] > l ? (pr->l64_us[tr] - l) / 65536 : 0;

	return 2 * (l + per_byte * (double)size) * 1e-6;
}

static int gen_sweep(struct chk_pair *pr, const struct chk_plan *pl,
		     const struct kind *k, struct gen_out *g)
{
	double per = 0;
	uint64_t it;
	size_t s;

	if (pr->sub)
		return 0;
	for (s = 2; s <= 65536; s *= 2)
		per += iter_s(pr, k->tr, s);
	it = clampu(pl->p->budget_s / per, 20, pl->p->iters);
	g->job = lat_job(tr_test(k->tr), 2, 65536, it, k->tr == TR_TCP);
	g->title = k->what;
	g->expect_s = per * (double)it * 1.2;
	return 1;
}

static bool pow2_in_sweep(size_t s)
{
	return s >= 2 && s <= 65536 && !(s & (s - 1));
}

static int gen_decode(struct chk_pair *pr, const struct chk_plan *pl,
		      const struct kind *k, struct gen_out *g)
{
	static char title[128];
	int n = 0, i;
	size_t s = 0;
	uint64_t it;

	for (i = 0; i < pl->ndsizes; i++) {
		if (pow2_in_sweep(pl->dsizes[i]))
			continue;
		if (n++ == pr->sub) {
			s = pl->dsizes[i];
			break;
		}
	}
	if (!s)
		return 0;
	it = clampu(pl->p->budget_s / iter_s(pr, k->tr, s), 20, pl->p->iters);
	g->job = lat_job(tr_test(k->tr), s, s, it, k->tr == TR_TCP);
	snprintf(title, sizeof(title), "%s, %zu B (a decode size)", k->what, s);
	g->title = title;
	g->expect_s = iter_s(pr, k->tr, s) * (double)it * 1.2;
	return 1;
}

static int gen_read(struct chk_pair *pr, const struct chk_plan *pl,
		    const struct kind *k, struct gen_out *g)
{
	uint64_t it;

	if (pr->sub)
		return 0;
	it = clampu(pl->p->budget_s / iter_s(pr, TR_RDMA, 2), 20, pl->p->iters);
	g->job = lat_job("read", 2, 2, it, false);
	g->title = k->what;
	g->expect_s = iter_s(pr, TR_RDMA, 2) * (double)it * 1.2;
	return 1;
}

static int gen_cm(struct chk_pair *pr, const struct chk_plan *pl,
		  const struct kind *k, struct gen_out *g)
{
	if (pr->sub)
		return 0;
	g->job = lat_job("write", 2, 2, 50, false);
	json_object_set_new(g->job, "rdma_cm", json_true());
	g->title = k->what;
	g->expect_s = 50 * iter_s(pr, TR_RDMA, 2) + 1;
	return 1;
}

static int gen_bw(struct chk_pair *pr, const struct chk_plan *pl,
		  const struct kind *k, struct gen_out *g)
{
	static const size_t full[] = { 4096, 65536, 1 << 20, 8 << 20 };
	static const size_t lean[] = { 65536, 1 << 20 };
	static char title[160];
	const size_t *sz = pr->full ? full : lean;
	size_t n = pr->full ? 4 : 2, s;
	double rate = pr->rate[k->tr], us;
	uint64_t it;

	if ((size_t)pr->sub >= n)
		return 0;
	s = sz[pr->sub];
	if (rate <= 0 && pr->l64_us[k->tr] > pr->l_us[k->tr] &&
	    pr->l_us[k->tr] > 0)	/* a floor from the latency sweep */
		rate = 65536 / (pr->l64_us[k->tr] - pr->l_us[k->tr]);
	it = rate > 0 ? clampu(pl->p->budget_s * 1e6 * rate / (double)s, 8,
			       100000) : 64;
	us = rate > 0 ? (double)it * (double)s / rate : 1e6;
	if (rate > 0 && it == 8 && us > 3e6 * pl->p->budget_s) {
		snprintf(title, sizeof(title), "%zu B and larger not measured: "
			 "at the %.4f GB/s measured so far one run would take "
			 "%.0f s (--budget %.1f s)", s, rate / 1e3, us / 1e6,
			 pl->p->budget_s);
		g->title = title;
		return -1;
	}
	g->job = json_pack("{s:s,s:s,s:b,s:b,s:b,s:I,s:I,s:f,s:I,s:I,s:I}",
			   "tool", "ib_lat", "test", tr_test(k->tr), "bw", 1,
			   "rdma_cm", 0, "busy_poll", 0, "size_min",
			   (json_int_t)s, "size_max", (json_int_t)s, "factor",
			   2.0, "iters", (json_int_t)it, "warmup",
			   (json_int_t)0, "window",
			   (json_int_t)(it < 64 ? it : 64));
	snprintf(title, sizeof(title), "%s, %zu B x %llu", k->what, s,
		 (unsigned long long)it);
	g->title = title;
	g->expect_s = us * 1.5e-6 + 1;
	return 1;
}

static int gen_nccl(struct chk_pair *pr, const struct chk_plan *pl,
		    const struct kind *k, struct gen_out *g)
{
	/* IB against sockets where the pair has RDMA to offer NCCL; else
	 * sockets alone (nccl_coll --compare refuses an IB communicator that
	 * fell back to sockets, and there is no IB to measure) */
	bool ib = pr->rdma && !(pl->p->skip & CHK_SKIP_RDMA);

	if (pr->sub)
		return 0;
	g->job = json_pack("{s:s,s:s,s:s}", "tool", "nccl_coll", "model",
			   pl->p->model, "net", ib ? "compare" : "socket");
	g->title = ib ? k->what : "NCCL collectives at the decode sizes, "
				  "sockets only (no RDMA on the pair)";
	g->expect_s = 120;
	return 1;
}

static const struct kind kinds[] = {
	{ "rdma_probe", TR_RDMA, true, gen_probe,
	  "RDMA write latency, 2 B probe" },
	{ "rdma_lat", TR_RDMA, false, gen_sweep,
	  "RDMA write latency, 2 B .. 64 KiB" },
	{ "rdma_dec", TR_RDMA, false, gen_decode, "RDMA write latency" },
	{ "rdma_read", TR_RDMA, false, gen_read,
	  "RDMA read round trip, 2 B" },
	{ "rdma_cm", TR_RDMA, false, gen_cm,
	  "RDMA write over an rdma_cm connection, 2 B" },
	{ "tcp_probe", TR_TCP, true, gen_probe,
	  "TCP latency (busy-poll), 2 B probe" },
	{ "tcp_lat", TR_TCP, false, gen_sweep,
	  "TCP latency (busy-poll), 2 B .. 64 KiB" },
	{ "tcp_dec", TR_TCP, false, gen_decode, "TCP latency (busy-poll)" },
	{ "rdma_bw", TR_RDMA, true, gen_bw, "RDMA write bandwidth" },
	{ "tcp_bw", TR_TCP, true, gen_bw, "TCP bandwidth" },
	{ "nccl", -1, false, gen_nccl,
	  "NCCL collectives at the decode sizes, IB against sockets" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static json_t *skipped(const struct chk_pair *pr, const struct kind *k,
		       const char *why)
{
	return json_pack("{s:s,s:s,s:[i,i],s:s,s:s}", "kind", k->name,
			 "title", k->what, "pair", pr->s, pr->c, "status",
			 "skipped", "why", why);
}

/* Why kind k cannot run on this pair, NULL if it can. */
static const char *cannot(const struct chk_pair *pr, const struct chk_plan *pl,
			  const struct kind *k)
{
	unsigned sk = pl->p->skip;

	if (k->tr == TR_RDMA && (sk & CHK_SKIP_RDMA))
		return "--skip rdma";
	if (k->tr == TR_TCP && (sk & CHK_SKIP_TCP))
		return "--skip tcp";
	if ((sk & CHK_SKIP_BW) && strstr(k->name, "_bw"))
		return "--skip bw";
	if (k->tr == TR_RDMA && !pr->rdma)
		return pr->rdma_why;
	if (k->tr == TR_TCP && !pr->tcp)
		return pr->tcp_why;
	if (k->tr < 0 && (sk & CHK_SKIP_NCCL))
		return "--skip nccl";
	if (k->tr < 0 && !pr->gpu)
		return pr->gpu_why;
	return NULL;
}

int chk_pair_next(struct chk_pair *pr, const struct chk_plan *pl,
		  json_t **srv_p, json_t **cli_p, json_t **skip_p)
{
	struct gen_out g;
	const struct kind *k;
	const char *why;
	int ret;

	while (pr->kind < (int)NKINDS) {
		k = &kinds[pr->kind];
		if (!pr->full && !k->lean) {
			pr->kind++;
			continue;
		}
		why = cannot(pr, pl, k);
		if (why) {
			pr->kind++;
			/* a kind that ran some and then lost its link (its
			 * probe failed) ends without a record of its own */
			if (pr->sub) {
				pr->sub = 0;
				continue;
			}
			*skip_p = skipped(pr, k, why);
			return 2;
		}
		memset(&g, 0, sizeof(g));
		ret = k->gen(pr, pl, k, &g);
		if (ret == 0) {
			pr->kind++;
			pr->sub = 0;
			continue;
		}
		if (ret < 0) {
			pr->kind++;
			pr->sub = 0;
			*skip_p = skipped(pr, k, g.title);
			return 2;
		}
		pr->sub++;
		json_object_set_new(g.job, "kind", json_string(k->name));
		json_object_set_new(g.job, "title", json_string(g.title));
		json_object_set_new(g.job, "timeout_s",
				    json_integer(pl->timeout_s));
		json_object_set_new(g.job, "max_s", json_real(
			3 * g.expect_s + 2.0 * pl->timeout_s + 10));
		json_object_set_new(g.job, "port", json_integer(
			pl->port + 2 + 2 * pr->slot));
		*srv_p = json_deep_copy(g.job);
		*cli_p = g.job;
		json_object_set_new(*srv_p, "role", json_string("server"));
		json_object_set_new(*cli_p, "role", json_string("client"));
		json_object_set_new(*cli_p, "host", json_string(pr->host));
		return 1;
	}
	pr->done = true;
	return 0;
}

void chk_pair_absorb(struct chk_pair *pr, json_t *spec, json_t *doc)
{
	const char *kind = json_string_value(json_object_get(spec, "kind"));
	int tr;

	if (!kind)
		return;
	tr = !strncmp(kind, "tcp", 3) ? TR_TCP : TR_RDMA;
	if (!doc && strstr(kind, "_probe")) {
		/* The link's first test failed: the others would too. */
		if (tr == TR_TCP) {
			pr->tcp = false;
			snprintf(pr->tcp_why, sizeof(pr->tcp_why), "the TCP "
				 "probe failed (see it above)");
		} else {
			pr->rdma = false;
			snprintf(pr->rdma_why, sizeof(pr->rdma_why), "the RDMA "
				 "probe failed (see it above)");
		}
		return;
	}
	if (!doc)
		return;
	if (strstr(kind, "_probe"))
		pr->l_us[tr] = chk_doc_lat(doc, 0);
	else if (!strcmp(kind, "rdma_lat") || !strcmp(kind, "tcp_lat"))
		pr->l64_us[tr] = chk_doc_lat(doc, 65536);
	else if (strstr(kind, "_bw"))
		pr->rate[tr] = chk_doc_bw(doc, NULL) * 1e3;
}

/* ---- a job's command line (worker side) ----------------------------- */

struct argb {
	char  **argv;
	size_t	n, max;
	char   *store;
	size_t	used, cap;
};

static int add(struct argb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int add(struct argb *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (b->n + 1 >= b->max)
		return -E2BIG;
	va_start(ap, fmt);
	len = vsnprintf(b->store + b->used, b->cap - b->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= b->cap - b->used)
		return -E2BIG;
	b->argv[b->n++] = b->store + b->used;
	b->argv[b->n] = NULL;
	b->used += (size_t)len + 1;
	return 0;
}

static bool host_ok(const char *h)
{
	size_t i;

	if (!h || !*h || strlen(h) > 255)
		return false;
	for (i = 0; h[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.-_:", h[i]))
			return false;
	return true;
}

static int jint(json_t *spec, const char *k, long long lo, long long hi,
		long long *v_p)
{
	json_t *v = json_object_get(spec, k);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		BM_ERR("job: \"%s\" missing or out of range", k);
		return -EPROTO;
	}
	*v_p = json_integer_value(v);
	return 0;
}

static int ib_lat_argv(json_t *spec, json_t *local, bool client,
		       const char *dir, struct argb *b, char *out_json,
		       size_t out_len)
{
	static const char *const tests[] = { "write", "send", "read", "tcp" };
	const char *test = json_string_value(json_object_get(spec, "test"));
	const char *host = json_string_value(json_object_get(spec, "host"));
	const char *dev = json_string_value(json_object_get(
		chk_usable0(local), "device"));
	long long smin, smax, it, w, win, port, to;
	bool ok = false;
	size_t i;
	int ret = 0;

	for (i = 0; test && i < sizeof(tests) / sizeof(tests[0]); i++)
		ok |= !strcmp(test, tests[i]);
	if (!ok || (client && !host_ok(host))) {
		BM_ERR("job: bad \"test\" or \"host\"");
		return -EPROTO;
	}
	if (jint(spec, "size_min", 1, 64 << 20, &smin) ||
	    jint(spec, "size_max", smin, 64 << 20, &smax) ||
	    jint(spec, "iters", 1, 10000000, &it) ||
	    jint(spec, "warmup", 0, 100000, &w) ||
	    jint(spec, "window", 0, 256, &win) ||
	    jint(spec, "port", 1, 65534, &port) ||
	    jint(spec, "timeout_s", 1, 3600, &to))
		return -EPROTO;
	if (strcmp(test, "tcp") && !dev) {
		BM_ERR("no usable RDMA device on this node");
		return -ENODEV;
	}
	ret |= add(b, "%s", json_string_value(json_object_get(json_object_get(
		json_object_get(local, "tools"), "ib_lat"), "path")));
	ret |= add(b, "-t");
	ret |= add(b, "%s", test);
	if (strcmp(test, "tcp")) {
		ret |= add(b, "-d");
		ret |= add(b, "%s", dev);
	}
	if (json_is_true(json_object_get(spec, "bw"))) {
		ret |= add(b, "--bw");
		ret |= add(b, "--window");
		ret |= add(b, "%lld", win ? win : 64);
	}
	if (json_is_true(json_object_get(spec, "rdma_cm")))
		ret |= add(b, "-R");
	if (json_is_true(json_object_get(spec, "busy_poll")))
		ret |= add(b, "--busy-poll");
	if (smin == smax) {
		ret |= add(b, "-s");
		ret |= add(b, "%lld", smin);
	} else {
		ret |= add(b, "-b");
		ret |= add(b, "%lld", smin);
		ret |= add(b, "-e");
		ret |= add(b, "%lld", smax);
		ret |= add(b, "-f");
		ret |= add(b, "2");
	}
	ret |= add(b, "-n");
	ret |= add(b, "%lld", it);
	if (!json_is_true(json_object_get(spec, "bw"))) {
		ret |= add(b, "-w");
		ret |= add(b, "%lld", w);
	}
	ret |= add(b, "-p");
	ret |= add(b, "%lld", port);
	ret |= add(b, "--timeout");
	ret |= add(b, "%lld", to);
	if (client) {
		snprintf(out_json, out_len, "%s/out.json", dir);
		ret |= add(b, "-J");
		ret |= add(b, "%s", out_json);
		ret |= add(b, "%s", host);
	}
	return ret ? -E2BIG : 0;
}

static int nccl_argv(json_t *spec, json_t *local, bool client,
		     const char *dir, struct argb *b, char *out_json,
		     size_t out_len)
{
	const char *host = json_string_value(json_object_get(spec, "host"));
	const char *model = json_string_value(json_object_get(spec, "model"));
	const char *net = json_string_value(json_object_get(spec, "net"));
	long long port, to;
	int ret = 0;

	if (!net || (strcmp(net, "compare") && strcmp(net, "socket")))
		net = NULL;
	if ((client && !host_ok(host)) || !model || !net ||
	    strlen(model) > 200 || strchr(model, '\n') ||
	    jint(spec, "port", 1, 65535, &port) ||
	    jint(spec, "timeout_s", 1, 3600, &to)) {
		BM_ERR("job: bad nccl_coll fields");
		return -EPROTO;
	}
	snprintf(out_json, out_len, "%s/out.json", dir);
	ret |= add(b, "%s", json_string_value(json_object_get(json_object_get(
		json_object_get(local, "tools"), "nccl_coll"), "path")));
	ret |= add(b, "--rank");
	ret |= add(b, "%d", client ? 1 : 0);
	ret |= add(b, "--nranks");
	ret |= add(b, "2");
	if (client) {
		ret |= add(b, "--peer");
		ret |= add(b, strchr(host, ':') ? "[%s]:%lld" : "%s:%lld", host,
			   port);
	} else {
		ret |= add(b, "-p");
		ret |= add(b, "%lld", port);
	}
	if (!strcmp(net, "compare")) {
		ret |= add(b, "--compare");
	} else {
		ret |= add(b, "--net");
		ret |= add(b, "socket");
	}
	ret |= add(b, "--decode");
	ret |= add(b, "%s", model);
	ret |= add(b, "--no-samples");
	ret |= add(b, "--timeout");
	ret |= add(b, "%lld", to);
	ret |= add(b, "-J");
	ret |= add(b, "%s", out_json);
	return ret ? -E2BIG : 0;
}

int chk_job_argv(json_t *spec, json_t *local, const char *dir, char **argv,
		 size_t max, char *store, size_t store_len, char *out_json,
		 size_t out_len)
{
	const char *tool = json_string_value(json_object_get(spec, "tool"));
	const char *role = json_string_value(json_object_get(spec, "role"));
	struct argb b = { argv, 0, max, store, 0, store_len };
	bool client;

	out_json[0] = '\0';
	if (!tool || !role || (strcmp(role, "server") && strcmp(role, "client"))) {
		BM_ERR("job: bad \"tool\" or \"role\"");
		return -EPROTO;
	}
	client = !strcmp(role, "client");
	if (!strcmp(tool, "ib_lat")) {
		if (!json_object_get(json_object_get(local, "tools"), "ib_lat"))
			return -ENOENT;
		return ib_lat_argv(spec, local, client, dir, &b, out_json,
				   out_len);
	}
	if (!strcmp(tool, "nccl_coll")) {
		if (!json_object_get(json_object_get(local, "tools"),
				     "nccl_coll"))
			return -ENOENT;
		return nccl_argv(spec, local, client, dir, &b, out_json,
				 out_len);
	}
	BM_ERR("job: unknown tool");
	return -EPROTO;
}
