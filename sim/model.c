// SPDX-License-Identifier: MIT
/*
 * sim model: config.json -> geometry -> bytes per decoded token and per
 * rank (model.h).
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
	{ "gpt_oss", "GptOssForCausalLM", true },
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

/* An optional non-negative integer of the config root; *v_p untouched when
 * absent or null. */
static int opt_int(json_t *root, const char *path, const char *key, int *v_p)
{
	json_t *v = json_object_get(root, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 100000000) {
		BM_ERR("%s: field \"%s\" must be a non-negative integer", path,
		       key);
		return -EINVAL;
	}
	*v_p = (int)json_integer_value(v);
	return 0;
}

static bool opt_true(json_t *root, const char *key)
{
	return json_is_true(json_object_get(root, key));
}

/* Which layers slide: layer_types when the config has it, else the
 * family's rule (model.h). */
static int load_sliding(json_t *root, const char *path, struct sim_model *m)
{
	json_t *types = json_object_get(root, "layer_types"), *t;
	int window = 0, from = 0, l, ret;
	size_t i;

	ret = opt_int(root, path, "sliding_window", &window);
	if (ret || !window)
		return ret;
	if (json_is_array(types)) {
		if ((int)json_array_size(types) != m->layers) {
			BM_ERR("%s: layer_types has %zu entries for %d layers",
			       path, json_array_size(types), m->layers);
			return -EINVAL;
		}
		json_array_foreach(types, i, t)
			if (json_is_string(t) &&
			    !strcmp(json_string_value(t), "sliding_attention"))
				m->layer[i] |= SIM_L_SLIDING;
	} else if (!strcmp(m->model_type, "gpt_oss")) {
		for (l = 0; l < m->layers; l += 2)
			m->layer[l] |= SIM_L_SLIDING;
	} else if (!strcmp(m->model_type, "mistral")) {
		for (l = 0; l < m->layers; l++)
			m->layer[l] |= SIM_L_SLIDING;
	} else if ((!strcmp(m->model_type, "qwen2") ||
		    !strcmp(m->model_type, "qwen3")) &&
		   opt_true(root, "use_sliding_window")) {
		ret = opt_int(root, path, "max_window_layers", &from);
		for (l = from; !ret && l < m->layers; l++)
			m->layer[l] |= SIM_L_SLIDING;
	}
	for (l = 0; l < m->layers; l++)
		m->n_sliding += !!(m->layer[l] & SIM_L_SLIDING);
	if (m->n_sliding)
		m->window = window;
	return ret;
}

/* Dense layers of an MoE model: Qwen's mlp_only_layers and
 * decoder_sparse_step, DeepSeek's first_k_dense_replace. */
static int load_dense(json_t *root, const char *path, struct sim_model *m)
{
	json_t *only = json_object_get(root, "mlp_only_layers"), *v;
	int step = 1, first = 0, l, ret;
	size_t i;

	ret = opt_int(root, path, "decoder_sparse_step", &step);
	if (!ret)
		ret = opt_int(root, path, "first_k_dense_replace", &first);
	if (ret)
		return ret;
	json_array_foreach(only, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= m->layers) {
			BM_ERR("%s: mlp_only_layers[%zu] is not a layer index",
			       path, i);
			return -EINVAL;
		}
		m->layer[json_integer_value(v)] |= SIM_L_DENSE;
	}
	for (l = 0; l < m->layers; l++)
		if (l < first || (step > 1 && (l + 1) % step))
			m->layer[l] |= SIM_L_DENSE;
	for (l = 0; l < m->layers; l++) {
		if ((m->layer[l] & SIM_L_DENSE) && !m->mlp_inter) {
			BM_ERR("%s: layer %d is dense but the config has no "
			       "dense intermediate_size", path, l);
			return -EINVAL;
		}
	}
	return 0;
}

