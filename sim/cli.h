/* SPDX-License-Identifier: MIT */
/*
 * sim front end: what every subcommand shares.
 *
 * A subcommand is one file, cmd_<name>.c, defining
 *	const struct bm_opt sim_<name>_opts[];	its option table, built from
 *						the fragments below
 *	int sim_<name>_main(int argc, char **argv, const struct sim_cmd *cmd);
 * and one line in sim.c's command table (name, synopsis, about). Its main
 * parses with sim_parse() (its own options through a sim_own_fn), builds
 * a sim_ctx with sim_ctx_init/model/net, opens the output with
 * sim_out_open(), prints the human text to so.table when it is set, adds
 * rows and a summary to so.out (common/out.h: -J FILE, --csv FILE, meta),
 * and returns sim_out_close()'s exit status.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "bm.h"
#include "roofline.h"

/* Option keys the front end parses; a subcommand's own start at SIM_K_CMD. */
enum {
	SIM_K_MODEL	= 'm',
	SIM_K_MODE	= 'M',
	SIM_K_NODES	= 'N',
	SIM_K_TRANSPORT = 't',
	SIM_K_CTX	= 'c',
	SIM_K_LENGTH	= 'l',
	SIM_K_JSON	= 'J',	/* BM_OPTS_OUT */
	SIM_K_QUIET	= 'q',
	SIM_K_VERSION	= 'V',
	SIM_K_HELP	= 'h',
	SIM_K_CSV	= BM_KEY_CSV,
	SIM_K_SPEC	= BM_KEY_TOOL,
	SIM_K_SPEC_TOKENS,
	SIM_K_ACCEPT,
	SIM_K_NET,
	SIM_K_HW,
	SIM_K_QUANT,
	SIM_K_PLOT,
	SIM_K_DEPLOY,
	SIM_K_CMD	= BM_KEY_TOOL + 64,
};

/* Option table fragments (a subcommand may write its own entry for a key
 * when its help differs). */
#define SIM_OPT_MODEL { "model", SIM_K_MODEL, "M", "named model (sim/models/: qwen3-coder-30b-a3b, minimax-m2.5, ...) or a config.json path" }
#define SIM_OPT_MODE { "mode", SIM_K_MODE, "MODE", "single|pp|tp|ep (default tp)" }
#define SIM_OPT_NODES { "nodes", SIM_K_NODES, "N", "nodes (default 2)" }
#define SIM_OPT_TRANSPORT { "transport", SIM_K_TRANSPORT, "T", "roce|socket|roce-oneshot (default roce)" }
#define SIM_OPT_CTX { "ctx", SIM_K_CTX, "C", "context tokens already in the KV cache (K suffix ok)" }
#define SIM_OPT_LENGTH { "length", SIM_K_LENGTH, "L", "output-length class: short|medium|long (default long)" }
#define SIM_OPTS_SPEC                                                          \
	{ "spec", SIM_K_SPEC, "S", "speculative decoding: none|eagle3" },      \
	{ "spec-tokens", SIM_K_SPEC_TOKENS, "K", "speculative tokens per step (default 1)" }, \
	{ "accept", SIM_K_ACCEPT, "A", "acceptance rate 0..1 (default: profile)" }
#define SIM_OPT_HW { "hw", SIM_K_HW, "NAME", "hardware profile (default gb10) or a profile JSON path" }
#define SIM_OPT_DEPLOY { "deploy", SIM_K_DEPLOY, "\"K=V ...\"", "what the files do not record (keys: sim import --help)" }
#define SIM_OPT_QUANT { "quant", SIM_K_QUANT, "Q", "weights (default: the config's quantization_config): bf16, fp8, fp8-block[RxC], mxfp4, nvfp4, w4g128, w8g128, awq:w4g128, ..." }
/* -J FILE, --csv FILE, -q, -V, -h: as every netroof tool */
#define SIM_OPTS_OUT BM_OPTS_OUT

#define SIM_NET_FILES 8

/* The options every subcommand may take (what its table lists). */
struct sim_opts {
	const char     *model;		/* --model */
	enum sim_mode	mode;		/* --mode */
	int		nodes;		/* --nodes */
	bool		nodes_set;	/* --nodes was given */
	const char     *transport;	/* --transport */
	double		ctx;		/* --ctx, tokens */
	enum sim_length length;		/* --length */
	bool		spec;		/* --spec eagle3 */
	int		spec_tokens;	/* --spec-tokens (0: not given) */
	double		accept;		/* --accept; < 0: profile default */
	const char     *net[SIM_NET_FILES]; /* --net FILE, repeatable */
	int		n_net;
	const char     *hw;		/* --hw; NULL: gb10 */
	const char     *quant;		/* --quant; NULL: the config's */
	const char     *plot;		/* --plot DIR */
	const char     *deploy;		/* --deploy "k=v ..." (import.h) */
	const char     *json_path;	/* -J FILE ('-': stdout) */
	const char     *csv_path;	/* --csv FILE ('-': stdout) */
	bool		quiet;		/* -q: no table, warnings only */
	/* operands: set want_args before sim_parse to take them (else an
	 * operand is an error); args[0..n_args) are then what followed */
	bool		want_args;
	char	      **args;
	int		n_args;
	const char     *epilogue;	/* --help text after the options */
};

struct sim_cmd;
typedef int sim_cmd_fn(int argc, char **argv, const struct sim_cmd *cmd);

