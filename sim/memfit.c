// SPDX-License-Identifier: MIT
/*
 * sim memory fit: weights, KV and reserves of the worst rank against the
 * node, with vLLM's flags (memfit.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "memfit.h"

int sim_parse_vllm_size(const char *s, double *v_p)
{
	static const char units[] = "kmgt";
	const char *u;
	double v;
	char *end;
	int i;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	v = strtod(s, &end);
	if (*end) {
		u = strchr(units, tolower((unsigned char)*end));
		if (!u || end[1])
			return -EINVAL;
		/* lowercase decimal, uppercase binary (vLLM arg_utils.py
		 * human_readable_int) */
		for (i = 0; i <= u - units; i++)
			v *= islower((unsigned char)*end) ? 1000.0 : 1024.0;
	}
	if (!isfinite(v) || v < 0 || v > 1e18)
		return -EINVAL;
	*v_p = v;
	return 0;
}

int sim_memcfg_opt(struct sim_memcfg *d, int key, const char *arg)
{
	double v;

	switch (key) {
	case SIM_K_MAX_MODEL_LEN:
		if (sim_parse_vllm_size(arg, &v) || v < 1 || v > 1e8 ||
		    v != floor(v))
			goto bad;
		d->max_model_len = v;
		return 1;
	case SIM_K_GPU_UTIL:
		if (bm_parse_double(arg, &v) || v <= 0 || v > 1)
			goto bad;
		d->gpu_util = v;
		return 1;
	case SIM_K_KV_BYTES:
		if (sim_parse_vllm_size(arg, &v) || v < 1)
			goto bad;
		d->kv_cache_bytes = floor(v);
		return 1;
	case SIM_K_KV_DTYPE:
		if (strcmp(arg, "bf16") && strcmp(arg, "fp8") &&
		    strcmp(arg, "auto"))
			goto bad;
		d->kv_dtype = arg;
		return 1;
	default:
		return 0;
	}
bad:
	BM_ERR("invalid --%s: '%s'", key == SIM_K_MAX_MODEL_LEN ?
	       "max-model-len (tokens, e.g. 16K)" : key == SIM_K_GPU_UTIL ?
	       "gpu-memory-utilization (0..1]" : key == SIM_K_KV_BYTES ?
	       "kv-cache-memory-bytes (e.g. 10G)" : "kv-dtype (bf16|fp8)", arg);
	return -EINVAL;
}

int sim_memcfg_resolve(const struct sim_ctx *c, double ctx,
		       struct sim_memcfg *d)
{
	const struct sim_model *m = &c->model;

	if (!d->gpu_util)
		d->gpu_util = c->hw.mem.util_default;
	if (!d->max_model_len) {
		/* vLLM derives it from the config; without the field it
		 * assumes 2048 (config/model.py _get_and_verify_max_len) */
		d->max_model_len = m->max_pos ? m->max_pos : 2048;
		if (!m->max_pos && ctx + 1 > d->max_model_len)
			d->max_model_len = ctx + 1;
	} else if (m->max_pos && d->max_model_len > m->max_pos) {
		BM_ERR("--max-model-len %.0f is above the model's "
		       "max_position_embeddings %d (vLLM refuses it)",
		       d->max_model_len, m->max_pos);
		return -EINVAL;
	}
	if (ctx + 1 > d->max_model_len) {
		BM_ERR("context %.0f + 1 token does not fit max_model_len %.0f",
		       ctx, d->max_model_len);
		return -EINVAL;
	}
	return 0;
}

static double cdiv(double a, double b)
{
	return ceil(a / b);
}

