/* SPDX-License-Identifier: MIT */
#ifndef BM_LOG_H
#define BM_LOG_H
#include <stdarg.h>

enum bm_log_level { BM_LOG_ERR, BM_LOG_WARN, BM_LOG_INFO, BM_LOG_DBG };

/* Prefix for every message: "tool[rank N@host]". Set once from main. */
void bm_log_init(const char *tool, int rank);
/* Messages at or below this level are printed (default INFO; -q: WARN;
 * NETROOF_DEBUG=1 in the environment: DBG). */
void bm_log_set_level(enum bm_log_level lvl);
void bm_log(enum bm_log_level lvl, const char *file, int line, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));
/* The last BM_ERR text, so it can go into the JSON "error" field. */
const char *bm_log_last_error(void);

/* All to stderr, so stdout stays clean data (table, CSV or JSON). */
#define BM_ERR(...)  bm_log(BM_LOG_ERR, __FILE__, __LINE__, __VA_ARGS__)
#define BM_WARN(...) bm_log(BM_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define BM_INFO(...) bm_log(BM_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define BM_DBG(...)  bm_log(BM_LOG_DBG, __FILE__, __LINE__, __VA_ARGS__)

#endif
