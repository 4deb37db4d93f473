/* SPDX-License-Identifier: MIT */
/*
 * hfconfig: the one loader of Hugging Face config.json files, for every
 * tool that needs a model's geometry (sim, nccl_coll's decode presets,
 * moe_alltoall's routing).
 *
 * Finding a config: NAME_OR_PATH is a path when it contains '/' or names an
 * existing file. Otherwise it is a model name, looked up as NAME.json in
 *   1. $NETROOF_MODELS (one directory), when set;
 *   2. <directory of the running executable>/../share/netroof/models (the
 *      install tree: meson installs sim/models there);
 *   3. NETROOF_SOURCE_ROOT/sim/models (the source tree it was built from).
 * The first readable file wins. sim/models/ holds the one copy of each named
 * model; test data is never on this path (tests pass paths).
 *
 * Loading reads the file with jansson, keeps the root object for the fields
 * only one tool reads (quantization_config, layer_types, sliding_window,
 * qk_norm_type, ...), and fills struct bm_hf_geom with what every tool needs,
 * under the key names the families use (aliases below).
 *
 * Errors (message printed once with BM_ERR, naming the file and the field;
 * bm_log_last_error() has it for a JSON "error"):
 *   -ENOENT  no such file, or no NAME.json on the search path (the message
 *            lists the named models that are there)
 *   -EINVAL  malformed JSON, not an object, a required field missing, a
 *            field of the wrong type or out of range, inconsistent experts
 *   -errno   the file exists but cannot be read (-EACCES, ...)
 *
 * Usage:
 *
 *	struct bm_hf hf;
 *	int ret;
 *
 *	ret = bm_hf_load(name, BM_HF_NEED_MOE, &hf);
 *	if (ret)
 *		return ret;			// message already printed
 *	printf("%s (%s): %d layers, top-%d of %d experts\n", hf.name,
 *	       hf.path, hf.geom.layers, hf.geom.topk, hf.geom.experts);
 *	q = json_object_get(hf.root, "quantization_config");	// borrowed
 *	...
 *	bm_hf_free(&hf);			// root is released here
 *
 * A tool that decides what it needs only after seeing model_type loads with
 * the fields every caller needs, then asks for more:
 *
 *	ret = bm_hf_load(name, BM_HF_NEED_TYPE, &hf);
 *	if (!ret && is_moe_family(hf.geom.model_type))
 *		ret = bm_hf_require(&hf, BM_HF_NEED_MOE);
 *
 * What the other tools read today maps one to one:
 *   moe_alltoall's struct a2a_geom: bm_hf_load(name, BM_HF_NEED_MOE, ...);
 *     hidden, n_experts = experts, topk, moe_inter, layers, model_type
 *     (moe_intermediate_size, else intermediate_size: as geom.moe_inter).
 *   nccl_coll's struct coll_model: bm_hf_load(name, BM_HF_NEED_TYPE, ...)
 *     and geom.has_model_type; hidden_size, num_hidden_layers, vocab_size
 *     (0 when absent); qk_norm_type from the root.
 * Their own search lists (./sim/models, tests/<tool>/models) then go: the
 * tests pass paths.
 */
#ifndef BM_HFCONFIG_H
#define BM_HFCONFIG_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Geometry. 0 means "the config does not say" for the optional fields. */
struct bm_hf_geom {
	/* "model_type", else "architectures"[0]; "" when neither is there */
	char model_type[64];
	/* "architectures"[0] ("" when absent), e.g. "Qwen3MoeForCausalLM" */
	char architecture[128];
	/* true when "model_type" itself is present (not taken from
	 * architectures[0]) */
	bool has_model_type;
	int  layers;		/* num_hidden_layers (always required, > 0) */
	int  hidden;		/* hidden_size (always required, > 0) */
	int  heads;		/* num_attention_heads */
	int  kv_heads;		/* num_key_value_heads; default: heads */
	int  head_dim;		/* head_dim; default: hidden / heads */
	int  vocab;		/* vocab_size */
	/* MoE: experts == 0 is a dense model */
	int  experts;		/* num_experts | num_local_experts |
				 * n_routed_experts */
	int  topk;		/* num_experts_per_tok | experts_per_token */
	/* one routed expert's intermediate size: moe_intermediate_size; in
	 * an MoE config without it (MiniMax-M2, gpt-oss, Mixtral), the
	 * experts' size is intermediate_size */
	int  moe_inter;
	/* shared expert: shared_expert_intermediate_size (Qwen) |
	 * shared_intermediate_size (MiniMax) | n_shared_experts x moe_inter
	 * (DeepSeek); 0: none */
	int  shared_inter;
	/* dense MLP: intermediate_size, unless it is the experts' size (then
	 * 0); in Qwen3-MoE it is the MLP of the mlp_only_layers */
	int  mlp_inter;
	/* tie_word_embeddings is true (absent: false, as sim always read it;
	 * every config in sim/models says it) */
	bool tied_embeddings;
};

struct bm_hf {
	char		  name[128];	/* NAME, or the file name without .json */
	char		  path[1024];	/* the file that was read */
	json_t		 *root;		/* the whole config (owned) */
	struct bm_hf_geom geom;
};

/* What a caller needs beyond num_hidden_layers and hidden_size. */
enum bm_hf_need {
	BM_HF_NEED_TYPE	 = 1 << 0, /* model_type or architectures[0] */
	BM_HF_NEED_HEADS = 1 << 1, /* num_attention_heads */
	BM_HF_NEED_VOCAB = 1 << 2, /* vocab_size */
	BM_HF_NEED_MLP	 = 1 << 3, /* intermediate_size (dense MLP) */
	/* experts, topk, moe_inter; and 0 < topk <= experts */
	BM_HF_NEED_MOE	 = 1 << 4,
};

/* Resolve NAME_OR_PATH (see above) to a file in path (len bytes). 0 or
 * -ENOENT (message printed, listing the named models). */
int bm_hf_find(const char *name_or_path, char *path, size_t len);
/* A named model's file on the search path (no paths, nothing printed): 0
 * with path, or -ENOENT. */
int bm_hf_lookup(const char *name, char *path, size_t len);

/* Find and load; need: enum bm_hf_need bits. On success hf owns root (free
 * with bm_hf_free); on error hf is left empty (bm_hf_free is harmless). */
int bm_hf_load(const char *name_or_path, unsigned int need, struct bm_hf *hf);

/* Check fields a caller needs after loading: 0 or -EINVAL (message names
 * the file and the first missing field). */
int bm_hf_require(const struct bm_hf *hf, unsigned int need);

/* Release root; hf can be loaded again. */
void bm_hf_free(struct bm_hf *hf);

/* The named models on the search path, sorted, unique, ", "-separated, in
 * buf (truncated to len). Returns how many were found. */
int bm_hf_list(char *buf, size_t len);

#endif
