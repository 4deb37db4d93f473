// SPDX-License-Identifier: MIT
/*
 * nccl_rt: launch, bootstrap, network selection and proof, timing helpers
 * for the NCCL tools. The API and its contract are in nccl_rt.h.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "nccl_rt.h"

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

/* ---- --local N ---- */

/* A free TCP port on loopback: bind port 0, read it, close. Racy in
 * principle; the children retry connects until the deadline anyway. */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	uint16_t port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return 0;
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &al))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int nrt_launch(struct nrt_opts *o, int *exit_code_p)
{
	static char peer[64];
	pid_t pids[64];
	int i, n = o->local, worst = 0, alive, status;
	uint64_t kill_at = 0;
	uint16_t port;

	if (n <= 0)
		return 0;
	if (o->rank >= 0 || o->nranks > 0 || o->peer) {
		BM_ERR("--local forks its own ranks: drop --rank/--nranks/--peer");
		*exit_code_p = BM_EXIT_USAGE;
		return 1;
	}
	port = o->port != BM_OOB_DEFAULT_PORT ? o->port : free_port();
	if (!port)
		port = BM_OOB_DEFAULT_PORT;
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", port);
	fflush(NULL);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			BM_ERR("fork: %s", strerror(errno));
			n = i;
			worst = BM_EXIT_FAIL;
			kill_at = 1;
			break;
		}
		if (p == 0) {
			char lr[16];

			snprintf(lr, sizeof(lr), "%d", i);
			setenv("LOCAL_RANK", lr, 1);
			o->rank = i;
			o->nranks = o->local;
			o->peer = peer;
			o->port = port;
			o->local = 0;
			return 0;
		}
		pids[i] = p;
	}
	alive = n;
	while (alive > 0) {
		pid_t p = waitpid(-1, &status, kill_at ? WNOHANG : 0);
		int code;

		if (p == 0) {	/* WNOHANG and nobody done yet */
			if (bm_now_ns() >= kill_at) {
				for (i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGTERM);
				kill_at = UINT64_MAX;
			}
			usleep(50000);
			continue;
		}
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++)
			if (pids[i] == p)
				pids[i] = -1;
		alive--;
		if (WIFEXITED(status))
			code = WEXITSTATUS(status);
		else {
			BM_ERR("local rank (pid %d) killed by signal %d", (int)p,
			       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			code = BM_EXIT_FAIL;
		}
		/* 77 (skip) only if no rank failed; any failure wins */
		if (code == BM_EXIT_UNAVAIL && worst == 0)
			worst = code;
		else if (code != 0 && code != BM_EXIT_UNAVAIL &&
			 (worst == 0 || worst == BM_EXIT_UNAVAIL))
			worst = code;
		if (code != 0 && code != BM_EXIT_UNAVAIL && !kill_at)
			/* the survivors will time out; give them that long */
			kill_at = bm_now_ns() +
				  (uint64_t)(o->timeout_ms + 5000) * 1000000ull;
	}
	*exit_code_p = worst;
	return 1;
}

/* ---- bootstrap ---- */

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

int nrt_bootstrap(struct nrt_ctx *c, const struct nrt_opts *o)
{
	struct bm_oob_cfg cfg;
	int ret;

	memset(c, 0, sizeof(*c));
	c->o = *o;
	c->device = -1;
	ret = bm_launch_resolve(o->rank, o->nranks, o->peer, o->port, NULL,
				&c->launch);
	if (ret)
		return ret;
	c->rank = c->launch.rank;
	c->nranks = c->launch.nranks;
	bm_log_init(o->tool ? o->tool : "nccl_rt", c->nranks > 1 ? c->rank : -1);
	if (c->nranks == 1)
		return 0;
	cfg = (struct bm_oob_cfg){
		.rank = c->rank,
		.nranks = c->nranks,
		.host = c->launch.host,
		.bind = o->bind,
		.port = c->launch.port,
		.timeout_ms = o->timeout_ms,
		.tool = o->tool ? o->tool : "nccl_rt",
		.params = o->params ? o->params : "",
	};
	ret = bm_oob_open(&cfg, &c->oob);
	if (ret) {
		if (ret == BM_OOB_EMISMATCH)
			BM_ERR("ranks were started with different parameters; "
			       "refusing to run");
		else
			BM_ERR("bootstrap (rank %d of %d, rank 0 at %s:%u, "
			       "from %s) failed: %s", c->rank, c->nranks,
			       c->launch.host[0] ? c->launch.host : "*",
			       (unsigned)c->launch.port, c->launch.source,
			       strerror(-ret));
		c->oob = NULL;
		return ret;
	}
	return 0;
}

int nrt_bcast(struct nrt_ctx *c, void *buf, size_t len)
{
	if (!c->oob)
		return 0;
	return bm_oob_bcast(c->oob, buf, len);
}