static void set_bits_per_weight(struct sim_model *m)
{
	const struct sim_quant *q = &m->quant;

	if (q->scheme == SIM_Q_BF16)
		m->bits_per_weight = 16;
	else
		m->bits_per_weight = sim_is_moe(m) ? q->mem_bits_moe :
						     q->mem_bits;
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
		       "minimax_m2, gpt_oss, llama, mistral, qwen2, qwen3)",
		       hf->path, g->model_type);
		return -EINVAL;
	}
	ret = bm_hf_require(hf, a->moe ? BM_HF_NEED_MOE : BM_HF_NEED_MLP);
	if (ret)
		return ret;
	if (g->layers > SIM_LAYERS_MAX) {
		BM_ERR("%s: %d layers, sim models up to %d", hf->path,
		       g->layers, SIM_LAYERS_MAX);
		return -EINVAL;
	}
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
	m->mlp_inter = g->mlp_inter;
	if (a->moe) {
		m->experts = g->experts;
		m->topk = g->topk;
		m->moe_inter = g->moe_inter;
		m->shared_inter = g->shared_inter;
	}
	m->kv_bytes = 2;
	/* attention extras: gpt-oss has sinks and biases everywhere
	 * (gpt_oss.py:88-90, FusedMoE has_bias=True, router Linear with
	 * bias); Qwen2 biases q/k/v */
	m->sinks = !strcmp(a->model_type, "gpt_oss");
	m->expert_bias = m->sinks;
	m->attn_bias = opt_true(hf->root, "attention_bias") ||
		       !strcmp(a->model_type, "qwen2");
	m->o_bias = opt_true(hf->root, "attention_bias");
	ret = opt_int(hf->root, hf->path, "max_position_embeddings",
		      &m->max_pos);
	if (!ret)
		ret = load_sliding(hf->root, hf->path, m);
	if (!ret && a->moe)
		ret = load_dense(hf->root, hf->path, m);
	if (!ret)
		ret = sim_quant_from_config(hf->root, hf->path, &m->quant);
	if (!ret)
		set_bits_per_weight(m);
	return ret;
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

int sim_model_set_quant(struct sim_model *m, const char *quant)
{
	struct sim_quant q;
	int ret = sim_quant_parse(quant, &q);

	if (ret)
		return ret;
	m->quant = q;
	set_bits_per_weight(m);
	sim_model_set_pad(m, m->pad_hidden, m->pad_inter);
	return 0;
}

int sim_model_set_kv_dtype(struct sim_model *m, const char *dtype)
{
	if (!strcmp(dtype, "bf16") || !strcmp(dtype, "auto") ||
	    !strcmp(dtype, "fp16")) {
		m->kv_bytes = 2;
	} else if (!strcmp(dtype, "fp8") || !strcmp(dtype, "fp8_e4m3") ||
		   !strcmp(dtype, "fp8_e5m2")) {
		m->kv_bytes = 1;
	} else {
		BM_ERR("unknown KV cache dtype '%s' (bf16, fp8)", dtype);
		return -EINVAL;
	}
	return 0;
}

void sim_model_set_pad(struct sim_model *m, int pad_hidden, int pad_inter)
{
	bool pads = m->quant.scheme == SIM_Q_MXFP4 && sim_is_moe(m);

	m->pad_hidden = pads && pad_hidden > 1 ? pad_hidden : 0;
	m->pad_inter = pads && pad_inter > 1 ? pad_inter : 0;
}

bool sim_is_moe(const struct sim_model *m)
{
	return m->experts > 0;
}

bool sim_layer_is_moe(const struct sim_model *m, int l)
{
	return sim_is_moe(m) && !(m->layer[l] & SIM_L_DENSE);
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
	double sum = 0;
	int l;

	for (l = 0; l < m->layers; l++) {
		sum += sim_attn_params(m);
		if (sim_layer_is_moe(m, l))
			sum += m->topk * sim_expert_params(m) +
			       sim_shared_params(m) + sim_router_params(m);
		else
			sum += 3.0 * m->hidden * m->mlp_inter;
	}
	return sum + sim_lm_head_params(m);
}

static int round_up(int v, int mult)
{
	return mult > 1 ? (v + mult - 1) / mult * mult : v;
}

int sim_kv_heads_rank(const struct sim_model *m, int tp)
{
	int h = m->kv_heads / (tp > 0 ? tp : 1);

	return h > 0 ? h : 1;
}

int sim_moe_hidden(const struct sim_model *m)
{
	return round_up(m->hidden, m->pad_hidden);
}

int sim_moe_inter_rank(const struct sim_model *m, int tp)
{
	tp = tp > 0 ? tp : 1;
	return round_up((m->moe_inter + tp - 1) / tp, m->pad_inter);
}

/* Attention weights of one rank (elements) and its BF16 extras (biases,
 * sinks). */
static double attn_rank(const struct sim_model *m, int tp, double *extra_p)
{
	double hq = (double)m->heads / tp, kvh = sim_kv_heads_rank(m, tp);

	*extra_p = (m->attn_bias ? (hq + 2 * kvh) * m->head_dim : 0) +
		   (m->o_bias ? m->hidden : 0) + (m->sinks ? hq : 0);
	return (double)m->hidden * m->head_dim * (2 * hq + 2 * kvh);
}

