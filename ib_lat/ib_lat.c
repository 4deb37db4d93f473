// SPDX-License-Identifier: MIT
/*
 * ib_lat: "does RDMA work, how fast, and how much faster than TCP?"
 *
 * Methodology
 * - Server/client like perftest: no host argument = server. Both sides
 *   meet over the bootstrap channel (common/oob, TCP port -p, default
 *   18515); its hello carries the canonical run parameters, so a server and
 *   a client with different parameters both refuse, naming the key.
 * - Latency: the client times each round trip with CLOCK_MONOTONIC_RAW
 *   (bm_now_ns) around post-to-completion: RDMA write ping-pong (each side
 *   polls the last byte of its buffer, as perftest's write_lat), send/recv
 *   ping-pong (receives pre-posted), RDMA read (one read, its completion),
 *   TCP ping-pong (TCP_NODELAY, blocking or --busy-poll). Reported latency
 *   is one-way = RTT/2 for write/send/tcp, as perftest reports it; for read
 *   it is the full round trip (one read and its completion: perftest's
 *   ib_read_lat convention, rtt_factor 1), stated in the output and in
 *   each row's "lat_is". Every timed sample is kept; -w warm-up iterations (default
 *   100) run first and are not timed. min/p50/p90/p99/p99.9/max/mean/stdev
 *   come from common/stats (nearest-rank percentiles: measured values).
 * - Bandwidth (--bw): the client keeps --window operations in flight, all
 *   signalled; time from the first post to the last completion. GB/s is
 *   1e9 bytes/s. TCP stream: the server acks after the last byte.
 *   --check: send and TCP check every message as it arrives, write checks
 *   the target after the last write, read the landing region after the
 *   last read (--check: every byte; else first and last); the server
 *   answers the client's "done" with its count of wrong messages, so both
 *   sides fail together. Filling the source is not timed for RDMA (one
 *   pattern per size); TCP fills each message inside the timed loop.
 * - --compare: the verbs transport and TCP back to back over the same link
 *   and the same bootstrap connection, one table with the ratio.
 * - Pinning: after the bootstrap the process is pinned to the last CPU
 *   near the NIC (hwloc: the CPUs of the NIC's non-I/O ancestor; without
 *   hwloc, its sysfs NUMA node): the RDMA device's PCI function, or for
 *   TCP the netdev holding the bootstrap's local address. --cpu N pins to
 *   N, --cpu none not at all; the output says which and why.
 */
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "transport.h"

volatile sig_atomic_t lat_stop;

static const struct lat_transport_ops *lat_transports[] = {
	&lat_write_ops, &lat_send_ops, &lat_read_ops, &lat_tcp_ops, NULL,
};

enum {
	KEY_EVENTS = BM_KEY_TOOL,
	KEY_BW,
	KEY_COMPARE,
	KEY_DEVICES,
	KEY_CPU,
	KEY_BUSY,
	KEY_WINDOW,
	KEY_LIST,
	KEY_IBPORT,
	KEY_CHECK,
	KEY_CLIENTS,
};

