// SPDX-License-Identifier: MIT
/*
 * The HF config loader against the real configs in sim/models (hand-read
 * values), its search order ($NETROOF_MODELS, the install tree next to the
 * executable, the source tree, a path), its field aliases, and bad inputs
 * (each error names the file and the field).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"
#include "config.h"
#include "hfconfig.h"
#include "log.h"

static char dir[] = "/tmp/netroof-test-hf-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(99);
	}
	fputs(text, f);
	fclose(f);
}

static bool has(const char *s, const char *sub)
{
	return s && strstr(s, sub);
}

struct want {
	const char *name, *type, *arch;
	int layers, hidden, heads, kv, hd, vocab, experts, topk, moe, shared,
	    mlp;
};

/* The four named models, read by hand from their config.json. */
static const struct want named[] = {
	{ "qwen3-coder-30b-a3b", "qwen3_moe", "Qwen3MoeForCausalLM",
	  48, 2048, 32, 4, 128, 151936, 128, 8, 768, 0, 6144 },
	{ "minimax-m2.5", "minimax_m2", "MiniMaxM2ForCausalLM",
	  62, 3072, 48, 8, 128, 200064, 256, 8, 1536, 0, 0 },
	{ "gpt-oss-120b", "gpt_oss", "GptOssForCausalLM",
	  36, 2880, 64, 8, 64, 201088, 128, 4, 2880, 0, 0 },
	{ "qwen3-235b-a22b", "qwen3_moe", "Qwen3MoeForCausalLM",
	  94, 4096, 64, 4, 128, 151936, 128, 8, 1536, 0, 12288 },
};

static void check_geom(const struct bm_hf *hf, const struct want *w)
{
	const struct bm_hf_geom *g = &hf->geom;

	EXPECT_STREQ(hf->name, w->name);
	EXPECT_STREQ(g->model_type, w->type);
	EXPECT_STREQ(g->architecture, w->arch);
	EXPECT(g->has_model_type);
	EXPECT_EQ(g->layers, w->layers);
	EXPECT_EQ(g->hidden, w->hidden);
	EXPECT_EQ(g->heads, w->heads);
	EXPECT_EQ(g->kv_heads, w->kv);
	EXPECT_EQ(g->head_dim, w->hd);
	EXPECT_EQ(g->vocab, w->vocab);
	EXPECT_EQ(g->experts, w->experts);
	EXPECT_EQ(g->topk, w->topk);
	EXPECT_EQ(g->moe_inter, w->moe);
	EXPECT_EQ(g->shared_inter, w->shared);
	EXPECT_EQ(g->mlp_inter, w->mlp);
	EXPECT(!g->tied_embeddings);
}

static void test_named(void)
{
	char path[1024], list[1024];
	struct bm_hf hf;
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		EXPECT_EQ(bm_hf_load(named[i].name, BM_HF_NEED_TYPE |
				     BM_HF_NEED_HEADS | BM_HF_NEED_VOCAB |
				     BM_HF_NEED_MOE, &hf), 0);
		check_geom(&hf, &named[i]);
		snprintf(path, sizeof(path), "%s/sim/models/%s.json",
			 NETROOF_SOURCE_ROOT, named[i].name);
		EXPECT_STREQ(hf.path, path);
		EXPECT(json_is_object(hf.root));
		bm_hf_free(&hf);
		EXPECT(!hf.root);
		/* the same file by path */
		EXPECT_EQ(bm_hf_load(path, 0, &hf), 0);
		EXPECT_STREQ(hf.name, named[i].name);
		EXPECT_EQ(hf.geom.layers, named[i].layers);
		bm_hf_free(&hf);
	}
	/* tool-specific fields stay reachable through the root */
	EXPECT_EQ(bm_hf_load("gpt-oss-120b", 0, &hf), 0);
	EXPECT_EQ(json_integer_value(json_object_get(hf.root,
						     "sliding_window")), 128);
	EXPECT_EQ(json_array_size(json_object_get(hf.root, "layer_types")), 36);
	EXPECT_STREQ(json_string_value(json_object_get(json_object_get(hf.root,
		"quantization_config"), "quant_method")), "mxfp4");
	bm_hf_free(&hf);
	EXPECT(bm_hf_list(list, sizeof(list)) >= 4);
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		EXPECT(has(list, named[i].name));
}

