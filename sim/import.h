/* SPDX-License-Identifier: MIT */
/*
 * sim import: measured decode rows from the files benchmarks write, for
 * `sim validate --measured` and `sim import`.
 *
 * A measured row is what validate predicts and compares: model, mode,
 * nodes, transport, spec, output length, context, tok/s; and with it where
 * it came from and how its tok/s was derived. Sources, told apart by their
 * content (never by file name):
 *
 *   netroof CSV    model,mode,nodes,transport,spec,length,ctx,tok_s, and
 *                  optionally source,tok_s_from and any other columns (kept
 *                  as extras); RFC 4180 quoting (import_csv.c)
 *   vllm-latency   `vllm bench latency --output-json F.json`: avg_latency,
 *                  latencies, percentiles (seconds); its sidecar
 *                  F.pytorch.json (SAVE_TO_PYTORCH_BENCHMARK_FORMAT=1) is
 *                  read with it when present: it alone has the CLI args
 *   vllm-serve     `vllm bench serve --save-result`: one object, or one per
 *                  line with --append-result; TP/PP/EP etc. through
 *                  `--metadata netroof_<key>=VALUE`
 *   llama-benchy   `llama-benchy --format json`: every concurrency-1 run
 *                  with a tg_throughput
 * (import_vllm.c), or a directory of such files (*.json, *.jsonl, *.csv;
 * not recursive; a NAME.pytorch.json next to NAME.json is its sidecar).
 *
 * Versions read (the files carry no vLLM version; the schema is detected
 * from the keys): vLLM benchmarks/latency.py, lib/utils.py and serve.py at
 * v0.16.0 (2d5be1dd) and on main at 2025-09-30 (96ebcaa3, ~v0.11.0),
 * 2025-12-12 (08f8a562, ~v0.13) and 2026-01-23 (0118cdcc, ~v0.15):
 * the keys used here are the same in all four. llama-benchy v0.2.0 to
 * v0.3.0 (ae09cab).
 *
 * The deployment (what sim needs beyond the figure) comes from what the
 * file records (latency: the sidecar's args; serve: netroof_* metadata, the
 * spec_decode_* counters), else from --deploy; both given and different is
 * an error, and so is anything sim needs that neither gives (the message
 * names the field). Errors: -EINVAL (exit 2, message printed once with
 * BM_ERR naming the file and the field), -ENOENT (no such file), -ENOMEM.
 */
#ifndef SIM_IMPORT_H
#define SIM_IMPORT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "roofline.h"

#define SIM_SRC_MAX 600
#define SIM_HOW_MAX 320
#define SIM_MROW_MAX 4096	/* rows of one validation */

/* The deployment keys of --deploy "k=v k=v" and of netroof_<k> metadata. */
enum sim_dkey {
	SIM_D_MODEL,	 /* netroof model name or config.json path */
	SIM_D_TP,	 /* tensor-parallel size, 1..64 */
	SIM_D_PP,	 /* pipeline-parallel size, 1..64 */
	SIM_D_EP,	 /* expert parallel on: 0|1 */
	SIM_D_NODES,	 /* GB10 nodes (one GPU each): must equal tp x pp */
	SIM_D_TRANSPORT, /* roce|socket|roce-oneshot|none */
	SIM_D_SPEC,	 /* none | eagle3[:K] */
	SIM_D_CTX,	 /* tokens in the KV cache when decode starts */
	SIM_D_OUT,	 /* output tokens per request */
	SIM_D_BATCH,	 /* requests per batch (sim: 1) */
	SIM_D_TTFT,	 /* ms; vllm-latency: the prefill share to take out */
	SIM_D_KV,	 /* KV-cache dtype: auto|bfloat16|float16 (sim: 16 bit) */
	SIM_D_NR,
};

/* A deployment as one source gives it: the fields whose bit is in set. */
struct sim_deploy {
	char	 model[SIM_NAME_MAX];
	int	 tp, pp, nodes, batch;
	bool	 ep;
	char	 transport[32];
	int	 spec_tokens;	/* 0: none; K: eagle3 with K draft tokens */
	double	 ctx, out, ttft_ms;
	char	 kv[32];
	unsigned set;			/* 1u << enum sim_dkey */
	char	 from[SIM_D_NR][96];	/* where each field came from */
	/* the model as the benchmark names it (vLLM --model, llama-benchy
	 * model): used only when it is a netroof model name */
	char	 bench_model[256];
	char	 bench_model_from[96];
};

