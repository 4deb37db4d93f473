// SPDX-License-Identifier: MIT
/*
 * sim profiles: where sim's data lives, the hardware profile
 * (profiles/gb10.json, --hw FILE) with every parameter's provenance and
 * range, and the per-family kernel and collective schedule
 * (profiles/arch.json); declared in roofline.h.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "memfit.h"
#include "roofline.h"

static bool has_profiles(const char *dir)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/profiles/gb10.json", dir);
	return access(p, R_OK) == 0;
}

int sim_find_datadir(char *out, size_t len)
{
	const char *env = getenv("NETROOF_SIM_DATA");
	char exe[PATH_MAX], cand[PATH_MAX + 64], *slash;
	ssize_t n;

	if (env && *env) {
		if (!has_profiles(env)) {
			BM_ERR("NETROOF_SIM_DATA=%s has no profiles/gb10.json",
			       env);
			return -ENOENT;
		}
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* install tree: <prefix>/bin -> <prefix>/share/netroof/sim */
		snprintf(cand, sizeof(cand), "%s/../share/netroof/sim", exe);
		if (has_profiles(cand)) {
			snprintf(out, len, "%s", cand);
			return 0;
		}
		snprintf(cand, sizeof(cand), "%s/data", exe);
		if (has_profiles(cand)) {
			snprintf(out, len, "%s", cand);
			return 0;
		}
	}
	snprintf(cand, sizeof(cand), "%s/sim", NETROOF_SOURCE_ROOT);
	if (has_profiles(cand)) {
		snprintf(out, len, "%s", cand);
		return 0;
	}
	BM_ERR("sim data (models/, profiles/) not found: set NETROOF_SIM_DATA");
	return -ENOENT;
}

/* { "value": x, "why": "..." } or a bare number. */
static int pval(json_t *o, const char *path, const char *key, double *v_p)
{
	json_t *v = json_object_get(o, key);

	if (json_is_object(v)) {
		if (!json_is_string(json_object_get(v, "why")))
			BM_WARN("%s: \"%s\" has no \"why\"", path, key);
		v = json_object_get(v, "value");
	}
	if (!json_is_number(v)) {
		BM_ERR("%s: missing or non-numeric \"%s\"", path, key);
		return -EINVAL;
	}
	*v_p = json_number_value(v);
	return 0;
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	if (!root)
		BM_ERR("%s:%d: %s", path, jerr.line, jerr.text);
	else if (!json_is_object(root)) {
		BM_ERR("%s: not a JSON object", path);
		json_decref(root);
		root = NULL;
	}
	return root;
}

/* Every {"value", "kind", ...} parameter below o, as prefix.key. */
static void sim_prov_collect(json_t *o, const char *prefix, struct sim_hw *hw)
{
	const char *key;
	json_t *v, *k, *cells;
	char full[48];

	json_object_foreach(o, key, v) {
		if (!json_is_object(v) || key[0] == '_')
			continue;
		snprintf(full, sizeof(full), "%s%s%s", prefix,
			 *prefix ? "." : "", key);
		if (!json_object_get(v, "value")) {
			sim_prov_collect(v, full, hw);
			continue;
		}
		if (hw->nprov >= (int)(sizeof(hw->prov) / sizeof(hw->prov[0])))
			return;
		k = json_object_get(v, "kind");
		cells = json_object_get(v, "cells");
		snprintf(hw->prov[hw->nprov].key, sizeof(hw->prov[0].key), "%s",
			 full);
		if (!json_is_string(k) ||
		    sim_kind_parse(json_string_value(k),
				   &hw->prov[hw->nprov].kind))
			hw->prov[hw->nprov].kind = SIM_KIND_FITTED;
		snprintf(hw->prov[hw->nprov].cells, sizeof(hw->prov[0].cells),
			 "%s", json_is_string(cells) ? json_string_value(cells) :
			 "");
		hw->nprov++;
	}
}

int sim_param(json_t *o, const char *path, const char *key, double *v_p)
{
	return pval(o, path, key, v_p);
}

int sim_param_int(json_t *o, const char *path, const char *key, int lo,
		  int *v_p)
{
	double v;
	int ret = pval(o, path, key, &v);

	if (ret)
		return ret;
	if (v < lo || v > 1e9 || v != floor(v)) {
		BM_ERR("%s: \"%s\" must be an integer >= %d", path, key, lo);
		return -EINVAL;
	}
	*v_p = (int)v;
	return 0;
}

int sim_hw_path(const char *datadir, const char *name, char *path,
		size_t len)
{
	if (strchr(name, '/'))
		snprintf(path, len, "%s", name);
	else
		snprintf(path, len, "%s/profiles/%s.json", datadir, name);
	return 0;
}