/* bad input: rc, and the error names the file and what is wrong */
static void expect_bad(const char *file, unsigned int need, int rc,
		       const char *what)
{
	char path[512];
	struct bm_hf hf;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	EXPECT_EQ(bm_hf_load(path, need, &hf), rc);
	EXPECT(!hf.root);
	bm_hf_free(&hf);	/* harmless after a failure */
	if (!has(bm_log_last_error(), path) ||
	    !has(bm_log_last_error(), what)) {
		fprintf(stderr, "%s: error '%s' lacks the path or '%s'\n", file,
			bm_log_last_error(), what);
		bm_test_failures++;
	}
}

#define BASE "\"num_hidden_layers\": 4, \"hidden_size\": 64"

static void test_bad(void)
{
	put("malformed.json", "{ " BASE ",, }");
	expect_bad("malformed.json", 0, -EINVAL, "malformed JSON");
	put("array.json", "[1, 2]");
	expect_bad("array.json", 0, -EINVAL, "not a JSON object");
	put("no-hidden.json", "{ \"num_hidden_layers\": 4 }");
	expect_bad("no-hidden.json", 0, -EINVAL,
		   "missing required field \"hidden_size\"");
	put("no-layers.json", "{ \"hidden_size\": 4 }");
	expect_bad("no-layers.json", 0, -EINVAL,
		   "missing required field \"num_hidden_layers\"");
	put("str-hidden.json", "{ \"num_hidden_layers\": 4, "
	    "\"hidden_size\": \"2048\" }");
	expect_bad("str-hidden.json", 0, -EINVAL,
		   "\"hidden_size\" must be an integer, not a string");
	put("neg.json", "{ " BASE ", \"num_attention_heads\": -2 }");
	expect_bad("neg.json", 0, -EINVAL, "\"num_attention_heads\" = -2 out of range");
	put("zero.json", "{ \"num_hidden_layers\": 0, \"hidden_size\": 64 }");
	expect_bad("zero.json", 0, -EINVAL, "\"num_hidden_layers\" = 0 out of range");
	put("real.json", "{ " BASE ", \"vocab_size\": 1.5 }");
	expect_bad("real.json", 0, -EINVAL, "\"vocab_size\" must be an integer, not a real");
	put("tie.json", "{ " BASE ", \"tie_word_embeddings\": \"yes\" }");
	expect_bad("tie.json", 0, -EINVAL, "\"tie_word_embeddings\" must be a boolean");
	put("arch.json", "{ " BASE ", \"architectures\": \"Llama\" }");
	expect_bad("arch.json", 0, -EINVAL, "\"architectures\" must be an array");
	put("type.json", "{ " BASE ", \"model_type\": 7 }");
	expect_bad("type.json", 0, -EINVAL, "\"model_type\" must be a string");
	put("topk.json", "{ " BASE ", \"num_experts\": 8, "
	    "\"num_experts_per_tok\": 16, \"moe_intermediate_size\": 32 }");
	expect_bad("topk.json", 0, -EINVAL, "inconsistent");
	put("dense.json", "{ " BASE ", \"model_type\": \"llama\", "
	    "\"num_attention_heads\": 8, \"vocab_size\": 100 }");
	expect_bad("dense.json", BM_HF_NEED_MOE, -EINVAL,
		   "missing required field \"num_experts\" (or "
		   "\"num_local_experts\", \"n_routed_experts\")");
	expect_bad("dense.json", BM_HF_NEED_MLP, -EINVAL,
		   "missing required field \"intermediate_size\"");
	put("untyped.json", "{ " BASE " }");
	expect_bad("untyped.json", BM_HF_NEED_TYPE, -EINVAL,
		   "missing \"model_type\" and \"architectures\"");
	expect_bad("untyped.json", BM_HF_NEED_HEADS, -EINVAL,
		   "missing required field \"num_attention_heads\"");
	expect_bad("untyped.json", BM_HF_NEED_VOCAB, -EINVAL,
		   "missing required field \"vocab_size\"");
	put("zero-experts.json", "{ " BASE ", \"num_experts\": 0, "
	    "\"num_experts_per_tok\": 2, \"moe_intermediate_size\": 32 }");
	expect_bad("zero-experts.json", BM_HF_NEED_MOE, -EINVAL, "inconsistent");
	expect_bad("absent.json", 0, -ENOENT, "cannot read model config");
	/* found by fuzzing (tests/fuzz/corpus/model_config/regress-*): more
	 * KV heads than heads gave sim a GQA group of 0 and an infinite
	 * attention time; n_shared_experts x the expert size overflowed */
	put("kv-above.json", "{ " BASE ", \"num_attention_heads\": 32, "
	    "\"num_key_value_heads\": 40 }");
	expect_bad("kv-above.json", 0, -EINVAL, "num_key_value_heads 40 does "
		   "not divide num_attention_heads 32");
	put("kv-odd.json", "{ " BASE ", \"num_attention_heads\": 32, "
	    "\"num_key_value_heads\": 3 }");
	expect_bad("kv-odd.json", 0, -EINVAL, "does not divide");
	put("shared.json", "{ " BASE ", \"num_experts\": 8, "
	    "\"num_experts_per_tok\": 2, \"moe_intermediate_size\": 100000, "
	    "\"n_shared_experts\": 100000 }");
	expect_bad("shared.json", 0, -EINVAL, "n_shared_experts 100000 x "
		   "expert size 100000 out of range");
}