/* The profile run's peak activation of one rank (memfit.h). */
static double activation(const struct sim_ctx *c, const struct sim_query *q,
			 double max_len)
{
	const struct sim_model *m = &c->model;
	const struct sim_mem_hw *h = &c->hw.mem;
	int tp = sim_query_tp(q), ir, l;
	double t = fmin(h->batched_tokens, max_len), row, mlp = 0;

	row = 2.0 * m->hidden + ((double)m->heads / tp +
				 2.0 * sim_kv_heads_rank(m, tp)) * m->head_dim;
	for (l = 0; l < m->layers; l++)
		if (!sim_layer_is_moe(m, l))
			mlp = 3.0 * m->mlp_inter / tp;
	if (sim_is_moe(m)) {
		/* fused MoE caches: [T, k, 2I], [T k, I], [T, k, H] */
		ir = sim_moe_inter_rank(m, q->mode == SIM_EP ? 1 : tp);
		mlp = fmax(mlp, m->topk * (3.0 * ir + sim_moe_hidden(m)));
	}
	return t * 2.0 * (row + mlp) +
	       (double)h->max_seqs * m->vocab * 10.0;
}

/* The EAGLE3 draft's BF16 weights on one rank (none without one). */
static double draft_bytes(const struct sim_ctx *c, const struct sim_query *q)
{
	return q->spec_tokens ? sim_draft_bytes_rank(c, q) : 0;
}

static void largest(struct sim_memfit *f)
{
	double reserve = f->activation + f->non_torch + f->graphs;

	if (f->weights >= f->kv_need && f->weights >= reserve)
		snprintf(f->limit, sizeof(f->limit), "weights");
	else if (f->kv_need >= reserve)
		snprintf(f->limit, sizeof(f->limit), "kv_cache");
	else
		snprintf(f->limit, sizeof(f->limit), "reserve");
}

static void check(struct sim_memfit *f, bool kv_given)
{
	double G = SIM_GIB;

	f->fits = false;
	if (f->budget > f->free) {
		snprintf(f->limit, sizeof(f->limit), "utilization");
		snprintf(f->why, sizeof(f->why), "vLLM will not start: "
			 "gpu_memory_utilization %.2f x %.1f GiB = %.1f GiB is "
			 "more than the %.1f GiB free", f->util, f->total / G,
			 f->budget / G, f->free / G);
	} else if (!kv_given && f->kv_pool <= 0) {
		snprintf(f->limit, sizeof(f->limit), "weights");
		snprintf(f->why, sizeof(f->why), "no room for a KV cache: "
			 "weights %.1f + activation %.1f + non-torch %.1f GiB "
			 "exceed the budget %.2f x %.1f = %.1f GiB",
			 f->weights / G, f->activation / G, f->non_torch / G,
			 f->util, f->total / G, f->budget / G);
	} else if (f->kv_pool < f->kv_need) {
		snprintf(f->limit, sizeof(f->limit), "kv_cache");
		snprintf(f->why, sizeof(f->why), "one %.0f-token request needs "
			 "%.2f GiB of KV cache, the pool has %.2f GiB%s",
			 f->max_model_len, f->kv_need / G, f->kv_pool / G,
			 kv_given ? " (--kv-cache-memory-bytes)" : "");
	} else if (f->used > f->free) {
		snprintf(f->limit, sizeof(f->limit), "node_memory");
		snprintf(f->why, sizeof(f->why), "weights %.1f + KV pool %.1f "
			 "+ activation %.1f + non-torch %.1f + CUDA graphs "
			 "%.1f = %.1f GiB, more than the %.1f GiB free",
			 f->weights / G, f->kv_pool / G, f->activation / G,
			 f->non_torch / G, f->graphs / G, f->used / G,
			 f->free / G);
	} else {
		f->fits = true;
		largest(f);
	}
}

