// SPDX-License-Identifier: MIT
/*
 * Decode presets: the collectives vLLM issues for one decoded token at
 * batch 1 (see /work/shared/seed/facts.md, "vLLM communication per decoded
 * token"):
 *   tp: per layer an all-reduce of hidden x 2 B (bf16) after attention and
 *       one after the MLP/MoE block; MiniMax-M2 adds an 8 B fp32 all-reduce
 *       per layer (q/k RMSNorm variance across heads); once per token an
 *       all-reduce at the (vocab-parallel) embedding and an all-gather of
 *       the logits (vocab x 2 B in all).
 *   pp: one hop per stage boundary: hidden state and residual, each
 *       hidden x 2 B, as two NCCL send/recv.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "coll.h"

/* A size field, 1..1e8 (hfconfig's cap): beyond it the byte counts below
 * wrap and the layer count does not fit the int it becomes. */
static int get_long(json_t *cfg, const char *key, long *v)
{
	json_t *j = json_object_get(cfg, key);

	if (!json_is_integer(j))
		return -EINVAL;
	*v = (long)json_integer_value(j);
	return *v > 0 && *v <= 100000000 ? 0 : -EINVAL;
}

int coll_model_from_json(json_t *cfg, const char *name, struct coll_model *m)
{
	struct coll_model x = { 0 };
	json_t *v;
	const char *mt = json_string_value(json_object_get(cfg, "model_type"));
	const char *qk = json_string_value(json_object_get(cfg,
							   "qk_norm_type"));

	if (!json_is_object(cfg) || !mt)
		return -EINVAL;
	if (get_long(cfg, "hidden_size", &x.hidden_size) ||
	    get_long(cfg, "num_hidden_layers", &x.num_hidden_layers))
		return -EINVAL;
	v = json_object_get(cfg, "vocab_size");
	if (!v || json_is_null(v))
		x.vocab_size = 0;	/* no logits all-gather */
	else if (get_long(cfg, "vocab_size", &x.vocab_size))
		return -EINVAL;
	snprintf(x.name, sizeof(x.name), "%s", name ? name : mt);
	snprintf(x.model_type, sizeof(x.model_type), "%s", mt);
	/* MiniMax-M2 normalises q and k across all heads, so under TP the
	 * variance is all-reduced (vLLM MiniMaxText01RMSNormTP) */
	x.qk_norm_allreduce = strstr(mt, "minimax") ||
			      (qk && !strcmp(qk, "per_layer"));
	*m = x;
	return 0;
}

int coll_model_load(const char *name, struct coll_model *m_p, char *path,
		    size_t pathlen)
{
	const char *dirs[] = { "sim/models", NETROOF_SOURCE_ROOT "/sim/models",
			       NETROOF_SOURCE_ROOT "/tests/nccl_coll/models" };
	char base[128], buf[1024];
	json_error_t err;
	json_t *cfg = NULL;
	const char *slash;
	size_t i, l;
	int ret;

	if (strchr(name, '/') || (strlen(name) > 5 &&
				  !strcmp(name + strlen(name) - 5, ".json"))) {
		snprintf(buf, sizeof(buf), "%s", name);
	} else {
		buf[0] = '\0';
		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(buf, sizeof(buf), "%s/%s.json", dirs[i], name);
			if (!access(buf, R_OK))
				break;
			buf[0] = '\0';
		}
		if (!buf[0]) {
			fprintf(stderr, "nccl_coll: model '%s' not found in "
				"sim/models/ (give a path to a config.json)\n",
				name);
			return -ENOENT;
		}
	}
	cfg = json_load_file(buf, 0, &err);
	if (!cfg) {
		fprintf(stderr, "nccl_coll: %s: %s (line %d)\n", buf, err.text,
			err.line);
		return -EINVAL;
	}
	slash = strrchr(buf, '/');
	snprintf(base, sizeof(base), "%.*s", (int)sizeof(base) - 1,
		 slash ? slash + 1 : buf);	/* a long name is cut */
	l = strlen(base);
	if (l > 5 && !strcmp(base + l - 5, ".json"))
		base[l - 5] = '\0';
	ret = coll_model_from_json(cfg, base, m_p);
	json_decref(cfg);
	if (ret) {
		fprintf(stderr, "nccl_coll: %s: needs model_type, hidden_size "
			"and num_hidden_layers (and vocab_size, when given) "
			"in 1..1e8\n", buf);
		return ret;
	}
	if (path)
		snprintf(path, pathlen, "%s", buf);
	return 0;
}

int coll_decode_items(const struct coll_model *m, const char *mode, int tp,
		      struct coll_item *items, int max)
{
	struct coll_item all[8];
	size_t act = (size_t)m->hidden_size * 2;	/* bf16 activations */
	int n = 0, L = (int)m->num_hidden_layers, i;

	if (tp < 1)
		tp = 1;
	if (!strcmp(mode, "tp")) {
		all[n++] = (struct coll_item){ COLL_ALLREDUCE, COLL_BF16, act,
					       L, "attention output (o_proj)" };
		all[n++] = (struct coll_item){ COLL_ALLREDUCE, COLL_BF16, act,
					       L, "MLP/MoE output" };
		if (m->qk_norm_allreduce)
			all[n++] = (struct coll_item){ COLL_ALLREDUCE,
						       COLL_FP32, 8, L,
						       "q/k RMSNorm variance" };
		all[n++] = (struct coll_item){ COLL_ALLREDUCE, COLL_BF16, act,
					       1, "vocab-parallel embedding" };
		if (m->vocab_size > 0) {
			/* vLLM pads the vocabulary to a multiple of 64 per
			 * rank; the gathered logits are bf16 */
			size_t per = ((size_t)m->vocab_size + 64u * tp - 1) /
				     (64u * tp) * 64u;

			all[n++] = (struct coll_item){
				COLL_ALLGATHER, COLL_BF16, per * tp * 2, 1,
				"logits all-gather" };
		}
	} else if (!strcmp(mode, "pp")) {
		all[n++] = (struct coll_item){ COLL_SENDRECV, COLL_BF16, act,
					       2, "hidden state + residual" };
	} else {
		return -EINVAL;
	}
	for (i = 0; i < n && i < max; i++)
		items[i] = all[i];
	return i;
}
