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

/* Integer field: required (missing -> error) or optional (def). */
static int get_int(json_t *o, const char *path, const char *key, bool req,
		   int def, int *v_p)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (req) {
			BM_ERR("%s: missing required field \"%s\"", path, key);
			return -EINVAL;
		}
		*v_p = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 100000000) {
		BM_ERR("%s: field \"%s\" must be a non-negative integer", path,
		       key);
		return -EINVAL;
	}
	*v_p = (int)json_integer_value(v);
	return 0;
}

static void base_name(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	char *dot;

	snprintf(out, len, "%s", b ? b + 1 : path);
	dot = strrchr(out, '.');
	if (dot && !strcmp(dot, ".json"))
		*dot = '\0';
}

static int load_quant(json_t *root, const char *path, struct sim_model *m)
{
	json_t *q = json_object_get(root, "quantization_config");
	int bits = 4, group = 128, ret;

	m->wbits = 4;
	m->group = 128;
	if (q && json_is_object(q)) {
		ret = get_int(q, path, "bits", false, 4, &bits);
		if (!ret)
			ret = get_int(q, path, "group_size", false, 128, &group);
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

static int load_geometry(json_t *root, const char *path, struct sim_model *m,
			 const struct sim_arch *a)
{
	int ret = 0;

	ret |= get_int(root, path, "num_hidden_layers", true, 0, &m->layers);
	ret |= get_int(root, path, "hidden_size", true, 0, &m->hidden);
	ret |= get_int(root, path, "num_attention_heads", true, 0, &m->heads);
	ret |= get_int(root, path, "vocab_size", true, 0, &m->vocab);
	if (ret)
		return -EINVAL;
	if (!m->layers || !m->hidden || !m->heads || !m->vocab) {
		BM_ERR("%s: layers, hidden_size, heads and vocab_size must be "
		       "> 0", path);
		return -EINVAL;
	}
	ret |= get_int(root, path, "num_key_value_heads", false, m->heads,
		       &m->kv_heads);
	ret |= get_int(root, path, "head_dim", false, m->hidden / m->heads,
		       &m->head_dim);
	if (ret)
		return -EINVAL;
	m->tied_embeddings = json_is_true(json_object_get(root,
					  "tie_word_embeddings"));
	if (!a->moe)
		return get_int(root, path, "intermediate_size", true, 0,
			       &m->mlp_inter);
	if (!strcmp(a->model_type, "qwen3_moe")) {
		ret |= get_int(root, path, "num_experts", true, 0, &m->experts);
		ret |= get_int(root, path, "moe_intermediate_size", true, 0,
			       &m->moe_inter);
		ret |= get_int(root, path, "shared_expert_intermediate_size",
			       false, 0, &m->shared_inter);
	} else {
		ret |= get_int(root, path, "num_local_experts", true, 0,
			       &m->experts);
		ret |= get_int(root, path, "intermediate_size", true, 0,
			       &m->moe_inter);
		ret |= get_int(root, path, "shared_intermediate_size", false, 0,
			       &m->shared_inter);
	}
	ret |= get_int(root, path, "num_experts_per_tok", true, 0, &m->topk);
	if (ret)
		return -EINVAL;
	if (!m->experts || !m->topk || m->topk > m->experts || !m->moe_inter) {
		BM_ERR("%s: experts %d, top-k %d, expert size %d inconsistent",
		       path, m->experts, m->topk, m->moe_inter);
		return -EINVAL;
	}
	return 0;
}

int sim_model_load(const char *path, struct sim_model *m)
{
	const struct sim_arch *a;
	json_error_t jerr;
	const char *type = NULL, *arch = NULL;
	json_t *root, *v;
	int ret;

	memset(m, 0, sizeof(*m));
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		if (jerr.line < 0 || strstr(jerr.text, "unable to open")) {
			BM_ERR("%s: cannot read model config: %s", path, jerr.text);
			return -ENOENT;
		}
		BM_ERR("%s:%d:%d: malformed JSON: %s", path, jerr.line,
		       jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		BM_ERR("%s: not a JSON object (expected a config.json)", path);
		ret = -EINVAL;
		goto out;
	}
	v = json_object_get(root, "model_type");
	if (json_is_string(v))
		type = json_string_value(v);
	v = json_array_get(json_object_get(root, "architectures"), 0);
	if (json_is_string(v))
		arch = json_string_value(v);
	if (!type && !arch) {
		BM_ERR("%s: missing \"model_type\" and \"architectures\"", path);
		ret = -EINVAL;
		goto out;
	}
	a = arch_find(type, arch);
	if (!a) {
		BM_ERR("%s: unknown architecture '%s' (supported: qwen3_moe, "
		       "minimax_m2, llama, mistral, qwen2, qwen3)", path,
		       type ? type : arch);
		ret = -EINVAL;
		goto out;
	}
	snprintf(m->model_type, sizeof(m->model_type), "%s", a->model_type);
	snprintf(m->path, sizeof(m->path), "%s", path);
	base_name(path, m->name, sizeof(m->name));
	ret = load_geometry(root, path, m, a);
	if (!ret)
		ret = load_quant(root, path, m);
	m->kv_bytes = 2;
out:
	json_decref(root);
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
