// SPDX-License-Identifier: MIT
/*
 * sim's built-in network profiles (sim/profiles/net-*.json): link facts or
 * latency curves (sim_netprof_from_json), then the cost of every
 * collective on them (sim_net_cost, the link model of netmodel.c).
 *   input: a profile's JSON
 * Invariants: an accepted profile is one transport; a link has positive
 * bandwidths, 1..64 channels and no negative latency; a curve has 1..64
 * points with strictly growing sizes and positive latencies; every cost,
 * for each op at 2, 4 and 8 ranks from 1 B to 1 GiB, is finite and >= 0,
 * or refused (-EINVAL: a 2-rank curve asked for more ranks).
 */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "netprof.h"

static void check_prof(const struct sim_netprof *p)
{
	int i, j;

	FUZZ_CHECK(p->tr == SIM_TR_IB || p->tr == SIM_TR_SOCKET);
	FUZZ_CHECK(p->ncurves >= 0 && p->ncurves <= SIM_NET_CURVES);
	FUZZ_CHECK(p->has_link || p->ncurves >= 1);
	FUZZ_FINITE_GE(p->curve_ep_skew_us, 0);
	if (p->has_link) {
		FUZZ_CHECK(p->link.bw_gbs.v > 0 && p->link.nccl_bw_gbs > 0);
		FUZZ_CHECK(p->link.channels >= 1 && p->link.channels <= 64);
		FUZZ_FINITE_GE(p->link.one_way_us.v, 0);
		FUZZ_FINITE_GE(p->link.proxy_us.v, 0);
		FUZZ_FINITE_GE(p->link.ll_bw_gbs.v, 0);
	}
	for (i = 0; i < p->ncurves; i++) {
		const struct sim_op_curve *c = &p->curve[i];

		FUZZ_CHECK(c->op < SIM_OP_NR && c->nranks == 2);
		FUZZ_CHECK(c->n >= 1 && c->n <= SIM_NET_POINTS);
		FUZZ_FINITE_GE(c->bw_gbs, 0);
		for (j = 0; j < c->n; j++) {
			FUZZ_CHECK(isfinite(c->size[j]) && c->size[j] > 0);
			FUZZ_CHECK(isfinite(c->us[j]) && c->us[j] > 0);
			FUZZ_CHECK(!j || c->size[j] > c->size[j - 1]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int ranks[] = { 2, 4, 8 };
	static struct sim_netprof p;
	struct sim_net_cost c;
	json_t *root;
	double s;
	size_t r;
	int op, ret;

	root = fuzz_json(data, size);
	if (!root)
		return 0;
	ret = sim_netprof_from_json(root, "net-fuzz.json", "fuzz", &p);
	json_decref(root);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		return 0;
	check_prof(&p);
	for (op = 0; op < SIM_OP_NR; op++) {
		for (r = 0; r < sizeof(ranks) / sizeof(ranks[0]); r++) {
			for (s = 1; s <= 1 << 30; s *= 32) {
				ret = sim_net_cost(&p, op, s, ranks[r], 2.5,
						   &c);
				FUZZ_CHECK(ret == 0 || ret == -EINVAL);
				if (ret)
					break;
				FUZZ_FINITE_GE(c.us, 0);
				FUZZ_CHECK(c.modelled || c.source);
			}
		}
	}
	return 0;
}
