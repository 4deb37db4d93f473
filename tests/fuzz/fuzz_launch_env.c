// SPDX-License-Identifier: MIT
/*
 * Rank, size and rank 0's address from a launcher's environment
 * (bm_launch_resolve with a synthetic env-getter): NETROOF_*, torchrun,
 * Slurm (with its host lists), Open MPI, PMI.
 *   input: "NAME=VALUE" lines; a first line "@R N PEER" gives the
 *          options (--rank R --nranks N --peer PEER; "-" for none)
 * Invariants of a resolved launch: 0 <= rank < nranks <= 65535, a rank
 * above 0 has an address, the address is a bounded string, the source is
 * one of the documented ones, Slurm's address is the first host of the
 * list it came from; resolving twice gives the same.
 */
#include <errno.h>
#include <limits.h>

#include "fuzz.h"

#define MAXVARS 64

static char *names[MAXVARS], *values[MAXVARS];
static int nvars;

static char *fake_env(const char *name)
{
	int i;

	for (i = 0; i < nvars; i++)
		if (!strcmp(names[i], name))
			return values[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sources[] = { "options", "netroof",
		"torchrun", "slurm", "openmpi", "pmi", "single" };
	char *buf = fuzz_str(data, size), *line, *save = NULL, *eq;
	char *opt_peer = NULL, peerbuf[300], h[BM_HOST_MAX];
	int opt_rank = -1, opt_nranks = -1, ret, ret2;
	struct bm_launch l, l2;
	bool known = false;
	size_t i;

	nvars = 0;
	line = strtok_r(buf, "\n", &save);
	if (line && line[0] == '@') {
		long r, n;

		if (sscanf(line + 1, "%ld %ld %299s", &r, &n, peerbuf) == 3) {
			/* The tools hand over ints from their options. */
			opt_rank = r < INT_MIN ? INT_MIN : r > INT_MAX ? INT_MAX :
				   (int)r;
			opt_nranks = n < INT_MIN ? INT_MIN : n > INT_MAX ?
				     INT_MAX : (int)n;
			if (strcmp(peerbuf, "-"))
				opt_peer = peerbuf;
		}
		line = strtok_r(NULL, "\n", &save);
	}
	for (; line && nvars < MAXVARS; line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		names[nvars] = line;
		values[nvars++] = eq + 1;
	}
	memset(&l, 0x5a, sizeof(l));
	ret = bm_launch_resolve(opt_rank, opt_nranks, opt_peer, 18515,
				fake_env, &l);
	ret2 = bm_launch_resolve(opt_rank, opt_nranks, opt_peer, 18515,
				 fake_env, &l2);
	FUZZ_CHECK(ret == ret2);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (!ret) {
		FUZZ_CHECK(l.nranks >= 1 && l.nranks <= 65535);
		FUZZ_CHECK(l.rank >= 0 && l.rank < l.nranks);
		FUZZ_CHECK(l.local_rank >= -1 && l.local_rank <= 65535);
		FUZZ_CHECK(memchr(l.host, '\0', sizeof(l.host)));
		FUZZ_CHECK(l.rank == 0 || l.host[0]);
		FUZZ_CHECK(l.port >= 1);
		for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
			known |= !strcmp(l.source, sources[i]);
		FUZZ_CHECK(known);
		FUZZ_CHECK(l.peer_from && (l.host[0] || !l.peer_from[0]));
		if (!strncmp(l.peer_from, "SLURM_", 6)) {
			FUZZ_CHECK(!strcmp(l.source, "slurm"));
			FUZZ_CHECK(!bm_hostlist_nth(fake_env(l.peer_from), 0, h,
						    sizeof(h)));
			FUZZ_CHECK(!strcmp(h, l.host));
		}
		FUZZ_CHECK(l.rank == l2.rank && l.nranks == l2.nranks &&
			   l.port == l2.port && !strcmp(l.host, l2.host) &&
			   l.source == l2.source);
	}
	free(buf);
	return 0;
}
