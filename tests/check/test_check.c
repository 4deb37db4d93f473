// SPDX-License-Identifier: MIT
/*
 * netroof check's logic without processes:
 * - a job's command line from its fields, and the fields a worker refuses
 *   (a peer's garbage is -EPROTO, never an argv);
 * - the address the client connects to (the RDMA link's subnet, else the
 *   bootstrap's);
 * - a pair's steps in order, what cannot run skipped with why, iterations
 *   that follow the measured link (a 1 ms emulated link gets fewer, and
 *   bandwidth sizes that would take too long are left out, saying so);
 * - the pairwise matrix's outliers; the verdict's statuses and exit
 *   codes (FAIL 1, --strict WARN 1, nothing measured 77);
 * - the reference report's figures and the decode sizes from sim's terms;
 * - the SVG plots.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_test.h"
#include "check.h"
#include "report.h"
#include "run.h"
#include "steps.h"

static json_t *node(const char *name, const char *dev, const char *netdev,
		    const char *ip, int prefix, int gpus)
{
	json_t *n = json_pack("{s:s,s:s,s:[],s:[],s:i,s:{s:{s:s,s:b,s:b,s:b,"
			      "s:b},s:{s:s,s:b},s:{s:s}}}",
			      "name", name, "host", name, "usable", "addrs",
			      "gpus", gpus, "tools", "ib_lat", "path",
			      "/opt/netroof/bin/ib_lat", "write", 1, "send", 1,
			      "read", 1, "tcp", 1, "nccl_coll", "path",
			      "/opt/netroof/bin/nccl_coll", "nccl", 1, "sim",
			      "path", "/opt/netroof/bin/sim");

	if (dev)
		json_array_append_new(json_object_get(n, "usable"), json_pack(
			"{s:s,s:i,s:i,s:s,s:s,s:s,s:b}", "device", dev, "port", 1,
			"gid", 3, "netdev", netdev, "ipv4", ip, "rate",
			"200 Gb/sec (4X HDR)", "software", 0));
	json_array_append_new(json_object_get(n, "addrs"), json_pack(
		"{s:s,s:s,s:i}", "ifname", "eno1", "addr", "192.168.1.10",
		"prefix", 24));
	if (ip)
		json_array_append_new(json_object_get(n, "addrs"), json_pack(
			"{s:s,s:s,s:i}", "ifname", netdev, "addr", ip, "prefix",
			prefix));
	return n;
}

/* argv as one line. */
static void join(char **argv, char *line, size_t len)
{
	int i;

	line[0] = '\0';
	for (i = 0; argv[i]; i++)
		snprintf(line + strlen(line), len - strlen(line), "%s%s",
			 i ? " " : "", argv[i]);
}

