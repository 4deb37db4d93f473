// SPDX-License-Identifier: MIT
/*
 * hfconfig: find and load a Hugging Face config.json (hfconfig.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hfconfig.h"
#include "log.h"

#define HF_DIRS 3
#define HF_INT_MAX 100000000	/* no config field is larger; catches junk */

/* The search path, in order; unset entries are "". */
static void search_dirs(char dirs[HF_DIRS][PATH_MAX])
{
	const char *env = getenv("NETROOF_MODELS");
	char exe[PATH_MAX];
	char *slash;
	ssize_t n;

	memset(dirs, 0, HF_DIRS * sizeof(dirs[0]));
	if (env && *env)
		snprintf(dirs[0], PATH_MAX, "%s", env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(dirs[1], PATH_MAX, "%.*s/../share/netroof/models",
				 PATH_MAX - 32, exe);
		}
	}
	snprintf(dirs[2], PATH_MAX, "%s/sim/models", NETROOF_SOURCE_ROOT);
}

/* strlcpy: a name longer than the field is cut, as the field says. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int bm_hf_list(char *buf, size_t len)
{
	char dirs[HF_DIRS][PATH_MAX], *names[256];
	size_t off = 0;
	int n = 0, i, shown = 0;

	if (len)
		buf[0] = '\0';
	search_dirs(dirs);
	for (i = 0; i < HF_DIRS; i++) {
		struct dirent *e;
		DIR *d;

		if (!dirs[i][0])
			continue;
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((e = readdir(d)) && n < 256) {
			size_t l = strlen(e->d_name);

			if (l <= 5 || e->d_name[0] == '.' ||
			    strcmp(e->d_name + l - 5, ".json"))
				continue;
			names[n] = strndup(e->d_name, l - 5);
			if (names[n])
				n++;
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		if (len && off < len)
			off += snprintf(buf + off, len - off, "%s%s",
					shown ? ", " : "", names[i]);
		shown++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return shown;
}

int bm_hf_lookup(const char *name, char *path, size_t len)
{
	char dirs[HF_DIRS][PATH_MAX];
	int i;

	search_dirs(dirs);
	for (i = 0; i < HF_DIRS; i++) {
		if (!dirs[i][0])
			continue;
		snprintf(path, len, "%s/%s.json", dirs[i], name);
		if (!access(path, R_OK))
			return 0;
	}
	return -ENOENT;
}

int bm_hf_find(const char *name_or_path, char *path, size_t len)
{
	char dirs[HF_DIRS][PATH_MAX], names[1024], looked[3 * PATH_MAX];
	struct stat st;
	size_t off = 0;
	int i;

	if (strchr(name_or_path, '/') || !stat(name_or_path, &st)) {
		snprintf(path, len, "%s", name_or_path);
		return 0;
	}
	if (!bm_hf_lookup(name_or_path, path, len))
		return 0;
	search_dirs(dirs);
	looked[0] = '\0';
	for (i = 0; i < HF_DIRS; i++) {
		if (!dirs[i][0])
			continue;
		off += snprintf(looked + off, sizeof(looked) - off, "%s%s",
				off ? ", " : "", dirs[i]);
		if (off >= sizeof(looked))
			off = sizeof(looked) - 1;
	}
	if (!bm_hf_list(names, sizeof(names)))
		snprintf(names, sizeof(names), "none");
	BM_ERR("unknown model '%s': no %s.json in %s (named models: %s; or "
	       "give a path to a config.json)", name_or_path, name_or_path,
	       looked, names);
	return -ENOENT;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Integer field. 0 and *v_p untouched when absent (or null); -EINVAL with a
 * message when present but not an integer in 0..HF_INT_MAX (or 0 while
 * positive is asked for). */
static int get_int(const struct bm_hf *hf, const char *key, bool positive,
		   int *v_p)
{
	json_t *v = json_object_get(hf->root, key);
	json_int_t x;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		BM_ERR("%s: field \"%s\" must be an integer, not %s", hf->path,
		       key, type_name(v));
		return -EINVAL;
	}
	x = json_integer_value(v);
	if (x < (positive ? 1 : 0) || x > HF_INT_MAX) {
		BM_ERR("%s: field \"%s\" = %lld out of range (%s..%d)",
		       hf->path, key, (long long)x, positive ? "1" : "0",
		       HF_INT_MAX);
		return -EINVAL;
	}
	*v_p = (int)x;
	return 0;
}