/* One routed expert on one rank: weights (elements) and BF16 biases. */
static double expert_rank(const struct sim_model *m, int tp, bool ep,
			  double *bias_p)
{
	int t = ep ? 1 : tp;

	*bias_p = m->expert_bias ? 2.0 * m->moe_inter / t + m->hidden : 0;
	return 3.0 * sim_moe_hidden(m) * sim_moe_inter_rank(m, t);
}

/* Adds elems of part p of layer l (l < 0: model-wide) to b, read or held. */
static void add(struct sim_bytes *b, const struct sim_model *m,
		enum sim_part p, int l, double elems, bool read)
{
	double bits = sim_quant_bits(&m->quant, p, l, read);

	if (bits < 16) {
		b->quant += elems * bits / 8;
		b->quant_elems += elems;
	} else {
		b->bf16 += elems * 2;
		b->bf16_elems += elems;
	}
}

static void bf16(struct sim_bytes *b, double elems)
{
	b->bf16 += elems * 2;
	b->bf16_elems += elems;
}

/* Layers [l0, l0 + n): `experts` routed experts per MoE layer. */
static void layers_bytes(const struct sim_model *m, int l0, int n, int tp,
			 bool ep, double experts, bool read,
			 struct sim_bytes *b)
{
	double extra, ebias, e;
	int l;

	tp = tp > 0 ? tp : 1;
	for (l = l0; l < l0 + n && l < m->layers; l++) {
		add(b, m, SIM_P_ATTN, l, attn_rank(m, tp, &extra), read);
		bf16(b, extra);
		if (!sim_layer_is_moe(m, l)) {
			add(b, m, SIM_P_MLP, l,
			    3.0 * m->hidden * m->mlp_inter / tp, read);
			continue;
		}
		e = expert_rank(m, tp, ep, &ebias);
		add(b, m, SIM_P_EXPERT, l, experts * e, read);
		bf16(b, experts * ebias);
		add(b, m, SIM_P_SHARED, l, sim_shared_params(m) / tp, read);
		add(b, m, SIM_P_ROUTER, l, sim_router_params(m), read);
		if (m->expert_bias)
			bf16(b, m->experts);
	}
}

void sim_read_layers(const struct sim_model *m, int l0, int n, int tp,
		     bool ep, double experts, struct sim_bytes *b)
{
	layers_bytes(m, l0, n, tp, ep, experts, true, b);
}

void sim_read_lm_head(const struct sim_model *m, int tp, struct sim_bytes *b)
{
	add(b, m, SIM_P_LM_HEAD, -1, sim_lm_head_params(m) / (tp > 0 ? tp : 1),
	    true);
}

double sim_weights_rank(const struct sim_model *m, int l0, int n, int tp,
			bool ep, bool first, bool last)
{
	struct sim_bytes b = { 0 };
	double experts = sim_is_moe(m) ? m->experts : 0;

	tp = tp > 0 ? tp : 1;
	if (ep)
		experts /= tp;
	layers_bytes(m, l0, n, tp, ep, experts, false, &b);
	if (first)
		add(&b, m, SIM_P_EMBED, -1, sim_lm_head_params(m) / tp, false);
	if (last && !(first && m->tied_embeddings))
		add(&b, m, SIM_P_LM_HEAD, -1, sim_lm_head_params(m) / tp,
		    false);
	return b.quant + b.bf16;
}

double sim_kv_rank(const struct sim_model *m, int l0, int n, int tp,
		   double tokens, double sliding_tokens)
{
	double per = 2.0 * sim_kv_heads_rank(m, tp) * m->head_dim * m->kv_bytes;
	double sum = 0;
	int l;

	for (l = l0; l < l0 + n && l < m->layers; l++)
		sum += (m->layer[l] & SIM_L_SLIDING) ?
			       fmin(tokens, sliding_tokens) : tokens;
	return per * sum;
}

double sim_bytes_per_token(const struct sim_model *m)
{
	struct sim_bytes b = { 0 };

	sim_read_layers(m, 0, m->layers, 1, false, m->topk, &b);
	sim_read_lm_head(m, 1, &b);
	return b.quant + b.bf16;
}

double sim_kv_bytes_per_ctx_token(const struct sim_model *m)
{
	return 2.0 * m->layers * m->kv_heads * m->head_dim * m->kv_bytes;
}

void sim_pp_layers(int layers, int pp, int stage, int *l0_p, int *n_p)
{
	int per = layers / pp, rem = layers % pp, l0 = 0, s, n;

	for (s = 0; s <= stage; s++) {
		/* the remainder goes to stages pp-2, pp-3, ... */
		n = per + (s >= pp - 1 - rem && s < pp - 1);
		if (s < stage)
			l0 += n;
		else
			*n_p = n;
	}
	*l0_p = l0;
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