static void job_argv(void)
{
	json_t *local = node("a", "rocep1s0f0", "enp1s0f0np0", "10.1.0.1", 24,
			     1);
	json_t *spec = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:I,s:I,s:f,s:I,"
				 "s:I,s:I,s:I,s:I,s:s}", "tool", "ib_lat", "role",
				 "client", "test", "write", "bw", 0, "rdma_cm",
				 0, "busy_poll", 0, "size_min", 2, "size_max",
				 65536, "factor", 2.0, "iters", 300, "warmup", 60,
				 "window", 0, "port", 18522, "timeout_s", 30,
				 "host", "10.1.0.2");
	char *argv[64], store[4096], out[256], line[1024];

	EXPECT_EQ(chk_job_argv(spec, local, "/r/raw/02-rdma_lat-client", argv,
			       64, store, sizeof(store), out, sizeof(out)), 0);
	join(argv, line, sizeof(line));
	EXPECT_STREQ(line, "/opt/netroof/bin/ib_lat -t write -d rocep1s0f0 -b 2 "
		     "-e 65536 -f 2 -n 300 -w 60 -p 18522 --timeout 30 -J "
		     "/r/raw/02-rdma_lat-client/out.json 10.1.0.2");
	EXPECT_STREQ(out, "/r/raw/02-rdma_lat-client/out.json");

	/* the server: no host, no JSON; TCP bandwidth: no device, a window */
	json_object_set_new(spec, "role", json_string("server"));
	json_object_set_new(spec, "test", json_string("tcp"));
	json_object_set_new(spec, "bw", json_true());
	json_object_set_new(spec, "window", json_integer(8));
	json_object_set_new(spec, "size_min", json_integer(1 << 20));
	json_object_set_new(spec, "size_max", json_integer(1 << 20));
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), 0);
	join(argv, line, sizeof(line));
	EXPECT_STREQ(line, "/opt/netroof/bin/ib_lat -t tcp --bw --window 8 -s "
		     "1048576 -n 300 -p 18522 --timeout 30");
	EXPECT_STREQ(out, "");

	/* what a worker refuses from a peer: one bad field at a time */
	json_object_set_new(spec, "role", json_string("client"));
	json_object_set_new(spec, "test", json_string("read"));
	{
		const struct {
			const char *key;
			json_t	   *bad;
		} bad[] = {
			{ "host", json_string("10.1.0.2;reboot") },
			{ "test", json_string("rm") },
			{ "size_max", json_integer(1ll << 40) },
			{ "port", json_string("18522") },
			{ "tool", json_string("sim") },
			{ "role", json_string("root") },
		};
		size_t k;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			json_t *good = json_incref(json_object_get(spec,
								   bad[k].key));

			json_object_set_new(spec, bad[k].key, bad[k].bad);
			EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
					       sizeof(store), out, sizeof(out)),
				  -EPROTO);
			json_object_set_new(spec, bad[k].key, good);
		}
	}
	json_object_set_new(spec, "role", json_string("client"));
	json_decref(local);
	/* an RDMA test on a node without a usable device, a missing tool */
	local = node("b", NULL, NULL, NULL, 0, 0);
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), -ENODEV);
	json_object_del(json_object_get(local, "tools"), "ib_lat");
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), -ENOENT);
	json_decref(spec);

	/* nccl_coll: rank 1 connects to rank 0's bootstrap */
	json_decref(local);
	local = node("b", "rocep1s0f0", "enp1s0f0np0", "10.1.0.2", 24, 1);
	spec = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:s}", "tool", "nccl_coll",
			 "role", "client", "model", "qwen3-coder-30b-a3b",
			 "host", "10.1.0.1", "port", 18522, "timeout_s", 30,
			 "net", "compare");
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), 0);
	join(argv, line, sizeof(line));
	EXPECT_STREQ(line, "/opt/netroof/bin/nccl_coll --rank 1 --nranks 2 "
		     "--peer 10.1.0.1:18522 --compare --decode "
		     "qwen3-coder-30b-a3b --no-samples --timeout 30 -J "
		     "/d/out.json");
	/* no RDMA on the pair: sockets alone */
	json_object_set_new(spec, "net", json_string("socket"));
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), 0);
	join(argv, line, sizeof(line));
	EXPECT(strstr(line, "--peer 10.1.0.1:18522 --net socket --decode "
		      "qwen3-coder-30b-a3b") != NULL);
	EXPECT(strstr(line, "--compare") == NULL);
	/* any other net, or none, is refused */
	json_object_set_new(spec, "net", json_string("ib; rm -rf /"));
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), -EPROTO);
	json_object_del(spec, "net");
	EXPECT_EQ(chk_job_argv(spec, local, "/d", argv, 64, store,
			       sizeof(store), out, sizeof(out)), -EPROTO);
	json_decref(spec);
	json_decref(local);
}

static json_t *lat_doc(const char *tr, size_t min, size_t max, double l,
		       double per_kib)
{
	json_t *rows = json_array();
	size_t s;

	for (s = min; s <= max; s *= 2)
		json_array_append_new(rows, json_pack("{s:s,s:s,s:I,s:f,s:f}",
			"transport", tr, "op", "lat", "size", (json_int_t)s,
			"lat_us_p50", l + per_kib * (double)s / 1024,
			"lat_us_p99", 2 * l));
	return json_pack("{s:o}", "results", rows);
}

static json_t *bw_doc(const char *tr, size_t size, double gbps)
{
	return json_pack("{s:[{s:s,s:s,s:I,s:f}]}", "results", "transport", tr,
			 "op", "bw", "size", (json_int_t)size, "bw_gbps", gbps);
}

