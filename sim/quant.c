// SPDX-License-Identifier: MIT
/*
 * sim quantisation: quantization_config or --quant -> what is converted and
 * the bits per weight (quant.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "quant.h"

/* Per-layer parts (an exclusion naming a layer can only touch these). */
#define LAYER_PARTS ((1u << SIM_P_ATTN) | (1u << SIM_P_MLP) |                  \
		     (1u << SIM_P_EXPERT) | (1u << SIM_P_SHARED) |             \
		     (1u << SIM_P_ROUTER))
#define MLP_BLOCK ((1u << SIM_P_MLP) | (1u << SIM_P_EXPERT) |                  \
		   (1u << SIM_P_SHARED) | (1u << SIM_P_ROUTER))

/* The bits of each scheme, from its fields. */
static void set_bits(struct sim_quant *q)
{
	double g;

	switch (q->scheme) {
	case SIM_Q_INT:
		/* per-channel scales (group 0): one scale per output row,
		 * ~16/4096 bits per weight; counted as a 4096-wide group */
		g = q->group > 0 ? q->group : 4096;
		q->read_bits = q->bits + 16.0 / g + (q->sym ? 0 : q->bits / g);
		q->mem_bits = q->read_bits;
		q->mem_bits_moe = q->bits + 16.0 / g + q->bits / g;
		break;
	case SIM_Q_FP8:
		g = (double)q->block[0] * q->block[1];
		q->read_bits = 8.0 + (g > 0 ? 32.0 / g : 0);
		q->mem_bits = q->mem_bits_moe = q->read_bits;
		break;
	case SIM_Q_MXFP4:
		q->read_bits = q->mem_bits = q->mem_bits_moe = 4.0 + 8.0 / 32;
		break;
	case SIM_Q_NVFP4:
		q->read_bits = q->mem_bits = q->mem_bits_moe = 4.0 + 8.0 / 16;
		break;
	default:
		q->read_bits = q->mem_bits = q->mem_bits_moe = 16.0;
		break;
	}
}

/* The scheme's published default: which parts it converts. */
static void set_default_parts(struct sim_quant *q)
{
	int p;

	for (p = 0; p < SIM_P_NR; p++)
		q->converts[p] = false;
	memset(q->keep, 0, sizeof(q->keep));
	switch (q->scheme) {
	case SIM_Q_INT:
		snprintf(q->keep_source, sizeof(q->keep_source),
			 "published default (GPTQModel/AutoRound: decoder "
			 "Linear layers only)");
		break;
	case SIM_Q_FP8:
	case SIM_Q_NVFP4:
		snprintf(q->keep_source, sizeof(q->keep_source),
			 "published default (ModelOpt "
			 "_default_disabled_quantizer_cfg)");
		break;
	case SIM_Q_MXFP4:
		snprintf(q->keep_source, sizeof(q->keep_source),
			 "vLLM mxfp4.py: only fused MoE experts convert");
		q->converts[SIM_P_EXPERT] = true;
		return;
	default:
		snprintf(q->keep_source, sizeof(q->keep_source), "all BF16");
		return;
	}
	q->converts[SIM_P_ATTN] = true;
	q->converts[SIM_P_MLP] = true;
	q->converts[SIM_P_EXPERT] = true;
	q->converts[SIM_P_SHARED] = true;
}

static void set_name(struct sim_quant *q)
{
	switch (q->scheme) {
	case SIM_Q_INT:
		if (q->group)
			snprintf(q->name, sizeof(q->name), "w%dg%d%s", q->bits,
				 q->group, q->sym ? "" : "-asym");
		else
			snprintf(q->name, sizeof(q->name), "w%dch%s", q->bits,
				 q->sym ? "" : "-asym");
		break;
	case SIM_Q_FP8:
		if (q->block[0])
			snprintf(q->name, sizeof(q->name), "fp8-block%dx%d",
				 q->block[0], q->block[1]);
		else
			snprintf(q->name, sizeof(q->name), "fp8");
		break;
	case SIM_Q_MXFP4:
		snprintf(q->name, sizeof(q->name), "mxfp4");
		break;
	case SIM_Q_NVFP4:
		snprintf(q->name, sizeof(q->name), "nvfp4");
		break;
	default:
		snprintf(q->name, sizeof(q->name), "bf16");
		break;
	}
}

