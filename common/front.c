// SPDX-License-Identifier: MIT
/* The start every tool's main shares (see front.h). */
#include "bm.h"
#include "front.h"

int bm_front(const char *tool, int parse_ret, const struct bm_common *c,
	     void (*usage)(FILE *f))
{
	if (parse_ret) {
		usage(stderr);
		return BM_EXIT_USAGE;
	}
	if (c->help) {
		usage(stdout);
		return BM_EXIT_OK;
	}
	if (c->version) {
		bm_print_version(stdout, tool);
		return BM_EXIT_OK;
	}
	if (c->quiet)
		bm_log_set_level(BM_LOG_WARN);
	return -1;
}
