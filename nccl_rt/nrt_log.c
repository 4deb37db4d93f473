// SPDX-License-Identifier: MIT
/* NCCL's environment and INFO log: what it used, read back (nrt_log.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bm.h"
#include "nrt_log.h"

/* ---- parsers ---- */

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

/* One TUNING line: NCCL's function name ("" when the line names none),
 * its bytes (-1 when none), algorithm and protocol. 0 if it is one. */
static int tuning_line(const char *line, char *func, size_t flen,
		       long long *bytes_p, char *algo, size_t alen,
		       char *proto, size_t plen)
{
	static const char *const algos[] = { "Tree", "Ring", "CollNetDirect",
					     "CollNetChain", "NVLS", "NVLSTree",
					     "PAT" };
	static const char *const protos[] = { "LL", "LL128", "Simple" };
	static const char arrow[] = " Bytes -> Algo ";
	const char *u = strstr(line, "Best tuning, algorithm, "), *q, *e, *b;
	char a[32], pr[32];
	int ai, pi;

	func[0] = '\0';
	*bytes_p = -1;
	if (u && sscanf(u + 24, "%31[^,], protocol, %31s", a, pr) == 2) {
		snprintf(algo, alen, "%s", a);
		snprintf(proto, plen, "%s", pr);
		return 0;
	}
	u = strstr(line, arrow);
	if (!u || sscanf(u + sizeof(arrow) - 1, "%31s proto %31s", a, pr) != 2)
		return -1;
	/* "<Func>: <bytes>" ends right before the arrow */
	for (q = u; q > line && q[-1] >= '0' && q[-1] <= '9'; q--)
		;
	if (q < u)
		*bytes_p = strtoll(q, NULL, 10);
	if (q - line >= 2 && q[-1] == ' ' && q[-2] == ':') {
		e = q - 2;
		for (b = e; b > line && b[-1] != ' '; b--)
			;
		snprintf(func, flen, "%.*s", (int)(e - b), b);
	}
	if (sscanf(a, "%d", &ai) == 1 && sscanf(pr, "%d", &pi) == 1) {
		if (ai >= 0 && ai < 7)
			snprintf(algo, alen, "%s", algos[ai]);
		else
			snprintf(algo, alen, "algo%d", ai);
		if (pi >= 0 && pi < 3)
			snprintf(proto, plen, "%s", protos[pi]);
		else
			snprintf(proto, plen, "proto%d", pi);
		return 0;
	}
	snprintf(algo, alen, "%s", a);
	snprintf(proto, plen, "%s", pr);
	return 0;
}

int nrt_parse_algo(FILE *f, const char *func, long long bytes, char *algo,
		   size_t alen, char *proto, size_t plen)
{
	char line[1024], fn[64], a[32], pr[32];
	bool filtered = func || bytes >= 0, mixed = false;
	long long nb;
	int n = 0;

	snprintf(algo, alen, "unknown");
	snprintf(proto, plen, "unknown");
	while (fgets(line, sizeof(line), f)) {
		if (tuning_line(line, fn, sizeof(fn), &nb, a, sizeof(a), pr,
				sizeof(pr)))
			continue;
		if (func && fn[0] && strcmp(func, fn))
			continue;
		if (bytes >= 0 && nb >= 0 && bytes != nb)
			continue;
		if (filtered && n && (strcmp(algo, a) || strcmp(proto, pr)))
			mixed = true;
		snprintf(algo, alen, "%s", a);
		snprintf(proto, plen, "%s", pr);
		n++;
	}
	if (mixed) {
		snprintf(algo, alen, "mixed");
		snprintf(proto, plen, "mixed");
	}
	return n;
}

/* ---- the environment ---- */

static void env_default(const char *k, const char *v)
{
	setenv(k, v, 0);
}

static void env_force(const char *k, const char *v)
{
	const char *old = getenv(k);

	if (old && strcmp(old, v))
		BM_WARN("%s=%s in the environment overrides the option's %s",
			k, old, v);
	else
		setenv(k, v, 1);
}

/* NCCL_DEBUG_FILE with %h (host) and %p (pid) expanded as NCCL does. */
static void expand_file(const char *user_file, char *out, size_t len)
{
	char host[128] = "";
	size_t j = 0;
	const char *s;

	gethostname(host, sizeof(host) - 1);
	for (s = user_file; *s && j < len - 1; s++) {
		if (s[0] == '%' && (s[1] == 'h' || s[1] == 'p')) {
			if (s[1] == 'h')
				j += (size_t)snprintf(out + j, len - j, "%s",
						      host);
			else
				j += (size_t)snprintf(out + j, len - j, "%d",
						      (int)getpid());
			s++;
			if (j >= len)
				j = len - 1;
		} else {
			out[j++] = *s;
		}
	}
	out[j] = '\0';
}