static void finish(struct sim_quant *q)
{
	set_bits(q);
	set_name(q);
}

/* The layer an exclusion names: -1 for none or a wildcard. */
static int entry_layer(const char *e)
{
	const char *s = strstr(e, "layers.");
	char *end;
	long l;

	if (!s)
		return -1;
	s += 7;
	if (!isdigit((unsigned char)*s))
		return -1;
	l = strtol(s, &end, 10);
	if (*end && *end != '.')
		return -1;
	return l >= 0 && l < SIM_LAYERS_MAX ? (int)l : -2;
}

static bool ends_with(const char *s, const char *t)
{
	size_t n = strlen(s), m = strlen(t);

	return n >= m && !strcmp(s + n - m, t);
}

/* A router gate, not gate_proj / gate_up_proj. */
static bool is_gate(const char *e)
{
	return strstr(e, "router") || strstr(e, "shared_expert_gate") ||
	       strstr(e, "block_sparse_moe.gate") || strstr(e, "mlp.gate.") ||
	       ends_with(e, "mlp.gate") || ends_with(e, ".gate") ||
	       !strcmp(e, "gate");
}

/* The parts an exclusion entry names (a bit mask; 0: none sim models). */
static unsigned int entry_parts(const char *e, int layer)
{
	if (strstr(e, "lm_head") || strstr(e, "output_layer") ||
	    strstr(e, "proj_out"))
		return 1u << SIM_P_LM_HEAD;
	if (strstr(e, "embed"))
		return 1u << SIM_P_EMBED;
	if (is_gate(e))
		return 1u << SIM_P_ROUTER;
	if (strstr(e, "shared_expert"))
		return 1u << SIM_P_SHARED;
	if (strstr(e, "experts"))
		return 1u << SIM_P_EXPERT;
	if (strstr(e, "attn") || strstr(e, "q_proj") || strstr(e, "k_proj") ||
	    strstr(e, "v_proj") || strstr(e, "o_proj") || strstr(e, "qkv"))
		return 1u << SIM_P_ATTN;
	if (strstr(e, "gate_proj") || strstr(e, "up_proj") ||
	    strstr(e, "down_proj"))
		return 1u << SIM_P_MLP;
	if (strstr(e, "mlp") || strstr(e, "block_sparse_moe") ||
	    strstr(e, "feed_forward"))
		return MLP_BLOCK;
	/* "model.layers.3" alone: the whole layer */
	if (layer >= 0 && (ends_with(e, "layers.") ||
			   strspn(strstr(e, "layers.") + 7, "0123456789") ==
			   strlen(strstr(e, "layers.") + 7)))
		return LAYER_PARTS;
	return 0;
}

static void apply_entry(struct sim_quant *q, const char *entry)
{
	const char *e = strncmp(entry, "re:", 3) ? entry : entry + 3;
	int layer = entry_layer(e), p;
	unsigned int parts = entry_parts(e, layer);

	if (!parts || layer == -2) {
		q->n_ignored++;
		return;
	}
	q->n_excluded++;
	if (layer >= 0) {
		q->keep[layer] |= (unsigned char)(parts & LAYER_PARTS);
		parts &= ~LAYER_PARTS;
	}
	for (p = 0; p < SIM_P_NR; p++)
		if (parts & (1u << p))
			q->converts[p] = false;
}

/* The exclusion list of a quantization_config (NULL: none given). */
static json_t *exclusions(json_t *qc, const char **key_p)
{
	static const char *const keys[] = { "modules_to_not_convert",
		"ignored_layers", "ignore", "exclude_modules", NULL };
	json_t *v;
	int i;

	for (i = 0; keys[i]; i++) {
		v = json_object_get(qc, keys[i]);
		if (v && json_is_array(v)) {
			*key_p = keys[i];
			return v;
		}
	}
	return NULL;
}

