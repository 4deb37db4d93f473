/* SPDX-License-Identifier: MIT */
/*
 * sim roofline: one decoded token (batch 1) as an additive critical path.
 *
 *   per step = host + dispatch + weights (rank's bytes / bandwidth)
 *            + KV cache + per-kernel fixed time + the mode's collectives
 *            (+ PP stage hops and the part of the next stage's host chain
 *               not hidden behind the previous stage's GPU work)
 *            (+ EAGLE3 draft when speculating)
 *   per token = per step / tokens accepted per step
 *             + per-request fixed cost / output tokens of the length class
 *
 * Every free parameter is read from data files (profiles/gb10.json,
 * profiles/arch.json, profiles/net-*.json), each with its derivation.
 */
#ifndef SIM_ROOFLINE_H
#define SIM_ROOFLINE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "attn.h"
#include "model.h"
#include "netprof.h"

enum sim_mode { SIM_SINGLE, SIM_PP, SIM_TP, SIM_EP, SIM_MODE_NR };
enum sim_length { SIM_LEN_SHORT, SIM_LEN_MEDIUM, SIM_LEN_LONG, SIM_LEN_NR };

const char *sim_mode_name(enum sim_mode m);
int	    sim_mode_parse(const char *s, enum sim_mode *m_p);
const char *sim_length_name(enum sim_length l);
int	    sim_length_parse(const char *s, enum sim_length *l_p);

/* Memory of one node as vLLM sees it, and the reserves beside weights and
 * KV (profiles/gb10.json "memory"; memfit.h uses them). */
struct sim_mem_hw {
	double total_gib;	/* cudaMemGetInfo total (what the utilisation
				 * fraction multiplies) */
	double free_gib;	/* free on an idle node (vLLM's start check) */
	double graph_gib;	/* CUDA graph pool, captured after the KV */
	double non_torch_gib;	/* CUDA context, cuBLAS workspace */
	double non_torch_net_gib; /* + NCCL buffers on a multi-node rank */
	double util_default;	/* --gpu-memory-utilization default */
	int    batched_tokens;	/* max_num_batched_tokens of the profile run */
	int    max_seqs;	/* max_num_seqs (the sampler's dummy run) */
	int    block_size;	/* KV cache block, tokens */
};

struct sim_hw {
	char   name[64];
	double mem_bw_gbs;		/* measured stream read */
	double eff_int4;		/* quantised GEMV / fused MoE */
	double eff_bf16;		/* BF16 GEMV (lm_head, router) */
	double peak_tflops;		/* dense tensor math (roofline cap) */
	double kernel_us;		/* fixed GPU time per kernel in a graph */
	double host_step_ms;		/* scheduler + inputs + sample + output */
	double dispatch_step_ms;	/* multi-node executor (Ray) per step */
	double pp_stage_host_ms;	/* host chain to launch the next stage */
	double request_fixed_ms[SIM_MODE_NR];
	double out_tokens[SIM_LEN_NR];	/* 0: steady state */
	/* EAGLE3 */
	int    draft_layers;
	double draft_mlp_mult;
	int    draft_vocab;
	double draft_host_ms;
	double accept;
	/* EP: extra link crossings the arrival skew at each MoE all-reduce
	 * costs (fitted: see gb10.json) */
	double ep_rendezvous;
	/* every parameter's provenance, for sim validate / explain */
	int    nprov;
	struct sim_prov {
		char	      key[48];
		enum sim_kind kind;
		char	      cells[200];	/* fitted: the cells that pinned it */
	} prov[48];
	/* attention mechanism (attn.h) */
	struct sim_attn_hw attn;
	/* MoE kernel padding of MXFP4 (Marlin): multiples; 0 none */
	int    mxfp4_pad_hidden;
	int    mxfp4_pad_inter;
	struct sim_mem_hw mem;
};

#define SIM_COLL_MAX 8

struct sim_coll {
	enum sim_op op;
	double	    bytes_fixed;
	double	    hidden_x;		/* bytes = hidden * hidden_x */
	double	    vocab_x;		/* bytes = vocab * vocab_x */
	double	    moe_hidden_x;	/* bytes = padded MoE hidden * x */
	bool	    after_moe;		/* follows the expert block (EP skew) */
	char	    what[64];
};

struct sim_arch_sched {
	int		kernels_per_layer;
	int		kernels_per_step;
	int		n_layer;
	struct sim_coll layer[SIM_COLL_MAX];	/* TP/EP, each layer */
	int		n_step;
	struct sim_coll step[SIM_COLL_MAX];	/* TP/EP, once a step */
	double		pp_hop_hidden_x;	/* PP: bytes of one message / hidden */
	int		pp_hop_messages;	/* PP: messages per stage boundary */
};

struct sim_ctx {
	char		     datadir[1024];
	struct sim_hw	     hw;
	struct sim_arch_sched sched;
	struct sim_model     model;
	struct sim_netprof   net;
};

struct sim_query {
	enum sim_mode	mode;
	int		nodes;		/* all nodes (PP: stages x tp) */
	int		tp;		/* PP only: TP degree inside each stage
					 * (0, 1: none) */
	double		ctx;
	enum sim_length length;
	double		out_tokens;	/* > 0: output tokens per request (a
					 * measured run's), not the class's */
	int		spec_tokens;	/* 0: no speculative decoding */
	double		accept;		/* < 0: profile default */
};