/* The first present key of a NULL-terminated alias list; NULL if none. */
static const char *first_key(const struct bm_hf *hf, const char *const *keys)
{
	json_t *v;

	for (; *keys; keys++) {
		v = json_object_get(hf->root, *keys);
		if (v && !json_is_null(v))
			return *keys;
	}
	return NULL;
}

static const char *const k_experts[] = { "num_experts", "num_local_experts",
					 "n_routed_experts", NULL };
static const char *const k_topk[] = { "num_experts_per_tok",
				      "experts_per_token", NULL };
static const char *const k_shared[] = { "shared_expert_intermediate_size",
					"shared_intermediate_size", NULL };

static int get_alias(const struct bm_hf *hf, const char *const *keys, int *v_p)
{
	const char *k = first_key(hf, keys);

	return k ? get_int(hf, k, false, v_p) : 0;
}

static int get_string(const struct bm_hf *hf, json_t *v, const char *key,
		      char *out, size_t len)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		BM_ERR("%s: field \"%s\" must be a string, not %s", hf->path,
		       key, type_name(v));
		return -EINVAL;
	}
	copy_str(out, len, json_string_value(v));
	return 0;
}

static int load_names(struct bm_hf *hf)
{
	struct bm_hf_geom *g = &hf->geom;
	json_t *arch = json_object_get(hf->root, "architectures");
	int ret;

	if (arch && !json_is_null(arch) && !json_is_array(arch)) {
		BM_ERR("%s: field \"architectures\" must be an array, not %s",
		       hf->path, type_name(arch));
		return -EINVAL;
	}
	ret = get_string(hf, json_array_get(arch, 0), "architectures[0]",
			 g->architecture, sizeof(g->architecture));
	if (!ret)
		ret = get_string(hf, json_object_get(hf->root, "model_type"),
				 "model_type", g->model_type,
				 sizeof(g->model_type));
	if (ret)
		return ret;
	g->has_model_type = g->model_type[0] != '\0';
	if (!g->has_model_type)
		copy_str(g->model_type, sizeof(g->model_type),
			 g->architecture);
	return 0;
}

static int load_geom(struct bm_hf *hf)
{
	struct bm_hf_geom *g = &hf->geom;
	json_t *tie;
	int inter = 0, n_shared = 0, ret;

	ret = load_names(hf);
	ret = ret ? ret : get_int(hf, "num_hidden_layers", true, &g->layers);
	ret = ret ? ret : get_int(hf, "hidden_size", true, &g->hidden);
	ret = ret ? ret : get_int(hf, "num_attention_heads", true, &g->heads);
	g->kv_heads = g->heads;
	ret = ret ? ret : get_int(hf, "num_key_value_heads", true,
				  &g->kv_heads);
	g->head_dim = g->heads ? g->hidden / g->heads : 0;
	ret = ret ? ret : get_int(hf, "head_dim", true, &g->head_dim);
	ret = ret ? ret : get_int(hf, "vocab_size", true, &g->vocab);
	ret = ret ? ret : get_alias(hf, k_experts, &g->experts);
	ret = ret ? ret : get_alias(hf, k_topk, &g->topk);
	ret = ret ? ret : get_int(hf, "intermediate_size", false, &inter);
	ret = ret ? ret : get_int(hf, "moe_intermediate_size", false,
				  &g->moe_inter);
	ret = ret ? ret : get_alias(hf, k_shared, &g->shared_inter);
	ret = ret ? ret : get_int(hf, "n_shared_experts", false, &n_shared);
	if (ret)
		return ret;
	/* without moe_intermediate_size, an MoE's intermediate_size is the
	 * experts' (MiniMax-M2, gpt-oss, Mixtral); else the dense MLP's */
	if (g->experts && !g->moe_inter)
		g->moe_inter = inter;
	else
		g->mlp_inter = inter;
	if (!g->shared_inter && n_shared) {
		long long w = (long long)n_shared * g->moe_inter;

		if (w > HF_INT_MAX) {
			BM_ERR("%s: n_shared_experts %d x expert size %d out of "
			       "range (..%d)", hf->path, n_shared,
			       g->moe_inter, HF_INT_MAX);
			return -EINVAL;
		}
		g->shared_inter = (int)w;
	}
	tie = json_object_get(hf->root, "tie_word_embeddings");
	if (tie && !json_is_null(tie) && !json_is_boolean(tie)) {
		BM_ERR("%s: field \"tie_word_embeddings\" must be a boolean, "
		       "not %s", hf->path, type_name(tie));
		return -EINVAL;
	}
	g->tied_embeddings = json_is_true(tie);
	/* grouped-query attention: each KV head serves heads / kv_heads
	 * query heads (transformers refuses a config where that is not
	 * whole; sim divided by the 0 it gave) */
	if (g->heads && (g->kv_heads > g->heads || g->heads % g->kv_heads)) {
		BM_ERR("%s: num_key_value_heads %d does not divide "
		       "num_attention_heads %d", hf->path, g->kv_heads,
		       g->heads);
		return -EINVAL;
	}
	if (g->experts && g->topk > g->experts) {
		BM_ERR("%s: experts %d, top-k %d, expert size %d inconsistent "
		       "(top-k above the expert count)", hf->path, g->experts,
		       g->topk, g->moe_inter);
		return -EINVAL;
	}
	return 0;
}

