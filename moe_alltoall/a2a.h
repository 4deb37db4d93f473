/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall internals shared by the front end (moe_alltoall.c), the
 * report helpers (a2a_report.c, pure C) and the NCCL patterns (a2a_nccl.c).
 */
#ifndef A2A_H
#define A2A_H
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bm.h"
#include "routing.h"
#ifdef A2A_HAVE_NCCL
#include "nccl_rt.h"
#endif

#define A2A_TOOL "moe_alltoall"

enum a2a_pattern {
	A2A_PAT_A2A,  /* all-to-all dispatch + combine (DeepEP's shape) */
	A2A_PAT_AGRS, /* vLLM EP: all-gather + reduce-scatter */
	A2A_PAT_EPTP, /* vLLM EP with TP, no DP: one all-reduce */
	A2A_PAT_N
};

struct a2a_pattern_info {
	const char *name;
	const char *desc;
};
extern const struct a2a_pattern_info a2a_patterns[A2A_PAT_N];
int a2a_pattern_parse(const char *s, enum a2a_pattern *p_p);

struct a2a_params {
	struct bm_common com;	  /* -s/-b/-e/-f tokens, -n, -w, out */
	enum a2a_pattern pattern; /* -P */
	struct a2a_gen_cfg gen;	  /* -R, --seed; nranks set at run */
	const char *model;	  /* --model NAME|PATH */
	char model_path[1024];	  /* the file read */
	struct a2a_geom geom;	  /* after overrides */
	int hidden_ovr;		  /* --hidden (0: from the model) */
	int experts_ovr;	  /* --experts */
	int topk_ovr;		  /* --topk */
	double expert_us;	  /* --expert-us, per active expert */
	double weight_bits;	  /* --weight-bits (4.156: INT4 g128) */
	bool routing_only;	  /* --routing-only: no GPU */
	int ep;			  /* --ep: EP size for --routing-only */
	bool list;		  /* --list */
	bool no_samples;	  /* --no-samples: no raw samples */
#ifdef A2A_HAVE_NCCL
	struct nrt_opts nrt; /* launch, --net, ... */
#endif
};

/* Per token count: what the steps moved and how balanced they were. */
struct a2a_acc {
	int nranks, n_experts;
	uint64_t steps;
	struct a2a_bytes sum; /* summed over steps and ranks */
	double wire_max;      /* max over rank-steps, disp+comb */
	double imb_tok_sum, imb_tok_max;
	double imb_sel_sum, imb_sel_max;
	double imb_w_sum, imb_w_max;
	double experts_sum;	/* distinct active experts, all ranks */
	double wbytes_sum;	/* expert weight bytes, all ranks */
	double busy_share_sum;	/* max rank's share of experts */
	struct a2a_matrix msum; /* per-peer matrix summed over steps */
	uint64_t *hist;		/* [E] selections per expert */
	struct a2a_load load;	/* scratch */
};
int a2a_acc_init(struct a2a_acc *a, int nranks, int n_experts);
void a2a_acc_free(struct a2a_acc *a);
void a2a_acc_reset(struct a2a_acc *a);
/* One step: m is the step's per-peer matrix (eptp: row 0 only, the shared
 * tokens), hist the step's expert histogram (everything routed). */
void a2a_acc_step(struct a2a_acc *a, const struct a2a_params *p, int ntok,
		  const struct a2a_matrix *m, const uint64_t *hist);
/* Adds bytes, balance and the mean per-peer matrix to row. */
void a2a_acc_row(const struct a2a_acc *a, const struct a2a_params *p,
		 json_t *row);

/* params as a flat JSON object (for output and the bootstrap hello). */
json_t *a2a_params_json(const struct a2a_params *p, int nranks);
/* The methodology '#' lines and the columns. */
void a2a_out_begin(struct bm_out *out, const struct a2a_params *p, int nranks,
		   bool timed);
/* The token counts of the sweep. */
int a2a_tokens_first(const struct a2a_params *p);
int a2a_tokens_next(const struct a2a_params *p, int cur); /* 0: done */

/* --routing-only: the routing of every rank computed here (no GPU). */
int a2a_routing_only(struct a2a_params *p, int argc, char **argv);

#ifdef A2A_HAVE_NCCL
/* The patterns over NCCL; returns the process exit code. */
int a2a_run_nccl(struct a2a_params *p, int argc, char **argv);
#endif

#endif