int nrt_barrier(struct nrt_ctx *c)
{
	return c->oob ? bm_oob_barrier(c->oob) : 0;
}

int nrt_allgather(struct nrt_ctx *c, const void *mine, void *all, size_t len)
{
	if (!c->oob) {
		memmove(all, mine, len);
		return 0;
	}
	return bm_oob_allgather(c->oob, mine, all, len);
}

int nrt_sum_u64(struct nrt_ctx *c, uint64_t *v_p)
{
	uint64_t *all, sum = 0;
	int r, ret;

	if (!c->oob)
		return 0;
	all = calloc((size_t)c->nranks, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = bm_oob_allgather(c->oob, v_p, all, sizeof(*all));
	for (r = 0; !ret && r < c->nranks; r++)
		sum += all[r];
	free(all);
	if (!ret)
		*v_p = sum;
	return ret;
}

/* ---- the data check ---- */

const char *nrt_check_verdict(const struct nrt_check *c, const char *err,
			      char *why, size_t len)
{
	why[0] = '\0';
	if (c->wrong) {
		snprintf(why, len, "%" PRIu64 " wrong element(s) in %" PRIu64
			 " of %" PRIu64 " checks", c->wrong, c->done,
			 c->planned);
		return "FAILED";
	}
	if (!c->done) {
		if (!c->planned && c->none_why)
			snprintf(why, len, "%s", c->none_why);
		else if (err)
			snprintf(why, len, "stopped before the first check: %s",
				 err);
		else
			snprintf(why, len, "this run makes no data check");
		return "not run";
	}
	if (c->done != c->planned) {
		snprintf(why, len, "%" PRIu64 " of %" PRIu64 " planned checks "
			 "made, no wrong element in those; %s%s", c->done,
			 c->planned, err ? "stopped: " : "", err ? err :
			 "the plan and the run disagree");
		return "FAILED";
	}
	return "passed";
}

const char *nrt_check_summary(const struct nrt_check *c, const char *err,
			      struct bm_out *out)
{
	char why[512];
	const char *v = nrt_check_verdict(c, err, why, sizeof(why));

	bm_out_summary(out, "wrong_total", json_integer((json_int_t)c->wrong));
	bm_out_summary(out, "data_check", json_string(v));
	if (why[0])
		bm_out_summary(out, "data_check_why", json_string(why));
	bm_out_summary(out, "checks_planned",
		       json_integer((json_int_t)c->planned));
	bm_out_summary(out, "checks_done", json_integer((json_int_t)c->done));
	return v;
}

/* ---- NCCL environment ---- */

static void env_default(const char *k, const char *v)
{
	setenv(k, v, 0);
}

static void env_force(struct nrt_ctx *c, const char *k, const char *v)
{
	const char *old = getenv(k);

	if (old && strcmp(old, v))
		BM_WARN("%s=%s in the environment overrides the option's %s",
			k, old, v);
	else
		setenv(k, v, 1);
}

static void setup_env(struct nrt_ctx *c)
{
	const struct nrt_opts *o = &c->o;
	const char *user_file = getenv("NCCL_DEBUG_FILE");
	const char *dbg = getenv("NCCL_DEBUG");
	const char *tmp = getenv("TMPDIR");
	char buf[32];

	if (c->nranks == 1 && o->net != NRT_NET_AUTO)
		BM_INFO("one rank: no network is crossed; --net %s not applied",
			nrt_net_name(o->net));
	else if (o->net == NRT_NET_IB) {
		env_force(c, "NCCL_NET", "IB");
		env_force(c, "NCCL_IB_DISABLE", "0");
	} else if (o->net == NRT_NET_SOCKET) {
		env_force(c, "NCCL_NET", "Socket");
		env_force(c, "NCCL_IB_DISABLE", "1");
	}
	if (o->ib_hca)
		env_force(c, "NCCL_IB_HCA", o->ib_hca);
	if (o->ib_gid >= 0) {
		snprintf(buf, sizeof(buf), "%d", o->ib_gid);
		env_force(c, "NCCL_IB_GID_INDEX", buf);
	}
	if (o->socket_ifname)
		env_force(c, "NCCL_SOCKET_IFNAME", o->socket_ifname);
	env_default("NCCL_RUNTIME_CONNECT", "0");
	/* the proof of path comes from NCCL's own INFO log */
	if (!dbg || (strcasecmp(dbg, "INFO") && strcasecmp(dbg, "TRACE"))) {
		if (dbg)
			BM_WARN("NCCL_DEBUG=%s overridden with INFO to verify "
				"the transport (the log goes to a file)", dbg);
		setenv("NCCL_DEBUG", "INFO", 1);
	}
	/* TUNING and COLL log at every enqueue (a write() per call, read
	 * once per process): only on request, as they slow eager launches */
	env_default("NCCL_DEBUG_SUBSYS", o->coll_log ?
		    "INIT,NET,GRAPH,ENV,TUNING,COLL" : "INIT,NET,GRAPH,ENV");
	if (user_file) {
		/* NCCL expands %h (host) and %p (pid) */
		char host[128] = "", out[512];
		size_t j = 0;
		const char *s;

		gethostname(host, sizeof(host) - 1);
		for (s = user_file; *s && j < sizeof(out) - 1; s++) {
			if (s[0] == '%' && (s[1] == 'h' || s[1] == 'p')) {
				if (s[1] == 'h')
					j += (size_t)snprintf(out + j,
							      sizeof(out) - j,
							      "%s", host);
				else
					j += (size_t)snprintf(out + j,
							      sizeof(out) - j,
							      "%d",
							      (int)getpid());
				s++;
				if (j >= sizeof(out))
					j = sizeof(out) - 1;
			} else {
				out[j++] = *s;
			}
		}
		out[j] = '\0';
		snprintf(c->log_path, sizeof(c->log_path), "%s", out);
	} else {
		snprintf(c->log_path, sizeof(c->log_path),
			 "%s/netroof-nccl.%d.log", tmp ? tmp : "/tmp",
			 (int)getpid());
		unlink(c->log_path);
		setenv("NCCL_DEBUG_FILE", c->log_path, 1);
	}
}

/* ---- proof of path ---- */

/* A "GPU Direct RDMA ... Enabled|Disabled for GPU|HCA ..." line. */
static void parse_gdr_line(const char *line, struct nrt_gdr_log *g)
{
	const char *u = strstr(line, "GPU Direct RDMA"), *net, *from;
	const char *gpu, *hca;
	char word[96];
	bool on, first;
	size_t n;

	if (!u)
		return;
	gpu = strstr(u, " for GPU");
	hca = strstr(u, " for HCA");
	if (!gpu && !hca)
		return;
	/* "Enabled" / "(DMABUF) enabled" / "Disabled": the word before "for" */
	n = (size_t)((gpu ? gpu : hca) - u);
	snprintf(word, sizeof(word), "%.*s", (int)(n < 95 ? n : 95), u);
	on = strcasestr(word, "enabled") != NULL;
	if (gpu) {
		first = g->gpu < 0;
		g->gpu = g->gpu == 1 || on;
	} else {
		first = g->hca < 0;
		g->hca = g->hca == 1 || on;
	}
	/* the line kept: the first per-GPU one, else the first per-HCA one */
	if (gpu ? !first : (!first || g->gpu >= 0))
		return;
	net = strstr(line, "NET/");
	from = net && net < u ? net : u;
	snprintf(g->line, sizeof(g->line), "%s", from);
	g->line[strcspn(g->line, "\n")] = '\0';
}

static void parse_gdr(const char *line, struct nrt_gdr_log *g)
{
	const char *u;

	if (strstr(line, "DMA-BUF is available on GPU device"))
		g->dmabuf = true;
	u = strstr(line, "NCCL_NET_GDR_LEVEL set by environment to ");
	if (u)
		sscanf(u + 41, "%15s", g->level);
	parse_gdr_line(line, g);
}

void nrt_parse_log(FILE *f, int nranks, enum nrt_net asked,
		   struct nrt_path *p)
{
	char line[1024];
	bool ib = false, sock = false, p2p = false, shm = false, other = false;
	int n = 0, maxch = -1;

	memset(p, 0, sizeof(*p));
	p->gdr_log.gpu = p->gdr_log.hca = -1;
	while (fgets(line, sizeof(line), f)) {
		char *v, *u;
		int ch;

		if ((u = strstr(line, "Using network "))) {
			sscanf(u + 14, "%31s", p->net_plugin);
			continue;
		}
		parse_gdr(line, &p->gdr_log);
		v = strstr(line, " via ");
		if (!v || !strstr(line, "Channel"))
			continue;
		if (sscanf(strstr(line, "Channel") + 7, "%d", &ch) == 1 &&
		    ch > maxch)
			maxch = ch;
		v += 5;
		if (!strncmp(v, "NET/IB", 6))
			ib = true;
		else if (!strncmp(v, "NET/Socket", 10))
			sock = true;
		else if (!strncmp(v, "P2P", 3))
			p2p = true;
		else if (!strncmp(v, "SHM", 3))
			shm = true;
		else
			other = true;
		if (!strncmp(v, "NET/", 4)) {
			p->net_seen = true;
			if (strstr(v, "GDRDMA"))
				p->gdr = true;
		}
		if (!n++) {
			snprintf(p->detail, sizeof(p->detail), "%s", v);
			p->detail[strcspn(p->detail, "\n")] = '\0';
		}
	}
	p->nchannels = maxch + 1;
	if (nranks <= 1)
		snprintf(p->transport, sizeof(p->transport),
			 "none/intra-process");
	else if (ib + sock + other > 1 || (ib + sock + other == 0 &&
					   p2p + shm > 1))
		snprintf(p->transport, sizeof(p->transport), "mixed");
	else if (ib)
		snprintf(p->transport, sizeof(p->transport), "ib");
	else if (sock)
		snprintf(p->transport, sizeof(p->transport), "socket");
	else if (other)
		snprintf(p->transport, sizeof(p->transport), "other");
	else if (p2p)
		snprintf(p->transport, sizeof(p->transport), "p2p");
	else if (shm)
		snprintf(p->transport, sizeof(p->transport), "shm");
	else
		snprintf(p->transport, sizeof(p->transport), "unknown");
	if (nranks <= 1 && !p->detail[0])
		snprintf(p->detail, sizeof(p->detail),
			 "one rank: no connection, no network");
	/* asked for a network and the ranks crossed one, but not that one */
	if (nranks > 1 && asked == NRT_NET_IB && !ib &&
	    (sock || !strcasecmp(p->net_plugin, "Socket")))
		p->mismatch = true;
	if (nranks > 1 && asked == NRT_NET_SOCKET && ib)
		p->mismatch = true;
	if (nranks > 1 && asked == NRT_NET_IB && p->net_plugin[0] &&
	    strcasecmp(p->net_plugin, "IB"))
		p->mismatch = true;
}

void nrt_parse_algo(FILE *f, char *algo, size_t alen, char *proto,
		    size_t plen)
{
	static const char *const algos[] = { "Tree", "Ring", "CollNetDirect",
					     "CollNetChain", "NVLS", "NVLSTree",
					     "PAT" };
	static const char *const protos[] = { "LL", "LL128", "Simple" };
	char line[1024], a[32], pr[32];
	int ai, pi;

	snprintf(algo, alen, "unknown");
	snprintf(proto, plen, "unknown");
	while (fgets(line, sizeof(line), f)) {
		char *u = strstr(line, "Best tuning, algorithm, ");

		if (u && sscanf(u + 24, "%31[^,], protocol, %31s", a, pr) == 2) {
			snprintf(algo, alen, "%s", a);
			snprintf(proto, plen, "%s", pr);
			continue;
		}
		u = strstr(line, "Bytes -> Algo ");
		if (u && sscanf(u + 14, "%d proto %d", &ai, &pi) == 2) {
			if (ai >= 0 && ai < 7)
				snprintf(algo, alen, "%s", algos[ai]);
			else
				snprintf(algo, alen, "algo%d", ai);
			if (pi >= 0 && pi < 3)
				snprintf(proto, plen, "%s", protos[pi]);
			else
				snprintf(proto, plen, "proto%d", pi);
		}
	}
}

void nrt_log_algo(struct nrt_ctx *c, char *algo, size_t alen, char *proto,
		  size_t plen)
{
	FILE *f = c->log_path[0] ? fopen(c->log_path, "r") : NULL;

	if (!f) {
		snprintf(algo, alen, "unknown");
		snprintf(proto, plen, "unknown");
		return;
	}
	fseek(f, c->log_off, SEEK_SET);
	nrt_parse_algo(f, algo, alen, proto, plen);
	c->log_off = ftell(f);
	fclose(f);
}

static void verify_path(struct nrt_ctx *c, struct nrt_comm *nc)
{
	FILE *f = fopen(c->log_path, "r");

	if (!f) {
		memset(&nc->path, 0, sizeof(nc->path));
		nc->path.gdr_log.gpu = nc->path.gdr_log.hca = -1;
		snprintf(nc->path.transport, sizeof(nc->path.transport),
			 c->nranks > 1 ? "unknown" : "none/intra-process");
		snprintf(nc->path.detail, sizeof(nc->path.detail),
			 "NCCL log %.200s not readable", c->log_path);
		return;
	}
	fseek(f, c->log_off, SEEK_SET);
	nrt_parse_log(f, c->nranks, nc->net, &nc->path);
	c->log_off = ftell(f);
	fclose(f);
	if (nc->path.mismatch)
		BM_ERR("!!! asked for --net %s but NCCL used '%s' (%s, plugin "
		       "%s): results are NOT %s !!!", nrt_net_name(nc->net),
		       nc->path.transport, nc->path.detail,
		       nc->path.net_plugin[0] ? nc->path.net_plugin : "?",
		       nrt_net_name(nc->net));
	else
		BM_INFO("NCCL path: %s (%s)%s", nc->path.transport,
			nc->path.detail, nc->path.gdr ? " GPUDirect RDMA" : "");
}

/* ---- GPUDirect RDMA, as observed ---- */

int nrt_peermem_loaded(const char *root)
{
	static const char *const sys[] = {
		"/sys/module/nvidia_peermem", "/sys/module/nv_peer_mem",
		"/sys/kernel/mm/memory_peers/nv_mem/version",
	};
	char path[512], line[256];
	bool known = false;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, sys[i]);
		if (!access(path, F_OK))
			return 1;
	}
	snprintf(path, sizeof(path), "%s/sys/module", root);
	known = !access(path, R_OK);	/* sysfs lists every module */
	snprintf(path, sizeof(path), "%s/proc/modules", root);
	f = fopen(path, "r");
	if (f) {
		known = true;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "nvidia_peermem ", 15) ||
			    !strncmp(line, "nv_peer_mem ", 12)) {
				fclose(f);
				return 1;
			}
		fclose(f);
	}
	return known ? 0 : -ENOENT;
}

