// SPDX-License-Identifier: MIT
/*
 * sim model: config.json -> geometry -> bytes per decoded token.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfconfig.h"
#include "log.h"
#include "model.h"

struct sim_arch {
	const char *model_type;
	const char *architecture;
	bool	    moe;
};

/* The architectures the model understands; others are refused. */
static const struct sim_arch sim_archs[] = {
	{ "qwen3_moe", "Qwen3MoeForCausalLM", true },
	{ "minimax_m2", "MiniMaxM2ForCausalLM", true },
	{ "llama", "LlamaForCausalLM", false },
	{ "mistral", "MistralForCausalLM", false },
	{ "qwen2", "Qwen2ForCausalLM", false },
	{ "qwen3", "Qwen3ForCausalLM", false },
};

static const struct sim_arch *arch_find(const char *type, const char *arch)
{
	size_t i;

	for (i = 0; i < sizeof(sim_archs) / sizeof(sim_archs[0]); i++) {
		if (type && !strcmp(type, sim_archs[i].model_type))
			return &sim_archs[i];
		if (!type && arch && !strcmp(arch, sim_archs[i].architecture))
			return &sim_archs[i];
	}
	return NULL;
}

/* An optional integer of quantization_config (sim's own field: the HF
 * loader keeps the root for it). */
static int quant_int(json_t *q, const char *path, const char *key, int *v_p)
{
	json_t *v = json_object_get(q, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 100000000) {
		BM_ERR("%s: field \"quantization_config.%s\" must be a "
		       "non-negative integer", path, key);
		return -EINVAL;
	}
	*v_p = (int)json_integer_value(v);
	return 0;
}

static int load_quant(json_t *root, const char *path, struct sim_model *m)
{
	json_t *q = json_object_get(root, "quantization_config");
	int bits = 4, group = 128, ret;

	m->wbits = 4;
	m->group = 128;
	if (q && json_is_object(q)) {
		ret = quant_int(q, path, "bits", &bits);
		if (!ret)
			ret = quant_int(q, path, "group_size", &group);
		if (ret)
			return ret;
		if (bits < 2 || bits > 16 || group < 1) {
			BM_ERR("%s: quantization_config bits %d group %d not "
			       "supported", path, bits, group);
			return -EINVAL;
		}
		m->wbits = bits;
		m->group = group;
	}
	m->bits_per_weight = m->wbits >= 16 ? 16.0 :
		m->wbits + 16.0 / m->group + (double)m->wbits / m->group;
	return 0;
}

int sim_model_set_quant(struct sim_model *m, const char *quant)
{
	int bits, group;
	char tail;

	if (!strcmp(quant, "bf16") || !strcmp(quant, "fp16")) {
		m->wbits = 16;
		m->group = 0;
		m->bits_per_weight = 16.0;
		return 0;
	}
	if (sscanf(quant, "w%dg%d%c", &bits, &group, &tail) != 2 || bits < 2 ||
	    bits > 8 || group < 8) {
		BM_ERR("unknown quantisation '%s' (w4g128, w8g128, bf16)", quant);
		return -EINVAL;
	}
	m->wbits = bits;
	m->group = group;
	m->bits_per_weight = bits + 16.0 / group + (double)bits / group;
	return 0;
}

/* The sim_model of a loaded config: the families sim knows, the MoE fields
 * only for MoE families (so a dense model's expert fields stay 0). */
static int from_hf(const struct bm_hf *hf, struct sim_model *m)
{
	const struct bm_hf_geom *g = &hf->geom;
	const struct sim_arch *a;
	int ret;

	a = arch_find(g->has_model_type ? g->model_type : NULL,
		      g->architecture);
	if (!a) {
		BM_ERR("%s: unknown architecture '%s' (supported: qwen3_moe, "
		       "minimax_m2, llama, mistral, qwen2, qwen3)", hf->path,
		       g->model_type);
		return -EINVAL;
	}
	ret = bm_hf_require(hf, a->moe ? BM_HF_NEED_MOE : BM_HF_NEED_MLP);
	if (ret)
		return ret;
	snprintf(m->model_type, sizeof(m->model_type), "%s", a->model_type);
	snprintf(m->path, sizeof(m->path), "%s", hf->path);
	snprintf(m->name, sizeof(m->name), "%s", hf->name);
	m->layers = g->layers;
	m->hidden = g->hidden;
	m->heads = g->heads;
	m->kv_heads = g->kv_heads;
	m->head_dim = g->head_dim;
	m->vocab = g->vocab;
	m->tied_embeddings = g->tied_embeddings;
	if (a->moe) {
		m->experts = g->experts;
		m->topk = g->topk;
		m->moe_inter = g->moe_inter;
		m->shared_inter = g->shared_inter;
	} else {
		m->mlp_inter = g->mlp_inter;
	}
	m->kv_bytes = 2;
	return load_quant(hf->root, hf->path, m);
}

