/* SPDX-License-Identifier: MIT */
/*
 * sim model: a Hugging Face config.json turned into the geometry, the
 * precision of each part (quant.h) and the bytes one decoded token reads
 * and one rank holds (batch 1).
 *
 * Supported: gpt_oss, qwen3_moe (any size: mlp_only_layers and
 * decoder_sparse_step give dense layers), minimax_m2 (MoE) and the dense
 * Llama-style families (llama, mistral, qwen2, qwen3). Per layer: sliding
 * window or full attention (layer_types; gpt_oss: even layers, as vLLM's
 * gpt_oss.py:116; mistral: every layer; qwen2/3 with use_sliding_window:
 * layers >= max_window_layers), dense MLP or experts.
 *
 * Counts are elements; "rank" functions take the TP degree tp (the
 * attention, dense MLP, shared expert, embedding and lm_head split tp ways;
 * KV heads replicate once tp exceeds their number: max(1, kv_heads / tp)
 * per rank, as vLLM's qwen3_moe.py:282) and, for experts, whether EP holds
 * whole experts (E / tp per rank) or TP slices every expert's width.
 * Norms (a few KB per layer) are left out.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H
#include <stdbool.h>
#include <stddef.h>

#include "quant.h"

#define SIM_NAME_MAX 128

/* Per-layer flags (sim_model.layer[]). */
enum {
	SIM_L_SLIDING = 1 << 0,	/* sliding-window attention */
	SIM_L_DENSE   = 1 << 1,	/* dense MLP in an MoE model */
};

struct sim_model {
	char   name[SIM_NAME_MAX];	 /* file name without .json */
	char   model_type[64];		 /* qwen3_moe, gpt_oss, llama, ... */
	char   path[1024];		 /* the config.json read */
	int    layers;
	int    hidden;
	int    heads;
	int    kv_heads;
	int    head_dim;
	int    vocab;
	bool   tied_embeddings;
	/* MoE (experts == 0: dense MLP of mlp_inter) */
	int    experts;
	int    topk;
	int    moe_inter;
	int    shared_inter;		 /* shared expert (0: none) */
	int    mlp_inter;		 /* dense MLP intermediate size */
	/* attention */
	int    window;			 /* sliding window tokens; 0: none */
	int    n_sliding;		 /* layers with SIM_L_SLIDING */
	bool   sinks;			 /* learned per-head sinks (gpt_oss) */
	bool   attn_bias;		 /* q/k/v biases (+ o bias: o_bias) */
	bool   o_bias;
	bool   expert_bias;		 /* expert and router biases */
	int    max_pos;			 /* max_position_embeddings; 0: absent */
	unsigned char layer[SIM_LAYERS_MAX];	/* SIM_L_* */
	/* precision of each part */
	struct sim_quant quant;
	/* bits an expert weight holds (the converted ones; a dense model:
	 * a converted Linear); 16 when nothing is converted */
	double bits_per_weight;
	int    kv_bytes;		 /* bytes per KV element (2 bf16, 1 fp8) */
	/* MoE kernel padding on the hardware (0: none): hidden rounded up to
	 * a multiple of pad_hidden, each rank's expert width to pad_inter
	 * (Marlin MXFP4, vLLM mxfp4.py:274-295) */
	int    pad_hidden;
	int    pad_inter;
};

/* Load a named model or a config.json path through the one HF config loader
 * (common/hfconfig.h: search order, field aliases). 0, or -EINVAL
 * (bad/missing field, unknown architecture or quantisation: message
 * printed) / -ENOENT (no such file or name) / -errno. */
int sim_model_load(const char *name_or_path, struct sim_model *m);
/* Replace the weight quantisation (quant.h sim_quant_parse grammar). */
int sim_model_set_quant(struct sim_model *m, const char *quant);
/* KV cache dtype: "bf16"/"auto" (2 bytes) or "fp8" (1). 0 or -EINVAL. */
int sim_model_set_kv_dtype(struct sim_model *m, const char *dtype);
/* MoE kernel padding multiples of the hardware (0: none); applied only to
 * the schemes whose kernel pads (mxfp4). */
void sim_model_set_pad(struct sim_model *m, int pad_hidden, int pad_inter);

/* Whole-model parameter counts (elements, TP 1, no padding). Per layer
 * unless said otherwise. */
double sim_attn_params(const struct sim_model *m);	/* q, k, v, o */
double sim_expert_params(const struct sim_model *m);	/* one routed expert */
double sim_shared_params(const struct sim_model *m);	/* shared expert */
double sim_router_params(const struct sim_model *m);
double sim_lm_head_params(const struct sim_model *m);	/* whole model */
/* Active parameters per token (for the summary line). */
double sim_active_params(const struct sim_model *m);
bool   sim_is_moe(const struct sim_model *m);

/* Geometry after the TP split and the kernel padding. */
int    sim_kv_heads_rank(const struct sim_model *m, int tp);
int    sim_moe_hidden(const struct sim_model *m);	  /* padded hidden */
int    sim_moe_inter_rank(const struct sim_model *m, int tp); /* padded */
bool   sim_layer_is_moe(const struct sim_model *m, int l);

/* Bytes one step reads on one rank from layers [l0, l0 + n), split into
 * the converted (quantised) stream and the BF16 stream (weights, biases,
 * sinks). experts: routed experts the rank reads per MoE layer (TP: each a
 * 1/tp slice; ep: whole). Elements too, for the FLOP roofline. */
struct sim_bytes {
	double quant, bf16;		/* bytes */
	double quant_elems, bf16_elems;	/* weights */
};
void sim_read_layers(const struct sim_model *m, int l0, int n, int tp,
		     bool ep, double experts, struct sim_bytes *b);
/* The lm_head's share of one rank (vocab-parallel), added to b. */
void sim_read_lm_head(const struct sim_model *m, int tp, struct sim_bytes *b);
/* Bytes one rank holds: layers [l0, l0 + n) at TP tp (ep: E/tp whole
 * experts), + the embedding when first, + lm_head when last (one copy when
 * tied and both). */
double sim_weights_rank(const struct sim_model *m, int l0, int n, int tp,
			bool ep, bool first, bool last);

/* KV bytes on one rank of layers [l0, l0 + n) for `tokens` context tokens:
 * full layers all of them, sliding layers at most `sliding_tokens`. */
double sim_kv_rank(const struct sim_model *m, int l0, int n, int tp,
		   double tokens, double sliding_tokens);
/* Bytes one decoded token reads on one node running the whole model
 * (TP 1, top-k experts, lm_head; padding as set). */
double sim_bytes_per_token(const struct sim_model *m);
/* KV cache bytes per context token, whole model (K and V, all layers,
 * sliding layers included, as if every layer were full). */
double sim_kv_bytes_per_ctx_token(const struct sim_model *m);

/* vLLM's PP layer split (distributed/utils.py get_pp_indices): layers / pp
 * each, the remainder one each to the stages before the last. */
void sim_pp_layers(int layers, int pp, int stage, int *l0_p, int *n_p);

/* Expected number of the top-k experts the busiest of n ranks holds when
 * E experts are split evenly (E/n each) and routing picks k of E uniformly
 * without replacement: the exact multivariate-hypergeometric expectation of
 * max_r k_r. Returns -1 on bad input (n must divide E, n <= 64, k <= 64). */
double sim_ep_expected_max(int experts, int nranks, int k);
/* Expected distinct experts touched by t tokens, each choosing k of E
 * independently and uniformly: E (1 - (1 - k/E)^t). */
double sim_expected_union(int experts, int k, int tokens);

#endif