/* With the config's own list: every part the scheme can convert, minus the
 * list; lm_head only where the export says it converted it. */
static void apply_list(struct sim_quant *q, json_t *list, const char *key,
		       bool lm_head_quant)
{
	json_t *e;
	size_t i;

	if (q->scheme != SIM_Q_MXFP4) {
		q->converts[SIM_P_ROUTER] = true;
		/* ModelOpt exports list lm_head when they keep it */
		q->converts[SIM_P_LM_HEAD] = q->scheme == SIM_Q_FP8 ||
					     q->scheme == SIM_Q_NVFP4;
	}
	snprintf(q->keep_source, sizeof(q->keep_source),
		 "quantization_config.%s", key);
	json_array_foreach(list, i, e)
		if (json_is_string(e))
			apply_entry(q, json_string_value(e));
	if (lm_head_quant && q->scheme != SIM_Q_MXFP4)
		q->converts[SIM_P_LM_HEAD] = true;
}

static int qint(json_t *qc, const char *path, const char *key, int lo, int hi,
		int *v_p)
{
	json_t *v = json_object_get(qc, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		BM_ERR("%s: quantization_config.%s must be an integer in "
		       "%d..%d", path, key, lo, hi);
		return -EINVAL;
	}
	*v_p = (int)json_integer_value(v);
	return 0;
}

static void qbool(json_t *qc, const char *key, bool *v_p)
{
	json_t *v = json_object_get(qc, key);

	if (json_is_boolean(v))
		*v_p = json_is_true(v);
}

static int int_fields(json_t *qc, const char *path, struct sim_quant *q)
{
	int ret;

	q->scheme = SIM_Q_INT;
	q->bits = 4;
	q->group = 128;
	ret = qint(qc, path, "bits", 2, 8, &q->bits);
	if (!ret)
		ret = qint(qc, path, "w_bit", 2, 8, &q->bits);
	if (!ret)
		ret = qint(qc, path, "group_size", -1, 65536, &q->group);
	if (!ret)
		ret = qint(qc, path, "q_group_size", -1, 65536, &q->group);
	if (q->group < 0)
		q->group = 0;	/* -1: per channel */
	return ret;
}

static int fp8_fields(json_t *qc, const char *path, struct sim_quant *q)
{
	json_t *b = json_object_get(qc, "weight_block_size");

	q->scheme = SIM_Q_FP8;
	q->bits = 8;
	if (!b || json_is_null(b))
		return 0;
	if (!json_is_array(b) || json_array_size(b) != 2 ||
	    !json_is_integer(json_array_get(b, 0)) ||
	    !json_is_integer(json_array_get(b, 1)) ||
	    json_integer_value(json_array_get(b, 0)) < 1 ||
	    json_integer_value(json_array_get(b, 1)) < 1 ||
	    json_integer_value(json_array_get(b, 0)) > 65536 ||
	    json_integer_value(json_array_get(b, 1)) > 65536) {
		BM_ERR("%s: quantization_config.weight_block_size must be "
		       "[rows, cols]", path);
		return -EINVAL;
	}
	q->block[0] = (int)json_integer_value(json_array_get(b, 0));
	q->block[1] = (int)json_integer_value(json_array_get(b, 1));
	return 0;
}

static void fp4(struct sim_quant *q, enum sim_qscheme s)
{
	q->scheme = s;
	q->bits = 4;
	q->group = s == SIM_Q_NVFP4 ? 16 : 32;
}

