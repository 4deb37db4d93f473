// SPDX-License-Identifier: MIT
/*
 * sim's hardware profile (profiles/gb10.json, or --hw FILE): every
 * parameter, the attention mechanism, the memory figures
 * (sim_hw_from_json), then predictions on it.
 *   input: a profile's JSON
 * Invariants: an accepted profile has positive bandwidths, efficiencies and
 * peak, no negative time, memory that vLLM could start in, and every
 * prediction on it (an MoE, a sliding-window MXFP4 model and a dense one;
 * single, PP, TP, EP, EAGLE3) is finite with tok/s > 0, or refused as
 * impossible; never a crash or an "internal" error.
 */
#include <errno.h>
#include <math.h>

#include "config.h"
#include "fuzz.h"
#include "roofline.h"

#define NMODELS 3

static struct sim_ctx *ctx;
static struct sim_model models[NMODELS];
static struct sim_arch_sched scheds[NMODELS];

static void init(void)
{
	static const char *const names[NMODELS] = {
		"qwen3-coder-30b-a3b", "gpt-oss-120b",
		NETROOF_SOURCE_ROOT "/tests/sim/dense-llama.json",
	};
	int i;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx || sim_find_datadir(ctx->datadir, sizeof(ctx->datadir)) ||
	    sim_netprof_load_builtin(ctx->datadir, "roce", &ctx->net))
		abort();
	for (i = 0; i < NMODELS; i++)
		if (sim_model_load(names[i], &models[i]) ||
		    sim_sched_load(ctx->datadir, models[i].model_type,
				   &scheds[i]))
			abort();
}

static void check_hw(const struct sim_hw *hw)
{
	int i;

	FUZZ_CHECK(hw->mem_bw_gbs > 0 && hw->attn.kv_bw_gbs > 0 &&
		   hw->eff_int4 > 0 && hw->eff_bf16 > 0 &&
		   hw->peak_tflops > 0);
	FUZZ_CHECK(hw->eff_int4 <= 1 && hw->eff_bf16 <= 1);
	FUZZ_FINITE_GE(hw->kernel_us, 0);
	FUZZ_FINITE_GE(hw->host_step_ms, 0);
	FUZZ_FINITE_GE(hw->dispatch_step_ms, 0);
	FUZZ_FINITE_GE(hw->pp_stage_host_ms, 0);
	for (i = 0; i < SIM_MODE_NR; i++)
		FUZZ_FINITE_GE(hw->request_fixed_ms[i], 0);
	for (i = 0; i < SIM_LEN_NR; i++)
		FUZZ_FINITE_GE(hw->out_tokens[i], 0);
	FUZZ_CHECK(hw->draft_layers >= 0 && hw->draft_vocab >= 0);
	FUZZ_FINITE_GE(hw->draft_mlp_mult, 0);
	FUZZ_FINITE_GE(hw->draft_host_ms, 0);
	FUZZ_FINITE_GE(hw->ep_rendezvous, 0);
	FUZZ_CHECK(hw->accept >= 0 && hw->accept <= 1);
	FUZZ_CHECK(hw->nprov >= 0 &&
		   hw->nprov <= (int)(sizeof(hw->prov) / sizeof(hw->prov[0])));
	FUZZ_CHECK(hw->attn.sm_count >= 1 && hw->attn.cta_gbs > 0);
	FUZZ_CHECK(hw->mem.total_gib > 0 && hw->mem.free_gib > 0 &&
		   hw->mem.free_gib <= hw->mem.total_gib &&
		   hw->mem.util_default > 0 && hw->mem.util_default <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sim_query qs[] = {
		{ .mode = SIM_SINGLE, .nodes = 1, .length = SIM_LEN_LONG,
		  .accept = -1 },
		{ .mode = SIM_TP, .nodes = 2, .ctx = 4096,
		  .length = SIM_LEN_SHORT, .accept = -1, .spec_tokens = 2 },
		{ .mode = SIM_EP, .nodes = 2, .length = SIM_LEN_MEDIUM,
		  .accept = -1 },
		{ .mode = SIM_PP, .nodes = 2, .ctx = 32768,
		  .length = SIM_LEN_LONG, .out_tokens = 128, .accept = -1 },
	};
	struct sim_result r;
	json_t *root;
	size_t i, k;
	int ret;

	if (!ctx)
		init();
	root = fuzz_json(data, size);
	if (!root)
		return 0;
	ret = sim_hw_from_json(root, "fuzz.json", "fuzz", &ctx->hw);
	json_decref(root);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		return 0;
	check_hw(&ctx->hw);
	for (k = 0; k < NMODELS; k++) {
		ctx->model = models[k];
		ctx->sched = scheds[k];
		sim_ctx_apply_hw(ctx);
		for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			ret = sim_predict(ctx, &qs[i], &r);
			FUZZ_CHECK(ret == 0 || ret == -EINVAL);
			if (ret)
				continue;
			FUZZ_CHECK(isfinite(r.ms_per_token) &&
				   r.ms_per_token > 0);
			FUZZ_CHECK(isfinite(r.tok_s) && r.tok_s > 0);
			FUZZ_CHECK(isfinite(r.step_ms) && r.step_ms > 0);
		}
	}
	return 0;
}
