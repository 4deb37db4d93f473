// SPDX-License-Identifier: MIT
/*
 * netroof: the suite's front door. One subcommand today:
 *
 *   netroof check                 this node waits for the other one
 *   netroof check HOST [--model M] [--ctx C]
 *                                 this node connects to HOST; together they
 *                                 diagnose both nodes, measure the link
 *                                 (RDMA and TCP latency at the sizes decode
 *                                 sends, bandwidth, NCCL where both have a
 *                                 GPU), predict tok/s per mode with sim, and
 *                                 print a verdict; both write the same report
 *
 * Under a launcher (Slurm srun -N k, Open MPI, torchrun's RANK/WORLD_SIZE,
 * NETROOF_RANK/NETROOF_NRANKS; common/launch) every node runs `netroof
 * check` and the pairs of every two nodes are tested, round by round.
 * See check.h for how it works.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "front.h"

enum {
	KEY_MODEL = BM_KEY_TOOL,
	KEY_CTX,
	KEY_OUT,
	KEY_ITERS,
	KEY_BUDGET,
	KEY_SKIP,
	KEY_STRICT,
	KEY_PRINT_LAUNCH,
};

static const struct bm_opt tab[] = {
	{ "model", 'm', "M", "model for the decode sizes and the prediction "
	  "(default " CHK_MODEL_DEFAULT ", the reference report's)" },
	{ "ctx", 'c', "C", "context tokens already in the KV cache (default 0)" },
	{ "out", 'o', "DIR", "report directory (default netroof-check-HOST-"
	  "UTCTIME; never an existing one)" },
	{ "iters", KEY_ITERS, "N", "most timed iterations per latency size "
	  "(default 1000)" },
	{ "budget", KEY_BUDGET, "SEC", "seconds one measurement aims at; "
	  "iterations follow the link's speed (default 2)" },
	{ "skip", KEY_SKIP, "LIST", "leave out steps: rdma, tcp, bw, nccl, "
	  "predict (comma-separated)" },
	{ "strict", KEY_STRICT, NULL, "exit 1 on a WARN too" },
	{ "print-launch", KEY_PRINT_LAUNCH, NULL, "print the rank, size and "
	  "rank 0's address as resolved from the launcher, and exit" },
	{ "port", 'p', "PORT", "bootstrap TCP port (default 18520; the tools "
	  "use the ports above it)" },
	{ "bind", BM_KEY_BIND, "ADDR", "address to listen on / connect from" },
	{ "timeout", BM_KEY_TIMEOUT, "SEC", "a node silent this long has "
	  "failed (default 30)" },
	{ "quiet", 'q', NULL, "no progress lines" },
	{ "version", 'V', NULL, "print version and build features" },
	{ "help", 'h', NULL, "this help" },
	BM_OPT_END,
};

static void usage(FILE *f)
{
	bm_usage(f, "netroof", "check [HOST] [options]",
		 "Check the link between GPU nodes, from bare boxes to a verdict "
		 "and a tok/s prediction.", tab,
		 "Two nodes: run `netroof check` on one (it waits) and\n"
		 "`netroof check HOST` on the other; both print the verdict and\n"
		 "write the same report (report.json, report.md, report.html).\n"
		 "More nodes: run it on every node under srun -N k, mpirun\n"
		 "or torchrun's variables; every pair is tested, the matrix\n"
		 "shown. Tools (ib_lat, nccl_coll, sim) are found next to\n"
		 "netroof.\n\n"
		 "Exit status: 0 no check failed (warnings listed with their\n"
		 "fix), 1 a check failed (--strict: or warned) or the run\n"
		 "failed, 2 usage, 77 nothing could be measured.\n");
}

static int parse_skip(const char *s, unsigned *skip)
{
	char bad[128];

	if (!chk_skip_parse(s, skip, bad, sizeof(bad)))
		return 0;
	fprintf(stderr, "netroof: --skip: unknown step '%s' (rdma, tcp, bw, "
		"nccl, predict)\n", bad);
	return -EINVAL;
}

static int parse(int argc, char **argv, struct chk_opts *o,
		 struct bm_common *cm, bool *print_launch)
{
	struct bm_getopt g;
	double d;
	long l;
	int c, ret = 0;

	if (bm_getopt_init(&g, tab))
		return -ENOMEM;
	while ((c = bm_getopt_next(&g, argc, argv)) != -1) {
		ret = bm_common_opt(cm, c, optarg);
		if (ret > 0)
			continue;
		if (ret < 0)
			goto out;
		ret = -EINVAL;
		switch (c) {
		case 'm':
			if (strlen(optarg) >= sizeof(o->p.model))
				goto bad;
			snprintf(o->p.model, sizeof(o->p.model), "%s", optarg);
			o->p.given |= CHK_P_MODEL;
			break;
		case 'c':
			if (bm_parse_int(optarg, 0, 10000000, &l))
				goto bad;
			o->p.ctx = l;
			o->p.given |= CHK_P_CTX;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case KEY_ITERS:
			if (bm_parse_int(optarg, 20, 10000000, &l))
				goto bad;
			o->p.iters = (uint64_t)l;
			o->p.given |= CHK_P_ITERS;
			break;
		case KEY_BUDGET:
			if (bm_parse_double(optarg, &d) || !(d > 0 && d <= 3600))
				goto bad;
			o->p.budget_s = d;
			o->p.given |= CHK_P_BUDGET;
			break;
		case KEY_SKIP:
			if (parse_skip(optarg, &o->p.skip))
				goto out;
			o->p.given |= CHK_P_SKIP;
			break;
		case KEY_STRICT:
			o->p.strict = true;
			o->p.given |= CHK_P_STRICT;
			break;
		case KEY_PRINT_LAUNCH:
			*print_launch = true;
			break;
		default:
			goto out;
		}
		ret = 0;
	}
	ret = 0;
	if (optind < argc)
		o->host = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "netroof check: unexpected argument '%s'\n",
			argv[optind]);
		ret = -EINVAL;
	}
	goto out;
bad:
	fprintf(stderr, "netroof check: bad value '%s' for --%s\n", optarg,
		c == 'm' ? "model" : c == 'c' ? "ctx" : c == KEY_ITERS ?
		"iters (20 or more)" : "budget");
out:
	bm_getopt_free(&g);
	return ret;
}

/* Two nodes by hand, or k under a launcher (common/launch). */
static int resolve(struct chk_opts *o)
{
	struct bm_launch l;
	int ret;

	/* Under Slurm, rank 0's address comes from bm_launch_resolve(),
	 * which takes SLURM_NODELIST's first host (bm_hostlist_nth). */
	ret = bm_launch_resolve(-1, -1, NULL, o->port, NULL, &l);
	if (ret)
		return ret;
	if (l.nranks > 1) {
		static char host[sizeof(l.host)];

		if (o->host) {
			BM_ERR("a HOST argument and a launcher (%s, %d ranks) "
			       "both say who to connect to: give one", l.source,
			       l.nranks);
			return -EINVAL;
		}
		if (l.nranks > CHK_MAX_NODES) {
			BM_ERR("%d ranks: at most %d nodes", l.nranks,
			       CHK_MAX_NODES);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%s", l.host);
		o->rank = l.rank;
		o->nranks = l.nranks;
		o->host = l.rank ? host : NULL;
		o->port = l.port;
		o->launch_source = l.source;
		return 0;
	}
	o->nranks = 2;
	o->rank = o->host ? 1 : 0;
	return 0;
}

/* netroof render REPORT.json DIR: the report files again from a
 * report.json, its checks judged again by this version (after an
 * upgrade, or to look at another node's). */
static int render(int argc, char **argv)
{
	char dir[4096];
	json_error_t e;
	json_t *rep;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "Usage: netroof render REPORT.json DIR\n");
		return BM_EXIT_USAGE;
	}
	rep = json_load_file(argv[2], 0, &e);
	if (!json_is_object(rep)) {
		fprintf(stderr, "netroof render: %s: %s\n", argv[2], e.text);
		json_decref(rep);
		return BM_EXIT_USAGE;
	}
	/* the checks again, as this version judges the measurements */
	if (json_is_array(json_object_get(rep, "nodes")) &&
	    json_is_array(json_object_get(rep, "steps"))) {
		int ex;

		json_object_set_new(rep, "checks", chk_verdict(rep,
			json_is_true(json_object_get(json_object_get(rep,
			"params"), "strict")), &ex));
	}
	ret = chk_outdir_make(argv[3], dir, sizeof(dir));
	if (!ret)
		ret = chk_report_write(dir, rep);
	json_decref(rep);
	return bm_exit_of(ret);
}