/* compressed-tensors: the weights of its first config group. */
static int ct_fields(json_t *qc, const char *path, struct sim_quant *q)
{
	json_t *groups = json_object_get(qc, "config_groups"), *g = NULL, *w;
	const char *fmt, *type, *strategy, *k;
	int bits = 0, group = 0;

	json_object_foreach(groups, k, g)
		break;
	w = json_object_get(g, "weights");
	if (!json_is_object(w)) {
		BM_ERR("%s: compressed-tensors quantization_config has no "
		       "config_groups.*.weights", path);
		return -EINVAL;
	}
	fmt = json_string_value(json_object_get(qc, "format"));
	if (!fmt)
		fmt = json_string_value(json_object_get(g, "format"));
	type = json_string_value(json_object_get(w, "type"));
	strategy = json_string_value(json_object_get(w, "strategy"));
	if (qint(w, path, "num_bits", 2, 16, &bits) ||
	    qint(w, path, "group_size", -1, 65536, &group))
		return -EINVAL;
	if ((fmt && strstr(fmt, "nvfp4")) ||
	    (type && !strcmp(type, "float") && bits == 4 && group == 16)) {
		fp4(q, SIM_Q_NVFP4);
		return 0;
	}
	if (type && !strcmp(type, "float") && bits == 8) {
		q->scheme = SIM_Q_FP8;
		q->bits = 8;
		if (strategy && !strcmp(strategy, "block"))
			q->block[0] = q->block[1] = 128;
		return 0;
	}
	if (type && !strcmp(type, "int") && bits >= 2 && bits <= 8) {
		q->scheme = SIM_Q_INT;
		q->bits = bits;
		q->group = group > 0 ? group : 0;
		q->sym = !json_is_false(json_object_get(w, "symmetric"));
		return 0;
	}
	BM_ERR("%s: compressed-tensors weights (type %s, %d bits) not "
	       "supported", path, type ? type : "?", bits);
	return -EINVAL;
}

static bool is(const char *m, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(m, *names))
			return true;
	return false;
}

static int method_fields(json_t *qc, const char *path, const char *m,
			 struct sim_quant *q)
{
	static const char *const gptq[] = { "gptq", "gptq_marlin", NULL };
	static const char *const awq[] = { "awq", "awq_marlin", NULL };
	static const char *const ar[] = { "auto-round", "auto_round", "inc",
					  "intel/auto-round", NULL };
	static const char *const nvfp4[] = { "modelopt_fp4", "nvfp4", NULL };
	const char *algo;
	int ret;

	if (is(m, gptq) || is(m, ar)) {
		ret = int_fields(qc, path, q);
		q->sym = true;
		qbool(qc, "sym", &q->sym);
		return ret;
	}
	if (is(m, awq)) {
		bool zp = true;

		ret = int_fields(qc, path, q);
		qbool(qc, "zero_point", &zp);
		q->sym = !zp;
		return ret;
	}
	if (!strcmp(m, "fp8"))
		return fp8_fields(qc, path, q);
	if (!strcmp(m, "mxfp4")) {
		fp4(q, SIM_Q_MXFP4);
		return 0;
	}
	if (is(m, nvfp4)) {
		fp4(q, SIM_Q_NVFP4);
		return 0;
	}
	if (!strcmp(m, "modelopt")) {
		algo = json_string_value(json_object_get(qc, "quant_algo"));
		if (algo && strstr(algo, "NVFP4")) {
			fp4(q, SIM_Q_NVFP4);
			return 0;
		}
		if (algo && strstr(algo, "FP8")) {
			q->scheme = SIM_Q_FP8;
			q->bits = 8;
			if (strstr(algo, "PB"))
				q->block[0] = q->block[1] = 128;
			return 0;
		}
		BM_ERR("%s: modelopt quant_algo '%s' not supported (FP8, "
		       "NVFP4)", path, algo ? algo : "");
		return -EINVAL;
	}
	if (!strcmp(m, "compressed-tensors"))
		return ct_fields(qc, path, q);
	BM_ERR("%s: quantization_config.quant_method '%s' not supported (gptq, "
	       "awq, auto-round, fp8, mxfp4, modelopt, modelopt_fp4, "
	       "compressed-tensors)", path, m);
	return -EINVAL;
}

