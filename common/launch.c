// SPDX-License-Identifier: MIT
#include <errno.h>
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

static int peer_from_env(char *(*env)(const char *), uint16_t default_port,
			 struct bm_launch *l)
{
	const char *p = env("NETROOF_PEER"), *ma = env("MASTER_ADDR");
	long port = default_port;

	if (p && *p) {
		if (bm_parse_hostport(p, l->host, sizeof(l->host), &l->port)) {
			BM_ERR("NETROOF_PEER='%s' is not HOST:PORT", p);
			return -EINVAL;
		}
		return 0;
	}
	if (ma && *ma) {
		if (env_int(env, "MASTER_PORT", 1, 65535, &port) < 0)
			return -EINVAL;
		snprintf(l->host, sizeof(l->host), "%s", ma);
		l->port = (uint16_t)port;
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
			       .port = default_port, .source = "single" };
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
			BM_ERR("--peer '%s' is not HOST:PORT", opt_peer);
			return -EINVAL;
		}
	} else {
		ret = peer_from_env(env, default_port, &l);
		if (ret < 0)
			return ret;
	}
	if (l.nranks > 1 && l.rank > 0 && !l.host[0]) {
		BM_ERR("rank %d of %d needs rank 0's address: --peer HOST:PORT, "
		       "NETROOF_PEER or MASTER_ADDR/MASTER_PORT", l.rank,
		       l.nranks);
		return -EINVAL;
	}
	*l_p = l;
	return 0;
}