int main(int argc, char **argv)
{
	struct bm_common cm = BM_COMMON_INIT(2, 2, 1000, 0, CHK_DEFAULT_PORT);
	struct chk_opts o = {
		.p = { .model = CHK_MODEL_DEFAULT, .iters = 1000,
		       .budget_s = 2.0 },
		.argc = argc, .argv = argv,
	};
	bool print_launch = false;
	int ret;

	bm_log_init("netroof", -1);
	cm.timeout_ms = 30000;
	if (argc >= 2 && !strcmp(argv[1], "render"))
		return render(argc, argv);
	if (argc < 2 || (strcmp(argv[1], "check") && argv[1][0] != '-')) {
		if (argc >= 2)
			fprintf(stderr, "netroof: unknown command '%s' (check, "
				"render)\n",
				argv[1]);
		usage(stderr);
		return BM_EXIT_USAGE;
	}
	if (argv[1][0] != '-') {	/* "check" */
		argc--;
		argv++;
	}
	ret = parse(argc, argv, &o, &cm, &print_launch);
	ret = bm_front("netroof", ret, &cm, usage);
	if (ret >= 0)
		return ret;
	o.port = cm.port;
	o.bind = cm.bind;
	o.timeout_ms = cm.timeout_ms;
	o.quiet = cm.quiet;
	ret = resolve(&o);
	if (ret)
		return bm_exit_of(ret);
	if (print_launch) {
		printf("rank %d of %d, rank 0 at %s port %u (from %s)\n", o.rank,
		       o.nranks, o.host ? o.host : "this node", o.port,
		       o.launch_source ? o.launch_source : o.host ?
		       "the HOST argument" : "no HOST: this node waits");
		return 0;
	}
	bm_log_init("netroof", o.rank);
	return chk_main(&o);
}