static json_t *tri(int v, const char *yes, const char *no)
{
	return v < 0 ? json_null() : json_string(v ? yes : no);
}

json_t *nrt_gdr_json(const struct nrt_path *p, int peermem, int gpu_attr)
{
	const struct nrt_gdr_log *g = &p->gdr_log;

	return json_pack(
		"{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
		"nccl_connection_gdrdma",
		p->net_seen ? json_boolean(p->gdr) : json_null(),
		"nccl_gpu_nic", tri(g->gpu, "enabled", "disabled"),
		"nccl_net_plugin", tri(g->hca, "enabled", "disabled"),
		"nccl_dmabuf", g->dmabuf ? json_string("available") :
					   json_null(),
		"nccl_gdr_level_env", g->level[0] ? json_string(g->level) :
						    json_null(),
		"nccl_log_line", g->line[0] ? json_string(g->line) :
					      json_null(),
		"nvidia_peermem", tri(peermem, "loaded", "not loaded"),
		"cuda_gpudirect_rdma_supported",
		gpu_attr < 0 ? json_null() : json_boolean(gpu_attr),
		"note", "observed in this run only; null: not observed (NCCL "
		"logs GPUDirect RDMA lines only when a rank connects over its "
		"network transport)");
}

/* ---- GB10 / RoCE traps, from the environment and /sys ---- */

