/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall internals shared by the front end (moe_alltoall.c), the
 * patterns (pat_a2a.c, pat_agrs.c, pat_eptp.c: one file each), the per
 * token count accounting (a2a_acc.c), the output (a2a_report.c), the
 * GPU-less --routing-only run (a2a_dry.c) and the NCCL run on the GPU-tool
 * harness (a2a_run.c, a2a_step.c). All pure C but the patterns' steps,
 * which are built only with NCCL (A2A_STEP).
 */
#ifndef A2A_H
#define A2A_H
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "bm.h"
#include "config.h"
#include "nrt_opts.h"
#include "routing.h"

#define A2A_TOOL "moe_alltoall"

/* One step's times on one rank, us (host wall clock, see moe_alltoall.c). */
struct a2a_times {
	double dispatch_us; /* dispatch, layout exchange included */
	double combine_us;  /* combine */
	double total_us;    /* dispatch + expert + combine */
	double layout_us;   /* a2a: the per-peer count exchange */
	double expert_us;   /* the simulated experts' busy wait */
};

struct a2a_run; /* a2a_run.h: the NCCL run's state */

/* An MoE communication pattern: one file fills one of these. */
struct a2a_pattern_ops {
	const char *name;   /* "a2a", "agrs", "eptp" */
	const char *desc;   /* one line for --list and the table */
	bool shared_tokens; /* every rank processes rank 0's tokens (eptp):
			     * one routing, counted once */
	bool has_dispatch;  /* rows carry dispatch_us */
	bool has_layout;    /* rows carry layout_us */
	/* The bytes rank me sends in one step (routing.h's accounting):
	 * sel/tok are row me of the step's per-peer matrix, sel_total their
	 * sum. */
	void (*bytes)(const struct a2a_geom *g, int ntok, int nranks, int me,
		      const uint64_t *sel, const uint64_t *tok,
		      uint64_t sel_total, struct a2a_bytes *b_p);
	/* One step of T tokens per rank: dispatch, experts, combine, every
	 * received value checked (wrong elements into the run's count);
	 * this rank's times into *t_p (zeroed before: a pattern sets what
	 * it has). NULL in a build without NCCL. */
	int (*step)(struct a2a_run *s, int T, struct a2a_times *t_p);
};

#if HAVE_NCCL
#define A2A_STEP(fn) .step = (fn)
#else
#define A2A_STEP(fn) .step = NULL
#endif

extern const struct a2a_pattern_ops a2a_pat_a2a, a2a_pat_agrs, a2a_pat_eptp;
/* Every pattern, NULL-terminated (a2a_report.c). */
extern const struct a2a_pattern_ops *const a2a_patterns[];
const struct a2a_pattern_ops *a2a_pattern_find(const char *name);

struct a2a_params {
	struct bm_common com; /* -s/-b/-e/-f tokens, -n, -w, out */
	struct nrt_opts nrt;  /* launch, --net, ... */
	const struct a2a_pattern_ops *pattern; /* -P */
	struct a2a_gen_cfg gen; /* -R, --seed; nranks set at run */
	const char *model;	/* --model NAME|PATH */
	char model_path[1024];	/* the file read */
	struct a2a_geom geom;	/* after overrides */
	int hidden_ovr;		/* --hidden (0: from the model) */
	int experts_ovr;	/* --experts */
	int topk_ovr;		/* --topk */
	double expert_us;	/* --expert-us, per active expert */
	double weight_bits;	/* --weight-bits (4.156: INT4 g128) */
	bool routing_only;	/* --routing-only: no GPU */
	int ep;			/* --ep: EP size for --routing-only */
	bool list;		/* --list */
	bool no_samples;	/* --no-samples: no raw samples */
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
/* One step: m is the step's per-peer matrix (shared tokens: row 0 only),
 * hist the step's expert histogram (everything routed). */
void a2a_acc_step(struct a2a_acc *a, const struct a2a_params *p, int ntok,
		  const struct a2a_matrix *m, const uint64_t *hist);
/* Adds bytes, balance and the mean per-peer matrix to row. */
void a2a_acc_row(const struct a2a_acc *a, json_t *row);

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

#if HAVE_NCCL
/* The patterns over NCCL on the harness; returns the exit status. */
int a2a_run_nccl(struct a2a_params *p, int argc, char **argv);
#endif

#endif
