/* SPDX-License-Identifier: MIT */
/*
 * sim quantisation: which parts of a model a checkpoint converts, to what,
 * and how many bits per weight a decode step reads and memory holds.
 *
 * Sources: a config.json's quantization_config (quant_method gptq, awq,
 * auto-round/inc, fp8, mxfp4, modelopt/modelopt_fp4/nvfp4,
 * compressed-tensors) or a --quant string (sim_quant_parse). The parts a
 * scheme leaves in BF16 come from the config's exclusion list
 * (modules_to_not_convert, ignored_layers, ignore, exclude_modules) when it
 * has one, and from the scheme's published default otherwise:
 *   gptq/awq/auto-round  decoder-block Linear layers only: router gates,
 *                        embeddings and lm_head stay BF16 (GPTQModel and
 *                        AutoRound defaults; facts.md)
 *   fp8, nvfp4           ModelOpt's _default_disabled_quantizer_cfg
 *                        (modelopt/torch/quantization/config.py): *lm_head*,
 *                        *router*, *mlp.gate.*, *block_sparse_moe.gate*,
 *                        *mlp.shared_expert_gate.*; embeddings are no Linear
 *   mxfp4                vLLM converts only the fused MoE experts: every
 *                        LinearBase gets UnquantizedLinearMethod
 *                        (quantization/mxfp4.py:197-215), whatever the
 *                        config lists; attention and router stay BF16
 *
 * Bits per weight (g = group size):
 *   int, symmetric   read b + 16/g: vLLM's Marlin kernels read no zero
 *                    points for symmetric GPTQ (gptq_marlin.py:369, :802);
 *                    held b + 16/g for Linear layers (the qzeros are freed)
 *                    and b + 16/g + b/g for MoE experts (allocated)
 *   int, asymmetric  (AWQ, sym false) b + 16/g + b/g read and held
 *   fp8              8 (+ one fp32 per tensor), or 8 + 32/(rows x cols)
 *                    with block scales
 *   mxfp4            4 + 8/32 = 4.25 (E2M1, one E8M0 scale per 32)
 *   nvfp4            4 + 8/16 = 4.5 (E2M1, one E4M3 scale per 16, + fp32
 *                    per tensor)
 *   bf16             16
 */
#ifndef SIM_QUANT_H
#define SIM_QUANT_H
#include <jansson.h>
#include <stdbool.h>

#define SIM_LAYERS_MAX 256

/* The parts of a model whose precision can differ. */
enum sim_part {
	SIM_P_ATTN,	/* q, k, v, o projections */
	SIM_P_MLP,	/* dense MLP (dense models, mlp_only_layers) */
	SIM_P_EXPERT,	/* routed experts */
	SIM_P_SHARED,	/* shared expert */
	SIM_P_ROUTER,	/* router gate (and shared-expert gate) */
	SIM_P_EMBED,	/* input embedding */
	SIM_P_LM_HEAD,	/* output projection */
	SIM_P_NR,
};

enum sim_qscheme {
	SIM_Q_BF16,
	SIM_Q_INT,	/* gptq / awq / auto-round integer with group scales */
	SIM_Q_FP8,
	SIM_Q_MXFP4,
	SIM_Q_NVFP4,
};

struct sim_quant {
	enum sim_qscheme scheme;
	char	method[32];	/* quant_method as given ("gptq", "--quant") */
	char	name[48];	/* "w4g128", "mxfp4", "fp8-block128x128", ... */
	char	source[64];	/* "config.json" | "--quant" | "none: bf16" */
	/* where the BF16 parts came from: the config's list, or "published
	 * default (...)" naming the default */
	char	keep_source[96];
	int	bits;		/* 4, 8 (int); 8 (fp8); 4 (fp4); 16 (bf16) */
	int	group;		/* int: group size, 0 = per output channel;
				 * nvfp4 16, mxfp4 32; else 0 */
	bool	sym;		/* int: symmetric (no zero points read) */
	int	block[2];	/* fp8 block scales [rows, cols]; 0: per tensor */
	double	read_bits;	/* bits per converted weight a step reads */
	double	mem_bits;	/* ... a Linear layer holds in memory */
	double	mem_bits_moe;	/* ... an expert holds (int: + zero points) */
	/* parts the scheme converts in every layer (after exclusions that name
	 * no layer); embed and lm_head are model-wide */
	bool	converts[SIM_P_NR];
	/* exclusions that name one layer: bit (1 << part) of keep[l] set =
	 * that part of layer l stays BF16 */
	unsigned char keep[SIM_LAYERS_MAX];
	int	n_excluded;	/* exclusion entries understood */
	int	n_ignored;	/* entries naming no part sim models */
};

/* From the root of a config.json: quantization_config (absent: bf16).
 * 0, or -EINVAL (unknown method, bad field: message names path). */
int sim_quant_from_config(json_t *root, const char *path,
			  struct sim_quant *q);
/* From a --quant string:
 *   bf16 | fp16 | fp8 | fp8-block | fp8-blockRxC | mxfp4 | nvfp4 |
 *   w<b>g<g> (GPTQ symmetric, b 2..8) | int4 | int8 (w4g128, w8g128) |
 *   METHOD:w<b>g<g> with METHOD gptq, awq (asymmetric), auto-round
 * with the scheme's published default exclusions. 0 or -EINVAL. */
int sim_quant_parse(const char *s, struct sim_quant *q);
/* Bits per weight of part p in layer l (l < 0: the model-wide parts),
 * read (true) or held in memory (false). */
double sim_quant_bits(const struct sim_quant *q, enum sim_part p, int l,
		      bool read);
/* True when part p of layer l is converted (not BF16). */
bool sim_quant_converted(const struct sim_quant *q, enum sim_part p, int l);

#endif