/* One measured row. */
struct sim_mrow {
	char		model[SIM_NAME_MAX];
	enum sim_mode	mode;
	int		nodes;
	char		transport[32];
	int		spec_tokens;	/* 0: none; K: eagle3, K tokens */
	enum sim_length length;		/* the class, when out_tokens is 0 */
	double		out_tokens;	/* output tokens per request; 0: class */
	char		length_txt[24];	/* "long", or the tokens: "128" */
	double		ctx;		/* tokens */
	double		tok_s;		/* decode tok/s */
	char		source[SIM_SRC_MAX]; /* the benchmark file (and #N) */
	char		where[SIM_SRC_MAX];  /* where this row was read:
					      * CSV:line, or = source */
	char		how[SIM_HOW_MAX];    /* how tok_s was derived; "" for a
					      * CSV row typed by hand */
	int		line;		/* CSV line, or record/run number */
	json_t	       *extra;		/* other columns in order (owned; NULL:
					 * none): what the file recorded of
					 * the deployment (kv_cache_dtype,
					 * max_model_len, ...) and its other
					 * metrics (mean_tpot_ms, p99_itl_ms) */
};

/* Rows read so far (append with sim_import_path; free with
 * sim_mset_free). */
struct sim_mset {
	struct sim_mrow *rows;
	int		 n, cap;
	int		 files;		/* files that gave rows */
};

/* Parse --deploy's "k=v k=v ..." (keys: enum sim_dkey's names, see
 * sim_deploy_keys) into d (zeroed first). 0 or -EINVAL naming the key. */
int sim_deploy_parse(const char *text, struct sim_deploy *d);
/* "model tp pp ep nodes transport spec ctx out batch ttft kv" */
const char *sim_deploy_keys(void);
/* The formats, versions and deployment keys, for --help. */
const char *sim_import_help(void);

/* Append the rows of a file or a directory. user: --deploy (NULL: none).
 * 0, or -EINVAL/-ENOENT/-ENOMEM (message printed). */
int sim_import_path(const char *path, const struct sim_deploy *user,
		    struct sim_mset *set);
/* The same for a file's content already in memory (buf, len bytes); path
 * names it in messages and rows (and locates a latency file's sidecar). */
int sim_import_buf(const char *path, const char *buf, size_t len,
		   const struct sim_deploy *user, struct sim_mset *set);
void sim_mset_free(struct sim_mset *set);


/* The row as netroof CSV columns: model, mode, nodes, transport, spec,
 * length, ctx, tok_s, source, tok_s_from, then the extras listed in keys
 * (an array of names; NULL: the row's own extras). New reference. */
json_t *sim_mrow_json(const struct sim_mrow *r, const json_t *keys);
/* "none", "eagle3", "eagle3:K" */
const char *sim_spec_text(int spec_tokens, char *buf, size_t len);

/* For the readers (import_csv.c, import_vllm.c). */

/* True when the user's --deploy gave key k (d may be NULL). */
bool sim_deploy_has(const struct sim_deploy *d, enum sim_dkey k);
/* "none", "eagle3", "eagle3:K" (K 1..16) into speculative tokens: 0 or
 * -EINVAL. */
int  sim_spec_parse(const char *s, int *k_p);
/* A transport a row may name: roce, socket, roce-oneshot, none. */
bool sim_transport_ok(const char *s);

/* A new zeroed row at the end of set (*r_p), or -EINVAL past
 * SIM_MROW_MAX / -ENOMEM. */
int sim_mset_add(struct sim_mset *set, const char *path,
		 struct sim_mrow **r_p);
/* Set one deployment key from its text; from says where it came from.
 * 0, or -EINVAL (message: from, key, the accepted values). */
int sim_deploy_set(struct sim_deploy *d, const char *key, const char *val,
		   const char *from);
/* Merge what the file records (rec) with --deploy (user), refuse what is
 * missing or contradictory (messages start with r->where), and fill r's
 * model, mode, nodes, transport, spec, ctx and length. */
int sim_deploy_resolve(const struct sim_deploy *rec,
		       const struct sim_deploy *user, struct sim_mrow *r);
/* The most context or output tokens a row may say (sim_query_check's
 * bound on the context). */
#define SIM_TOKENS_MAX 1e8
/* Whether a finished row is one validate can predict: ctx in 0..1e8,
 * output tokens 0 (the length class) or 1..1e8, tok/s finite and > 0.
 * 0, or -EINVAL (message starts with r->where). */
int sim_mrow_check(const struct sim_mrow *r);
/* The length columns of r from output tokens per request. */
void sim_mrow_set_out(struct sim_mrow *r, double out_tokens);

/* A netroof CSV's text (len bytes; path for messages). */
int sim_read_csv(const char *path, const char *text, size_t len,
		 struct sim_mset *set);
/* One JSON value of a file: detect the schema, append its rows. record:
 * 1-based value number in a JSON Lines file, 0 when the file has one. */
int sim_read_json(const char *path, json_t *root, int record,
		  const struct sim_deploy *user, struct sim_mset *set);

#endif
