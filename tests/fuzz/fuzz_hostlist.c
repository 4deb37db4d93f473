// SPDX-License-Identifier: MIT
/*
 * Slurm host lists (bm_hostlist_count / bm_hostlist_nth).
 *   input: a list as SLURM_NODELIST holds it ("gb10-[01-04,07],spark[1-2]")
 * Invariants: count and nth agree on validity; each host is non-empty,
 * shorter than BM_HOST_MAX, of host characters only; nth(count) is
 * -ENOENT; parse(format(x)) == x: the first hosts joined with commas are
 * a list of exactly those hosts.
 */
#include <ctype.h>
#include <errno.h>

#include "fuzz.h"

#define SAMPLE 32

static void check_host(const char *h)
{
	FUZZ_CHECK(h[0] && strlen(h) < BM_HOST_MAX);
	for (; *h; h++)
		FUZZ_CHECK(isalnum((unsigned char)*h) || *h == '-' ||
			   *h == '.' || *h == '_');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *list = fuzz_str(data, size), h[BM_HOST_MAX], h2[BM_HOST_MAX];
	char *joined;
	size_t n = 0, m = 0, i, k, o = 0;
	int ret;

	ret = bm_hostlist_count(list, &n);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (ret) {
		FUZZ_CHECK(bm_hostlist_nth(list, 0, h, sizeof(h)) == ret);
		free(list);
		return 0;
	}
	FUZZ_CHECK(n >= 1 && n <= BM_HOSTLIST_MAX);
	FUZZ_CHECK(bm_hostlist_nth(list, n, h, sizeof(h)) == -ENOENT);
	k = n < SAMPLE ? n : SAMPLE;
	joined = malloc(k * BM_HOST_MAX + 1);
	FUZZ_CHECK(joined);
	for (i = 0; i < k; i++) {
		FUZZ_CHECK(!bm_hostlist_nth(list, i, h, sizeof(h)));
		check_host(h);
		o += (size_t)sprintf(joined + o, "%s%s", i ? "," : "", h);
	}
	/* The last host too: the index arithmetic at the far end. */
	FUZZ_CHECK(!bm_hostlist_nth(list, n - 1, h, sizeof(h)));
	check_host(h);
	FUZZ_CHECK(!bm_hostlist_count(joined, &m) && m == k);
	for (i = 0; i < k; i++) {
		FUZZ_CHECK(!bm_hostlist_nth(list, i, h, sizeof(h)));
		FUZZ_CHECK(!bm_hostlist_nth(joined, i, h2, sizeof(h2)));
		FUZZ_CHECK(!strcmp(h, h2));
	}
	free(joined);
	free(list);
	return 0;
}
