/* SPDX-License-Identifier: MIT */
/*
 * sim plan: every deployment of a model on up to N nodes, predicted,
 * checked for memory, ranked, and one recommended with its vLLM flags.
 *
 * Candidates: single node; TP, PP and EP (TP=n --enable-expert-parallel,
 * MoE only) at 2, 4 and 8 nodes; TP x PP at 4 and 8; each without and,
 * where vLLM allows it (not with PP), with EAGLE3 (one speculative token,
 * the profile's acceptance). vLLM's own refusals (TP divisibility, EP
 * split, EAGLE3 with PP) make a row "not possible"; a row whose worst rank
 * does not fit its node (memfit.h) is "does not fit". The rest are ranked
 * by predicted tok/s (ties: fewer nodes first). The recommendation is the
 * fastest fitting row without EAGLE3; a faster EAGLE3 row is named beside
 * it, since its figure rests on a trained draft and an acceptance rate
 * fitted on Qwen3-Coder.
 */
#ifndef SIM_PLAN_H
#define SIM_PLAN_H
#include <stdbool.h>

#include "memfit.h"

#define SIM_PLAN_MAX 40

enum sim_plan_status { SIM_PLAN_FITS, SIM_PLAN_NO_FIT, SIM_PLAN_IMPOSSIBLE };

struct sim_plan_row {
	struct sim_query q;
	char	name[40];		/* "TP=2", "TP=2xPP=2", "EP=4 +EAGLE3" */
	enum sim_plan_status status;
	char	why[320];		/* not possible / does not fit: why */
	struct sim_result r;
	struct sim_memfit f;
	const char *bound;		/* the largest term of the token */
	double	bound_ms;
	char	note[200];		/* kernel caveats (MoE fallback) */
};

struct sim_plan {
	int		nodes_max;
	double		ctx;
	struct sim_memcfg deploy;	/* resolved */
	int		n;
	struct sim_plan_row row[SIM_PLAN_MAX];
	int		order[SIM_PLAN_MAX];	/* ranked row indexes */
	/* the recommendation: the fastest fitting row without speculative
	 * decoding (EAGLE3 rows rest on a draft model and an acceptance
	 * fitted on Qwen3-Coder); -1: nothing fits */
	int		best;
	int		best_spec;	/* a faster EAGLE3 row that fits; -1 */
	int		versus;		/* the row best is compared with; -1 */
	char		reason[480];	/* why best wins, from the numbers */
	char		flags[640];	/* the vLLM command line for best */
};

/* Build the plan on c (model, hw and network loaded; kv dtype set).
 * 0, or -EINVAL (bad nodes_max or deploy values: message printed). */
int sim_plan_run(const struct sim_ctx *c, int nodes_max, double ctx,
		 const struct sim_memcfg *d, const char *transport,
		 struct sim_plan *p);
const char *sim_plan_status_name(enum sim_plan_status s);

#endif
