// SPDX-License-Identifier: MIT
/* nccl_rt's options, --print-launch and --local N (see nrt_opts.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nrt_mps.h"
#include "nrt_opts.h"
#include "spawn.h"

const char *nrt_net_name(enum nrt_net n)
{
	switch (n) {
	case NRT_NET_IB:
		return "ib";
	case NRT_NET_SOCKET:
		return "socket";
	default:
		return "auto";
	}
}

const char *nrt_net_nccl_name(enum nrt_net n)
{
	switch (n) {
	case NRT_NET_IB:
		return "IB";
	case NRT_NET_SOCKET:
		return "Socket";
	default:
		return NULL;
	}
}

int nrt_opt(struct nrt_opts *o, int key, const char *arg)
{
	long v;

	switch (key) {
	case NRT_KEY_RANK:
		if (bm_parse_int(arg, 0, 65534, &v))
			goto bad;
		o->rank = (int)v;
		return 1;
	case NRT_KEY_NRANKS:
		if (bm_parse_int(arg, 1, 65535, &v))
			goto bad;
		o->nranks = (int)v;
		return 1;
	case NRT_KEY_PEER:
		o->peer = arg;
		return 1;
	case NRT_KEY_LOCAL:
		if (bm_parse_int(arg, 1, 64, &v))
			goto bad;
		o->local = (int)v;
		return 1;
	case NRT_KEY_LOCAL_HOSTS:
		if (bm_parse_int(arg, 2, 64, &v))
			goto bad;
		o->local_hosts = (int)v;
		return 1;
	case NRT_KEY_ALLOW_TIME_SLICED:
		o->allow_time_sliced = true;
		return 1;
	case NRT_KEY_NET:
		if (!strcmp(arg, "ib") || !strcmp(arg, "roce"))
			o->net = NRT_NET_IB;
		else if (!strcmp(arg, "socket") || !strcmp(arg, "tcp"))
			o->net = NRT_NET_SOCKET;
		else if (!strcmp(arg, "auto"))
			o->net = NRT_NET_AUTO;
		else
			goto bad;
		return 1;
	case NRT_KEY_IB_HCA:
		o->ib_hca = arg;
		return 1;
	case NRT_KEY_IB_GID:
		if (bm_parse_int(arg, 0, 255, &v))
			goto bad;
		o->ib_gid = (int)v;
		return 1;
	case NRT_KEY_SOCKET_IFNAME:
		o->socket_ifname = arg;
		return 1;
	case NRT_KEY_DEVICE:
		if (bm_parse_int(arg, 0, 1023, &v))
			goto bad;
		o->device = (int)v;
		return 1;
	case NRT_KEY_PRINT_LAUNCH:
		o->print_launch = true;
		return 1;
	case NRT_KEY_ALLOW_FALLBACK:
		o->allow_fallback = true;
		return 1;
	case NRT_KEY_NCCL_COLL_LOG:
		o->coll_log = true;
		return 1;
	default:
		return 0;
	}
bad:
	BM_ERR("bad value '%s' for an NCCL runtime option", arg ? arg : "");
	return -EINVAL;
}

void nrt_opts_from_common(struct nrt_opts *o, const struct bm_common *c)
{
	if (c->port)
		o->port = c->port;
	o->bind = c->bind;
	if (c->timeout_ms > 0)
		o->timeout_ms = c->timeout_ms;
}

int nrt_parse_opts(const struct bm_opt *tab, int argc, char **argv,
		   struct bm_common *com, struct nrt_opts *o,
		   int (*tool_opt)(void *ctx, int key, const char *arg),
		   void *ctx)
{
	struct bm_getopt g;
	int c, ret = 0;

	if (bm_getopt_init(&g, tab))
		return -ENOMEM;
	while (!ret && (c = bm_getopt_next(&g, argc, argv)) != -1) {
		ret = bm_common_opt(com, c, optarg);
		if (!ret)
			ret = nrt_opt(o, c, optarg);
		if (!ret)
			ret = tool_opt(ctx, c, optarg);
		else if (ret > 0)
			ret = 0;
	}
	if (!ret && optind < argc) {
		BM_ERR("unexpected argument '%s'", argv[optind]);
		ret = -EINVAL;
	}
	bm_getopt_free(&g);
	if (!ret)
		ret = bm_common_check(com);
	nrt_opts_from_common(o, com);
	return ret;
}

int nrt_print_launch(const struct nrt_opts *o, FILE *f)
{
	struct bm_launch l;
	int ret;

	ret = bm_launch_resolve(o->rank, o->nranks, o->peer, o->port, NULL, &l);
	if (ret)
		return ret;
	fprintf(f, "rank=%d nranks=%d local_rank=%d peer=%s:%u source=%s "
		"net=%s\n", l.rank, l.nranks, l.local_rank,
		l.host[0] ? l.host : (l.nranks > 1 ? "0.0.0.0" : "-"),
		(unsigned)l.port, l.source, nrt_net_name(o->net));
	return 0;
}

/* --local-hosts, in each forked rank before it returns to the tool: its
 * own host to NCCL (nrt_mps.h). */
