/* SPDX-License-Identifier: MIT */
/*
 * netroof check: one command per node, from a bare pair of boxes to a
 * verdict and a tok/s prediction (issue 16).
 *
 * Shape
 * - The nodes meet over the common bootstrap (common/oob, tool
 *   "netroof-check"): the waiting node (no HOST) is rank 0 and
 *   coordinates, the connecting node (HOST) is rank 1; under a launcher
 *   (Slurm, Open MPI, torchrun variables: common/launch) rank 0 waits and
 *   the others connect, k nodes in all. The hello carries the protocol's
 *   parameters (exact match, refused otherwise); right after it each node
 *   sends its run parameters (model, context, budget, ...) and rank 0
 *   takes the ones it was not given and refuses any that differ from one
 *   it was given, naming the option: so the waiting node can be bare.
 * - Rank 0 drives steps; each step is a pair of tool runs (server on one
 *   node, client on the other, or the two ranks of nccl_coll), started by
 *   a "run" message that describes the job (never an argv: a worker builds
 *   its own command line from validated fields, with its own device), and
 *   ended by "done" with the tool's exit status, the tail of its stderr
 *   and its JSON document. Pairs of a round run at once (k > 2: a
 *   round-robin schedule, every node in at most one pair per round).
 * - Every process runs one event loop (wire.c): it polls its peers'
 *   sockets, sends a heartbeat every second and fails a peer that has
 *   been silent for --timeout, watches its child and a deadline per job.
 *   A peer that dies is ECONNRESET at once; one that hangs, ETIMEDOUT
 *   after --timeout; either way the other side kills and reaps its
 *   children, writes what it has and exits 1.
 * - Tools are programs, found next to the netroof executable (the install
 *   bindir) or in the build tree (../ib_lat/ib_lat); children get
 *   PR_SET_PDEATHSIG, and every exit path stops and reaps them.
 * - At the end rank 0 runs sim on the measured files, builds the verdict
 *   and the report document, and sends it to every node: each writes the
 *   same report.json, report.md and report.html into its own directory.
 */
#ifndef CHK_CHECK_H
#define CHK_CHECK_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "bm.h"

#define CHK_TOOL	 "netroof-check"	/* the bootstrap's tool name */
#define CHK_PROTO	 1		/* this file's message protocol */
#define CHK_DEFAULT_PORT 18520		/* bootstrap; jobs use port + 2 .. */
#define CHK_FRAME_MAX	 (8u << 20)	/* largest control frame accepted */
#define CHK_MAX_NODES	 256
#define CHK_MODEL_DEFAULT "qwen3-coder-30b-a3b"	/* the reference model */

/* Steps a user can leave out (--skip). */
enum {
	CHK_SKIP_RDMA	 = 1 << 0,	/* every verbs step */
	CHK_SKIP_TCP	 = 1 << 1,	/* TCP latency and bandwidth */
	CHK_SKIP_BW	 = 1 << 2,	/* both bandwidth steps */
	CHK_SKIP_NCCL	 = 1 << 3,	/* nccl_coll */
	CHK_SKIP_PREDICT = 1 << 4,	/* sim */
};
/* "rdma,nccl" and the like into CHK_SKIP_* bits (every known name or'ed
 * into *skip): 0, or -EINVAL with the first unknown name in bad. */
int chk_skip_parse(const char *s, unsigned *skip, char *bad, size_t bad_len);

/* The run parameters both sides agree on (see "Shape" above). */
struct chk_params {
	char	 model[128];	/* --model: name or config path */
	long	 ctx;		/* --ctx: tokens already in the KV cache */
	unsigned skip;		/* CHK_SKIP_* */
	uint64_t iters;		/* --iters: most timed iterations per size */
	double	 budget_s;	/* --budget: seconds one measurement aims at */
	bool	 strict;	/* --strict: a WARN fails too */
	unsigned given;		/* CHK_P_* bits: set on the command line */
};
enum { CHK_P_MODEL = 1, CHK_P_CTX = 2, CHK_P_SKIP = 4, CHK_P_ITERS = 8,
       CHK_P_BUDGET = 16, CHK_P_STRICT = 32 };

struct chk_opts {
	const char	 *host;		/* rank 0's address; NULL: wait */
	const char	 *outdir;	/* -o; NULL: netroof-check-HOST-TIME */
	const char	 *bind;		/* --bind */
	uint16_t	  port;		/* -p: bootstrap port */
	int		  timeout_ms;	/* --timeout: silence that fails a peer */
	bool		  quiet;	/* -q: no progress lines */
	struct chk_params p;
	/* launcher (common/launch) */
	int		  rank, nranks;
	const char	 *launch_source;
	int		  argc;
	char		**argv;
};

/* ---- proc.c: child processes ----------------------------------------- */

struct chk_child {
	pid_t	 pid;		/* 0: none */
	int	 status;	/* exit status once reaped (signal: 128+sig) */
	bool	 reaped;
	uint64_t term_at;	/* SIGTERM sent at (ns), 0 not yet */
};

/* Find a tool: next to the running executable, then in the build tree
 * (../NAME/NAME). 0 with path, or -ENOENT. */
int  chk_find_tool(const char *name, char *path, size_t len);
/* fork + exec argv with stdout/stderr into files (NULL: /dev/null), the
 * child dying with us (PR_SET_PDEATHSIG). */