static const struct bm_opt lat_opt_tab[] = {
	{ "test", 't', "T", "write | send | read | tcp (default write)" },
	{ "ib-dev", 'd', "DEV", "RDMA device (default: the first)" },
	{ "ib-port", KEY_IBPORT, "N", "device port (default 1)" },
	{ "gid-index", 'x', "IDX", "GID index (default: RoCE v2 IPv4 GID of "
	  "the netdev routing to the peer)" },
	{ "rdma_cm", 'R', NULL, "connect the QP with rdma_cm (port -p + 1)" },
	{ "inline_size", 'I', "N", "max inline bytes (default 220)" },
	{ "events", KEY_EVENTS, NULL, "wait on a completion channel "
	  "(send/read) instead of busy polling" },
	{ "busy-poll", KEY_BUSY, NULL, "TCP: spin on non-blocking recv" },
	{ "bw", KEY_BW, NULL, "bandwidth: stream with a window of operations" },
	{ "window", KEY_WINDOW, "N", "--bw: operations in flight (default 64)" },
	{ "compare", KEY_COMPARE, NULL, "run the verbs test, then TCP, and "
	  "print both with the ratio" },
	{ "check", KEY_CHECK, NULL, "verify every payload byte (else first and "
	  "last byte)" },
	{ "cpu", KEY_CPU, "N|none", "pin to CPU N (default: the last CPU near "
	  "the NIC, by hwloc)" },
	{ "devices", KEY_DEVICES, NULL, "diagnose: RDMA devices, ports, MTUs, "
	  "GIDs, PCIe, NIC-GPU paths, warnings, NCCL environment (-J: JSON)" },
	{ "list", KEY_LIST, NULL, "list transports and whether they are built" },
	{ "clients", KEY_CLIENTS, "N", "server: serve N clients one after "
	  "another (0: until interrupted; default 1); one that comes during "
	  "a run is refused as busy" },
	BM_OPTS_SWEEP,
	BM_OPTS_OOB,
	BM_OPTS_OUT,
	BM_OPT_END,
};

static void on_signal(int sig)
{
	lat_stop = 1;
}

static const struct lat_transport_ops *find_tr(const char *name)
{
	int i;

	for (i = 0; lat_transports[i]; i++)
		if (!strcmp(lat_transports[i]->name, name))
			return lat_transports[i];
	return NULL;
}

/*
 * A transport's open(): not bm_exit_of, whose -EINVAL is a usage error;
 * here -EINVAL comes from a verbs call (a device or port that refuses), a
 * failed run, and -ERANGE (a GID index or port past the device's) is the
 * user's.
 */
static int open_exit_of(int ret)
{
	switch (ret) {
	case 0:
		return BM_EXIT_OK;
	case -ENODEV:
	case -ENOTSUP:
		return BM_EXIT_UNAVAIL;
	case -ERANGE:
		return BM_EXIT_USAGE;
	default:
		return BM_EXIT_FAIL;
	}
}

static const struct bm_col lat_cols[] = {
	{ "transport", "test", 6, -1 },
	{ "size", "bytes", 9, -1 },
	{ "iters", "iters", 7, -1 },
	{ "lat_us_min", "min[us]", 9, 2 },
	{ "lat_us_p50", "p50[us]", 9, 2 },
	{ "lat_us_p90", "p90[us]", 9, 2 },
	{ "lat_us_p99", "p99[us]", 9, 2 },
	{ "lat_us_p999", "p99.9[us]", 10, 2 },
	{ "lat_us_max", "max[us]", 9, 2 },
	{ "lat_us_mean", "mean[us]", 9, 2 },
	{ "lat_us_stdev", "stdev[us]", 10, 2 },
	{ "wrong", "wrong", 6, -1 },
};

static const struct bm_col bw_cols[] = {
	{ "transport", "test", 6, -1 },
	{ "size", "bytes", 9, -1 },
	{ "iters", "iters", 8, -1 },
	{ "bw_gbps", "GB/s", 9, 4 },
	{ "msg_rate_mps", "Mmsg/s", 9, 4 },
	{ "secs", "secs", 9, 4 },
	{ "wrong", "wrong", 6, -1 },
};

struct run {
	struct lat_opts	 o;
	struct bm_common cm;
	const struct lat_transport_ops *tr;
	bool		 compare;
	long		 clients;	/* --clients: runs to serve, 0 no end */
	struct bm_out	*out;
};

/* Options given that only one kind of test uses (parse() refuses them
 * elsewhere instead of ignoring them). */
enum {
	GIVEN_VERBS = 1 << 0,	/* -d --ib-port -x -R -I --events */
	GIVEN_BUSY  = 1 << 1,	/* --busy-poll */
	GIVEN_WIN   = 1 << 2,	/* --window */
	GIVEN_CLI   = 1 << 3,	/* --clients */
};