static int local_host_env(int rank, void *arg)
{
	const struct nrt_opts *o = arg;
	char id[64];

	nrt_local_host_id(rank, id, sizeof(id));
	setenv("NCCL_HOSTID", id, 1);
	setenv("NCCL_NVLS_ENABLE", "0", 1);
	if (!o->socket_ifname)
		setenv("NCCL_SOCKET_IFNAME", "lo", 0);
	return 0;
}

/* --local-hosts in the parent: refuse without an MPS pipe directory, say
 * what the ranks' environment replaces, default --net and --device. 0, or
 * the exit status. */
static int local_hosts_setup(struct nrt_opts *o)
{
	const char *id = getenv("NCCL_HOSTID");
	const char *nvls = getenv("NCCL_NVLS_ENABLE");
	struct nrt_mps m;

	nrt_mps_probe(&m);
	if (!m.dir_exists && !o->allow_time_sliced) {
		nrt_mps_howto(stderr, o->tool ? o->tool : "netroof",
			      o->local_hosts, &m);
		return BM_EXIT_UNAVAIL;
	}
	if (id)
		BM_WARN("NCCL_HOSTID=%s replaced: --local-hosts gives each "
			"rank its own", id);
	if (nvls && strcmp(nvls, "0"))
		BM_WARN("NCCL_NVLS_ENABLE=%s replaced by 0 for --local-hosts",
			nvls);
	if (o->net == NRT_NET_AUTO)
		o->net = NRT_NET_SOCKET; /* loopback TCP, as documented */
	if (o->device < 0)
		o->device = 0;		 /* one GPU for every rank */
	return 0;
}

int nrt_launch(struct nrt_opts *o, int *exit_code_p)
{
	static char peer[64];	/* o->peer points here in the children */
	struct bm_spawn_cfg cfg;
	uint16_t port;
	int ret, rank, n;

	if (o->forked || (o->local <= 0 && o->local_hosts <= 0))
		return 0;
	if (o->local > 0 && o->local_hosts > 0) {
		BM_ERR("--local (one rank per GPU) or --local-hosts (ranks "
		       "sharing one GPU): one of them");
		*exit_code_p = BM_EXIT_USAGE;
		return 1;
	}
	if (o->rank >= 0 || o->nranks > 0 || o->peer) {
		BM_ERR("--local%s forks its own ranks: drop "
		       "--rank/--nranks/--peer",
		       o->local_hosts ? "-hosts" : "");
		*exit_code_p = BM_EXIT_USAGE;
		return 1;
	}
	n = o->local > 0 ? o->local : o->local_hosts;
	if (o->local_hosts && (*exit_code_p = local_hosts_setup(o)))
		return 1;
	port = o->port != BM_OOB_DEFAULT_PORT ? o->port : bm_free_port();
	if (!port)
		port = BM_OOB_DEFAULT_PORT;
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port);
	cfg = (struct bm_spawn_cfg){
		.n = n,
		/* the survivors of a failed rank end at their own timeout */
		.grace_ms = o->timeout_ms + 5000,
		.child_setup = o->local_hosts ? local_host_env : NULL,
		.arg = o,
	};
	ret = bm_spawn_local(&cfg, &rank, exit_code_p);
	if (ret < 0) {
		*exit_code_p = bm_exit_of(ret);
		return 1;
	}
	if (ret > 0)
		return 1;	/* the parent: every child has ended */
	o->rank = rank;
	o->nranks = n;
	o->peer = peer;
	o->port = port;
	o->local = 0;
	o->forked = true;
	return 0;
}

int nrt_not_built(struct nrt_opts *o, const char *tool, const char *hint)
{
	int code;

	o->tool = tool;
	if (nrt_front(o, &code))
		return code;
	fprintf(stderr, "%s: built without CUDA/NCCL (configure with "
		"-Dcuda=enabled -Dnccl=enabled)%s%s: skipping (exit 77)\n",
		tool, hint ? "; " : "", hint ? hint : "");
	return BM_EXIT_UNAVAIL;
}

int nrt_front(struct nrt_opts *o, int *exit_p)
{
	if (o->print_launch) {
		*exit_p = nrt_print_launch(o, stdout) ? BM_EXIT_USAGE :
							BM_EXIT_OK;
		return 1;
	}
	return nrt_launch(o, exit_p);
}