static void test_aliases(void)
{
	char path[512];
	struct bm_hf hf;

	/* DeepSeek-style keys; model_type from architectures[0]; nulls are
	 * absent; kv_heads and head_dim default from heads */
	put("ds.json", "{ \"architectures\": [\"DeepseekV3ForCausalLM\"], "
	    BASE ", \"num_attention_heads\": 8, \"num_key_value_heads\": null,"
	    " \"n_routed_experts\": 64, \"num_experts_per_tok\": 6, "
	    "\"moe_intermediate_size\": 16, \"n_shared_experts\": 2, "
	    "\"intermediate_size\": 256, \"tie_word_embeddings\": true }");
	snprintf(path, sizeof(path), "%s/ds.json", dir);
	EXPECT_EQ(bm_hf_load(path, BM_HF_NEED_TYPE | BM_HF_NEED_MOE |
			     BM_HF_NEED_MLP, &hf), 0);
	EXPECT_STREQ(hf.name, "ds");
	EXPECT_STREQ(hf.geom.model_type, "DeepseekV3ForCausalLM");
	EXPECT(!hf.geom.has_model_type);
	EXPECT_EQ(hf.geom.kv_heads, 8);
	EXPECT_EQ(hf.geom.head_dim, 8);
	EXPECT_EQ(hf.geom.experts, 64);
	EXPECT_EQ(hf.geom.topk, 6);
	EXPECT_EQ(hf.geom.moe_inter, 16);
	EXPECT_EQ(hf.geom.shared_inter, 32);
	EXPECT_EQ(hf.geom.mlp_inter, 256);
	EXPECT(hf.geom.tied_embeddings);
	bm_hf_free(&hf);
	/* gpt-oss's experts_per_token; an MoE without moe_intermediate_size
	 * has its experts' size in intermediate_size */
	put("oss.json", "{ " BASE ", \"num_local_experts\": 4, "
	    "\"experts_per_token\": 2, \"intermediate_size\": 48, "
	    "\"shared_intermediate_size\": 24 }");
	snprintf(path, sizeof(path), "%s/oss.json", dir);
	EXPECT_EQ(bm_hf_load(path, BM_HF_NEED_MOE, &hf), 0);
	EXPECT_EQ(hf.geom.experts, 4);
	EXPECT_EQ(hf.geom.topk, 2);
	EXPECT_EQ(hf.geom.moe_inter, 48);
	EXPECT_EQ(hf.geom.mlp_inter, 0);
	EXPECT_EQ(hf.geom.shared_inter, 24);
	EXPECT_STREQ(hf.geom.model_type, "");
	bm_hf_free(&hf);
	/* require() after load, as a tool that decides from model_type */
	EXPECT_EQ(bm_hf_load(path, 0, &hf), 0);
	EXPECT_EQ(bm_hf_require(&hf, BM_HF_NEED_MOE), 0);
	EXPECT_EQ(bm_hf_require(&hf, BM_HF_NEED_HEADS), -EINVAL);
	bm_hf_free(&hf);
}