static void add_warning(struct nrt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_warning(struct nrt_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nwarnings >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(c->warnings[c->nwarnings], sizeof(c->warnings[0]), fmt, ap);
	va_end(ap);
	BM_WARN("%s", c->warnings[c->nwarnings]);
	c->nwarnings++;
}

static int read_sys(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void check_traps(struct nrt_ctx *c)
{
	const char *hca = getenv("NCCL_IB_HCA");
	DIR *d;
	struct dirent *e;
	char path[512], buf[128], buf2[128];
	int nib = 0;

	if (c->o.net == NRT_NET_SOCKET)
		return;
	d = opendir("/sys/class/infiniband");
	if (!d)
		return;
	while ((e = readdir(d))) {
		long mtu = 0;

		if (e->d_name[0] == '.')
			continue;
		nib++;
		/* RoCE MTU is the netdev's, capped by the port's active_mtu */
		snprintf(path, sizeof(path),
			 "/sys/class/infiniband/%s/device/net", e->d_name);
		DIR *nd = opendir(path);
		struct dirent *ne;

		while (nd && (ne = readdir(nd))) {
			if (ne->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/class/net/%s/mtu",
				 ne->d_name);
			if (!read_sys(path, buf, sizeof(buf)))
				mtu = atol(buf);
			if (mtu && mtu < 4200)
				add_warning(c, "%s (%s) MTU %ld: RoCE packets "
					    "carry 1 KiB; set MTU 9000 on both "
					    "nodes", e->d_name, ne->d_name,
					    mtu);
		}
		if (nd)
			closedir(nd);
		snprintf(path, sizeof(path),
			 "/sys/class/infiniband/%s/device/current_link_width",
			 e->d_name);
		snprintf(buf2, sizeof(buf2), "%s", "");
		if (!read_sys(path, buf, sizeof(buf))) {
			snprintf(path, sizeof(path), "/sys/class/infiniband/"
				 "%s/device/max_link_width", e->d_name);
			if (!read_sys(path, buf2, sizeof(buf2)) &&
			    atoi(buf) < atoi(buf2))
				add_warning(c, "%s: PCIe link x%s of x%s "
					    "(degraded link)", e->d_name, buf,
					    buf2);
		}
	}
	closedir(d);
	/* GB10: each QSFP port = two RDMA devices, one per PCIe x4 half */
	if (hca && nib >= 2 && !strchr(hca, ','))
		add_warning(c, "NCCL_IB_HCA=%s lists one device of %d: on GB10 "
			    "each port is two PCIe halves; list both for full "
			    "bandwidth", hca, nib);
	if (nib && !getenv("NCCL_IB_GID_INDEX"))
		add_warning(c, "NCCL_IB_GID_INDEX not set: on RoCE check that "
			    "NCCL picked the RoCE v2 IPv4 GID (show_gids)");
}

/* ---- communicators ---- */

static int wait_comm(struct nrt_ctx *c, ncclComm_t comm, int timeout_ms,
		     const char *what)
{
	uint64_t deadline = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	ncclResult_t st;

	for (;;) {
		if (ncclCommGetAsyncError(comm, &st) != ncclSuccess)
			st = ncclInternalError;
		if (st == ncclSuccess)
			return 0;
		if (st != ncclInProgress) {
			BM_ERR("%s: %s (%s)", what, ncclGetErrorString(st),
			       ncclGetLastError(comm));
			return -EIO;
		}
		if (bm_now_ns() > deadline) {
			BM_ERR("%s: no progress after %d ms (a peer missing or "
			       "dead?); aborting the communicator", what,
			       timeout_ms);
			return -ETIMEDOUT;
		}
		usleep(1000);
	}
}

int nrt_call_done(ncclComm_t comm, ncclResult_t r, const char *what,
		  int timeout_ms)
{
	uint64_t dl = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (r == ncclInProgress && bm_now_ns() < dl)
		if (ncclCommGetAsyncError(comm, &r) != ncclSuccess)
			r = ncclInternalError;
	if (r != ncclSuccess) {
		BM_ERR("%s: %s (%s)", what, ncclGetErrorString(r),
		       ncclGetLastError(comm));
		return r == ncclInProgress ? -ETIMEDOUT : -EIO;
	}
	return 0;
}

int nrt_comm_open(struct nrt_ctx *c, enum nrt_net net, struct nrt_comm *nc)
{
	ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
	ncclUniqueId id;
	uint64_t t0;
	int ret;

	memset(nc, 0, sizeof(*nc));
	nc->net = net;
	nc->timeout_ms = c->o.timeout_ms;
	memset(&id, 0, sizeof(id));
	if (c->rank == 0)
		NCCL_CHECK(ncclGetUniqueId(&id), return -EIO);
	ret = nrt_bcast(c, &id, sizeof(id));
	if (ret) {
		BM_ERR("sending the NCCL unique id: %s", strerror(-ret));
		return ret;
	}
	cfg.blocking = 0;
	if (nrt_net_nccl_name(net) && c->nranks > 1)
		cfg.netName = nrt_net_nccl_name(net);
	t0 = bm_now_ns();
	NCCL_CHECK(ncclCommInitRankConfig(&nc->comm, c->nranks, id, c->rank,
					  &cfg), goto fail);
	ret = wait_comm(c, nc->comm, nc->timeout_ms, "ncclCommInitRank");
	if (ret)
		goto fail;
	nc->init_ms = (double)(bm_now_ns() - t0) / 1e6;
	verify_path(c, nc);
	return 0;
fail:
	if (nc->comm)
		ncclCommAbort(nc->comm);
	nc->comm = NULL;
	return ret ? ret : -EIO;
}

void nrt_comm_close(struct nrt_comm *nc, bool abort)
{
	if (!nc->comm)
		return;
	if (!abort) {
		ncclResult_t st = ncclCommFinalize(nc->comm);

		if (st == ncclSuccess || st == ncclInProgress) {
			uint64_t dl = bm_now_ns() +
				      (uint64_t)nc->timeout_ms * 1000000ull;

			do {
				if (ncclCommGetAsyncError(nc->comm, &st))
					break;
				if (st == ncclInProgress)
					usleep(1000);
			} while (st == ncclInProgress && bm_now_ns() < dl);
		}
		abort = st != ncclSuccess;
	}
	if (abort)
		ncclCommAbort(nc->comm);
	else
		ncclCommDestroy(nc->comm);
	nc->comm = NULL;
}

/* The device's own GPUDirect RDMA attribute: 1, 0, or -1 if CUDA cannot
 * say (an older driver); a failed query's error is cleared. */
static int gdr_attr(int device)
{
	int v = 0;

	if (cudaDeviceGetAttribute(&v, cudaDevAttrGPUDirectRDMASupported,
				   device) != cudaSuccess) {
		(void)cudaGetLastError();
		return -1;
	}
	return v != 0;
}

int nrt_init(struct nrt_ctx *c, const struct nrt_opts *o)
{
	int ret, ngpu = 0, v;
	cudaError_t ce;
	struct cudaDeviceProp prop;

	ret = nrt_bootstrap(c, o);
	if (ret)
		return ret;
	c->gdr_attr = -1;
	setup_env(c);
	ce = cudaGetDeviceCount(&ngpu);
	if (ce != cudaSuccess || ngpu < 1) {
		BM_ERR("no CUDA GPU usable here (%s)", ce != cudaSuccess ?
		       cudaGetErrorString(ce) : "0 devices");
		ret = -ENODEV;
		goto out_oob;
	}
	if (o->device >= 0)
		c->device = o->device;
	else
		c->device = (c->launch.local_rank >= 0 ? c->launch.local_rank :
			     c->rank) % ngpu;
	if (c->device >= ngpu) {
		BM_ERR("--device %d but %d GPU(s)", c->device, ngpu);
		ret = -ENODEV;
		goto out_oob;
	}
	CUDA_CHECK(cudaSetDevice(c->device), ret = -EIO; goto out_oob);
	CUDA_CHECK(cudaGetDeviceProperties(&prop, c->device),
		   ret = -EIO; goto out_oob);
	snprintf(c->gpu_name, sizeof(c->gpu_name), "%s", prop.name);
	cudaDeviceGetPCIBusId(c->pci_bus_id, sizeof(c->pci_bus_id), c->device);
	cudaRuntimeGetVersion(&c->cuda_runtime);
	cudaDriverGetVersion(&c->cuda_driver);
	c->gdr_attr = gdr_attr(c->device);
	if (ncclGetVersion(&v) == ncclSuccess)
		c->nccl_version = v;
	CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking),
		   ret = -EIO; goto out_oob);
	if (c->nranks > 1)
		check_traps(c);
	ret = nrt_comm_open(c, o->net, &c->comm);
	if (ret)
		goto out_stream;
	if (c->comm.path.mismatch && !o->allow_fallback) {
		ret = -EPROTO;
		goto out_comm;
	}
	return 0;
out_comm:
	nrt_comm_close(&c->comm, true);
out_stream:
	cudaStreamDestroy(c->stream);
	c->stream = NULL;
out_oob:
	if (c->oob)
		bm_oob_close(c->oob);
	c->oob = NULL;
	return ret;
}

