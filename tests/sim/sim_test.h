/* SPDX-License-Identifier: MIT */
/*
 * What sim's unit tests share: the data directory and GB10 profile in a
 * context, a scratch folder, and its removal.
 */
#ifndef SIM_TEST_H
#define SIM_TEST_H
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "roofline.h"

/* Logs only errors as name, fills c's datadir and hw, makes tmpdir (a
 * mkdtemp template). 0, or 1 with a message. */
static inline int sim_test_init(const char *name, struct sim_ctx *c,
				char *tmpdir)
{
	bm_log_init(name, -1);
	bm_log_set_level(BM_LOG_ERR);
	if (sim_find_datadir(c->datadir, sizeof(c->datadir)) ||
	    sim_hw_load(c->datadir, "gb10", &c->hw)) {
		fprintf(stderr, "sim data not found\n");
		return 1;
	}
	return mkdtemp(tmpdir) ? 0 : 1;
}

static inline void sim_test_cleanup(const char *tmpdir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

#endif