int sim_memfit(const struct sim_ctx *c, const struct sim_query *q,
	       const struct sim_memcfg *d, struct sim_memfit *f)
{
	const struct sim_model *m = &c->model;
	const struct sim_mem_hw *h = &c->hw.mem;
	int stages = sim_query_stages(q), tp = sim_query_tp(q), s, l0, n;
	double full, slide, w, kv, worst = -1;
	bool ep = q->mode == SIM_EP;

	memset(f, 0, sizeof(*f));
	f->max_model_len = d->max_model_len;
	f->util = d->gpu_util;
	f->total = h->total_gib * SIM_GIB;
	f->free = h->free_gib * SIM_GIB;
	f->budget = f->util * f->total;
	full = cdiv(d->max_model_len, h->block_size) * h->block_size;
	slide = (cdiv(fmin(m->window - 1.0 + h->batched_tokens,
			   d->max_model_len), h->block_size) + 1) *
		h->block_size;
	for (s = 0; s < stages; s++) {
		sim_pp_layers(m->layers, stages, s, &l0, &n);
		w = sim_weights_rank(m, l0, n, tp, ep, s == 0, s == stages - 1);
		kv = sim_kv_rank(m, l0, n, tp, full, slide);
		if (w + kv > worst) {
			worst = w + kv;
			f->stage = s;
			f->weights = w;
			f->kv_need = kv;
		}
	}
	f->weights += draft_bytes(c, q);
	f->activation = activation(c, q, d->max_model_len);
	f->non_torch = (h->non_torch_gib +
			(q->nodes > 1 ? h->non_torch_net_gib : 0)) * SIM_GIB;
	f->graphs = h->graph_gib * SIM_GIB;
	f->kv_pool = d->kv_cache_bytes > 0 ? d->kv_cache_bytes :
		     f->budget - (f->weights + f->activation + f->non_torch);
	f->used = f->weights + fmax(f->kv_pool, 0) + f->activation +
		  f->non_torch + f->graphs;
	f->headroom = f->free - (f->weights + f->kv_need + f->activation +
				 f->non_torch + f->graphs);
	check(f, d->kv_cache_bytes > 0);
	return 0;
}

void sim_memfit_line(const struct sim_memfit *f, char *buf, size_t len)
{
	double G = SIM_GIB;

	snprintf(buf, len, "weights %.1f + KV %.2f (one %.0f-token request; "
		 "pool %.1f) + activation %.1f + non-torch %.1f + CUDA graphs "
		 "%.1f GiB on the node of %.1f GiB free (total %.1f, budget "
		 "%.2f x total = %.1f); headroom %.1f GiB", f->weights / G,
		 f->kv_need / G, f->max_model_len, fmax(f->kv_pool, 0) / G,
		 f->activation / G, f->non_torch / G, f->graphs / G,
		 f->free / G, f->total / G, f->util, f->budget / G,
		 f->headroom / G);
}

/* "memory": what vLLM sees of a node (memfit.h). */
int sim_mem_hw_load(json_t *root, const char *path, struct sim_mem_hw *m)
{
	json_t *o = json_object_get(root, "memory");
	int ret = 0;

	if (!json_is_object(o)) {
		BM_ERR("%s: missing \"memory\"", path);
		return -EINVAL;
	}
	ret |= sim_param(o, path, "total_gib", &m->total_gib);
	ret |= sim_param(o, path, "free_gib", &m->free_gib);
	ret |= sim_param(o, path, "cuda_graph_gib", &m->graph_gib);
	ret |= sim_param(o, path, "non_torch_gib", &m->non_torch_gib);
	ret |= sim_param(o, path, "non_torch_net_gib", &m->non_torch_net_gib);
	ret |= sim_param(o, path, "gpu_memory_utilization", &m->util_default);
	ret |= sim_param_int(o, path, "max_num_batched_tokens", 1,
			     &m->batched_tokens);
	ret |= sim_param_int(o, path, "max_num_seqs", 1, &m->max_seqs);
	ret |= sim_param_int(o, path, "block_size", 1, &m->block_size);
	if (!ret && (m->total_gib <= 0 || m->free_gib <= 0 ||
		     m->free_gib > m->total_gib || m->util_default <= 0 ||
		     m->util_default > 1)) {
		BM_ERR("%s: memory: total and free must be > 0, free <= total, "
		       "utilisation in (0, 1]", path);
		ret = -EINVAL;
	}
	return ret ? -EINVAL : 0;
}