void nrt_fini(struct nrt_ctx *c)
{
	nrt_comm_close(&c->comm, false);
	if (c->stream)
		cudaStreamDestroy(c->stream);
	c->stream = NULL;
	if (c->oob)
		bm_oob_close(c->oob);
	c->oob = NULL;
	/* our own log file is scratch; the user's stays */
	if (c->log_path[0] && !getenv("NETROOF_KEEP_NCCL_LOG") &&
	    strstr(c->log_path, "/netroof-nccl."))
		unlink(c->log_path);
}

json_t *nrt_path_json(const struct nrt_comm *nc)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:f}",
			 "net_asked", nrt_net_name(nc->net),
			 "transport", nc->path.transport,
			 "net_plugin", nc->path.net_plugin,
			 "detail", nc->path.detail,
			 "gdr", nc->path.gdr,
			 "mismatch", nc->path.mismatch,
			 "channels", nc->path.nchannels,
			 "init_ms", nc->init_ms);
}

void nrt_meta(struct nrt_ctx *c, struct bm_out *out)
{
	char ver[32];
	json_t *w = json_array();
	int i;

	snprintf(ver, sizeof(ver), "%d.%d.%d", c->nccl_version / 10000,
		 (c->nccl_version / 100) % 100, c->nccl_version % 100);
	bm_out_meta(out, "nccl_version", json_string(ver));
	snprintf(ver, sizeof(ver), "%d.%d", c->cuda_runtime / 1000,
		 (c->cuda_runtime % 1000) / 10);
	bm_out_meta(out, "cuda_runtime", json_string(ver));
	snprintf(ver, sizeof(ver), "%d.%d", c->cuda_driver / 1000,
		 (c->cuda_driver % 1000) / 10);
	bm_out_meta(out, "cuda_driver", json_string(ver));
	bm_out_meta(out, "gpu", json_string(c->gpu_name));
	bm_out_meta(out, "gpu_pci_bus_id", json_string(c->pci_bus_id));
	bm_out_meta(out, "rank", json_integer(c->rank));
	bm_out_meta(out, "nranks", json_integer(c->nranks));
	bm_out_meta(out, "launch_source", json_string(c->launch.source ?
						      c->launch.source : ""));
	bm_out_meta(out, "net_asked", json_string(nrt_net_name(c->o.net)));
	bm_out_meta(out, "transport", json_string(c->comm.path.transport));
	bm_out_meta(out, "path", nrt_path_json(&c->comm));
	bm_out_meta(out, "gpudirect_rdma",
		    nrt_gdr_json(&c->comm.path, nrt_peermem_loaded(""),
				 c->gdr_attr));
	for (i = 0; i < c->nwarnings; i++)
		json_array_append_new(w, json_string(c->warnings[i]));
	bm_out_meta(out, "warnings", w);
}