static void test_search(void)
{
	char path[1024], cwd[1024];
	struct bm_hf hf;

	/* an unknown name: -ENOENT, and the message lists the named models */
	EXPECT_EQ(bm_hf_load("no-such-model", 0, &hf), -ENOENT);
	EXPECT(has(bm_log_last_error(), "unknown model 'no-such-model'"));
	EXPECT(has(bm_log_last_error(), "qwen3-coder-30b-a3b"));
	EXPECT(has(bm_log_last_error(), "gpt-oss-120b"));
	/* $NETROOF_MODELS comes first, before the source tree */
	put("qwen3-coder-30b-a3b.json", "{ \"num_hidden_layers\": 7, "
	    "\"hidden_size\": 64 }");
	put("only-env.json", "{ " BASE " }");
	setenv("NETROOF_MODELS", dir, 1);
	EXPECT_EQ(bm_hf_load("qwen3-coder-30b-a3b", 0, &hf), 0);
	EXPECT_EQ(hf.geom.layers, 7);
	snprintf(path, sizeof(path), "%s/qwen3-coder-30b-a3b.json", dir);
	EXPECT_STREQ(hf.path, path);
	bm_hf_free(&hf);
	EXPECT_EQ(bm_hf_load("only-env", 0, &hf), 0);
	bm_hf_free(&hf);
	EXPECT_EQ(bm_hf_load("minimax-m2.5", 0, &hf), 0);	/* falls through */
	EXPECT_EQ(hf.geom.layers, 62);
	bm_hf_free(&hf);
	unsetenv("NETROOF_MODELS");
	EXPECT_EQ(bm_hf_load("only-env", 0, &hf), -ENOENT);
	/* a name that is an existing file is a path */
	if (getcwd(cwd, sizeof(cwd)) && !chdir(dir)) {
		EXPECT_EQ(bm_hf_load("only-env.json", 0, &hf), 0);
		EXPECT_STREQ(hf.path, "only-env.json");
		EXPECT_STREQ(hf.name, "only-env");
		bm_hf_free(&hf);
		EXPECT(!chdir(cwd));
	}
}

/* The install tree: a copy of this program in DIR/bin finds NAME.json in
 * DIR/share/netroof/models (where meson installs sim/models). */
static void test_install_tree(void)
{
	char exe[128], cmd[1024], models[128], out[1200] = "", want[1200];
	FILE *p;

	snprintf(exe, sizeof(exe), "%s/bin", dir);
	snprintf(models, sizeof(models), "%s/share/netroof/models", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s' && cp /proc/%d/exe "
		 "'%s/t' && cp '%s/only-env.json' '%s/only-install.json'",
		 exe, models, (int)getpid(), exe, dir, models);
	EXPECT_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "env -u NETROOF_MODELS '%s/t' --find "
		 "only-install", exe);
	p = popen(cmd, "r");
	EXPECT(p != NULL);
	if (!p)
		return;
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	EXPECT_EQ(pclose(p), 0);
	snprintf(want, sizeof(want), "%s/../share/netroof/models/"
		 "only-install.json\n", exe);
	EXPECT_STREQ(out, want);
	/* and this program, elsewhere, does not */
	EXPECT_EQ(bm_hf_find("only-install", out, sizeof(out)), -ENOENT);
}

int main(int argc, char **argv)
{
	char cmd[128];

	bm_log_init("test_hfconfig", -1);
	if (argc == 3 && !strcmp(argv[1], "--find")) {	/* the copy above */
		char path[1024];

		bm_log_set_level(BM_LOG_WARN);
		if (bm_hf_find(argv[2], path, sizeof(path)))
			return 1;
		printf("%s\n", path);
		return 0;
	}
	bm_log_set_level(BM_LOG_ERR);	/* the expected errors still show */
	unsetenv("NETROOF_MODELS");
	if (!mkdtemp(dir))
		return 99;
	test_named();
	test_bad();
	test_aliases();
	test_search();
	test_install_tree();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_DONE();
}
