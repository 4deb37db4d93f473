/* SPDX-License-Identifier: MIT */
/*
 * sim memory fit: does a deployment fit on its nodes, as vLLM decides it,
 * and with how much to spare.
 *
 * Per rank (the worst one: PP stages differ):
 *   weights     what the rank holds (model.h sim_weights_rank; MoE
 *               experts with their zero points, MXFP4 padded), + the
 *               EAGLE3 draft (BF16, TP-split) when speculating
 *   kv_need     one request of max_model_len: full layers
 *               cdiv(len, block) blocks, sliding layers
 *               cdiv(min(window - 1 + max_num_batched_tokens, len), block)
 *               + 1 blocks (vLLM kv_cache_interface.py max_memory_usage)
 *   activation  the profile run's peak, from tensor shapes: one forward of
 *               max_num_batched_tokens (residual, hidden, q/k/v, the MLP or
 *               fused-MoE intermediate caches) and the sampler's dummy run
 *               over max_num_seqs logits rows (bf16 logits, fp32 copy and
 *               probabilities: 10 bytes per vocab entry)
 *   non_torch   CUDA context, cuBLAS workspace; + NCCL buffers when the
 *               rank talks to others
 *   graphs      CUDA graph pool, captured after the KV cache is made
 * vLLM (v1/worker/gpu_worker.py, utils.py, kv_cache_utils.py):
 *   budget   = gpu_memory_utilization x total memory (cudaMemGetInfo);
 *              start-up fails when the free memory is below it
 *   kv pool  = --kv-cache-memory-bytes when given (it ignores the
 *              utilisation for sizing), else budget - (weights +
 *              activation + non_torch); it must hold kv_need
 *   the node = weights + kv pool + activation + non_torch + graphs must
 *              not exceed the free memory (else out of memory once the
 *              graphs are captured)
 * headroom = free - (weights + kv_need + activation + non_torch + graphs):
 * what the node has left beyond one max_model_len request.
 */
#ifndef SIM_MEMFIT_H
#define SIM_MEMFIT_H
#include <stdbool.h>
#include <stddef.h>

#include "opts.h"
#include "roofline.h"

#define SIM_GIB (1024.0 * 1024.0 * 1024.0)

/* The vLLM flags that decide memory (0: vLLM's default). */
struct sim_memcfg {
	double max_model_len;	/* --max-model-len; 0: the config's
				 * max_position_embeddings, else 2048 */
	double gpu_util;	/* --gpu-memory-utilization; 0: profile's */
	double kv_cache_bytes;	/* --kv-cache-memory-bytes per worker */
	const char *kv_dtype;	/* --kv-dtype bf16|fp8; NULL: bf16 */
};

struct sim_memfit {
	int    stage;		/* the binding rank's PP stage */
	double max_model_len;	/* what was checked */
	double util;
	double total, free, budget;	/* bytes */
	double weights, kv_need, kv_pool, activation, non_torch, graphs;
	double used;		/* weights + kv_pool + reserves */
	double headroom;	/* see above; < 0 does not fit */
	bool   fits;
	/* what limits it: the check that failed, or the largest part */
	char   limit[48];
	char   why[320];	/* the numbers, when it does not fit */
};

/* Resolve d's defaults for model m and the context ctx (tokens already in
 * the cache): 0, or -EINVAL when ctx + 1 exceeds max_model_len or a value
 * is out of range (message printed). */
int sim_memcfg_resolve(const struct sim_ctx *c, double ctx,
		       struct sim_memcfg *d);
/* Fit of query q under d (resolved). Always 0; f->fits says. */
int sim_memfit(const struct sim_ctx *c, const struct sim_query *q,
	       const struct sim_memcfg *d, struct sim_memfit *f);

/* The "memory" section of a hardware profile. 0 or -EINVAL. */
int sim_mem_hw_load(json_t *root, const char *path, struct sim_mem_hw *m);

/* Option keys and table entries for the deploy flags (predict, plan). */
enum {
	SIM_K_MAX_MODEL_LEN = BM_KEY_TOOL + 96,
	SIM_K_GPU_UTIL,
	SIM_K_KV_BYTES,
	SIM_K_KV_DTYPE,
};
#define SIM_OPTS_DEPLOY                                                        \
	{ "kv-dtype", SIM_K_KV_DTYPE, "T", "KV cache dtype: bf16 (default) or fp8 (vLLM --kv-cache-dtype)" }, \
	{ "max-model-len", SIM_K_MAX_MODEL_LEN, "N", "vLLM --max-model-len (default: the config's max_position_embeddings); 1k = 1000, 1K = 1024" }, \
	{ "gpu-memory-utilization", SIM_K_GPU_UTIL, "F", "vLLM's fraction of total memory per node (default 0.9)" }, \
	{ "kv-cache-memory-bytes", SIM_K_KV_BYTES, "B", "vLLM's KV cache size per node (overrides the utilisation for sizing; 10G = 10 GiB)" }
/* One deploy key (keys above): 1 handled, 0 not one of them, -EINVAL. */
int sim_memcfg_opt(struct sim_memcfg *d, int key, const char *arg);
/* vLLM's human_readable_int: a number with an optional k/m/g/t (decimal)
 * or K/M/G/T (binary) suffix, decimals allowed ("1.5G"). */
int sim_parse_vllm_size(const char *s, double *v_p);
/* Human line: "weights 57.6 + KV 3.9 + reserve 4.0 = 65.5 GiB of 115.9 ...".
 * Writes into buf. */
void sim_memfit_line(const struct sim_memfit *f, char *buf, size_t len);

#endif