/* What the pair measured (the document is the caller's, as in coord.c). */
static void absorb(struct chk_pair *pr, json_t *spec, json_t *doc)
{
	chk_pair_absorb(pr, spec, doc);
	json_decref(doc);
}

/* A plausible document of a step of that kind (1.5 us RDMA, 20 us TCP). */
static json_t *pretend_doc(const char *kind)
{
	bool rdma = !strncmp(kind, "rdma", 4);

	if (strstr(kind, "_bw"))
		return bw_doc(rdma ? "write" : "tcp", 4096, rdma ? 10.0 : 5.0);
	return lat_doc(rdma ? "write" : "tcp", 2, 65536, rdma ? 1.5 : 20, 0.1);
}

/* The "net" of the pair's NCCL step ("?" if it has none), every other
 * step absorbed as measured. */
static const char *nccl_net(struct chk_pair *pr, const struct chk_plan *pl)
{
	static char net[16];
	json_t *s = NULL, *c = NULL, *k = NULL;
	int ret;

	snprintf(net, sizeof(net), "?");
	while ((ret = chk_pair_next(pr, pl, &s, &c, &k))) {
		if (ret == 2) {
			json_decref(k);
			continue;
		}
		if (!strcmp(json_string_value(json_object_get(c, "kind")),
			    "nccl"))
			snprintf(net, sizeof(net), "%s", json_string_value(
				 json_object_get(c, "net")));
		else
			absorb(pr, c, pretend_doc(json_string_value(
				json_object_get(c, "kind"))));
		json_decref(s);
		json_decref(c);
	}
	return net;
}