void nrt_env_setup(const struct nrt_opts *o, int nranks, struct nrt_log *l)
{
	const char *user_file = getenv("NCCL_DEBUG_FILE");
	const char *dbg = getenv("NCCL_DEBUG");
	const char *tmp = getenv("TMPDIR");
	char buf[32];

	memset(l, 0, sizeof(*l));
	if (nranks == 1 && o->net != NRT_NET_AUTO)
		BM_INFO("one rank: no network is crossed; --net %s not applied",
			nrt_net_name(o->net));
	else if (o->net == NRT_NET_IB) {
		env_force("NCCL_NET", "IB");
		env_force("NCCL_IB_DISABLE", "0");
	} else if (o->net == NRT_NET_SOCKET) {
		env_force("NCCL_NET", "Socket");
		env_force("NCCL_IB_DISABLE", "1");
	}
	if (o->ib_hca)
		env_force("NCCL_IB_HCA", o->ib_hca);
	if (o->ib_gid >= 0) {
		snprintf(buf, sizeof(buf), "%d", o->ib_gid);
		env_force("NCCL_IB_GID_INDEX", buf);
	}
	if (o->socket_ifname)
		env_force("NCCL_SOCKET_IFNAME", o->socket_ifname);
	env_default("NCCL_RUNTIME_CONNECT", "0");
	/* the proof of path comes from NCCL's own INFO log */
	if (!dbg || (strcasecmp(dbg, "INFO") && strcasecmp(dbg, "TRACE"))) {
		if (dbg)
			BM_WARN("NCCL_DEBUG=%s overridden with INFO to verify "
				"the transport (the log goes to a file)", dbg);
		setenv("NCCL_DEBUG", "INFO", 1);
	}
	/* TUNING: which algorithm and protocol NCCL chose (rank 0, a line
	 * per plan: each eager call, a graph at capture only); COLL, a line
	 * per call on every rank, only on request (nrt_log.h) */
	env_default("NCCL_DEBUG_SUBSYS", o->coll_log ?
		    "INIT,NET,GRAPH,ENV,TUNING,COLL" :
		    "INIT,NET,GRAPH,ENV,TUNING");
	l->tuning = nrt_subsys_has(getenv("NCCL_DEBUG_SUBSYS"), "TUNING");
	if (user_file) {
		expand_file(user_file, l->path, sizeof(l->path));
	} else {
		snprintf(l->path, sizeof(l->path), "%s/netroof-nccl.%d.log",
			 tmp ? tmp : "/tmp", (int)getpid());
		unlink(l->path);
		setenv("NCCL_DEBUG_FILE", l->path, 1);
		l->ours = true;
	}
}

/* ---- reading the log ---- */

void nrt_log_path(struct nrt_log *l, int nranks, enum nrt_net asked,
		  struct nrt_path *p)
{
	FILE *f = l->path[0] ? fopen(l->path, "r") : NULL;

	if (!f) {
		memset(p, 0, sizeof(*p));
		p->gdr_log.gpu = p->gdr_log.hca = -1;
		snprintf(p->transport, sizeof(p->transport),
			 nranks > 1 ? "unknown" : "none/intra-process");
		snprintf(p->detail, sizeof(p->detail),
			 "NCCL log %.200s not readable", l->path);
		return;
	}
	fseek(f, l->off, SEEK_SET);
	nrt_parse_log(f, nranks, asked, p);
	l->off = ftell(f);
	fclose(f);
	if (p->mismatch)
		BM_ERR("!!! asked for --net %s but NCCL used '%s' (%s, plugin "
		       "%s): results are NOT %s !!!", nrt_net_name(asked),
		       p->transport, p->detail,
		       p->net_plugin[0] ? p->net_plugin : "?",
		       nrt_net_name(asked));
	else
		BM_INFO("NCCL path: %s (%s)%s", p->transport, p->detail,
			p->gdr ? " GPUDirect RDMA" : "");
}

int nrt_log_algo(struct nrt_log *l, const char *func, long long bytes,
		 char *algo, size_t alen, char *proto, size_t plen)
{
	FILE *f;
	int n;

	if (!l->tuning) {
		snprintf(algo, alen, "not-logged");
		snprintf(proto, plen, "not-logged");
		return 0;
	}
	f = l->path[0] ? fopen(l->path, "r") : NULL;
	if (!f) {
		snprintf(algo, alen, "unknown");
		snprintf(proto, plen, "unknown");
		return -1;
	}
	fseek(f, l->off, SEEK_SET);
	n = nrt_parse_algo(f, func, bytes, algo, alen, proto, plen);
	l->off = ftell(f);
	fclose(f);
	return n;
}

void nrt_log_skip(struct nrt_log *l)
{
	FILE *f = l->path[0] ? fopen(l->path, "r") : NULL;

	if (!f)
		return;
	if (!fseek(f, 0, SEEK_END))
		l->off = ftell(f);
	fclose(f);
}

bool nrt_subsys_has(const char *subsys, const char *name)
{
	char buf[256], *tok, *save = NULL;
	bool invert, listed = false;

	if (!subsys)	/* NCCL's default mask */
		return !strcasecmp(name, "INIT") ||
		       !strcasecmp(name, "BOOTSTRAP") ||
		       !strcasecmp(name, "ENV");
	invert = subsys[0] == '^';
	snprintf(buf, sizeof(buf), "%s", subsys + invert);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!strcasecmp(tok, name) || !strcasecmp(tok, "ALL"))
			listed = true;
	return invert ? !listed : listed;
}

void nrt_log_done(struct nrt_log *l)
{
	if (l->ours && l->path[0] && !getenv("NETROOF_KEEP_NCCL_LOG"))
		unlink(l->path);
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
