// SPDX-License-Identifier: MIT
/*
 * The number and size parsers of common/opts.c.
 *   input: one argument as typed ("4K", "1 MiB", "65535", "2.5", "0x10")
 * Invariants: parse(format(x)) == x for what each parser accepts
 * (sizes through bm_fmt_size, integers through %lld, reals through
 * %.17g), and for any size_t taken from the input's bytes; ranges hold.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[64], avail[256];
	size_t v, w, raw = 0;
	uint64_t u, u2;
	double d, d2;
	long l, l2;
	int ret, cpu;

	ret = bm_parse_size(s, &v);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (!ret) {
		FUZZ_CHECK(!bm_parse_size(bm_fmt_size(v, out, sizeof(out)), &w));
		FUZZ_CHECK(v == w);
	}
	ret = bm_parse_u64(s, &u);
	if (!ret) {
		snprintf(out, sizeof(out), "%" PRIu64, u);
		FUZZ_CHECK(!bm_parse_u64(out, &u2) && u == u2);
	}
	ret = bm_parse_int(s, -1000, 1000000000, &l);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (!ret) {
		FUZZ_CHECK(l >= -1000 && l <= 1000000000);
		snprintf(out, sizeof(out), "%ld", l);
		FUZZ_CHECK(!bm_parse_int(out, -1000, 1000000000, &l2) &&
			   l == l2);
	}
	ret = bm_parse_double(s, &d);
	if (!ret) {
		FUZZ_CHECK(isfinite(d));
		snprintf(out, sizeof(out), "%.17g", d);
		FUZZ_CHECK(!bm_parse_double(out, &d2) && d == d2);
	}
	ret = bm_parse_cpu(s, &cpu, avail, sizeof(avail));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (!ret)
		FUZZ_CHECK(cpu >= 0 && cpu < CPU_SETSIZE);
	/* Every size prints as something that reads back. */
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	FUZZ_CHECK(!bm_parse_size(bm_fmt_size(raw, out, sizeof(out)), &w));
	FUZZ_CHECK(w == raw);
	free(s);
	return 0;
}