#define SIM_TERMS_MAX 16
#define SIM_NET_USES 12

/* One kind of collective a step sends, and how it was costed. */
struct sim_net_use {
	const char	   *term;	/* the breakdown term it adds to */
	char		    what[64];
	enum sim_op	    op;
	double		    bytes;	/* per collective */
	int		    nranks;
	int		    count;	/* per step */
	struct sim_net_cost cost;	/* one collective */
};

struct sim_term {
	const char *name;
	double	    ms;		/* per decoded token */
	const char *what;
};

struct sim_result {
	double		tok_s;
	double		ms_per_token;
	double		step_ms;
	double		tokens_per_step;
	double		rank_weight_bytes;	/* critical-path weight bytes/step */
	double		rank_kv_bytes;
	int		n_allreduce;		/* network collectives per step */
	int		n_allgather;
	int		n_p2p;
	int		n_kernels;
	/* attention at the context: the fewest CTAs of any layer, whether
	 * any layer turned compute-bound, the backend */
	int		attn_ctas;
	bool		attn_compute_bound;
	enum sim_attn_backend attn_backend;
	int		n_terms;
	struct sim_term term[SIM_TERMS_MAX];
	int		n_net;
	struct sim_net_use net[SIM_NET_USES];
};

/* The data files (profile.c). Find the data directory (profiles/):
 * $NETROOF_SIM_DATA, then
 * next to the executable (build or install tree), then the source root. */
int sim_find_datadir(char *out, size_t len);
/* A profile parameter: {"value": x, ...} or a bare number (a missing
 * "why" warns); an integer one >= lo. 0 or -EINVAL (message printed). */
int sim_param(json_t *o, const char *path, const char *key, double *v_p);
int sim_param_int(json_t *o, const char *path, const char *key, int lo,
		  int *v_p);
/* The "attention" and "moe_kernel" sections of a hardware profile
 * (attn.c). 0 or -EINVAL. */
int sim_attn_hw_load(json_t *root, const char *path, struct sim_hw *hw);
int sim_hw_load(const char *datadir, const char *name, struct sim_hw *hw);
/* The same from a parsed profile (sim calibrate edits one in memory);
 * path names it in messages. */
int sim_hw_from_json(json_t *root, const char *path, const char *name,
		     struct sim_hw *hw);
/* The file of a hardware profile: a path, or <datadir>/profiles/NAME.json. */
int sim_hw_path(const char *datadir, const char *name, char *path,
		size_t len);
int sim_sched_load(const char *datadir, const char *model_type,
		   struct sim_arch_sched *s);
/* The hardware's kernel facts applied to c->model (MXFP4 padding); call
 * after loading the model or changing its quantisation. */
void sim_ctx_apply_hw(struct sim_ctx *c);
/* TP degree of a query (attention/MLP split): TP/EP nodes, PP its tp. */
int sim_query_tp(const struct sim_query *q);
/* The EAGLE3 draft's BF16 weights on one rank of q, in bytes (read every
 * proposal, held in memory beside the model). */
double sim_draft_bytes_rank(const struct sim_ctx *c,
			    const struct sim_query *q);
/* Pipeline stages of a query (1 unless PP). */
int sim_query_stages(const struct sim_query *q);

/* Whether vLLM can run q on this model: 0, or -EINVAL with why it cannot
 * (TP divisibility, EP split, EAGLE3 with PP, ...) in why (len bytes). */
int sim_query_check(const struct sim_ctx *c, const struct sim_query *q,
		    char *why, size_t len);
/* 0, -EINVAL (query impossible: message printed), -EDOM (internal: PP
 * predicted faster than a single node). */
int sim_predict(const struct sim_ctx *c, const struct sim_query *q,
		struct sim_result *r);
double sim_term_ms(const struct sim_result *r, const char *name);
/* Add ms to term name (appended in order when new). */
void sim_term_add(struct sim_result *r, const char *name, double ms,
		  const char *what);

/* Bytes of one collective of the schedule for this model. */
double sim_coll_bytes(const struct sim_model *m, const struct sim_coll *c);

/* collectives.c: the network part of a step, recorded in r->net. */
struct sim_tp_ms {
	double ar_ms, ag_ms, skew_ms;	/* per step */
	int    n_ar, n_ag;		/* collectives per step */
};
/* The TP collectives of `layers` layers over n ranks, plus the step's
 * embedding all-reduce when first and the logits all-gather when last
 * (a PP stage holds those); adds to *t. */
int sim_tp_collectives(const struct sim_ctx *c, const struct sim_query *q,
		       int layers, bool first, bool last, int tokens, int n,
		       struct sim_result *r, struct sim_tp_ms *t);
int sim_pp_hop(const struct sim_ctx *c, int tokens, struct sim_result *r,
	       double *hop_ms_p);
int sim_draft_collectives(const struct sim_ctx *c, const struct sim_query *q,
			  struct sim_result *r, double *ms_p);

#endif