static const char *opt_name(int key)
{
	const struct bm_opt *o;

	for (o = lat_opt_tab; o->name; o++)
		if (o->key == key)
			return o->name;
	return "?";
}

/* One transport over the whole sweep; p50 per size into p50 (compare). */
static int run_transport(struct run *r, const struct lat_transport_ops *tr,
			 struct lat_ctx *c, double *p50)
{
	double *rtt = NULL;
	/* Once: a sweep may have up to BM_SWEEP_MAX_SIZES sizes. */
	size_t size, k = 0, nsizes = bm_sweep_count(&r->cm.sweep);
	struct bm_stats st;
	const char *conn = !tr->rdma ? "tcp" :
			   r->o.conn == LAT_CONN_RDMACM ? "rdma_cm" : "oob";
	int ret;

	ret = tr->setup(c);
	if (ret)
		return ret;
	if (!r->cm.quiet)
		bm_out_comment(r->out, "%s: %s", tr->name, c->info);
	bm_out_columns(r->out, r->o.bw ? bw_cols : lat_cols,
		       r->o.bw ? sizeof(bw_cols) / sizeof(bw_cols[0]) :
				 sizeof(lat_cols) / sizeof(lat_cols[0]));
	rtt = calloc(r->cm.iters, sizeof(*rtt));
	if (!rtt) {
		ret = -ENOMEM;
		goto out;
	}
	for (size = r->cm.sweep.min; size; size = bm_sweep_next(&r->cm.sweep, size), k++) {
		json_t *row;
		uint64_t wrong0 = c->wrong;

		if (nsizes > 4 && !r->cm.quiet)
			fprintf(stderr, "ib_lat: %s %zu bytes (%zu/%zu)\r",
				tr->name, size, k + 1, nsizes);
		if (r->o.bw) {
			double secs = 0;

			ret = tr->stream(c, size, r->cm.iters, r->o.window, &secs);
			if (ret)
				goto out;
			if (c->server)
				continue;
			row = json_pack("{s:s,s:s,s:s,s:I,s:I,s:f,s:f,s:f,s:I}",
					"transport", tr->name, "op", "bw",
					"conn", conn, "size", (json_int_t)size,
					"iters", (json_int_t)r->cm.iters,
					"bw_gbps", (double)size * r->cm.iters /
						secs / 1e9,
					"msg_rate_mps", r->cm.iters / secs / 1e6,
					"secs", secs,
					"wrong", (json_int_t)(c->wrong - wrong0));
			bm_out_row(r->out, row);
			continue;
		}
		ret = tr->pingpong(c, size, r->cm.warmup, r->cm.iters, rtt);
		if (ret)
			goto out;
		if (k == 0)
			bm_fault("measure");
		if (c->server)
			continue;
		ret = bm_stats_compute(rtt, r->cm.iters, &st);
		if (ret)
			goto out;
		row = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "transport",
				tr->name, "op", "lat", "conn", conn, "size",
				(json_int_t)size, "iters",
				(json_int_t)r->cm.iters, "wrong",
				(json_int_t)(c->wrong - wrong0));
		/* ns RTT -> us, as the transport reports it (one-way, or
		 * read's full round trip as perftest) */
		bm_json_stats(row, "lat_us", &st, tr->lat_scale);
		json_object_set_new(row, "lat_is", json_string(tr->lat_is));
		if (p50)
			p50[k] = st.p50 * tr->lat_scale;
		bm_out_row(r->out, row);
	}
	if (nsizes > 4 && !r->cm.quiet)
		fprintf(stderr, "\n");
	bm_fault("teardown");
	ret = bm_oob_barrier(c->oob);
out:
	free(rtt);
	tr->teardown(c);
	return ret;
}