int sim_hw_load(const char *datadir, const char *name, struct sim_hw *hw)
{
	char path[1200];
	json_t *root;
	int ret;

	memset(hw, 0, sizeof(*hw));
	sim_hw_path(datadir, name, path, sizeof(path));
	root = load_json(path);
	if (!root)
		return -EINVAL;
	ret = sim_hw_from_json(root, path, name, hw);
	json_decref(root);
	return ret;
}

/* What a step adds can only be >= 0, and the efficiencies and the
 * acceptance rate are fractions: a profile outside that predicts negative,
 * infinite or NaN tok/s, so it is refused, naming the parameter. */
static int hw_check(const struct sim_hw *hw, const char *path)
{
	const struct {
		const char *key;
		double v, hi;
	} p[] = {
		{ "eff_int4", hw->eff_int4, 1 },
		{ "eff_bf16", hw->eff_bf16, 1 },
		{ "kernel_us", hw->kernel_us, INFINITY },
		{ "host_step_ms", hw->host_step_ms, INFINITY },
		{ "dispatch_step_ms", hw->dispatch_step_ms, INFINITY },
		{ "pp_stage_host_ms", hw->pp_stage_host_ms, INFINITY },
		{ "request_fixed_ms.single", hw->request_fixed_ms[SIM_SINGLE],
		  INFINITY },
		{ "request_fixed_ms.pp", hw->request_fixed_ms[SIM_PP],
		  INFINITY },
		{ "request_fixed_ms.tp", hw->request_fixed_ms[SIM_TP],
		  INFINITY },
		{ "request_fixed_ms.ep", hw->request_fixed_ms[SIM_EP],
		  INFINITY },
		{ "output_tokens.short", hw->out_tokens[SIM_LEN_SHORT],
		  INFINITY },
		{ "output_tokens.medium", hw->out_tokens[SIM_LEN_MEDIUM],
		  INFINITY },
		{ "output_tokens.long", hw->out_tokens[SIM_LEN_LONG],
		  INFINITY },
		{ "eagle3.draft_mlp_mult", hw->draft_mlp_mult, INFINITY },
		{ "eagle3.host_ms", hw->draft_host_ms, INFINITY },
		{ "eagle3.accept", hw->accept, 1 },
		{ "ep_rendezvous", hw->ep_rendezvous, INFINITY },
	};
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		if (p[i].v >= 0 && p[i].v <= p[i].hi)
			continue;
		BM_ERR("%s: \"%s\" = %g: must be %s", path, p[i].key, p[i].v,
		       p[i].hi == 1 ? "in [0, 1]" : ">= 0");
		return -EINVAL;
	}
	return 0;
}

int sim_hw_from_json(json_t *root, const char *path, const char *name,
		     struct sim_hw *hw)
{
	json_t *o;
	int ret = 0, i;

	memset(hw, 0, sizeof(*hw));
	snprintf(hw->name, sizeof(hw->name), "%s", name);
	ret |= pval(root, path, "mem_bw_gbs", &hw->mem_bw_gbs);
	ret |= pval(root, path, "eff_int4", &hw->eff_int4);
	ret |= pval(root, path, "eff_bf16", &hw->eff_bf16);
	ret |= pval(root, path, "kv_bw_gbs", &hw->attn.kv_bw_gbs);
	ret |= pval(root, path, "peak_tflops", &hw->peak_tflops);
	ret |= pval(root, path, "kernel_us", &hw->kernel_us);
	ret |= pval(root, path, "host_step_ms", &hw->host_step_ms);
	ret |= pval(root, path, "dispatch_step_ms", &hw->dispatch_step_ms);
	ret |= pval(root, path, "pp_stage_host_ms", &hw->pp_stage_host_ms);
	o = json_object_get(json_object_get(root, "request_fixed_ms"), "value");
	for (i = 0; i < SIM_MODE_NR && !ret; i++)
		ret |= pval(o, path, sim_mode_name(i), &hw->request_fixed_ms[i]);
	o = json_object_get(json_object_get(root, "output_tokens"), "value");
	for (i = 0; i < SIM_LEN_NR && !ret; i++)
		ret |= pval(o, path, sim_length_name(i), &hw->out_tokens[i]);
	o = json_object_get(root, "eagle3");
	ret |= sim_param_int(o, path, "draft_layers", 0, &hw->draft_layers);
	ret |= pval(o, path, "draft_mlp_mult", &hw->draft_mlp_mult);
	ret |= sim_param_int(o, path, "draft_vocab", 0, &hw->draft_vocab);
	ret |= pval(o, path, "host_ms", &hw->draft_host_ms);
	ret |= pval(o, path, "accept", &hw->accept);
	ret |= pval(root, path, "ep_rendezvous", &hw->ep_rendezvous);
	if (!ret)
		sim_prov_collect(root, "", hw);
	if (!ret)
		ret = sim_attn_hw_load(root, path, hw);
	if (!ret)
		ret = sim_mem_hw_load(root, path, &hw->mem);
	if (!ret && (hw->mem_bw_gbs <= 0 || hw->attn.kv_bw_gbs <= 0 ||
		     hw->eff_int4 <= 0 || hw->eff_bf16 <= 0 ||
		     hw->peak_tflops <= 0)) {
		BM_ERR("%s: bandwidths, efficiencies and peak must be > 0",
		       path);
		ret = -EINVAL;
	}
	if (!ret)
		ret = hw_check(hw, path);
	return ret ? -EINVAL : 0;
}