/* One line of sim.c's command table. */
struct sim_cmd {
	const char	    *name;	/* "predict" */
	sim_cmd_fn	    *fn;	/* argv[0] "sim", argv[1] the name */
	const struct bm_opt *opts;	/* what `sim NAME --help` lists */
	const char	    *synopsis;	/* after "sim NAME" in the usage line */
	const char	    *about;	/* what it does; `sim --help` lists it */
};

/* A subcommand's own option (key >= SIM_K_CMD): 0 or -EINVAL (message
 * printed). priv: the subcommand's own settings. */
typedef int sim_own_fn(int key, const char *arg, void *priv);

/* Parse argv[2..] against cmd->opts into o (defaults preset by the caller);
 * own handles keys >= SIM_K_CMD (may be NULL). 0, 1 (--help or --version
 * printed: exit 0), or -EINVAL (message and a hint printed). */
int sim_parse(int argc, char **argv, const struct sim_cmd *cmd,
	      struct sim_opts *o, sim_own_fn *own, void *priv);
/* A double >= 0 option value: 0 or -EINVAL (message names what). */
int sim_parse_nonneg(const char *what, const char *arg, double *v_p);
/* An integer option value in lo..hi: 0 or -EINVAL (message names what). */
int sim_parse_count(const char *what, const char *arg, long lo, long hi,
		    int *v_p);

/* Data dir and hardware profile (hw NULL: gb10). */
int sim_ctx_init(struct sim_ctx *c, const char *hw);
/* The model (named or a path: common/hfconfig.h), its quantisation override
 * (NULL: the config's) and its collective schedule. */
int sim_ctx_model(struct sim_ctx *c, const char *model, const char *quant);
/* The network: a built-in profile ("none" for single), merged with the
 * measured files; used gets where it came from. strict: a file of the
 * other transport is an error (-EINVAL); else it is skipped (explain runs
 * both transports; sim_net_files_check() then makes sure each file fitted
 * one of them). */
int sim_ctx_net(struct sim_ctx *c, const char *transport,
		const char *const *nets, int n_net, bool strict, bool *fitted,
		char *used, size_t used_len);
/* After non-strict sim_ctx_net calls: -EINVAL (message) for a file that
 * fitted neither transport. */
int sim_net_files_check(const char *const *nets, int n_net,
			const bool *fitted);
struct sim_mrow;
/* What sim_mrow_predict has loaded into c: the caller keeps it across rows
 * (zeroed at first, and whenever c's model or network is changed behind
 * it). */
struct sim_loaded {
	char model[SIM_NAME_MAX];
	char net[48];	/* transport, and the --net files merged or not */
};
/* Predict one measured row: its model (loaded into c when it differs from
 * ld's), the network of transport (NULL: the row's own; "roce-fitted" and
 * the like for the what-ifs) with the --net files merged where they fit
 * (loaded when it differs from ld's), then sim_predict. 0 with *tok_p, or
 * -errno (message printed, naming the row). */
int sim_mrow_predict(struct sim_ctx *c, const struct sim_mrow *m,
		     const char *transport, const char *const *nets,
		     int n_net, struct sim_loaded *ld, double *tok_p);

/* The --net files as a JSON array (params). */
json_t *sim_net_files_json(const struct sim_opts *o);

/* Output of a run: the common/out document and the human text. */
struct sim_out {
	struct bm_out *out;	/* rows, params, summary, meta */
	FILE	      *table;	/* stdout, or NULL (-q, -J -, --csv -) */
};

/* Opens -J/--csv (never overwriting; -EEXIST -> exit 2) and fills meta
 * (tool "sim", command, argv). */
int sim_out_open(const struct sim_opts *o, const struct sim_cmd *cmd,
		 int argc, char **argv, struct sim_out *so);
/* params every prediction shares: hw profile; with --model also the model,
 * its file and quantisation. meta: data_dir. */
void sim_out_params(struct sim_out *so, const struct sim_ctx *c,
		    const struct sim_opts *o);
/* Writes the document (with "error" when ret < 0) and returns the exit
 * status of ret (sim_exit). so may be unopened (so->out NULL). */
int sim_out_close(struct sim_out *so, int ret);

/* Exit status of a result: bm_exit_of(), except that a file sim was told
 * to read and cannot find (-ENOENT: --model, --measured, --net, --hw) is a
 * usage error (2), as a bad option value is. */
int sim_exit(int ret);

/* One prediction as a flat row (keys carry units): model, mode, nodes,
 * transport, ctx, length, spec, spec_tokens, accept, tok_s, ms_per_token,
 * step_ms, tokens_per_step, weight_bytes, kv_bytes, allreduce_n,
 * allgather_n, p2p_n, kernels_n, then <term>_ms for every term. */
json_t *sim_row(const struct sim_ctx *c, const struct sim_query *q,
		const struct sim_result *r, const char *transport);
/* { term: ms } of a breakdown, rounded as the rows are. */
json_t *sim_breakdown_json(const struct sim_result *r);
/* Where every network term of r came from: one line per kind of
 * collective (count x us each; the link model's terms, or the measured
 * file), then the link's parameters with their kind and source. */
void sim_print_network(FILE *f, const struct sim_ctx *c,
		       const struct sim_result *r);
/* One collective's cost as text: "ring/LL, 2 crossings x (1.47 one-way +
 * 1 x 7.05 proxy) + 3.3 wire + 6.6 base + 1.8 launch = 29.9 us". */
int sim_cost_text(char *buf, size_t len, const struct sim_net_cost *c);
/* The network uses of r as a JSON array (predict's summary). */
json_t *sim_network_json(const struct sim_ctx *c, const struct sim_result *r);

/* "# model NAME: type, layers, ..." */
void sim_model_line(FILE *f, const struct sim_model *m);

#endif