static void pair_steps(void)
{
	struct chk_params p = { .model = "qwen3-coder-30b-a3b", .iters = 1000,
				.budget_s = 2 };
	struct chk_plan pl = { .p = &p, .port = 18520, .timeout_s = 30,
			       .dsizes = { 4096, 303872 }, .ndsizes = 2 };
	json_t *nodes = json_pack("[o,o]", node("b", "rxe0", "eth0", "10.0.0.2",
						24, 0),
				  node("a", "rxe0", "eth0", "10.0.0.1", 24, 0));
	struct chk_pair pr;
	json_t *s = NULL, *c = NULL, *k = NULL;
	char kinds[32][16];
	int n = 0, ret;

	chk_pair_init(&pr, nodes, 0, 1, 1, true, "192.168.1.10");
	EXPECT_STREQ(pr.host, "10.0.0.2");	/* the link, not eno1 */
	EXPECT(strstr(pr.host_why, "on eth0, the netdev of rxe0") != NULL);
	EXPECT(pr.rdma && pr.tcp && !pr.gpu);
	EXPECT_STREQ(pr.gpu_why, "no GPU on either node");
	while ((ret = chk_pair_next(&pr, &pl, &s, &c, &k)) && n < 32) {
		const char *kind;

		if (ret == 2) {
			kind = json_string_value(json_object_get(k, "kind"));
			snprintf(kinds[n++], sizeof(kinds[0]), "%s", kind);
			if (!strcmp(kind, "nccl"))
				EXPECT_STREQ(json_string_value(json_object_get(k,
					     "why")), "no GPU on either node");
			/* lab-like rate: 8 MiB would take too long */
			if (!strcmp(kind, "rdma_bw"))
				EXPECT(strstr(json_string_value(json_object_get(
					k, "why")), "8388608 B and larger not "
					"measured") != NULL);
			json_decref(k);
			continue;
		}
		kind = json_string_value(json_object_get(c, "kind"));
		snprintf(kinds[n++], sizeof(kinds[0]), "%s", kind);
		EXPECT_EQ(json_integer_value(json_object_get(c, "port")),
			  18520 + 2 + 2);	/* slot 1 */
		EXPECT_STREQ(json_string_value(json_object_get(c, "host")),
			     "10.0.0.2");
		EXPECT(!json_object_get(s, "host"));
		if (!strcmp(kind, "rdma_probe")) {
			EXPECT_EQ(json_integer_value(json_object_get(c, "iters")),
				  200);
			/* an emulated link: 1 ms one way */
			absorb(&pr, c, lat_doc("write", 2, 2, 1000, 0));
		} else if (!strcmp(kind, "rdma_lat")) {
			/* 2 s over 16 sizes at 2 ms a round trip */
			long long it = json_integer_value(json_object_get(c,
								"iters"));

			EXPECT_EQ(it, 62);
			EXPECT_EQ(json_integer_value(json_object_get(c,
				  "size_max")), 65536);
			absorb(&pr, c, lat_doc("write", 2, 65536, 1000,
							250));
		} else if (!strcmp(kind, "rdma_dec")) {
			/* 4096 is in the sweep; 303872 is not */
			EXPECT_EQ(json_integer_value(json_object_get(c,
				  "size_min")), 303872);
		} else if (!strcmp(kind, "rdma_cm")) {
			EXPECT(json_is_true(json_object_get(c, "rdma_cm")));
		} else if (!strcmp(kind, "tcp_probe")) {
			EXPECT(json_is_true(json_object_get(c, "busy_poll")));
			/* a failed probe: the other TCP steps are skipped */
			chk_pair_absorb(&pr, c, NULL);
		} else if (!strcmp(kind, "rdma_bw")) {
			long long it = json_integer_value(json_object_get(c,
								"iters"));

			EXPECT(json_is_true(json_object_get(c, "bw")));
			EXPECT(it >= 8 && json_integer_value(json_object_get(c,
				"window")) == (it < 64 ? it : 64));
			absorb(&pr, c, bw_doc("write", 4096, 0.004));
		}
		json_decref(s);
		json_decref(c);
	}
	EXPECT_EQ(ret, 0);
	EXPECT(pr.done);
	{
		static const char *const want[] = {
			"rdma_probe", "rdma_lat", "rdma_dec", "rdma_read",
			"rdma_cm", "tcp_probe", "tcp_lat", "tcp_dec",
			"rdma_bw", "rdma_bw", "rdma_bw",
			"rdma_bw" /* 8 MiB: skipped */, "tcp_bw", "nccl" };
		int i;

		EXPECT_EQ(n, (int)(sizeof(want) / sizeof(want[0])));
		for (i = 0; i < n && i < (int)(sizeof(want) / sizeof(want[0]));
		     i++)
			EXPECT_STREQ(kinds[i], want[i]);
	}
	json_decref(nodes);

	/* no address of the link in the client's subnets: the bootstrap's */
	nodes = json_pack("[o,o]", node("b", "rxe0", "eth0", "10.0.0.2", 24, 0),
			  node("a", "rxe0", "eth0", "10.9.0.1", 24, 0));
	chk_pair_init(&pr, nodes, 0, 1, 0, false, "192.168.1.10");
	EXPECT_STREQ(pr.host, "192.168.1.10");
	json_decref(nodes);
	/* one node without a device */
	nodes = json_pack("[o,o]", node("b", "rxe0", "eth0", "10.0.0.2", 24, 1),
			  node("a", NULL, NULL, NULL, 0, 1));
	chk_pair_init(&pr, nodes, 0, 1, 0, true, "192.168.1.10");
	EXPECT(!pr.rdma && pr.gpu);
	EXPECT_STREQ(pr.rdma_why, "no usable RDMA device on a");
	EXPECT_STREQ(nccl_net(&pr, &pl), "socket");
	json_decref(nodes);
	/* GPUs and RDMA on both: IB against sockets; --skip rdma: sockets */
	nodes = json_pack("[o,o]", node("b", "rxe0", "eth0", "10.0.0.2", 24, 1),
			  node("a", "rxe0", "eth0", "10.0.0.1", 24, 1));
	chk_pair_init(&pr, nodes, 0, 1, 0, true, "192.168.1.10");
	EXPECT(pr.rdma && pr.gpu);
	EXPECT_STREQ(nccl_net(&pr, &pl), "compare");
	p.skip = CHK_SKIP_RDMA;
	chk_pair_init(&pr, nodes, 0, 1, 0, true, "192.168.1.10");
	EXPECT_STREQ(nccl_net(&pr, &pl), "socket");
	p.skip = 0;
	json_decref(nodes);
}

static json_t *step(const char *kind, int a, int b, const char *status,
		    json_t *doc)
{
	json_t *s = json_pack("{s:s,s:s,s:[i,i],s:s,s:s,s:i}", "kind", kind,
			      "title", kind, "pair", a, b, "status", status,
			      "why", strcmp(status, "ok") ? "because" : "", "id",
			      1);

	if (doc)
		json_object_set_new(s, "doc", doc);
	return s;
}