static int load_colls(json_t *arr, const char *path, const char *what,
		      struct sim_coll *c, int *n_p)
{
	json_t *e, *v;
	size_t i;
	int n = 0;

	if (!json_is_array(arr)) {
		BM_ERR("%s: %s: missing collective list", path, what);
		return -EINVAL;
	}
	json_array_foreach(arr, i, e) {
		if (n >= SIM_COLL_MAX) {
			BM_ERR("%s: %s: too many collectives", path, what);
			return -EINVAL;
		}
		memset(&c[n], 0, sizeof(c[n]));
		v = json_object_get(e, "op");
		if (!json_is_string(v) ||
		    sim_op_parse(json_string_value(v), &c[n].op)) {
			BM_ERR("%s: %s[%zu]: bad \"op\"", path, what, i);
			return -EINVAL;
		}
		c[n].bytes_fixed = json_number_value(json_object_get(e, "bytes"));
		c[n].hidden_x = json_number_value(json_object_get(e, "hidden_x"));
		c[n].vocab_x = json_number_value(json_object_get(e, "vocab_x"));
		c[n].moe_hidden_x = json_number_value(json_object_get(e,
							"moe_hidden_x"));
		c[n].after_moe = json_is_true(json_object_get(e, "after_moe"));
		v = json_object_get(e, "what");
		snprintf(c[n].what, sizeof(c[n].what), "%s",
			 json_is_string(v) ? json_string_value(v) : "");
		if (c[n].bytes_fixed < 0 || c[n].hidden_x < 0 ||
		    c[n].vocab_x < 0 || c[n].moe_hidden_x < 0 ||
		    c[n].bytes_fixed + c[n].hidden_x + c[n].vocab_x +
		    c[n].moe_hidden_x <= 0) {
			BM_ERR("%s: %s[%zu]: no size (bytes, hidden_x, vocab_x "
			       "or moe_hidden_x, none negative)", path, what,
			       i);
			return -EINVAL;
		}
		n++;
	}
	*n_p = n;
	return 0;
}

int sim_sched_load(const char *datadir, const char *model_type,
		   struct sim_arch_sched *s)
{
	char path[1200];
	json_t *root, *a;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/profiles/arch.json", datadir);
	root = load_json(path);
	if (!root)
		return -EINVAL;
	a = json_object_get(root, model_type);
	if (!a)
		a = json_object_get(root, "dense");
	if (!json_is_object(a)) {
		BM_ERR("%s: no schedule for '%s'", path, model_type);
		json_decref(root);
		return -EINVAL;
	}
	ret |= sim_param_int(a, path, "kernels_per_layer", 0,
			     &s->kernels_per_layer);
	ret |= sim_param_int(a, path, "kernels_per_step", 0,
			     &s->kernels_per_step);
	ret |= pval(a, path, "pp_hop_hidden_x", &s->pp_hop_hidden_x);
	ret |= sim_param_int(a, path, "pp_hop_messages", 0,
			     &s->pp_hop_messages);
	if (!ret && !(s->pp_hop_hidden_x >= 0)) {
		BM_ERR("%s: \"pp_hop_hidden_x\" must be >= 0", path);
		ret = -EINVAL;
	}
	if (!ret)
		ret = load_colls(json_object_get(a, "tp_per_layer"), path,
				 "tp_per_layer", s->layer, &s->n_layer);
	if (!ret)
		ret = load_colls(json_object_get(a, "tp_per_step"), path,
				 "tp_per_step", s->step, &s->n_step);
	json_decref(root);
	return ret ? -EINVAL : 0;
}
