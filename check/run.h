/* SPDX-License-Identifier: MIT */
/* The state of one netroof check process (run.c, coord.c). */
#ifndef CHK_RUN_H
#define CHK_RUN_H
#include <limits.h>

#include "check.h"
#include "local.h"

/* The one job this node runs at a time. */
struct chk_job {
	bool		 active;
	json_t		*spec;		/* owned */
	int		 step;
	struct chk_child child;
	char		 dir[3072];		/* its files */
	char		 out_json[PATH_MAX];	/* "" none */
	char		 err[PATH_MAX];
	uint64_t	 t0, max_ns;
	const char	*stop_why;	/* stopped by us (a stop message, a
					 * deadline): why; NULL: not */
};

struct chk_run {
	struct chk_opts	 *o;
	struct chk_net	 *net;
	struct chk_local  local;
	char		  dir[2048];	/* the report directory */
	int		  rank, n;
	struct chk_job	  job;
	struct chk_params p;		/* the agreed parameters */
	/* rank 0 */
	json_t		 *nodes;	/* node documents, rank order */
	json_t		 *steps;	/* step records */
	json_t		**done;		/* per rank: its last "done" (owned) */
	json_t		 *pred;		/* the prediction table */
	json_t		 *builtin;	/* built-in predictions (sizes) */
	int		  nstep;
	char		  err[768];	/* what ended the run, "" none */
	char		  cur[192];	/* "at step [N] TITLE": where it is */
};

/* run.c */
int  chk_job_start(struct chk_run *r, json_t *spec);
/* Advance the local job: 1 with its "done" message in *done_p. */
int  chk_job_poll(struct chk_run *r, json_t **done_p);
void chk_job_stop(struct chk_run *r, const char *why);
void chk_job_kill(struct chk_run *r);
/* A progress line on stderr (unless -q). */
void chk_progress(const struct chk_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
json_t *chk_params_json(const struct chk_params *p);
int  chk_params_from_json(json_t *j, struct chk_params *p);
const char *chk_skip_names(unsigned skip, char *buf, size_t len);

/* coord.c: rank 0's part; the exit status. */
int  chk_coordinate(struct chk_run *r);
/* Both: write what is known when the run failed (report.json with
 * "error"). */
void chk_write_partial(struct chk_run *r, const char *why);

#endif