static void pairs(void)
{
	json_t *rep = json_pack("{s:[{s:s},{s:s},{s:s},{s:s}],s:[]}", "nodes",
				"name", "n0", "name", "n1", "name", "n2", "name",
				"n3", "steps");
	json_t *st = json_object_get(rep, "steps"), *cell;
	int a, b, out = 0;
	size_t i;

	for (a = 0; a < 4; a++)
		for (b = a + 1; b < 4; b++) {
			/* the pair 1-3 is slow; 0-2 streams slowly */
			json_array_append_new(st, step("rdma_probe", a, b, "ok",
				lat_doc("write", 2, 2, a == 1 && b == 3 ? 9 : 1.6,
					0)));
			json_array_append_new(st, step("rdma_bw", a, b, "ok",
				bw_doc("write", 1 << 20, a == 0 && b == 2 ? 5 :
				       12)));
		}
	chk_pairs_matrix(rep);
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(rep,
		  "pairs"), "npairs")), 6);
	EXPECT_NEAR(json_number_value(json_object_get(json_object_get(rep,
		    "pairs"), "median_us")), 1.6, 1e-9);
	json_array_foreach(json_object_get(json_object_get(rep, "pairs"),
					   "cells"), i, cell) {
		bool o = json_is_true(json_object_get(cell, "outlier"));
		int ca = (int)json_integer_value(json_object_get(cell, "a"));
		int cb = (int)json_integer_value(json_object_get(cell, "b"));

		EXPECT_EQ(o, (ca == 1 && cb == 3) || (ca == 0 && cb == 2));
		out += o;
	}
	EXPECT_EQ(out, 2);
	json_decref(rep);
}

static json_t *verdict_of(json_t *rep, bool strict, int *ex)
{
	json_t *v = chk_verdict(rep, strict, ex);

	json_object_set_new(rep, "checks", v);
	return v;
}

/* Member key of the check with this id ("?" without one). */
static const char *check_field(json_t *checks, const char *id,
			       const char *key)
{
	json_t *c;
	size_t i;

	json_array_foreach(checks, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "id")), id))
			return json_string_value(json_object_get(c, key));
	return "?";
}

static const char *status(json_t *checks, const char *id)
{
	return check_field(checks, id, "status");
}

static void verdict(void)
{
	json_t *n0 = node("b", "rxe0", "eth0", "10.0.0.2", 24, 0);
	json_t *n1 = node("a", "rxe0", "eth0", "10.0.0.1", 24, 0);
	json_t *rep, *checks;
	int ex;

	json_object_set_new(n0, "ran", json_pack("[s,s]", "roce_mtu_below_port",
						 "versions_differ"));
	json_object_set_new(n1, "ran", json_pack("[s]", "roce_mtu_below_port"));
	json_object_set_new(n1, "findings", json_pack("[{s:s,s:s,s:s,s:s}]",
		"severity", "WARN", "code", "roce_mtu_below_port", "message",
		"RoCE MTU 1024", "fix", "set MTU 9000"));
	rep = json_pack("{s:[o,o],s:[o,o,o],s:{s:s}}", "nodes", n0, n1, "steps",
			step("rdma_probe", 0, 1, "ok", lat_doc("write", 2, 2, 1.5,
							       0)),
			step("tcp_probe", 0, 1, "failed", NULL),
			step("nccl", 0, 1, "skipped", NULL), "params", "skip",
			"");
	checks = verdict_of(rep, false, &ex);
	EXPECT_STREQ(status(checks, "mtu"), "WARN");
	EXPECT_STREQ(status(checks, "rdma_latency"), "PASS");
	EXPECT_STREQ(status(checks, "tcp_latency"), "FAIL");
	EXPECT_STREQ(status(checks, "nccl"), "SKIP");
	EXPECT_STREQ(status(checks, "versions"), "PASS");
	/* a check that did not run on every node is no PASS */
	EXPECT_STREQ(status(checks, "pcie"), "SKIP");
	EXPECT_EQ(ex, 1);
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(rep,
		  "verdict"), "fail")), 1);
	/* no FAIL: 0, but --strict fails on the WARN */
	json_array_remove(json_object_get(rep, "steps"), 1);
	verdict_of(rep, false, &ex);
	EXPECT_EQ(ex, 0);
	verdict_of(rep, true, &ex);
	EXPECT_EQ(ex, 1);
	/* nothing measured at all: 77 */
	json_array_remove(json_object_get(rep, "steps"), 0);
	json_object_del(n1, "findings");
	verdict_of(rep, false, &ex);
	EXPECT_EQ(ex, 77);
	json_decref(rep);
}

