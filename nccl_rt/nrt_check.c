// SPDX-License-Identifier: MIT
/* What a data check may claim (see nrt_check.h). */
#include <inttypes.h>
#include <stdio.h>

#include "nrt_check.h"

const char *nrt_check_verdict(const struct nrt_check *c, const char *err,
			      char *why, size_t len)
{
	why[0] = '\0';
	if (c->wrong) {
		snprintf(why, len, "%" PRIu64 " wrong element(s) in %" PRIu64
			 " of %" PRIu64 " checks", c->wrong, c->done,
			 c->planned);
		return "FAILED";
	}
	if (!c->done) {
		if (err)
			snprintf(why, len, "stopped before the first check: %s",
				 err);
		else
			snprintf(why, len, "this run makes no data check");
		return "not run";
	}
	if (c->done != c->planned) {
		snprintf(why, len, "%" PRIu64 " of %" PRIu64 " planned checks "
			 "made, no wrong element in those; %s%s", c->done,
			 c->planned, err ? "stopped: " : "", err ? err :
			 "the plan and the run disagree");
		return "FAILED";
	}
	return "passed";
}

const char *nrt_check_summary(const struct nrt_check *c, const char *err,
			      struct bm_out *out)
{
	char why[512];
	const char *v = nrt_check_verdict(c, err, why, sizeof(why));

	bm_out_summary(out, "wrong_total", json_integer((json_int_t)c->wrong));
	bm_out_summary(out, "data_check", json_string(v));
	if (why[0])
		bm_out_summary(out, "data_check_why", json_string(why));
	bm_out_summary(out, "checks_planned",
		       json_integer((json_int_t)c->planned));
	bm_out_summary(out, "checks_done", json_integer((json_int_t)c->done));
	return v;
}
