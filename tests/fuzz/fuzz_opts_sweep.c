// SPDX-License-Identifier: MIT
/*
 * The size sweep options (-s -b -e -f -i -a -n -w) through the real
 * getopt table, bm_common_opt() and bm_common_check().
 *   input: argv tokens separated by NUL bytes ("-b", "8", "-e", "1M")
 * Invariants of an accepted sweep: it starts at min, every step grows,
 * no size passes max, the walk and bm_sweep_count() agree and stay within
 * BM_SWEEP_MAX_SIZES; -s never comes with another sweep option.
 */
#include <errno.h>
#include <getopt.h>

#include "fuzz.h"

static const struct bm_opt tab[] = { BM_OPTS_SWEEP, BM_OPT_END };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_common c = BM_COMMON_INIT(2, 2, 1000, 100, 18515);
	char *argv[64], *buf;
	struct bm_getopt g;
	int argc, k, ret = 0;
	size_t v, prev = 0, n = 0;

	if (size > 4096)
		return 0;
	argc = fuzz_argv(data, size, argv, 64, &buf);
	optind = 0;	/* glibc: start over */
	opterr = 0;
	if (bm_getopt_init(&g, tab))
		abort();
	while ((k = bm_getopt_next(&g, argc, argv)) != -1) {
		ret = bm_common_opt(&c, k, optarg);
		if (ret <= 0) {
			ret = -EINVAL;
			break;
		}
		ret = 0;
	}
	bm_getopt_free(&g);
	if (!ret)
		ret = bm_common_check(&c);
	if (!ret) {
		FUZZ_CHECK(c.sweep.min >= 1 && c.sweep.min <= c.sweep.max);
		FUZZ_CHECK(c.sweep.incr > 0 || c.sweep.factor > 1.0);
		FUZZ_CHECK(c.iters >= 1);
		FUZZ_CHECK(!((c.sweep_keys & BM_SWEEP_KEY_S) &&
			     (c.sweep_keys & ~BM_SWEEP_KEY_S)));
		for (v = c.sweep.min; v; v = bm_sweep_next(&c.sweep, v)) {
			FUZZ_CHECK(v > prev && v <= c.sweep.max);
			FUZZ_CHECK(++n <= BM_SWEEP_MAX_SIZES);
			prev = v;
		}
		FUZZ_CHECK(n == bm_sweep_count(&c.sweep));
		if (c.sweep_keys & BM_SWEEP_KEY_S)
			FUZZ_CHECK(n == 1);
	}
	free(buf);
	return 0;
}
