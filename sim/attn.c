// SPDX-License-Identifier: MIT
/*
 * sim attention: one layer's decode attention by mechanism (attn.h).
 */
#include <errno.h>
#include <math.h>

#include "attn.h"
#include "log.h"
#include "roofline.h"

const char *sim_attn_backend_name(enum sim_attn_backend b)
{
	return b == SIM_ATTN_TRITON ? "triton" : "flash_attn";
}

enum sim_attn_backend sim_attn_backend_of(const struct sim_model *m)
{
	return m->sinks || m->kv_bytes == 1 ? SIM_ATTN_TRITON : SIM_ATTN_FLASH;
}

static int ceil_div(int a, int b)
{
	return (a + b - 1) / b;
}

/*
 * The smallest split count whose wave efficiency (programs / SMs over the
 * waves they need) is within 85% of the best, among the counts that change
 * the blocks per split; one split when the programs nearly fill the SMs.
 */
int sim_attn_fa_splits(int base, int sms, int n_blocks, int max_splits)
{
	double eff[256], best = 0, waves;
	int s;

	if (base < 1 || sms < 1 || n_blocks < 1 || base >= 0.8 * sms)
		return 1;
	if (max_splits > sms)
		max_splits = sms;
	if (max_splits > n_blocks)
		max_splits = n_blocks;
	if (max_splits > 256)
		max_splits = 256;
	for (s = 1; s <= max_splits; s++) {
		eff[s - 1] = 0;
		if (s > 1 && ceil_div(n_blocks, s) == ceil_div(n_blocks, s - 1))
			continue;
		waves = (double)base * s / sms;
		eff[s - 1] = waves / ceil(waves);
		if (eff[s - 1] > best)
			best = eff[s - 1];
	}
	for (s = 1; s <= max_splits; s++)
		if (eff[s - 1] > 0 && eff[s - 1] >= 0.85 * best)
			return s;
	return 1;
}

/* FA2's tokens per KV block of the split kernel, by head size. */
static int fa_block_n(int head_dim)
{
	return head_dim <= 64 ? 256 : head_dim <= 128 ? 128 : 64;
}

void sim_attn_layer(const struct sim_model *m, const struct sim_attn_hw *h,
		    int tp, double tokens, bool sliding, int q_tokens,
		    struct sim_attn_cost *c)
{
	int kvh = sim_kv_heads_rank(m, tp), g, rows, block_m, splits, tiles;
	int blocks;
	double hq = (double)m->heads / (tp > 0 ? tp : 1), t = tokens, math;

	if (sliding && m->window > 0 && t > m->window)
		t = m->window;
	c->backend = sim_attn_backend_of(m);
	c->bytes = t * 2.0 * kvh * m->head_dim * m->kv_bytes;
	c->flops = t * 4.0 * hq * m->head_dim * (q_tokens > 0 ? q_tokens : 1);
	if (t <= 0) {
		c->ctas = 0;
		c->bw_gbs = h->kv_bw_gbs;
		c->bw_ms = c->flop_ms = c->ms = 0;
		c->compute_bound = false;
		return;
	}
	if (c->backend == SIM_ATTN_TRITON) {
		/* an fp8 KV tile holds twice the tokens (vLLM
		 * triton_unified_attention.py _get_tile_size) */
		tiles = (int)ceil(t / (h->triton_tile * (m->kv_bytes == 1 ? 2 :
							 1)));
		splits = tiles < h->triton_segments ? tiles :
						      h->triton_segments;
		block_m = h->triton_block_m;
	} else {
		blocks = (int)ceil(t / fa_block_n(m->head_dim));
		splits = sim_attn_fa_splits(kvh, h->sm_count, blocks,
					    h->fa_max_splits);
		block_m = h->fa_block_m;
	}
	c->ctas = kvh * (splits > 0 ? splits : 1);
	c->bw_gbs = fmin(h->kv_bw_gbs, c->ctas * h->cta_gbs);
	g = m->heads / m->kv_heads;
	rows = g * (q_tokens > 0 ? q_tokens : 1);
	math = h->mma_tflops * fmin(1.0, (double)rows / block_m);
	c->bw_ms = c->bytes / (c->bw_gbs * 1e6);
	c->flop_ms = c->flops / (math * 1e9);
	c->compute_bound = c->flop_ms > c->bw_ms;
	c->ms = c->compute_bound ? c->flop_ms : c->bw_ms;
}

/* "attention" and "moe_kernel": the attention mechanism (attn.h) and the
 * MXFP4 padding. */
int sim_attn_hw_load(json_t *root, const char *path, struct sim_hw *hw)
{
	json_t *a = json_object_get(root, "attention");
	json_t *k = json_object_get(root, "moe_kernel");
	struct sim_attn_hw *h = &hw->attn;
	int ret = 0;

	if (!json_is_object(a) || !json_is_object(k)) {
		BM_ERR("%s: missing \"attention\" or \"moe_kernel\"", path);
		return -EINVAL;
	}
	ret |= sim_param_int(a, path, "sm_count", 1, &h->sm_count);
	ret |= sim_param(a, path, "cta_gbs", &h->cta_gbs);
	ret |= sim_param_int(a, path, "triton_segments", 1,
			     &h->triton_segments);
	ret |= sim_param_int(a, path, "triton_tile", 1, &h->triton_tile);
	ret |= sim_param_int(a, path, "triton_block_m", 1, &h->triton_block_m);
	ret |= sim_param_int(a, path, "fa_max_splits", 1, &h->fa_max_splits);
	ret |= sim_param_int(a, path, "fa_block_m", 1, &h->fa_block_m);
	ret |= sim_param_int(k, path, "mxfp4_pad_hidden", 0,
			     &hw->mxfp4_pad_hidden);
	ret |= sim_param_int(k, path, "mxfp4_pad_inter", 0,
			     &hw->mxfp4_pad_inter);
	if (!ret && h->cta_gbs <= 0) {
		BM_ERR("%s: attention.cta_gbs must be > 0", path);
		ret = -EINVAL;
	}
	h->mma_tflops = hw->peak_tflops;
	return ret ? -EINVAL : 0;
}
