/* SPDX-License-Identifier: MIT */
/*
 * sim model: a Hugging Face config.json turned into the geometry and the
 * bytes one decoded token reads (batch 1).
 *
 * Supported: qwen3_moe, minimax_m2 (MoE) and dense Llama-style models
 * (llama, mistral, qwen2, qwen3). Weights are w<bits>g<group> integer
 * (AutoRound / GPTQ packing: bits + 16/group + bits/group bits per weight)
 * or bf16; embeddings, lm_head, router gates and norms stay BF16.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H
#include <stdbool.h>
#include <stddef.h>

#define SIM_NAME_MAX 128

struct sim_model {
	char   name[SIM_NAME_MAX];	 /* file name without .json */
	char   model_type[64];		 /* qwen3_moe, minimax_m2, llama, ... */
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
	/* quantisation of the linear layers */
	int    wbits;			 /* 16: bf16 */
	int    group;
	double bits_per_weight;
	int    kv_bytes;		 /* bytes per KV element (2: bf16) */
};

/* Load a named model or a config.json path through the one HF config loader
 * (common/hfconfig.h: search order, field aliases). 0, or -EINVAL
 * (bad/missing field, unknown architecture: message printed) / -ENOENT (no
 * such file or name; the message lists the named models) / -errno. */
int sim_model_load(const char *name_or_path, struct sim_model *m);
/* Override the weight quantisation: "w4g128", "w8g128", "bf16". */
int sim_model_set_quant(struct sim_model *m, const char *quant);

/* Parameter counts (elements). Per layer unless said otherwise. */
double sim_attn_params(const struct sim_model *m);	/* q, k, v, o */
double sim_expert_params(const struct sim_model *m);	/* one routed expert */
double sim_shared_params(const struct sim_model *m);	/* shared expert */
double sim_dense_mlp_params(const struct sim_model *m);
double sim_router_params(const struct sim_model *m);
double sim_lm_head_params(const struct sim_model *m);	/* whole model */
/* Active parameters per token (for the summary line). */
double sim_active_params(const struct sim_model *m);

/* Bytes of w quantised weights. */
double sim_qbytes(const struct sim_model *m, double params);
/* Bytes one decoded token reads on one node running the whole model:
 * quantised linear layers (top-k experts) + BF16 router + lm_head. */
double sim_bytes_per_token(const struct sim_model *m);
/* KV cache bytes per context token, whole model (K and V, all layers). */
double sim_kv_bytes_per_ctx_token(const struct sim_model *m);
bool   sim_is_moe(const struct sim_model *m);

/* Expected number of the top-k experts the busiest of n ranks holds when
 * E experts are split evenly (E/n each) and routing picks k of E uniformly
 * without replacement: the exact multivariate-hypergeometric expectation of
 * max_r k_r. Returns -1 on bad input (n must divide E, n <= 64, k <= 64). */
double sim_ep_expected_max(int experts, int nranks, int k);
/* Expected distinct experts touched by t tokens, each choosing k of E
 * independently and uniformly: E (1 - (1 - k/E)^t). */
double sim_expected_union(int experts, int k, int tokens);

#endif
