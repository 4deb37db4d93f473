// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "log.h"
#include "opts.h"

int bm_parse_hostport(const char *s, char *host, size_t hostlen,
		      uint16_t *port_p)
{
	const char *colon, *h = s;
	size_t hl;
	long port;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {	/* [v6addr]:port */
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (!hl || hl >= hostlen)
		return -EINVAL;
	if (bm_parse_int(colon + 1, 1, 65535, &port))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port_p = (uint16_t)port;
	return 0;
}

/* ---- Slurm hostlist: "gb10-[01-04,07],spark[1-2]" ------------------- */

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* A bound inside brackets: 1..9 digits; *width = digits written. */
static int hl_num(const char **p, unsigned long *v, int *width)
{
	const char *s = *p;
	unsigned long x = 0;
	int n = 0;

	while (isdigit((unsigned char)*s)) {
		if (++n > 9)
			return -ERANGE;
		x = x * 10 + (unsigned long)(*s++ - '0');
	}
	if (!n)
		return -EINVAL;
	*p = s;
	*v = x;
	*width = n;
	return 0;
}

/* One "lo" or "lo-hi" of a bracket group. */
struct hl_range {
	unsigned long lo, hi;
	int	      width;	/* zero padding: the digits of lo */
};

static int hl_range(const char **p, struct hl_range *r)
{
	int w, ret;

	ret = hl_num(p, &r->lo, &r->width);
	if (ret)
		return ret;
	r->hi = r->lo;
	if (**p == '-') {
		(*p)++;
		ret = hl_num(p, &r->hi, &w);
		if (ret)
			return ret;
		if (r->hi < r->lo)
			return -EINVAL;
	}
	return 0;
}

static int digits(unsigned long v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* A bracket group from p (at '['): its count and widest member; *p moves
 * past ']'. */
static int hl_group(const char **p, size_t *count, size_t *maxw)
{
	struct hl_range r;
	size_t n = 0;
	int ret, w;

	(*p)++;
	*maxw = 0;
	for (;;) {
		ret = hl_range(p, &r);
		if (ret)
			return ret;
		n += r.hi - r.lo + 1;
		if (n > BM_HOSTLIST_MAX)
			return -ERANGE;
		w = digits(r.hi) > r.width ? digits(r.hi) : r.width;
		if ((size_t)w > *maxw)
			*maxw = (size_t)w;
		if (**p == ']')
			break;
		if (**p != ',')
			return -EINVAL;
		(*p)++;
	}
	(*p)++;
	*count = n;
	return 0;
}

/* One host expression from p up to a top-level ',' or the end: the number
 * of hosts it stands for; *end_p at the ',' or NUL. */
static int hl_expr(const char *p, const char **end_p, size_t *count_p)
{
	size_t count = 1, c, w, len = 0;
	int ret;

	if (!*p || *p == ',')
		return -EINVAL;	/* empty: ",a", "a,,b", "a," */
	while (*p && *p != ',') {
		if (*p == '[') {
			ret = hl_group(&p, &c, &w);
			if (ret)
				return ret;
			count *= c;
			len += w;
			if (count > BM_HOSTLIST_MAX)
				return -ERANGE;
		} else if (host_char(*p)) {
			p++;
			len++;
		} else {
			return -EINVAL;
		}
		if (len >= BM_HOST_MAX)
			return -ERANGE;
	}
	*end_p = p;
	*count_p = count;
	return 0;
}

int bm_hostlist_count(const char *list, size_t *n_p)
{
	const char *p = list, *end;
	size_t n = 0, c;
	int ret;

	if (!list)
		return -EINVAL;
	for (;;) {
		ret = hl_expr(p, &end, &c);
		if (ret)
			return ret;
		n += c;
		if (n > BM_HOSTLIST_MAX)
			return -ERANGE;
		if (!*end)
			break;
		p = end + 1;
	}
	*n_p = n;
	return 0;
}

/* The member idx (< count) of the bracket group at p. */
static void hl_group_nth(const char *p, size_t idx, unsigned long *v, int *w)
{
	struct hl_range r;

	p++;
	for (;;) {
		hl_range(&p, &r);	/* checked by hl_expr already */
		if (idx <= r.hi - r.lo) {
			*v = r.lo + idx;
			*w = r.width;
			return;
		}
		idx -= r.hi - r.lo + 1;
		p++;	/* the ',' */
	}
}

/* Host idx of the (checked) expression [p, end): the leftmost group
 * varies slowest, as Slurm expands "rack[1-2]-n[1-2]". */
static int hl_expr_nth(const char *p, const char *end, size_t idx,
		       size_t count, char *host, size_t len)
{
	char buf[BM_HOST_MAX + 16];	/* hl_expr bounded it */
	size_t o = 0, c, w;
	unsigned long v;
	int width;

	while (p < end && o < BM_HOST_MAX) {
		if (*p == '[') {
			const char *g = p;

			hl_group(&p, &c, &w);
			count /= c;	/* hosts per step of this group */
			hl_group_nth(g, idx / count, &v, &width);
			idx %= count;
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%0*lu",
					      width, v);
		} else {
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	if (o >= len)
		return -ERANGE;
	memcpy(host, buf, o + 1);
	return 0;
}

int bm_hostlist_nth(const char *list, size_t n, char *host, size_t len)
{
	const char *p = list, *end;
	size_t c;
	int ret;

	if (!len)
		return -EINVAL;
	ret = bm_hostlist_count(list, &c);	/* the whole list is valid */
	if (ret)
		return ret;
	for (;;) {
		ret = hl_expr(p, &end, &c);
		if (ret)
			return ret;
		if (n < c)
			return hl_expr_nth(p, end, n, c, host, len);
		n -= c;
		if (!*end)
			return -ENOENT;
		p = end + 1;
	}
}

static int env_int(char *(*env)(const char *), const char *name, long min,
		   long max, long *v_p)
{
	const char *s = env(name);

	if (!s)
		return 1;	/* absent */
	if (bm_parse_int(s, min, max, v_p)) {
		BM_ERR("environment %s='%s' is not a valid number", name, s);
		return -EINVAL;
	}
	return 0;
}

/* A (rank, size) pair of variables; 1 if absent, 0 found, <0 bad. */
static int env_pair(char *(*env)(const char *), const char *rn,
		    const char *sn, long *rank, long *size)
{
	int a = env_int(env, rn, 0, 65534, rank);
	int b = env_int(env, sn, 1, 65535, size);

	if (a < 0 || b < 0)
		return -EINVAL;
	if (a == 1 && b == 1)
		return 1;
	if (a != b) {
		BM_ERR("%s and %s must be set together", rn, sn);
		return -EINVAL;
	}
	return 0;
}

/* Rank 0's address: NETROOF_PEER, MASTER_ADDR(+MASTER_PORT), and under
 * Slurm the first node of the step's (else the job's) node list: srun's
 * block distribution puts task 0 there. 1 if none. */
static int peer_from_env(char *(*env)(const char *), uint16_t default_port,
			 struct bm_launch *l)
{
	static const char *const lists[] = {
		"SLURM_STEP_NODELIST", "SLURM_NODELIST", "SLURM_JOB_NODELIST",
	};
	const char *p = env("NETROOF_PEER"), *ma = env("MASTER_ADDR"), *nl;
	long port = default_port;
	size_t i;
	int ret;

	if (p && *p) {
		if (bm_parse_hostport(p, l->host, sizeof(l->host), &l->port)) {
			BM_ERR("NETROOF_PEER='%.300s' is not HOST:PORT", p);
			return -EINVAL;
		}
		l->peer_from = "NETROOF_PEER";
		return 0;
	}
	if (env_int(env, "MASTER_PORT", 1, 65535, &port) < 0)
		return -EINVAL;
	if (ma && *ma) {
		if (strlen(ma) >= sizeof(l->host)) {
			BM_ERR("MASTER_ADDR is %zu characters long: not a host "
			       "name", strlen(ma));
			return -EINVAL;
		}
		snprintf(l->host, sizeof(l->host), "%s", ma);
		l->port = (uint16_t)port;
		l->peer_from = "MASTER_ADDR";
		return 0;
	}
	for (i = 0; !strcmp(l->source, "slurm") && i < 3; i++) {
		nl = env(lists[i]);
		if (!nl || !*nl)
			continue;
		ret = bm_hostlist_nth(nl, 0, l->host, sizeof(l->host));
		if (ret) {
			BM_ERR("%s='%.300s' is not a Slurm host list (%s)",
			       lists[i], nl, ret == -ERANGE ? "too large" :
			       "syntax: host[01-04,07],other[1-2]");
			return -EINVAL;
		}
		l->port = (uint16_t)port;
		l->peer_from = lists[i];
		return 0;
	}
	return 1;
}

int bm_launch_resolve(int opt_rank, int opt_nranks, const char *opt_peer,
		      uint16_t default_port, char *(*env)(const char *),
		      struct bm_launch *l_p)
{
	static const struct {
		const char *source, *rank, *size;
	} launchers[] = {
		{ "netroof", "NETROOF_RANK", "NETROOF_NRANKS" },
		{ "torchrun", "RANK", "WORLD_SIZE" },
		{ "slurm", "SLURM_PROCID", "SLURM_NTASKS" },
		{ "openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE" },
		{ "pmi", "PMI_RANK", "PMI_SIZE" },
	};
	static const char *const local_vars[] = {
		"LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK",
		"MPI_LOCALRANKID",
	};
	struct bm_launch l = { .rank = 0, .nranks = 1, .local_rank = -1,
			       .port = default_port, .source = "single",
			       .peer_from = "" };
	long rank = 0, size = 1, v;
	size_t i;
	int ret;

	if (!env)
		env = getenv;
	if (opt_rank >= 0 || opt_nranks > 0) {
		if (opt_rank < 0 || opt_nranks < 1) {
			BM_ERR("--rank and --nranks go together");
			return -EINVAL;
		}
		/* The bootstrap's hello carries both as 16 bits. */
		if (opt_nranks > 65535) {
			BM_ERR("--nranks %d: at most 65535", opt_nranks);
			return -EINVAL;
		}
		rank = opt_rank;
		size = opt_nranks;
		l.source = "options";
	} else {
		for (i = 0; i < sizeof(launchers) / sizeof(launchers[0]); i++) {
			ret = env_pair(env, launchers[i].rank, launchers[i].size,
				       &rank, &size);
			if (ret < 0)
				return ret;
			if (ret == 0) {
				l.source = launchers[i].source;
				break;
			}
		}
	}
	if (rank >= size) {
		BM_ERR("rank %ld is out of range for %ld rank(s) (from %s)",
		       rank, size, l.source);
		return -EINVAL;
	}
	l.rank = (int)rank;
	l.nranks = (int)size;
	for (i = 0; i < sizeof(local_vars) / sizeof(local_vars[0]); i++) {
		ret = env_int(env, local_vars[i], 0, 65535, &v);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			l.local_rank = (int)v;
			break;
		}
	}
	if (opt_peer) {
		if (bm_parse_hostport(opt_peer, l.host, sizeof(l.host),
				      &l.port)) {
			BM_ERR("--peer '%.300s' is not HOST:PORT", opt_peer);
			return -EINVAL;
		}
		l.peer_from = "--peer";
	} else {
		ret = peer_from_env(env, default_port, &l);
		if (ret < 0)
			return ret;
	}
	if (l.nranks > 1 && l.rank > 0 && !l.host[0]) {
		BM_ERR("rank %d of %d needs rank 0's address: --peer HOST:PORT, "
		       "NETROOF_PEER, MASTER_ADDR/MASTER_PORT or (Slurm) "
		       "SLURM_NODELIST", l.rank, l.nranks);
		return -EINVAL;
	}
	*l_p = l;
	return 0;
}