static const char *figure(json_t *checks, const char *id)
{
	return check_field(checks, id, "figure");
}

/* The NCCL check on nccl_coll's document: --compare (IB against sockets,
 * each communicator data-checked) and sockets alone. */
static void verdict_nccl(void)
{
	json_t *rep, *doc, *checks, *row;
	int ex;

	doc = json_pack("{s:{s:s},s:[{s:s,s:i,s:s,s:f,s:f,s:f,s:s}]}",
			"summary", "data_check", "passed", "results", "op",
			"allreduce", "size", 4096, "mode", "graph",
			"ib_lat_us_p50", 30.0, "socket_lat_us_p50", 70.0,
			"ratio_socket_ib", 2.33, "ib_transport", "ib");
	rep = json_pack("{s:[o,o],s:[o],s:{s:s}}", "nodes",
			node("b", "rxe0", "eth0", "10.0.0.2", 24, 1),
			node("a", "rxe0", "eth0", "10.0.0.1", 24, 1), "steps",
			step("nccl", 0, 1, "ok", doc), "params", "skip", "");
	checks = verdict_of(rep, false, &ex);
	EXPECT_STREQ(status(checks, "nccl"), "PASS");
	EXPECT(strstr(figure(checks, "nccl"), "IB 30.0 us, socket 70.0 us "
		      "(x2.33); data check passed") != NULL);
	/* an IB communicator that ran over sockets: WARN */
	row = json_array_get(json_object_get(doc, "results"), 0);
	json_object_set_new(row, "ib_transport", json_string("socket"));
	checks = verdict_of(rep, false, &ex);
	EXPECT_STREQ(status(checks, "nccl"), "WARN");
	/* no data check made (what --compare used to write): no PASS */
	json_object_set_new(row, "ib_transport", json_string("ib"));
	json_object_set_new(json_object_get(doc, "summary"), "data_check",
			    json_string("not run"));
	checks = verdict_of(rep, false, &ex);
	EXPECT_STREQ(status(checks, "nccl"), "FAIL");
	json_decref(rep);

	/* sockets alone: the graph row, IB said not measured */
	doc = json_pack("{s:{s:s},s:[{s:s,s:i,s:s,s:f},{s:s,s:i,s:s,s:f}]}",
			"summary", "data_check", "passed", "results", "op",
			"allreduce", "size", 4096, "mode", "eager",
			"oop_lat_us_p50", 90.0, "op", "allreduce", "size", 4096,
			"mode", "graph", "oop_lat_us_p50", 80.0);
	rep = json_pack("{s:[o,o],s:[o],s:{s:s}}", "nodes",
			node("b", NULL, NULL, NULL, 0, 1),
			node("a", NULL, NULL, NULL, 0, 1), "steps",
			step("nccl", 0, 1, "ok", doc), "params", "skip", "");
	checks = verdict_of(rep, false, &ex);
	EXPECT_STREQ(status(checks, "nccl"), "PASS");
	EXPECT(strstr(figure(checks, "nccl"), "all-reduce 4096 B (graph): "
		      "socket 80.0 us; IB not measured (no RDMA on the pair); "
		      "data check passed") != NULL);
	json_decref(rep);
}

