/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall routing: which experts each token picks, where they live, and
 * what that costs in bytes and balance. Pure C (the model file through
 * common/hfconfig.h), built and unit-tested everywhere, GPU or not.
 *
 * Expert placement (expert parallelism over n ranks, E experts): contiguous
 * blocks, expert e lives on rank floor(e * n / E) (vLLM's and DeepEP's
 * layout; E need not divide by n).
 *
 * Generators (struct a2a_routing_ops), all reproducible: the routing of
 * (seed, rank, step) depends on nothing else, so every rank can recompute
 * any other rank's routing and a rerun gives identical ids.
 *   uniform      top-k distinct experts, uniform
 *   zipf[:S]     expert popularity p(i) ~ 1/i^S over a seeded permutation of
 *                the experts (the same hot experts on every rank, as in a
 *                trained model); k distinct per token (sampling without
 *                replacement flattens the skew a little: a2a_zipf_fit()
 *                measures what was generated)
 *   matrix:FILE  a fixed per-peer matrix: row src, column dst, relative
 *                share of src's expert selections sent to dst; every step
 *                hands out ntok x k selections by largest remainder, so the
 *                per-peer counts are exactly the file's shares
 *   trace:FILE   CSV of expert ids per token (k ids per line, optionally
 *                followed by k weights); '#' lines and a header are skipped.
 *                Rank r, step s takes ntok lines from line
 *                (seed + (s * nranks + r) * ntok) mod nlines, wrapping.
 * Routing weights (when not from a trace): uniform in [0.25, 1.25),
 * normalised to sum 1 per token (norm_topk_prob).
 *
 * Bytes, per rank per step, counted two ways and always labelled:
 *   DeepEP-style: every selected expert, local ones included; dispatch FP8
 *     at hidden + hidden/128 x 4 B scales per selection, combine BF16 at
 *     2 x hidden per selection (DeepEP's own accounting of its kernels).
 *   wire (deduplicated): what moe_alltoall's a2a pattern really sends: one
 *     BF16 hidden vector + a metadata record per (token, remote rank) pair
 *     on dispatch, one BF16 pre-weighted partial per pair on combine. The
 *     pairs for the rank itself go through NCCL too (a local copy) and are
 *     counted apart as self bytes.
 */
#ifndef A2A_ROUTING_H
#define A2A_ROUTING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- model geometry ---- */

struct a2a_geom {
	char name[128];	     /* model name or file stem */
	char model_type[64]; /* "qwen3_moe", "minimax_m2", ... */
	int hidden;	     /* hidden_size */
	int n_experts;	     /* num_experts (Qwen3) | num_local_experts |
			      * n_routed_experts */
	int topk;	     /* num_experts_per_tok | experts_per_token */
	int moe_inter;	     /* moe_intermediate_size or intermediate_size */
	int layers;	     /* num_hidden_layers (MoE layers) */
};

struct bm_hf;
/* From a loaded HF config (common/hfconfig.h) that has the MoE fields. */
void a2a_geom_from_hf(const struct bm_hf *hf, struct a2a_geom *g_p);
/* name: a path or a model name, found and checked by common/hfconfig.h
 * (BM_HF_NEED_MOE: hidden, layers, experts, top-k, expert size). path_p
 * (optional) gets the file used. 0, -ENOENT or -EINVAL (message printed). */
int a2a_geom_load(const char *name, struct a2a_geom *g_p, char *path_p,
		  size_t pathlen);
/* Expert weight bytes (gate, up, down: 3 x hidden x moe_inter) at bits per
 * weight (4.156 for INT4 w4g128, 16 for BF16). */
double a2a_expert_bytes(const struct a2a_geom *g, double bits);

/* ---- placement ---- */

static inline int a2a_owner(int e, int n_experts, int nranks)
{
	return (int)((int64_t)e * nranks / n_experts);
}
/* First expert of rank r (rank r owns [first(r), first(r + 1))). */
static inline int a2a_expert_first(int r, int n_experts, int nranks)
{
	return (int)(((int64_t)r * n_experts + nranks - 1) / nranks);
}

/* ---- routing ---- */

/* One step's routing on one rank. */
struct a2a_route {
	int ntok;     /* tokens */
	int topk;     /* experts per token */
	int32_t *ids; /* [ntok][topk] expert ids, distinct within a token */
	float *w;     /* [ntok][topk] weights, sum 1 per token */
};
int a2a_route_alloc(struct a2a_route *r, int ntok, int topk);
void a2a_route_free(struct a2a_route *r);

enum a2a_gen_kind {
	A2A_GEN_UNIFORM,
	A2A_GEN_ZIPF,
	A2A_GEN_MATRIX,
	A2A_GEN_TRACE,
	A2A_GEN_NKINDS
};

struct a2a_gen_cfg {
	enum a2a_gen_kind kind;
	double zipf_s;	/* zipf exponent (default 1.0) */
	char path[512]; /* matrix / trace file */
	uint64_t seed;
	int n_experts;
	int topk;
	int nranks; /* EP size (matrix rows, placement) */
};

/* "uniform", "zipf", "zipf:1.2", "matrix:FILE", "trace:FILE" into cfg
 * (kind, zipf_s, path); -EINVAL (no message) if malformed. */
int a2a_gen_parse(const char *spec, struct a2a_gen_cfg *cfg);
/* "zipf:1.2" etc. back, for params and output. */
const char *a2a_gen_spec(const struct a2a_gen_cfg *cfg, char *buf, size_t len);

struct a2a_gen;

struct a2a_routing_ops {
	const char *name; /* "uniform", "zipf", "matrix", "trace" */
	const char *desc; /* one line for --list */
	/* load files, build tables; 0 or -errno (message printed) */
	int (*init)(struct a2a_gen *g);
	/* fill r->ids and r->w for r->ntok tokens of (rank, step) */
	int (*route)(struct a2a_gen *g, int rank, uint64_t step,
		     struct a2a_route *r);
	void (*fini)(struct a2a_gen *g);
};
extern const struct a2a_routing_ops *const a2a_routing_table[A2A_GEN_NKINDS];

int a2a_gen_open(const struct a2a_gen_cfg *cfg, struct a2a_gen **g_p);
int a2a_gen_route(struct a2a_gen *g, int rank, uint64_t step,
		  struct a2a_route *r);
void a2a_gen_close(struct a2a_gen *g);
/* Zipf: the popularity of expert e (probability of a single draw); NULL
 * for other generators. */
const double *a2a_gen_popularity(const struct a2a_gen *g);

/* ---- counts, matrices, balance ---- */

/* Per destination rank for one source's route: sel[d] selections (token,
 * expert) with the expert on d; tok[d] tokens with at least one expert on d
 * (the deduplicated records). Arrays of nranks, overwritten. */
void a2a_route_counts(const struct a2a_route *r, int n_experts, int nranks,
		      uint32_t *sel, uint32_t *tok);
/* Adds the route's selections to hist[n_experts]. */
void a2a_route_hist(const struct a2a_route *r, int n_experts, uint64_t *hist);

/* An nranks x nranks per-peer matrix, row = source, column = destination. */
struct a2a_matrix {
	int n;
	uint64_t *sel; /* [n][n] selections */
	uint64_t *tok; /* [n][n] token records */
};
int a2a_matrix_init(struct a2a_matrix *m, int n);
void a2a_matrix_free(struct a2a_matrix *m);
void a2a_matrix_clear(struct a2a_matrix *m);
/* Row src += sel/tok (as from a2a_route_counts). */
void a2a_matrix_add(struct a2a_matrix *m, int src, const uint32_t *sel,
		    const uint32_t *tok);
uint64_t a2a_matrix_total_sel(const struct a2a_matrix *m);

/* Balance of n values: max/mean (1 when all are 0). */
struct a2a_imb {
	double min, max, mean;
	double ratio; /* max / mean */
	int argmax;   /* first rank with the max */
};
int a2a_imbalance(const double *v, int n, struct a2a_imb *imb_p);

/* One step's load per rank, from the matrix and the expert histogram of
 * everything the ranks' experts processed. tok/sel/wbytes are [nranks]. */
struct a2a_load {
	int nranks;
	double *tok;	 /* token records received (all sources) */
	double *sel;	 /* selections processed by its experts */
	double *experts; /* distinct experts active */
	double *wbytes;	 /* expert weight bytes read */
};
int a2a_load_init(struct a2a_load *l, int nranks);
void a2a_load_free(struct a2a_load *l);
void a2a_load_compute(struct a2a_load *l, const struct a2a_matrix *m,
		      const uint64_t *hist, int n_experts, double expert_bytes);

/* Least-squares slope of log(count) against log(popularity rank) over the
 * non-zero counts sorted in descending order: the measured Zipf exponent
 * (0 for uniform). n >= 2 non-zero counts, else 0. */
double a2a_zipf_fit(const uint64_t *counts, int n);

/* ---- bytes ---- */

#define A2A_FP8_BLOCK 128 /* DeepEP FP8 scale block (channels) */
/* Dispatch metadata record of a2a: int32 token index, int32 ids[k] (-1 for
 * experts on other ranks), float weights[k]. */
static inline size_t a2a_meta_bytes(int topk)
{
	return 4 + 8 * (size_t)topk;
}

struct a2a_bytes {
	/* DeepEP-style: per selection, local experts included */
	uint64_t deepep_dispatch; /* FP8 hidden + scales */
	uint64_t deepep_combine;  /* BF16 2 x hidden */
	/* deduplicated, what this pattern puts on the wire (remote peers) */
	uint64_t wire_dispatch;
	uint64_t wire_combine;
	/* the same records for the rank itself (a local copy, not wire) */
	uint64_t self_dispatch;
	uint64_t self_combine;
};
/* a2a: sel/tok = row me of the step's matrix. */
void a2a_bytes_a2a(const uint64_t *sel, const uint64_t *tok, int me, int nranks,
		   int hidden, int topk, struct a2a_bytes *b_p);
/* agrs: ring all-gather of hidden + ids/weights, ring reduce-scatter of
 * the BF16 partial outputs: what one rank sends. deepep_* from sel_total
 * (this rank's selections), for comparison. */
void a2a_bytes_agrs(int ntok, int nranks, int hidden, int topk,
		    uint64_t sel_total, struct a2a_bytes *b_p);
/* eptp: one ring all-reduce of the BF16 MoE output (2(n-1)/n x size). */
void a2a_bytes_eptp(int ntok, int nranks, int hidden, uint64_t sel_total,
		    struct a2a_bytes *b_p);

/* ---- data used by the in-run check (shared by both sides) ---- */

/* Hidden element h of token t of rank r: a small integer in [-8, 8], exact
 * in BF16. */
static inline float a2a_xval(int r, int t, int h)
{
	return (float)((int)(((unsigned)r * 131u + (unsigned)t * 31u +
			      (unsigned)h * 7u) %
			     17u) -
		       8);
}
/* The simulated expert e multiplies by 1 + (e % 8) / 8: x * f has at most
 * 7 significant bits, so the product is exact in BF16. */
static inline float a2a_expert_scale(int e)
{
	return 1.0f + (float)(e % 8) / 8.0f;
}

#endif