int  chk_spawn(char *const argv[], const char *out, const char *err,
	       struct chk_child *c);
/* Reaped now? (WNOHANG) */
bool chk_child_done(struct chk_child *c);
/* SIGTERM now, SIGKILL after grace_ms; returns once reaped. */
void chk_child_kill(struct chk_child *c, int grace_ms);
/* Non-blocking stop: SIGTERM once, SIGKILL once grace_ms have passed;
 * true when reaped. Call until it says so. */
bool chk_child_stop_step(struct chk_child *c, int grace_ms);
/* Run to completion with a deadline (ms), stdout into buf. The exit
 * status, or -ETIMEDOUT (killed). */
int  chk_run_capture(char *const argv[], int deadline_ms, char *buf,
		     size_t len);
/* The last len-1 bytes of a file into buf ("" if none). */
void chk_tail(const char *path, char *buf, size_t len);

/* ---- wire.c: the control channel ------------------------------------- */

struct chk_net;
/* Open the bootstrap (rank 0 listens) and wrap it; params: hello text. */
int  chk_net_open(const struct chk_opts *o, const char *params,
		  struct chk_net **n_p);
void chk_net_close(struct chk_net *n);
const char *chk_net_peer_addr(const struct chk_net *n, int peer);
/* This node's address on its connection to peer (a static buffer). */
const char *chk_net_local_addr(const struct chk_net *n, int peer);
/* Send a message (stolen) {"type": ...}; -EMSGSIZE past CHK_FRAME_MAX. */
int  chk_net_send(struct chk_net *n, int peer, json_t *msg);
/* Wait up to slice_ms: 1 with a message (*msg_p owned by the caller) from
 * *from_p, 0 none, or -errno (peer gone, silent past the timeout, garbage:
 * -EPROTO, an "abort" from it: -ECONNABORTED). Sends heartbeats. */
int  chk_net_poll(struct chk_net *n, int slice_ms, json_t **msg_p,
		  int *from_p);
/* Best effort: tell every peer why we stop. */
void chk_net_abort(struct chk_net *n, const char *why);

/* ---- steps.c: what a step runs ---------------------------------------- */

/* Build the argv of a job spec for this node (worker side): ib_lat or
 * nccl_coll with a local device; -EINVAL for a spec that is not valid.
 * dir: where its files go; out_json gets the JSON path ("" none). */
int  chk_job_argv(json_t *spec, json_t *local, const char *dir,
		  char **argv, size_t max, char *store, size_t store_len,
		  char *out_json, size_t out_len);

/* ---- the run ----------------------------------------------------------- */

struct chk_run;
/* Sets the stop flag (signals). */
void chk_request_stop(void);
bool chk_stop_requested(void);
/* The whole check on this node: an exit status. */
int  chk_main(struct chk_opts *o);

/* ---- report ------------------------------------------------------------ */

/* Make the report directory (never an existing one): o->outdir or
 * netroof-check-HOST-TIME[.N]; path gets it. -EEXIST for an existing -o. */
int  chk_outdir_make(const char *outdir, char *path, size_t len);
/* report.json, report.md and report.html from the report document. */
int  chk_report_write(const char *dir, json_t *report);
/* The verdict text (report.md's body) to f. */
void chk_report_text(json_t *report, FILE *f, bool markdown);
/* report.html */
int  chk_report_html(json_t *report, FILE *f);

/* verdict.c: the checks of a report document (nodes, steps, prediction)
 * as an array of {id, title, status, figure, fix}; *exit_p the status. */
json_t *chk_verdict(json_t *report, bool strict, int *exit_p);

/* predict.c. The measured files sim's --net gets, per transport ([0]
 * RoCE, [1] socket; "" none): the latency document, the best bandwidth
 * document, and nccl_coll's --compare document for both. */
struct chk_netfiles {
	const char *lat[2], *bw[2], *nccl;
};
/* Runs sim (argv without -J) and returns its document, NULL with why. */
typedef json_t *(*chk_sim_fn)(void *arg, char **argv, char *why,
			      size_t why_len);
/* The prediction table {model, ctx, moe, rows [{mode, transport, source
 * ("built-in" | "measured"), tok_s, ms_per_token, network, terms, error}],
 * reference, inputs}: every mode over both transports, from sim's
 * built-in profiles and (nf non-NULL) from the measured files. earlier: a
 * table this made before (nf NULL, same params) whose built-in rows are
 * taken instead of running sim again; NULL: none. */
json_t *chk_predict(const struct chk_params *p, const char *sim,
		    const struct chk_netfiles *nf, json_t *earlier,
		    chk_sim_fn run, void *arg);
/* The decode sizes (bytes, unique, ascending) in a table's built-in rows
 * (sim's network_terms); n_p: how many (at most max). */
void chk_decode_sizes(json_t *pred, size_t *sizes, int max, int *n_p);
/* The reference report's measured tok/s (results/vllm/qwen3-coder-gb10-
 * 2node.csv, found in the install tree or the source tree) for the model
 * at ctx, long outputs, no speculation: [{mode, transport, tok_s}]; src
 * gets the file ("" none found). */
json_t *chk_reference(const char *model, long ctx, char *src, size_t len);

/* The git revision this was built from. */
const char *chk_git_revision(void);

#endif