static int missing(const struct bm_hf *hf, const char *const *keys)
{
	char alt[256] = "";
	size_t off = 0;
	int i;

	for (i = 1; keys[i]; i++)
		off += snprintf(alt + off, sizeof(alt) - off, "%s\"%s\"",
				i > 1 ? ", " : " (or ", keys[i]);
	if (off)
		snprintf(alt + off, sizeof(alt) - off, ")");
	BM_ERR("%s: missing required field \"%s\"%s", hf->path, keys[0], alt);
	return -EINVAL;
}

int bm_hf_require(const struct bm_hf *hf, unsigned int need)
{
	static const char *const k_layers[] = { "num_hidden_layers", NULL };
	static const char *const k_hidden[] = { "hidden_size", NULL };
	static const char *const k_heads[] = { "num_attention_heads", NULL };
	static const char *const k_vocab[] = { "vocab_size", NULL };
	static const char *const k_inter[] = { "intermediate_size", NULL };
	static const char *const k_minter[] = { "moe_intermediate_size",
						"intermediate_size", NULL };
	const struct bm_hf_geom *g = &hf->geom;

	if (!g->layers)
		return missing(hf, k_layers);
	if (!g->hidden)
		return missing(hf, k_hidden);
	if ((need & BM_HF_NEED_TYPE) && !g->model_type[0]) {
		BM_ERR("%s: missing \"model_type\" and \"architectures\"",
		       hf->path);
		return -EINVAL;
	}
	if ((need & BM_HF_NEED_HEADS) && !g->heads)
		return missing(hf, k_heads);
	if ((need & BM_HF_NEED_VOCAB) && !g->vocab)
		return missing(hf, k_vocab);
	if ((need & BM_HF_NEED_MLP) && !first_key(hf, k_inter))
		return missing(hf, k_inter);
	if (!(need & BM_HF_NEED_MOE))
		return 0;
	if (!first_key(hf, k_experts))
		return missing(hf, k_experts);
	if (!first_key(hf, k_topk))
		return missing(hf, k_topk);
	if (!first_key(hf, k_minter))
		return missing(hf, k_minter);
	if (!g->experts || !g->topk || g->topk > g->experts || !g->moe_inter) {
		BM_ERR("%s: experts %d, top-k %d, expert size %d inconsistent",
		       hf->path, g->experts, g->topk, g->moe_inter);
		return -EINVAL;
	}
	return 0;
}

static void stem(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t l;

	copy_str(out, len, b ? b + 1 : path);
	l = strlen(out);
	if (l > 5 && !strcmp(out + l - 5, ".json"))
		out[l - 5] = '\0';
}

int bm_hf_load(const char *name_or_path, unsigned int need, struct bm_hf *hf)
{
	json_error_t jerr;
	FILE *f;
	int ret;

	memset(hf, 0, sizeof(*hf));
	ret = bm_hf_find(name_or_path, hf->path, sizeof(hf->path));
	if (ret)
		return ret;
	f = fopen(hf->path, "r");
	if (!f) {
		ret = -errno;
		BM_ERR("%s: cannot read model config: %s", hf->path,
		       strerror(-ret));
		goto err;
	}
	hf->root = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!hf->root) {
		BM_ERR("%s:%d:%d: malformed JSON: %s", hf->path, jerr.line,
		       jerr.column, jerr.text);
		ret = -EINVAL;
		goto err;
	}
	if (!json_is_object(hf->root)) {
		BM_ERR("%s: not a JSON object (expected a config.json)",
		       hf->path);
		ret = -EINVAL;
		goto err;
	}
	stem(hf->path, hf->name, sizeof(hf->name));
	ret = load_geom(hf);
	if (!ret)
		ret = bm_hf_require(hf, need);
	if (!ret)
		return 0;
err:
	bm_hf_free(hf);
	memset(hf, 0, sizeof(*hf));
	return ret;
}

void bm_hf_free(struct bm_hf *hf)
{
	json_decref(hf->root);
	hf->root = NULL;
}
