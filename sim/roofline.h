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
#include <stdbool.h>

#include "model.h"
#include "netprof.h"

enum sim_mode { SIM_SINGLE, SIM_PP, SIM_TP, SIM_EP, SIM_MODE_NR };
enum sim_length { SIM_LEN_SHORT, SIM_LEN_MEDIUM, SIM_LEN_LONG, SIM_LEN_NR };

const char *sim_mode_name(enum sim_mode m);
int	    sim_mode_parse(const char *s, enum sim_mode *m_p);
const char *sim_length_name(enum sim_length l);
int	    sim_length_parse(const char *s, enum sim_length *l_p);

struct sim_hw {
	char   name[64];
	double mem_bw_gbs;		/* measured stream read */
	double eff_int4;		/* quantised GEMV / fused MoE */
	double eff_bf16;		/* BF16 GEMV (lm_head, router) */
	double kv_bw_gbs;		/* attention KV streaming */
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
};

#define SIM_COLL_MAX 8

struct sim_coll {
	enum sim_op op;
	double	    bytes_fixed;
	double	    hidden_x;		/* bytes = hidden * hidden_x */
	double	    vocab_x;		/* bytes = vocab * vocab_x */
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
	int		nodes;
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
	int		n_terms;
	struct sim_term term[SIM_TERMS_MAX];
	int		n_net;
	struct sim_net_use net[SIM_NET_USES];
};

/* Find the data directory (profiles/): $NETROOF_SIM_DATA, then
 * next to the executable (build or install tree), then the source root. */
int sim_find_datadir(char *out, size_t len);
int sim_hw_load(const char *datadir, const char *name, struct sim_hw *hw);
int sim_sched_load(const char *datadir, const char *model_type,
		   struct sim_arch_sched *s);

/* 0, -EINVAL (query impossible: message printed), -EDOM (internal: PP
 * predicted faster than a single node). */
int sim_predict(const struct sim_ctx *c, const struct sim_query *q,
		struct sim_result *r);
double sim_term_ms(const struct sim_result *r, const char *name);
/* Add ms to term name (appended in order when new). */
void sim_term_add(struct sim_result *r, const char *name, double ms,
		  const char *what);

/* collectives.c: the network part of a step, recorded in r->net. */
int sim_tp_collectives(const struct sim_ctx *c, const struct sim_query *q,
		       int tokens, struct sim_result *r);
int sim_pp_hop(const struct sim_ctx *c, int tokens, struct sim_result *r,
	       double *hop_ms_p);
int sim_draft_collectives(const struct sim_ctx *c, const struct sim_query *q,
			  struct sim_result *r, double *ms_p);

#endif