static void reference(void)
{
	char src[4096];
	json_t *r = chk_reference("qwen3-coder-30b-a3b", 0, src, sizeof(src)), *x;
	int seen = 0;
	size_t i;

	EXPECT(strstr(src, "qwen3-coder-gb10-2node.csv") != NULL);
	json_array_foreach(r, i, x) {
		const char *m = json_string_value(json_object_get(x, "mode"));
		const char *t = json_string_value(json_object_get(x, "transport"));
		double v = json_number_value(json_object_get(x, "tok_s"));

		if (!strcmp(m, "tp") && !strcmp(t, "roce"))
			{ EXPECT_NEAR(v, 91.6, 1e-9); seen++; }
		if (!strcmp(m, "tp") && !strcmp(t, "socket"))
			{ EXPECT_NEAR(v, 45.3, 1e-9); seen++; }
		if (!strcmp(m, "ep") && !strcmp(t, "socket"))
			{ EXPECT_NEAR(v, 35.0, 1e-9); seen++; }
		if (!strcmp(m, "single"))
			{ EXPECT_NEAR(v, 86, 1e-9); seen++; }
	}
	EXPECT_EQ(seen, 4);
	EXPECT_EQ(json_array_size(r), 7);	/* ctx 0, long, no EAGLE3 */
	json_decref(r);
	r = chk_reference("/some/path/qwen3-coder-30b-a3b.json", 0, src,
			  sizeof(src));
	EXPECT_EQ(json_array_size(r), 7);
	json_decref(r);
	r = chk_reference("minimax-m2.5", 0, src, sizeof(src));
	EXPECT_EQ(json_array_size(r), 0);
	json_decref(r);
}

static void decode_sizes(void)
{
	json_t *pred = json_pack("{s:[{s:[{s:f},{s:f}]},{s:[{s:f},{s:f}]},{}]}",
				 "rows", "terms", "bytes", 4096.0, "bytes",
				 303872.0, "terms", "bytes", 4096.0, "bytes",
				 8.0);
	size_t s[8];
	int n;

	chk_decode_sizes(pred, s, 8, &n);
	EXPECT_EQ(n, 3);
	EXPECT_EQ(s[0], 8);
	EXPECT_EQ(s[1], 4096);
	EXPECT_EQ(s[2], 303872);
	json_decref(pred);
}

static void svg(void)
{
	struct chk_plot p = { .id = "plot-x", .title = "a < b", .xlabel = "size",
			      .ylabel = "us", .logx = true, .logy = true,
			      .xbytes = true, .nseries = 1,
			      .s = { { .name = "RDMA", .color = "#000", .n = 3,
				       .x = { 2, 64, 65536 },
				       .y = { 1.5, 2, 9 } } } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	chk_svg_lines(f, &p);
	fclose(f);
	EXPECT(strstr(buf, "<svg id=\"plot-x\"") != NULL);
	EXPECT(strstr(buf, "a &lt; b") != NULL);
	EXPECT(strstr(buf, ">2 B</text>") != NULL);
	EXPECT(strstr(buf, ">32 KiB</text>") != NULL);
	EXPECT(strstr(buf, "<polyline") != NULL);
	EXPECT(strstr(buf, "</svg>") != NULL);
	free(buf);
	p.s[0].n = 0;
	buf = NULL;
	f = open_memstream(&buf, &len);
	chk_svg_lines(f, &p);
	fclose(f);
	EXPECT(strstr(buf, "no data") != NULL && !strstr(buf, "<polyline"));
	free(buf);
}

static void params(void)
{
	struct chk_params p = { .model = "minimax-m2.5", .ctx = 8192,
				.skip = CHK_SKIP_RDMA | CHK_SKIP_BW, .iters = 500,
				.budget_s = 1.5, .given = CHK_P_MODEL }, q;
	json_t *j = chk_params_json(&p);

	EXPECT_STREQ(json_string_value(json_object_get(j, "skip")), "rdma,bw");
	EXPECT_EQ(chk_params_from_json(j, &q), 0);
	EXPECT_STREQ(q.model, "minimax-m2.5");
	EXPECT_EQ(q.ctx, 8192);
	EXPECT_EQ(q.skip, CHK_SKIP_RDMA | CHK_SKIP_BW);
	EXPECT_EQ(q.given, CHK_P_MODEL);
	json_object_set_new(j, "budget_s", json_real(-1));
	EXPECT_EQ(chk_params_from_json(j, &q), -EPROTO);
	json_decref(j);
}

int main(void)
{
	job_argv();
	pair_steps();
	pairs();
	verdict();
	verdict_nccl();
	reference();
	decode_sizes();
	svg();
	params();
	return TEST_DONE();
}