int sim_model_load(const char *name_or_path, struct sim_model *m)
{
	struct bm_hf hf;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = bm_hf_load(name_or_path, BM_HF_NEED_TYPE | BM_HF_NEED_HEADS |
			 BM_HF_NEED_VOCAB, &hf);
	if (ret)
		return ret;
	ret = from_hf(&hf, m);
	bm_hf_free(&hf);
	return ret;
}

bool sim_is_moe(const struct sim_model *m)
{
	return m->experts > 0;
}

double sim_attn_params(const struct sim_model *m)
{
	double q = (double)m->heads * m->head_dim;
	double kv = (double)m->kv_heads * m->head_dim;

	return m->hidden * q + 2.0 * m->hidden * kv + q * m->hidden;
}

double sim_expert_params(const struct sim_model *m)
{
	return 3.0 * m->hidden * m->moe_inter;
}

double sim_shared_params(const struct sim_model *m)
{
	return 3.0 * m->hidden * m->shared_inter;
}

double sim_dense_mlp_params(const struct sim_model *m)
{
	return sim_is_moe(m) ? 0 : 3.0 * m->hidden * m->mlp_inter;
}

double sim_router_params(const struct sim_model *m)
{
	return (double)m->hidden * m->experts;
}

double sim_lm_head_params(const struct sim_model *m)
{
	return (double)m->vocab * m->hidden;
}

double sim_active_params(const struct sim_model *m)
{
	double layer = sim_attn_params(m) + sim_dense_mlp_params(m) +
		       m->topk * sim_expert_params(m) + sim_shared_params(m) +
		       sim_router_params(m);

	return m->layers * layer + sim_lm_head_params(m);
}

double sim_qbytes(const struct sim_model *m, double params)
{
	return params * m->bits_per_weight / 8.0;
}

double sim_bytes_per_token(const struct sim_model *m)
{
	double q = sim_attn_params(m) + sim_dense_mlp_params(m) +
		   m->topk * sim_expert_params(m) + sim_shared_params(m);

	return m->layers * (sim_qbytes(m, q) + 2.0 * sim_router_params(m)) +
	       2.0 * sim_lm_head_params(m);
}

double sim_kv_bytes_per_ctx_token(const struct sim_model *m)
{
	return 2.0 * m->layers * m->kv_heads * m->head_dim * m->kv_bytes;
}

static double binom(int n, int k)
{
	double r = 1;
	int i;

	if (k < 0 || k > n)
		return 0;
	for (i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

/*
 * E[max_r k_r] = sum_{m>=1} P(max >= m) = sum_m (1 - P(all k_r <= m-1)).
 * P(all k_r < m) = [x^k] (sum_{j<m} C(per,j) x^j)^n / C(E,k): a polynomial
 * power by repeated multiplication, O(n k^2).
 */
double sim_ep_expected_max(int experts, int nranks, int k)
{
	double poly[65], acc[65], tmp[65], total, e = 0;
	int per, m, r, i, j;

	if (nranks < 1 || nranks > 64 || k < 1 || k > 64 || experts < k ||
	    experts % nranks)
		return -1;
	per = experts / nranks;
	total = binom(experts, k);
	for (m = 1; m <= k; m++) {
		for (i = 0; i <= k; i++) {
			poly[i] = i < m ? binom(per, i) : 0;
			acc[i] = i == 0;
		}
		for (r = 0; r < nranks; r++) {
			for (i = 0; i <= k; i++) {
				tmp[i] = 0;
				for (j = 0; j <= i; j++)
					tmp[i] += acc[j] * poly[i - j];
			}
			memcpy(acc, tmp, sizeof(acc));
		}
		e += 1.0 - acc[k] / total;
	}
	return e;
}

double sim_expected_union(int experts, int k, int tokens)
{
	if (experts <= 0)
		return 0;
	return experts * (1.0 - pow(1.0 - (double)k / experts, tokens));
}