int sim_quant_from_config(json_t *root, const char *path, struct sim_quant *q)
{
	json_t *qc = json_object_get(root, "quantization_config"), *list;
	const char *m, *key = NULL;
	bool lm_head_quant = false;
	char lower[32];
	size_t i;
	int ret;

	memset(q, 0, sizeof(*q));
	if (!qc || json_is_null(qc)) {
		snprintf(q->method, sizeof(q->method), "none");
		snprintf(q->source, sizeof(q->source),
			 "config.json (no quantization_config: bf16)");
		set_default_parts(q);
		finish(q);
		return 0;
	}
	m = json_string_value(json_object_get(qc, "quant_method"));
	if (!json_is_object(qc) || !m) {
		BM_ERR("%s: quantization_config needs a string "
		       "\"quant_method\"", path);
		return -EINVAL;
	}
	for (i = 0; m[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)m[i]);
	lower[i] = '\0';
	snprintf(q->method, sizeof(q->method), "%s", lower);
	snprintf(q->source, sizeof(q->source), "config.json");
	ret = method_fields(qc, path, lower, q);
	if (ret)
		return ret;
	set_default_parts(q);
	qbool(qc, "quant_lm_head", &lm_head_quant);
	list = exclusions(qc, &key);
	if (list)
		apply_list(q, list, key, lm_head_quant);
	finish(q);
	return 0;
}

static int parse_int(const char *s, struct sim_quant *q)
{
	int bits, group;
	char tail;

	if (!strcmp(s, "int4") || !strcmp(s, "int8")) {
		q->bits = s[3] - '0';
		q->group = 128;
		return 0;
	}
	if (sscanf(s, "w%dg%d%c", &bits, &group, &tail) != 2 || bits < 2 ||
	    bits > 8 || group < 8 || group > 65536)
		return -EINVAL;
	q->bits = bits;
	q->group = group;
	return 0;
}

int sim_quant_parse(const char *s, struct sim_quant *q)
{
	const char *colon = strchr(s, ':');
	int r = 0, c = 0;
	char tail;

	memset(q, 0, sizeof(*q));
	snprintf(q->source, sizeof(q->source), "--quant");
	snprintf(q->method, sizeof(q->method), "%.*s",
		 colon ? (int)(colon - s) : (int)strlen(s), s);
	if (!strcmp(s, "bf16") || !strcmp(s, "fp16")) {
		q->scheme = SIM_Q_BF16;
	} else if (!strcmp(s, "fp8")) {
		q->scheme = SIM_Q_FP8;
		q->bits = 8;
	} else if (!strncmp(s, "fp8-block", 9)) {
		q->scheme = SIM_Q_FP8;
		q->bits = 8;
		q->block[0] = q->block[1] = 128;
		if (s[9] && (sscanf(s + 9, "%dx%d%c", &r, &c, &tail) != 2 ||
			     r < 1 || c < 1 || r > 65536 || c > 65536))
			goto bad;
		if (s[9]) {
			q->block[0] = r;
			q->block[1] = c;
		}
	} else if (!strcmp(s, "mxfp4")) {
		fp4(q, SIM_Q_MXFP4);
	} else if (!strcmp(s, "nvfp4")) {
		fp4(q, SIM_Q_NVFP4);
	} else {
		q->scheme = SIM_Q_INT;
		q->sym = true;
		if (colon) {
			if (!strcmp(q->method, "awq"))
				q->sym = false;
			else if (strcmp(q->method, "gptq") &&
				 strcmp(q->method, "auto-round"))
				goto bad;
			s = colon + 1;
		}
		if (parse_int(s, q))
			goto bad;
	}
	set_default_parts(q);
	finish(q);
	return 0;
bad:
	BM_ERR("unknown quantisation '%s' (bf16, fp8, fp8-block[RxC], mxfp4, "
	       "nvfp4, w4g128, w8g128, int4, int8, gptq:|awq:|auto-round:"
	       "wBgG)", s);
	return -EINVAL;
}

bool sim_quant_converted(const struct sim_quant *q, enum sim_part p, int l)
{
	if (p >= SIM_P_NR || !q->converts[p])
		return false;
	if (l >= 0 && l < SIM_LAYERS_MAX && (q->keep[l] & (1u << p)))
		return false;
	return true;
}

double sim_quant_bits(const struct sim_quant *q, enum sim_part p, int l,
		      bool read)
{
	if (!sim_quant_converted(q, p, l))
		return 16.0;
	if (read)
		return q->read_bits;
	return p == SIM_P_EXPERT ? q->mem_bits_moe : q->mem_bits;
}
