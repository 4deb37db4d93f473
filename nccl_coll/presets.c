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

#include "coll.h"
#include "hfconfig.h"
#include "log.h"

void coll_model_from_hf(const struct bm_hf *hf, struct coll_model *m)
{
	const struct bm_hf_geom *g = &hf->geom;
	const char *qk = json_string_value(json_object_get(hf->root,
							   "qk_norm_type"));

	*m = (struct coll_model){
		.hidden_size = g->hidden,
		.num_hidden_layers = g->layers,
		.vocab_size = g->vocab,
	};
	snprintf(m->name, sizeof(m->name), "%s", hf->name);
	snprintf(m->model_type, sizeof(m->model_type), "%s", g->model_type);
	/* MiniMax-M2 normalises q and k across all heads, so under TP the
	 * variance is all-reduced (vLLM MiniMaxText01RMSNormTP) */
	m->qk_norm_allreduce = strstr(g->model_type, "minimax") ||
			       (qk && !strcmp(qk, "per_layer"));
}

int coll_model_load(const char *name, struct coll_model *m_p, char *path,
		    size_t pathlen)
{
	struct bm_hf hf;
	int ret;

	/* hidden_size and num_hidden_layers always; vocab_size optional */
	ret = bm_hf_load(name, BM_HF_NEED_TYPE, &hf);
	if (ret)
		return ret;
	/* the preset keys on the family: model_type itself, as before */
	if (!hf.geom.has_model_type) {
		BM_ERR("%s: needs model_type (the decode preset keys on the "
		       "model family)", hf.path);
		bm_hf_free(&hf);
		return -EINVAL;
	}
	coll_model_from_hf(&hf, m_p);
	if (path)
		snprintf(path, pathlen, "%s", hf.path);
	bm_hf_free(&hf);
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
