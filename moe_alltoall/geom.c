/* SPDX-License-Identifier: MIT */
/* moe_alltoall: model geometry from an HF config.json (routing.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "routing.h"

static int geom_int(json_t *cfg, const char *const *keys, const char *what,
		    const char *name, long min, int *v_p)
{
	json_t *v;
	int i;

	for (i = 0; keys[i]; i++) {
		v = json_object_get(cfg, keys[i]);
		if (v && json_is_integer(v)) {
			json_int_t x = json_integer_value(v);

			if (x < min || x > (1 << 24)) {
				BM_ERR("%s: %s = %lld out of range", name,
				       keys[i], (long long)x);
				return -EINVAL;
			}
			*v_p = (int)x;
			return 0;
		}
	}
	BM_ERR("%s: no %s (%s%s%s) in the model config", name, what, keys[0],
	       keys[1] ? " or " : "", keys[1] ? keys[1] : "");
	return -EINVAL;
}

int a2a_geom_from_json(json_t *cfg, const char *name, struct a2a_geom *g_p)
{
	static const char *const k_hidden[] = {"hidden_size", NULL};
	static const char *const k_exp[]  = {"num_experts", "num_local_experts",
					     NULL};
	static const char *const k_topk[] = {"num_experts_per_tok", NULL};
	/* Qwen3-MoE has both: intermediate_size is its dense MLP */
	static const char *const k_inter[]  = {"moe_intermediate_size",
					       "intermediate_size", NULL};
	static const char *const k_layers[] = {"num_hidden_layers", NULL};
	struct a2a_geom g		    = {0};
	json_t *mt;
	int ret;

	if (!json_is_object(cfg)) {
		BM_ERR("%s: model config is not a JSON object", name);
		return -EINVAL;
	}
	snprintf(g.name, sizeof(g.name), "%s", name);
	mt = json_object_get(cfg, "model_type");
	snprintf(g.model_type, sizeof(g.model_type), "%s",
		 json_is_string(mt) ? json_string_value(mt) : "");
	ret = geom_int(cfg, k_hidden, "hidden size", name, 1, &g.hidden);
	if (!ret)
		ret =
		    geom_int(cfg, k_exp, "expert count", name, 1, &g.n_experts);
	if (!ret)
		ret = geom_int(cfg, k_topk, "top-k", name, 1, &g.topk);
	if (!ret)
		ret = geom_int(cfg, k_inter, "expert intermediate size", name,
			       1, &g.moe_inter);
	if (!ret)
		ret =
		    geom_int(cfg, k_layers, "layer count", name, 1, &g.layers);
	if (ret)
		return ret;
	if (g.topk > g.n_experts) {
		BM_ERR("%s: top-k %d > %d experts", name, g.topk, g.n_experts);
		return -EINVAL;
	}
	*g_p = g;
	return 0;
}

int a2a_geom_load(const char *name, struct a2a_geom *g_p, char *path_p,
		  size_t pathlen)
{
	const char *dirs[] = {NETROOF_SOURCE_ROOT "/sim/models", "sim/models",
			      NETROOF_SOURCE_ROOT "/tests/moe_alltoall/models",
			      NULL};
	char path[1024], stem[1024];
	const char *base, *dot;
	json_error_t jerr;
	json_t *cfg = NULL;
	size_t nl   = strlen(name);
	int i, ret;

	if (strchr(name, '/') || (nl > 5 && !strcmp(name + nl - 5, ".json"))) {
		snprintf(path, sizeof(path), "%s", name);
		cfg = json_load_file(path, 0, &jerr);
		if (!cfg) {
			BM_ERR("model %s: %s (line %d)", path, jerr.text,
			       jerr.line);
			return -EINVAL;
		}
	} else {
		for (i = 0; dirs[i] && !cfg; i++) {
			snprintf(path, sizeof(path), "%s/%s.json", dirs[i],
				 name);
			cfg = json_load_file(path, 0, &jerr);
		}
		if (!cfg) {
			BM_ERR("model '%s' not found (looked for %s.json in "
			       "%s, sim/models, tests/moe_alltoall/models); "
			       "give a path to a config.json",
			       name, name, dirs[0]);
			return -ENOENT;
		}
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(stem, sizeof(stem), "%s", base);
	dot = strstr(stem, ".json");
	if (dot)
		stem[dot - stem] = '\0';
	ret = a2a_geom_from_json(cfg, stem, g_p);
	json_decref(cfg);
	if (!ret && path_p)
		snprintf(path_p, pathlen, "%s", path);
	return ret;
}

double a2a_expert_bytes(const struct a2a_geom *g, double bits)
{
	return 3.0 * g->hidden * g->moe_inter * bits / 8.0;
}