/* ---- synchronisation and timing ---- */

int nrt_sync(struct nrt_ctx *c, struct nrt_comm *nc, cudaStream_t s,
	     int timeout_ms)
{
	uint64_t deadline;
	unsigned spins = 0;
	cudaError_t ce;
	ncclResult_t st;

	if (timeout_ms <= 0)
		timeout_ms = c->o.timeout_ms;
	deadline = bm_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		ce = cudaStreamQuery(s);
		if (ce == cudaSuccess)
			return 0;
		if (ce != cudaErrorNotReady) {
			BM_ERR("stream: %s", cudaGetErrorString(ce));
			return -EIO;
		}
		/* checking NCCL's error and the clock every 1024 spins keeps
		 * the poll loop tight for the small-message latency */
		if (++spins & 1023)
			continue;
		if (nc && nc->comm) {
			if (ncclCommGetAsyncError(nc->comm, &st) == ncclSuccess &&
			    st != ncclSuccess && st != ncclInProgress) {
				BM_ERR("NCCL: %s (%s); aborting",
				       ncclGetErrorString(st),
				       ncclGetLastError(nc->comm));
				nrt_comm_close(nc, true);
				return -EIO;
			}
		}
		if (bm_now_ns() > deadline) {
			BM_ERR("operation not done after %d ms (a peer died or "
			       "hangs?); aborting the communicator", timeout_ms);
			if (nc)
				nrt_comm_close(nc, true);
			return -ETIMEDOUT;
		}
	}
}