static int parse(struct run *r, int argc, char **argv, bool *devices)
{
	struct bm_getopt g;
	const char *tname = "write";
	char cpus[256];
	unsigned given = 0;
	long l;
	int c, ret = 0;

	r->o = (struct lat_opts){ .gid_index = -1, .inline_size = -1,
				  .ib_port = 1, .window = 64, .cpu = -1 };
	r->clients = 1;
	r->cm = BM_COMMON_INIT(2, 2, 1000, 100, BM_OOB_DEFAULT_PORT);
	if (bm_getopt_init(&g, lat_opt_tab))
		return -ENOMEM;
	while ((c = bm_getopt_next(&g, argc, argv)) != -1) {
		ret = bm_common_opt(&r->cm, c, optarg);
		if (ret > 0)
			continue;
		if (ret < 0)
			goto usage;
		if (strchr("dxRI", c) || c == KEY_IBPORT || c == KEY_EVENTS)
			given |= GIVEN_VERBS;
		switch (c) {
		case 't':
			tname = optarg;
			break;
		case 'd':
			r->o.dev = optarg;
			break;
		case KEY_IBPORT:
			if (bm_parse_int(optarg, 1, 255, &l))
				goto bad;
			r->o.ib_port = (int)l;
			break;
		case 'x':
			if (bm_parse_int(optarg, 0, 65535, &l))
				goto bad;
			r->o.gid_index = (int)l;
			break;
		case 'R':
			r->o.conn = LAT_CONN_RDMACM;
			break;
		case 'I':
			if (bm_parse_int(optarg, 0, 4096, &l))
				goto bad;
			r->o.inline_size = (int)l;
			break;
		case KEY_EVENTS:
			r->o.events = true;
			break;
		case KEY_BUSY:
			r->o.busy_poll = true;
			given |= GIVEN_BUSY;
			break;
		case KEY_BW:
			r->o.bw = true;
			break;
		case KEY_WINDOW:
			if (bm_parse_int(optarg, 1, 256, &l))
				goto bad;
			r->o.window = (unsigned)l;
			given |= GIVEN_WIN;
			break;
		case KEY_COMPARE:
			r->compare = true;
			break;
		case KEY_CHECK:
			r->o.check = true;
			break;
		case KEY_CPU:
			if (!strcmp(optarg, "none")) {
				r->o.cpu = -2;
				break;
			}
			ret = bm_parse_cpu(optarg, &r->o.cpu, cpus, sizeof(cpus));
			if (ret == -ERANGE) {
				fprintf(stderr, "ib_lat: --cpu %s: no such CPU here "
					"(CPUs this process may use: %s)\n",
					optarg, cpus);
				goto usage;
			}
			if (ret)
				goto bad;
			break;
		case KEY_CLIENTS:
			if (bm_parse_int(optarg, 0, 1000000, &l))
				goto bad;
			r->clients = l;
			given |= GIVEN_CLI;
			break;
		case KEY_DEVICES:
			*devices = true;
			break;
		case KEY_LIST:
			for (c = 0; lat_transports[c]; c++)
				printf("%-6s %-50s %s\n", lat_transports[c]->name,
				       lat_transports[c]->desc,
				       lat_transports[c]->built ? "built" :
				       lat_transports[c]->not_built);
			exit(0);
		default:
			goto usage;
		}
	}
	if (r->cm.help) {
		bm_usage(stdout, "ib_lat", "[options] [SERVER]",
			 "RDMA (RC write/send/read) and TCP latency and "
			 "bandwidth between two nodes; no SERVER: be the server.",
			 lat_opt_tab,
			 "Latency is one-way = RTT/2 (perftest's convention).\n"
			 "Examples: ib_lat            (server)\n"
			 "          ib_lat -t send -a 10.0.0.2   (client, sweep)\n"
			 "          ib_lat --compare 10.0.0.2     (RDMA vs TCP)\n"
			 "          ib_lat --devices\n");
		exit(0);
	}
	if (r->cm.version) {
		bm_print_version(stdout, "ib_lat");
		exit(0);
	}
	if (bm_common_check(&r->cm))
		goto usage;
	if (optind < argc)
		r->o.host = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "ib_lat: unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	r->tr = find_tr(tname);
	if (!r->tr) {
		fprintf(stderr, "ib_lat: unknown test '%s' (write, send, read, "
			"tcp)\n", tname);
		goto usage;
	}
	if (r->compare && !r->tr->rdma) {
		fprintf(stderr, "ib_lat: --compare needs a verbs test "
			"(-t write|send|read)\n");
		goto usage;
	}
	if (r->compare && r->o.bw) {
		fprintf(stderr, "ib_lat: --compare is for latency (no --bw)\n");
		goto usage;
	}
	if (r->o.events && r->tr->polls_memory && !r->o.bw) {
		fprintf(stderr, "ib_lat: --events: write ping-pong polls memory "
			"(no completion to wait for); use -t send or read\n");
		goto usage;
	}
	/* Options that would be ignored are refused, so a typo'd run does
	 * not measure something else than asked. */
	if ((given & GIVEN_VERBS) && r->tr == &lat_tcp_ops) {
		fprintf(stderr, "ib_lat: -d, --ib-port, -x, -R, -I and --events "
			"are for the verbs tests (-t write|send|read), not -t "
			"tcp\n");
		goto usage;
	}
	if ((given & GIVEN_BUSY) && r->tr != &lat_tcp_ops && !r->compare) {
		fprintf(stderr, "ib_lat: --busy-poll is for TCP (-t tcp, or "
			"the TCP half of --compare)\n");
		goto usage;
	}
	if ((given & GIVEN_WIN) && !r->o.bw) {
		fprintf(stderr, "ib_lat: --window is for --bw\n");
		goto usage;
	}
	if ((given & GIVEN_CLI) && r->o.host) {
		fprintf(stderr, "ib_lat: --clients is for the server (no "
			"SERVER argument)\n");
		goto usage;
	}
	bm_getopt_free(&g);
	r->o.max_size = r->cm.sweep.max;
	r->o.timeout_ms = r->cm.timeout_ms;
	r->o.cm_port = (uint16_t)(r->cm.port + 1);
	return 0;
bad:
	fprintf(stderr, "ib_lat: bad value '%s' for --%s\n", optarg, opt_name(c));
usage:
	bm_getopt_free(&g);
	fprintf(stderr, "Try 'ib_lat --help'.\n");
	return -EINVAL;
}

