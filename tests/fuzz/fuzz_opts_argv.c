// SPDX-License-Identifier: MIT
/*
 * A whole command line through the shared option table (sweep,
 * out-of-band, output fragments plus tool-style options): getopt_long,
 * bm_common_opt() and bm_common_check().
 *   input: argv tokens separated by NUL bytes
 * Invariants of an accepted command line: every value within its
 * documented range, the two outputs not both on stdout nor on one file.
 */
#include <errno.h>
#include <getopt.h>

#include "fuzz.h"

static const struct bm_opt tab[] = {
	BM_OPTS_SWEEP,
	{ "test", 't', "T", "a tool option with an argument" },
	{ "events", BM_KEY_TOOL, NULL, "a tool flag" },
	BM_OPTS_OOB,
	BM_OPTS_OUT,
	BM_OPT_END,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_common c = BM_COMMON_INIT(2, 8, 1000, 100, 18515);
	char *argv[64], *buf;
	struct bm_getopt g;
	int argc, k, ret = 0;

	if (size > 4096)
		return 0;
	argc = fuzz_argv(data, size, argv, 64, &buf);
	optind = 0;
	opterr = 0;
	if (bm_getopt_init(&g, tab))
		abort();
	while ((k = bm_getopt_next(&g, argc, argv)) != -1) {
		ret = bm_common_opt(&c, k, optarg);
		if (ret > 0) {
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		if (k != 't' && k != BM_KEY_TOOL) {
			ret = -EINVAL;	/* '?': unknown or missing argument */
			break;
		}
		if (k == 't')
			FUZZ_CHECK(optarg != NULL);
	}
	bm_getopt_free(&g);
	if (!ret)
		ret = bm_common_check(&c);
	if (!ret) {
		FUZZ_CHECK(c.iters >= 1);
		FUZZ_CHECK(c.port >= 1);
		FUZZ_CHECK(c.timeout_ms >= 1 && c.timeout_ms <= 86400000);
		FUZZ_CHECK(c.sweep.min >= 1 && c.sweep.min <= c.sweep.max);
		FUZZ_CHECK(bm_sweep_count(&c.sweep) <= BM_SWEEP_MAX_SIZES);
		FUZZ_CHECK(!(c.json_path && c.csv_path &&
			     !strcmp(c.json_path, c.csv_path)));
		FUZZ_CHECK(optind >= 1 && optind <= argc);
	}
	free(buf);
	return 0;
}
