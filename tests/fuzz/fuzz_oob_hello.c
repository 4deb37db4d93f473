// SPDX-License-Identifier: MIT
/*
 * The hello record without sockets (bm_oob_hello_parse/format) and the
 * parameter diff that names a differing key.
 *   input: a hello payload (what follows the frame's length)
 * Invariants: whatever parses formats back to the very same bytes (the
 * encoding is canonical); parse(format(h)) == h for a hello built from
 * the input's fields; parsed text has no control characters; a params
 * text never differs from itself, and the diff message is bounded.
 */
#include <errno.h>

#include "fuzz.h"

static void check_text(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		FUZZ_CHECK(t[i] == '\n' || (unsigned char)t[i] >= 0x20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bm_oob_hello h, g;
	const char *why = NULL;
	char *buf, diff[128];
	size_t len;
	int ret;

	ret = bm_oob_hello_parse(data, size, &h, &why);
	if (!ret) {
		FUZZ_CHECK(h.params_len == size - BM_OOB_HELLO_LEN);
		FUZZ_CHECK(h.rank >= 0 && h.rank < h.nranks);
		FUZZ_CHECK(h.status >= 0 && h.status < BM_OOB_NSTATUS);
		FUZZ_CHECK(h.tool[0] && strlen(h.tool) <= BM_OOB_TOOL_MAX);
		check_text(h.params, h.params_len);
		buf = malloc(size);
		FUZZ_CHECK(buf);
		FUZZ_CHECK(!bm_oob_hello_format(&h, buf, size, &len));
		FUZZ_CHECK(len == size && !memcmp(buf, data, size));
		free(buf);
		/* The receiver's params are NUL-terminated (hello_recv). */
		buf = fuzz_str((const uint8_t *)h.params, h.params_len);
		FUZZ_CHECK(!bm_params_diff(buf, buf, diff, sizeof(diff)));
		if (bm_params_diff("iters=100\nsize=8\n", buf, diff,
				   sizeof(diff)))
			FUZZ_CHECK(strlen(diff) < sizeof(diff));
		free(buf);
	} else {
		FUZZ_CHECK(ret == -EPROTO || ret == -EMSGSIZE);
		FUZZ_CHECK(why && *why);
	}

	/* The other way: fields taken from the input, formatted, parsed. */
	if (size >= 8) {
		char tool[BM_OOB_TOOL_MAX + 2] = "";
		size_t tl = data[6] % (BM_OOB_TOOL_MAX + 2);

		memset(&g, 0, sizeof(g));
		g.rank = data[0] | data[1] << 8;
		g.nranks = data[2] | data[3] << 8;
		g.status = data[4] % (BM_OOB_NSTATUS + 1);
		memcpy(tool, data + 8, tl < size - 8 ? tl : size - 8);
		snprintf(g.tool, sizeof(g.tool), "%s", tool);
		g.params = (const char *)data + 8;
		g.params_len = size - 8;
		len = BM_OOB_HELLO_LEN + g.params_len;
		buf = malloc(len);
		FUZZ_CHECK(buf);
		ret = bm_oob_hello_format(&g, buf, len, &len);
		if (!ret) {
			FUZZ_CHECK(!bm_oob_hello_parse(buf, len, &h, &why));
			FUZZ_CHECK(h.rank == g.rank && h.nranks == g.nranks &&
				   h.status == g.status &&
				   !strcmp(h.tool, g.tool) &&
				   h.params_len == g.params_len &&
				   !memcmp(h.params, g.params, g.params_len) &&
				   h.digest == bm_digest_n(g.params,
							    g.params_len));
		} else {
			FUZZ_CHECK(ret == -EINVAL);
		}
		free(buf);
	}

	/* The preamble: 8 bytes are ours or refused, never both. */
	if (size >= BM_OOB_PREAMBLE_LEN) {
		uint8_t mine[BM_OOB_PREAMBLE_LEN];

		bm_oob_preamble_format(mine);
		ret = bm_oob_preamble_check(data, BM_OOB_PREAMBLE_LEN);
		FUZZ_CHECK((ret == 0) ==
			   !memcmp(mine, data, BM_OOB_PREAMBLE_LEN));
	}
	return 0;
}