/* Parameters both sides must agree on (the hello checks them). */
static json_t *params_json(struct run *r)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:I,s:f,s:I,s:I,s:I,s:b,s:I,s:b,s:b}",
			 "test", r->tr->name, "mode", r->o.bw ? "bw" : "lat",
			 "conn", r->o.conn == LAT_CONN_RDMACM ? "rdma_cm" : "oob",
			 "size_min", (json_int_t)r->cm.sweep.min,
			 "size_max", (json_int_t)r->cm.sweep.max,
			 "step_factor", r->cm.sweep.factor,
			 "step_bytes", (json_int_t)r->cm.sweep.incr,
			 "iters", (json_int_t)r->cm.iters,
			 "warmup", (json_int_t)r->cm.warmup,
			 "compare", r->compare,
			 "window", (json_int_t)(r->o.bw ? r->o.window : 0),
			 "check", r->o.check,
			 "busy_poll", r->o.busy_poll);
}

/* Pin near the RDMA device, or for TCP near the netdev the bootstrap
 * connection leaves from. */
static void pin_near(struct run *r, struct lat_ctx *c, char *pin, size_t len)
{
	char bus[32] = "", ifname[64] = "", ip[96], what[192];

	if (c->dev_name[0]) {
		snprintf(bus, sizeof(bus), "%s", c->dev_pci);
		snprintf(what, sizeof(what), "%s", c->dev_name);
	} else {
		lat_host_of(bm_oob_local_addr(c->oob, c->server ? 1 : 0), ip,
			    sizeof(ip));
		diag_pci_of_ip(ip, bus, sizeof(bus), ifname, sizeof(ifname));
		snprintf(what, sizeof(what), "%s (%s)", ifname[0] ? ifname :
			 "the netdev", ip);
	}
	diag_pin_near(r->o.cpu, bus, what, pin, len);
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	struct lat_ctx c = { 0 };
	struct bm_out_cfg ocfg;
	struct bm_oob_cfg ocf;
	struct sigaction sa = { .sa_handler = on_signal };
	bool devices = false;
	char *ptext = NULL, pin[256];
	double *p50_rdma = NULL, *p50_tcp = NULL;
	json_t *params;
	long served = 0;
	int ret, ex, first_ex = 0;

	bm_log_init("ib_lat", -1);
	if (parse(&r, argc, argv, &devices))
		return BM_EXIT_USAGE;
	if (r.cm.quiet)
		bm_log_set_level(BM_LOG_WARN);
	if (devices)
		return lat_devices_report(stdout, r.cm.json_path);
	if (!r.tr->built) {
		BM_ERR("transport '%s' %s", r.tr->name, r.tr->not_built);
		return BM_EXIT_UNAVAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	c.o = &r.o;
	c.server = !r.o.host;
	/* Open the device before anything else: no device -> 77 at once. */
	if (r.tr->open) {
		ret = r.tr->open(&c);
		if (ret)
			return open_exit_of(ret);
	}

	ocfg = (struct bm_out_cfg){ .json_path = c.server ? NULL : r.cm.json_path,
				    .csv_path = c.server ? NULL : r.cm.csv_path,
				    .quiet = r.cm.quiet };
	ret = bm_out_open(&ocfg, "ib_lat", argc, argv, &r.out);
	if (ret) {
		ex = BM_EXIT_USAGE;
		goto out_close_tr;
	}
	params = params_json(&r);
	ptext = bm_params_text(params);
	json_object_update(bm_out_params(r.out), params);
	json_decref(params);
	bm_out_param(r.out, "device", json_string(c.dev_name));
	bm_out_param(r.out, "gid_index", json_integer(r.o.gid_index));
	bm_out_param(r.out, "inline_size", json_integer(r.o.inline_size));
	bm_out_param(r.out, "events", json_boolean(r.o.events));
	bm_out_meta(r.out, "latency_convention",
		    json_string("one-way = RTT/2 for write/send/tcp; full "
				"round trip for read (perftest convention)"));

	ocf = (struct bm_oob_cfg){ .rank = c.server ? 0 : 1, .nranks = 2,
				   .host = r.o.host, .bind = r.cm.bind,
				   .port = r.cm.port,
				   .timeout_ms = r.cm.timeout_ms,
				   /* A server waits for its client as long
				    * as it takes (perftest does); a client
				    * that connects must then keep time. */
				   .wait_ms = c.server ? -1 : 0,
				   .tool = "ib_lat", .params = ptext };
next_client:
	if (c.server && !r.cm.quiet)
		fprintf(stderr, "ib_lat: server waiting on %s port %u (%s)\n",
			r.cm.bind ? r.cm.bind : "every address", r.cm.port,
			r.tr->name);
	ret = bm_oob_open(&ocf, &c.oob);
	if (ret) {
		if (!lat_stop)
			BM_ERR("bootstrap with %s port %u failed: %s",
			       r.o.host ? r.o.host : "client", r.cm.port,
			       ret == BM_OOB_EMISMATCH ?
			       "parameters differ (see above)" :
			       ret == BM_OOB_EBUSY ? "the server is busy" :
			       strerror(-ret));
		ex = lat_stop ? BM_EXIT_FAIL : bm_exit_of(ret);
		if (c.server && !lat_stop && ex == BM_EXIT_FAIL &&
		    (!r.clients || served + 1 < r.clients))
			goto next_run;	/* a bad client does not end --clients */
		goto out_close_out;
	}
	pin_near(&r, &c, pin, sizeof(pin));
	bm_out_meta(r.out, "pinning", json_string(pin));
	/* A full round trip is not TCP's one-way: say both (--compare). */
	bm_out_comment(r.out, "ib_lat %s, %s, %s; latency %s%s "
		       "(perftest convention); %llu iterations after %llu "
		       "warm-up", r.tr->name, c.server ? "server" : "client",
		       pin, r.tr->lat_words, r.tr->lat_scale !=
		       lat_tcp_ops.lat_scale ? "; tcp one-way = RTT/2" : "",
		       (unsigned long long)r.cm.iters,
		       (unsigned long long)r.cm.warmup);
	if (r.compare) {
		size_t n = bm_sweep_count(&r.cm.sweep);

		p50_rdma = calloc(n, sizeof(double));
		p50_tcp = calloc(n, sizeof(double));
	}
	ret = run_transport(&r, r.tr, &c, p50_rdma);
	if (!ret && r.compare)
		ret = run_transport(&r, &lat_tcp_ops, &c, p50_tcp);
	if (!ret && r.compare && !c.server) {
		json_t *arr = json_array();
		size_t size, k = 0;

		bm_out_comment(r.out, "compare (one-way p50, us): %9s %12s "
			       "%12s %10s", "bytes", r.tr->name, "tcp",
			       "tcp/rdma");
		for (size = r.cm.sweep.min; size;
		     size = bm_sweep_next(&r.cm.sweep, size), k++) {
			bm_out_comment(r.out, "compare (one-way p50, us): %9zu "
				       "%12.2f %12.2f %10.2f", size, p50_rdma[k],
				       p50_tcp[k], p50_tcp[k] / p50_rdma[k]);
			json_array_append_new(arr, json_pack(
				"{s:I,s:f,s:f,s:f}", "size", (json_int_t)size,
				"rdma_lat_us_p50", p50_rdma[k],
				"tcp_lat_us_p50", p50_tcp[k],
				"tcp_over_rdma", p50_tcp[k] / p50_rdma[k]));
		}
		bm_out_summary(r.out, "compare", arr);
	}
	if (!ret && c.wrong) {
		BM_ERR("data check: %llu wrong payloads",
		       (unsigned long long)c.wrong);
		bm_out_summary(r.out, "wrong", json_integer((json_int_t)c.wrong));
		ex = BM_EXIT_FAIL;
	} else {
		if (ret == -EINTR || lat_stop)
			BM_ERR("interrupted: torn down cleanly");
		else if (ret)
			BM_ERR("run failed: %s", strerror(-ret));
		ex = ret ? BM_EXIT_FAIL : BM_EXIT_OK;
	}
	bm_oob_close(c.oob);
	c.oob = NULL;
	c.priv = NULL;
	free(p50_rdma);
	free(p50_tcp);
	p50_rdma = p50_tcp = NULL;
next_run:
	if (ex && !first_ex)
		first_ex = ex;
	if (c.server && !lat_stop && (!r.clients || ++served < r.clients)) {
		c.wrong = 0;
		ret = r.tr->open && !c.priv ? r.tr->open(&c) : 0;
		if (!ret)
			goto next_client;
		ex = open_exit_of(ret);
		goto out_close_out;
	}
	ex = first_ex;
	ret = bm_out_close(r.out, ex ? (bm_log_last_error() ?
				       bm_log_last_error() : "failed") : NULL);
	if (ret && !ex)
		ex = bm_exit_of(ret);
	free(ptext);
	return ex;

out_close_out:
	if (!ex)
		ex = first_ex;
	bm_out_close(r.out, bm_log_last_error() ? bm_log_last_error() : "failed");
out_close_tr:
	free(ptext);
	if (r.tr->teardown)
		r.tr->teardown(&c);
	return ex;
}
