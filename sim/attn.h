/* SPDX-License-Identifier: MIT */
/*
 * sim attention: the cost of one layer's decode attention at a context, by
 * mechanism (batch 1, one sequence).
 *
 *   bytes  = T x 2 (K, V) x kv_heads_rank x head_dim x kv dtype bytes
 *            (T: the context; a sliding-window layer at most its window)
 *   flops  = T x 4 x q_heads_rank x head_dim x q_tokens (QK^T and PV)
 *   CTAs   = kv_heads_rank x splits: the kernel runs one program per KV
 *            head and split of the sequence, the query heads of a KV head
 *            packed into its rows (GQA group G = q_heads / kv_heads)
 *              flash_attn (FA2): splits from its split heuristic, at most
 *                fa_max_splits and one per fa_block_n tokens, chosen to
 *                fill the SMs (flash_api.cpp num_splits_heuristic)
 *              triton (vLLM unified attention, 3D decode kernel):
 *                triton_segments fixed segments (NUM_PAR_SOFTMAX_SEGMENTS),
 *                at most one per tile of triton_tile tokens
 *   bandwidth = min(kv_bw_gbs, CTAs x cta_gbs)
 *   math      = mma_tflops x min(1, G x q_tokens / block_m): the MMA tile
 *               has block_m rows (FA2 64, Triton 16) and only G x q_tokens
 *               of them are real at batch 1
 *   ms        = max(bytes / bandwidth, flops / math)
 * The kernel turns compute-bound only when G x q_tokens / dtype-bytes is
 * large against math / bandwidth: never for the GQA groups of the models
 * here at one or two query tokens (2 x 8 / 2 = 8 FLOP/B against ~50).
 *
 * Backend (GB10, vLLM on SM 12.x): flash_attn unless the model has sinks
 * (FA2 lacks them: fa_utils.py:123-127) or the KV cache is fp8 (FA2 reads
 * no fp8 KV), then triton (gpt-oss on GB10 runs TRITON_ATTN).
 */
#ifndef SIM_ATTN_H
#define SIM_ATTN_H
#include <stdbool.h>

#include "model.h"

enum sim_attn_backend { SIM_ATTN_FLASH, SIM_ATTN_TRITON };

/* The hardware and kernel facts the cost needs (profiles/gb10.json). */
struct sim_attn_hw {
	int    sm_count;	/* SMs */
	double kv_bw_gbs;	/* KV stream when the SMs are busy (the
				 * profile's top-level kv_bw_gbs) */
	double cta_gbs;		/* KV stream one CTA sustains alone */
	double mma_tflops;	/* tensor math peak for QK^T and PV */
	int    triton_segments; /* split-KV segments of the 3D kernel */
	int    triton_tile;	/* tokens per decode tile (bf16 KV) */
	int    triton_block_m;	/* MMA rows */
	int    fa_max_splits;	/* split cap under full CUDA graphs */
	int    fa_block_m;	/* MMA rows of the split-KV kernel */
};

struct sim_attn_cost {
	enum sim_attn_backend backend;
	int    ctas;		/* programs streaming the layer's KV */
	double bw_gbs;		/* the KV bandwidth they reach */
	double bytes;		/* KV bytes read */
	double flops;
	double bw_ms, flop_ms, ms;
	bool   compute_bound;
};

const char *sim_attn_backend_name(enum sim_attn_backend b);
enum sim_attn_backend sim_attn_backend_of(const struct sim_model *m);
/* One layer on one rank (TP degree tp): `tokens` context tokens (the
 * window cut applied when sliding), q_tokens query tokens per step. */
void sim_attn_layer(const struct sim_model *m, const struct sim_attn_hw *h,
		    int tp, double tokens, bool sliding, int q_tokens,
		    struct sim_attn_cost *c);
/* FA2's split count for `base` programs over n_blocks KV blocks on sms SMs
 * with at most max_splits (the wave-efficiency heuristic). */
int sim_attn_fa_splits(int base, int sms, int n_blocks, int max_splits);

#endif