int nrt_graph_capture(struct nrt_ctx *c, nrt_launch_fn fn, void *arg,
		      int reps, cudaGraphExec_t *exec_p)
{
	cudaGraph_t g = NULL;
	cudaGraphExec_t ex = NULL;
	int i, ret = 0;

	CUDA_CHECK(cudaStreamBeginCapture(c->stream,
					  cudaStreamCaptureModeRelaxed),
		   return -EIO);
	for (i = 0; i < reps && !ret; i++)
		ret = fn(arg, c->stream);
	CUDA_CHECK(cudaStreamEndCapture(c->stream, &g), ret = -EIO);
	if (ret)
		goto out;
	CUDA_CHECK(cudaGraphInstantiate(&ex, g, 0), ret = -EIO; goto out);
	*exec_p = ex;
out:
	if (g)
		cudaGraphDestroy(g);
	return ret;
}

void nrt_graph_destroy(cudaGraphExec_t exec)
{
	if (exec)
		cudaGraphExecDestroy(exec);
}

int nrt_event_us(cudaEvent_t a, cudaEvent_t b, double *us_p)
{
	float ms;

	CUDA_CHECK(cudaEventElapsedTime(&ms, a, b), return -EIO);
	*us_p = (double)ms * 1000.0;
	return 0;
}

