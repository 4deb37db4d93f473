/* SPDX-License-Identifier: MIT */
/*
 * One option style for every tool: getopt_long over a table of struct
 * bm_opt that also prints --help, so help and parsing never disagree.
 * Shared fragments (sweep, output, out-of-band) are macros a tool puts in its
 * own table; bm_common_opt() handles their keys, the tool's switch the rest.
 *
 *   static const struct bm_opt tab[] = {
 *           BM_OPTS_SWEEP, { "type", 't', "T", "write|send|read|tcp" },
 *           BM_OPTS_OOB, BM_OPTS_OUT, BM_OPT_END };
 *   struct bm_getopt g; bm_getopt_init(&g, tab);
 *   while ((c = bm_getopt_next(&g, argc, argv)) != -1) {
 *           ret = bm_common_opt(&common, c, optarg);
 *           if (ret > 0) continue;          handled
 *           if (ret < 0) usage error (message already printed)
 *           switch (c) { case 't': ... }
 *   }
 */
#ifndef BM_OPTS_H
#define BM_OPTS_H
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bm_opt {
	const char *name;	/* long name without "--" */
	int	    key;	/* short letter, or >= 256 for long-only options */
	const char *arg;	/* argument name shown in --help; NULL: a flag */
	const char *help;	/* one line of help */
};
#define BM_OPT_END { NULL, 0, NULL, NULL }

/* Long-only keys used by the shared fragments; tools use >= BM_KEY_TOOL. */
enum {
	BM_KEY_CSV = 256,
	BM_KEY_BIND,
	BM_KEY_TIMEOUT,
	BM_KEY_TOOL = 300,
};

#define BM_OPTS_SWEEP                                                          \
	{ "size", 's', "SIZE", "one message size (bytes; K/M/G suffixes)" },   \
	{ "minbytes", 'b', "SIZE", "sweep: smallest size" },                   \
	{ "maxbytes", 'e', "SIZE", "sweep: largest size" },                    \
	{ "stepfactor", 'f', "F", "sweep: multiply the size by F each step" }, \
	{ "stepbytes", 'i', "SIZE", "sweep: add SIZE each step (instead of -f)" }, \
	{ "all", 'a', NULL, "sweep all powers of two from 2 B to 8 MiB" },    \
	{ "iters", 'n', "N", "timed iterations per size" },                   \
	{ "warmup", 'w', "N", "untimed warm-up iterations per size" }

#define BM_OPTS_OOB                                                            \
	{ "port", 'p', "PORT", "out-of-band TCP port" },                       \
	{ "bind", BM_KEY_BIND, "ADDR", "address to listen on / connect from" }, \
	{ "timeout", BM_KEY_TIMEOUT, "SEC", "give up on a silent peer after SEC seconds" }

#define BM_OPTS_OUT                                                            \
	{ "json", 'J', "FILE", "write the JSON document to FILE ('-': stdout)" }, \
	{ "csv", BM_KEY_CSV, "FILE", "write rows as CSV to FILE ('-': stdout)" }, \
	{ "quiet", 'q', NULL, "only warnings and errors on stderr" },          \
	{ "version", 'V', NULL, "print version and build features" },         \
	{ "help", 'h', NULL, "this help" }

/* A size sweep as nccl-tests: min, max, and a factor or an increment. */
struct bm_sweep {
	size_t min;	/* bytes */
	size_t max;	/* bytes */
	double factor;	/* > 1 when stepping by factor */
	size_t incr;	/* > 0 when stepping by increment (wins over factor) */
};
/* First size of the sweep is s->min; next returns 0 past the end. A
 * factor step advances at least one byte. */
size_t bm_sweep_next(const struct bm_sweep *s, size_t cur);
size_t bm_sweep_count(const struct bm_sweep *s);

/* Which sweep options were given (bm_common.sweep_keys). */
enum {
	BM_SWEEP_KEY_S	   = 1 << 0,	/* -s */
	BM_SWEEP_KEY_RANGE = 1 << 1,	/* -b or -e */
	BM_SWEEP_KEY_F	   = 1 << 2,	/* -f */
	BM_SWEEP_KEY_I	   = 1 << 3,	/* -i */
	BM_SWEEP_KEY_A	   = 1 << 4,	/* -a */
};
/* A sweep longer than this is a usage error (-i 1 over gigabytes). */
#define BM_SWEEP_MAX_SIZES 65536u

/* Options every tool shares. */
struct bm_common {
	struct bm_sweep sweep;
	unsigned    sweep_keys;	  /* BM_SWEEP_KEY_* given */
	uint64_t    iters;	  /* -n */
	uint64_t    warmup;	  /* -w */
	const char *json_path;	  /* -J */
	const char *csv_path;	  /* --csv */
	bool	    quiet;	  /* -q */
	bool	    help;	  /* -h */
	bool	    version;	  /* -V */
	uint16_t    port;	  /* -p */
	const char *bind;	  /* --bind */
	int	    timeout_ms;	  /* --timeout */
};
#define BM_COMMON_INIT(min_, max_, iters_, warmup_, port_)                     \
	((struct bm_common){ .sweep = { .min = (min_), .max = (max_),        \
					.factor = 2.0 },                      \
			     .iters = (iters_), .warmup = (warmup_),           \
			     .port = (port_), .timeout_ms = 10000 })

struct bm_getopt {
	const struct bm_opt *tab;
	struct option	    *lopts;
	char		    *shortopts;
};
int  bm_getopt_init(struct bm_getopt *g, const struct bm_opt *tab);
/* getopt_long: returns the key, '?' on an unknown option (getopt has
 * printed why), -1 at the end. */
int  bm_getopt_next(struct bm_getopt *g, int argc, char **argv);
void bm_getopt_free(struct bm_getopt *g);

/* Handle a key of the shared fragments: 1 handled, 0 not ours, -EINVAL bad
 * value (message printed). bm_common_check() then refuses what only the
 * order of the options would decide (-s with a sweep, -f with -i, -a with
 * -i), -b > -e, a sweep of more than BM_SWEEP_MAX_SIZES sizes, and -J and
 * --csv on the same file. */
int bm_common_opt(struct bm_common *c, int key, const char *arg);
int bm_common_check(struct bm_common *c);

/* --help: "Usage: tool SYNOPSIS", the option table, then the epilogue. */
void bm_usage(FILE *f, const char *tool, const char *synopsis,
	      const char *about, const struct bm_opt *tab, const char *epilogue);
/* --version: version, git revision and which backends were built. */
void bm_print_version(FILE *f, const char *tool);

/* Parsers: 0 or -EINVAL / -ERANGE; no message. Sizes take K/M/G/T suffixes
 * (binary: 4K = 4096, as nccl-tests and perftest), and B is allowed. */
int bm_parse_size(const char *s, size_t *v_p);
int bm_parse_u64(const char *s, uint64_t *v_p);
int bm_parse_int(const char *s, long min, long max, long *v_p);
int bm_parse_double(const char *s, double *v_p);
/* A CPU number (--cpu N): 0, -EINVAL (not a number) or -ERANGE (no such
 * CPU, or one this process may not run on). avail gets the CPUs it may
 * use ("0-3,8") in every case but a failed sched_getaffinity (-errno). */
int bm_parse_cpu(const char *s, int *cpu_p, char *avail, size_t len);
/* "4 KiB", "1 MiB", "12 B" into buf for human output. */
const char *bm_fmt_size(size_t v, char *buf, size_t len);

#endif
