// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static char log_prefix[320] = "netroof";
static enum bm_log_level log_level = BM_LOG_INFO;
static char log_last[1024];

void bm_log_init(const char *tool, int rank)
{
	char host[256] = "?";
	const char *dbg = getenv("NETROOF_DEBUG");

	gethostname(host, sizeof(host) - 1);
	if (rank >= 0)
		snprintf(log_prefix, sizeof(log_prefix), "%s[rank %d@%s]", tool,
			 rank, host);
	else
		snprintf(log_prefix, sizeof(log_prefix), "%s", tool);
	if (dbg && *dbg && strcmp(dbg, "0"))
		log_level = BM_LOG_DBG;
}

void bm_log_set_level(enum bm_log_level lvl)
{
	if (log_level != BM_LOG_DBG)
		log_level = lvl;
}

const char *bm_log_last_error(void)
{
	return log_last[0] ? log_last : NULL;
}

void bm_log(enum bm_log_level lvl, const char *file, int line, const char *fmt,
	    ...)
{
	static const char *const names[] = { "error", "warning", "", "debug" };
	int saved = errno;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lvl == BM_LOG_ERR)
		snprintf(log_last, sizeof(log_last), "%s", msg);
	if (lvl > log_level)
		goto out;
	if (lvl == BM_LOG_INFO)
		fprintf(stderr, "%s: %s\n", log_prefix, msg);
	else if (log_level == BM_LOG_DBG)
		fprintf(stderr, "%s: %s: %s (%s:%d)\n", log_prefix, names[lvl],
			msg, file, line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prefix, names[lvl], msg);
out:
	errno = saved;
}