/* ---- host half-precision conversions ---- */

uint16_t nrt_f2bf16(float f)
{
	uint32_t u = nrt_f2u(f);

	if ((u & 0x7fffffffu) > 0x7f800000u)	/* NaN stays NaN */
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

float nrt_bf162f(uint16_t h)
{
	return nrt_u2f((uint32_t)h << 16);
}

uint16_t nrt_f2fp16(float f)
{
	uint32_t u = nrt_f2u(f), sign = (u >> 16) & 0x8000u, mant;
	int exp;

	u &= 0x7fffffffu;
	if (u > 0x7f800000u)
		return (uint16_t)(sign | 0x7e00u);
	if (u >= 0x477ff000u)	/* rounds to >= 65520: inf */
		return (uint16_t)(sign | 0x7c00u);
	exp = (int)(u >> 23) - 127 + 15;
	mant = u & 0x7fffffu;
	if (exp <= 0) {		/* subnormal half */
		uint32_t m, sh, r;

		if (exp < -10)
			return (uint16_t)sign;
		m = mant | 0x800000u;
		sh = (uint32_t)(14 - exp);
		r = m >> sh;
		if ((m & ((1u << sh) - 1)) > (1u << (sh - 1)) ||
		    ((m & ((1u << sh) - 1)) == (1u << (sh - 1)) && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t h = ((uint32_t)exp << 10) | (mant >> 13);
		uint32_t rest = mant & 0x1fffu;

		if (rest > 0x1000u || (rest == 0x1000u && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
}

float nrt_fp162f(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	int exp = (h >> 10) & 0x1f;
	uint32_t mant = h & 0x3ffu;

	if (exp == 0x1f)
		return nrt_u2f(sign | 0x7f800000u | (mant << 13));
	if (exp == 0) {
		float f = (float)mant / 1024.0f / 16384.0f;

		return sign ? -f : f;
	}
	return nrt_u2f(sign | ((uint32_t)(exp - 15 + 127) << 23) | (mant << 13));
}
