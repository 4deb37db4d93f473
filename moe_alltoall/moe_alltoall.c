/* SPDX-License-Identifier: MIT */
/*
 * moe_alltoall: the communication one MoE layer needs under expert
 * parallelism (EP), with routing that looks like a real model's.
 *
 * Methodology
 * -----------
 * A step is one MoE layer for `tokens` tokens per rank (1 = batch-1 decode).
 * For each token count of the sweep (-b/-e/-f, default 1..256 x2), --warmup
 * untimed steps then -n timed steps; every step has its own routing
 * (routing.h: seeded by (seed, rank, step), so reruns are identical and any
 * rank can recompute any other rank's routing for the check).
 *
 * Patterns (-P):
 *   a2a   dispatch = [per-peer record counts exchanged with grouped
 *         ncclSend/ncclRecv of one int32 per peer, copied to the host]
 *         + [grouped send/recv of one BF16 hidden vector + metadata record
 *         per (token, rank owning >= 1 of its top-k experts)]. The expert
 *         side multiplies by a per-expert scale (exact in BF16) and sums
 *         its experts' outputs with the routing weights into one BF16
 *         partial per record; combine = grouped send/recv of the partials
 *         back; the origin sums the partials of its token. Records for the
 *         rank itself go through NCCL too (a local copy; self_B).
 *   agrs  vLLM's default EP backend: dispatch = all-gather of the hidden
 *         states and of the top-k ids/weights; every rank runs its local
 *         experts on all tokens; combine = reduce-scatter (sum) of the
 *         partial outputs.
 *   eptp  vLLM's EP with TP and no data parallel: the tokens are the same
 *         on every rank (rank 0's routing), experts split across ranks;
 *         combine = one all-reduce of the MoE output; no dispatch. The
 *         per-rank expert load (imb_wB, busiest rank's share of experts)
 *         is the point.
 *
 * Timing: host wall clock (CLOCK_MONOTONIC_RAW) from just after an
 * out-of-band barrier to the stream's completion (nrt_sync polls
 * cudaStreamQuery), so it includes NCCL's enqueue cost as a host-driven EP
 * layer pays it. Packing the send buffers, the simulated expert's
 * arithmetic and the final sum run on the host with cudaMemcpy and are NOT
 * timed (a GPU kernel does each in a few us); a second barrier before the
 * combine keeps the ranks' host work out of it. --expert-us adds a busy
 * wait of that many us per distinct local expert activated in the step
 * (decode experts are weight-read bound), timed, before the combine: a
 * rank with more active experts delays everyone's combine, as in a model.
 * total = dispatch + expert + combine. Each step counts as its slowest
 * rank (maximum over ranks), as a layer waits for all of them.
 *
 * Check (every step, all patterns): each received hidden vector must be
 * the origin's token, each metadata record the origin's routing; each
 * combined output element must equal the host's recomputation from the
 * routing (exact for a2a and for one rank; within BF16 summation rounding
 * for NCCL reductions over several ranks). Any wrong element: exit 1.
 *
 * Bytes and balance: routing.h (wire vs DeepEP-style); per rank per step,
 * mean over ranks and steps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a2a.h"
#include "front.h"

enum {
	KEY_PATTERN = 'P',
	KEY_ROUTING = 'R',
	KEY_MODEL   = 'm',
	KEY_SEED    = BM_KEY_TOOL,
	KEY_HIDDEN,
	KEY_EXPERTS,
	KEY_TOPK,
	KEY_EXPERT_US,
	KEY_WEIGHT_BITS,
	KEY_ROUTING_ONLY,
	KEY_EP,
	KEY_LIST,
	KEY_NO_SAMPLES,
};

static const struct bm_opt opt_tab[] = {
    {"pattern", KEY_PATTERN, "P", "a2a (default), agrs or eptp"},
    {"routing", KEY_ROUTING, "R",
     "uniform (default), zipf[:S], "
     "matrix:FILE, trace:FILE"},
    {"seed", KEY_SEED, "N", "routing seed (default 1)"},
    {"model", KEY_MODEL, "NAME|PATH",
     "model config: sim/models/NAME.json "
     "or an HF config.json (default qwen3-coder-30b-a3b)"},
    {"hidden", KEY_HIDDEN, "N", "override hidden size"},
    {"experts", KEY_EXPERTS, "N", "override number of routed experts"},
    {"topk", KEY_TOPK, "N", "override experts per token"},
    {"tokens", 's', "N", "one token count per rank per step"},
    {"mintokens", 'b', "N", "sweep: fewest tokens (default 1)"},
    {"maxtokens", 'e', "N", "sweep: most tokens (default 256)"},
    {"stepfactor", 'f', "F", "sweep: multiply tokens by F (default 2)"},
    {"iters", 'n', "N", "timed steps per token count (default 200)"},
    {"warmup", 'w', "N", "untimed steps per token count (default 20)"},
    {"expert-us", KEY_EXPERT_US, "US",
     "simulated expert time per active "
     "local expert (default 0)"},
    {"weight-bits", KEY_WEIGHT_BITS, "B",
     "bits per expert weight for "
     "the weight-bytes balance (default 4.156: INT4 g128)"},
    {"routing-only", KEY_ROUTING_ONLY, NULL,
     "no GPU: print per-peer "
     "matrix, bytes and imbalance for --ep ranks"},
    {"ep", KEY_EP, "N", "EP size for --routing-only (default 2)"},
    {"list", KEY_LIST, NULL, "list patterns and routing generators"},
    {"no-samples", KEY_NO_SAMPLES, NULL, "leave raw samples out of JSON"},
    NRT_OPTS,
    BM_OPTS_OOB,
    BM_OPTS_OUT,
    BM_OPT_END};

static const char epilogue[] =
    "Patterns: a2a (DeepEP-shaped all-to-all over grouped NCCL send/recv), "
    "agrs\n(vLLM all-gather + reduce-scatter), eptp (vLLM EP with TP: one "
    "all-reduce).\n"
    "Examples:\n"
    "  moe_alltoall -P a2a -R zipf:1.0 -b 1 -e 256 -J a2a.json   (1 rank)\n"
    "  moe_alltoall --local 2 -P eptp                      (2 GPUs here)\n"
    "  moe_alltoall --local-hosts 4 -P a2a     (4 ranks on one GPU, CUDA MPS)\n"
    "  node A: moe_alltoall --rank 0 --nranks 2 --net ib -P a2a\n"
    "  node B: moe_alltoall --rank 1 --nranks 2 --peer A:18515 --net ib "
    "-P a2a\n"
    "  moe_alltoall --routing-only --ep 2 -R matrix:skew.txt   (no GPU)\n"
    "\n"
    "GPUDirect RDMA: DeepEP, pplx-kernels and NCCL's device-initiated EP "
    "kernels\nneed GPUDirect RDMA (the NIC reading and writing GPU memory, "
    "NVSHMEM/IBGDA).\nOn GB10 (DGX Spark) NCCL's GPUDirect RDMA status is "
    "conservative by default\n(NCCL_NET_GDR_LEVEL; netroof's reference "
    "facts). Each run records what it\nobserved in the JSON meta "
    "\"gpudirect_rdma\" (NCCL's GDR log lines, nvidia_peermem,\nthe CUDA "
    "device attribute). moe_alltoall measures host-launched NCCL "
    "(grouped\nsend/recv, all-gather, reduce-scatter, all-reduce) over "
    "RoCE or sockets. Its\nDeepEP-style byte column is an accounting for "
    "comparison, not a DeepEP run.\nA host-proxy path (verbs into pinned "
    "host memory) is not implemented yet.\n"
    "Exit: 0 ok, 1 failure or data check failed, 2 usage, 77 no GPU, no "
    "CUDA MPS for\n--local-hosts, or built without NCCL (--routing-only "
    "needs neither).\n";

static void usage(FILE *f)
{
	bm_usage(f, A2A_TOOL,
		 "[-P a2a|agrs|eptp] [-R ROUTING] [--model M] "
		 "[-b N -e N] [options]",
		 "MoE expert-parallel dispatch/combine with realistic routing",
		 opt_tab, epilogue);
}

static void list(FILE *f)
{
	int i;

	fprintf(f, "patterns:%s\n",
		HAVE_NCCL ? "" : " (not built: configure with NCCL)");
	for (i = 0; a2a_patterns[i]; i++)
		fprintf(f, "  %-8s %s\n", a2a_patterns[i]->name,
			a2a_patterns[i]->desc);
	fprintf(f, "routing:\n");
	for (i = 0; i < A2A_GEN_NKINDS; i++)
		fprintf(f, "  %-8s %s\n", a2a_routing_table[i]->name,
			a2a_routing_table[i]->desc);
}

/* One of moe_alltoall's own options (nrt_parse_opts): 0 or -EINVAL. */
static int a2a_opt(void *ctx, int c, const char *arg)
{
	struct a2a_params *p = ctx;
	int ret		     = 0;
	long v;

	switch (c) {
	case KEY_PATTERN:
		p->pattern = a2a_pattern_find(arg);
		if (!p->pattern) {
			BM_ERR("-P %s: want a2a, agrs or eptp", arg);
			ret = -EINVAL;
		}
		break;
	case KEY_ROUTING:
		ret = a2a_gen_parse(arg, &p->gen);
		if (ret)
			BM_ERR("-R %s: want uniform, zipf[:S] (S 0..10), "
			       "matrix:FILE or trace:FILE",
			       arg);
		break;
	case KEY_SEED:
		ret = bm_parse_u64(arg, &p->gen.seed);
		if (ret)
			BM_ERR("--seed %s: not a number", arg);
		break;
	case KEY_MODEL:
		p->model = arg;
		break;
	case KEY_HIDDEN:
	case KEY_EXPERTS:
	case KEY_TOPK:
		ret = bm_parse_int(arg, 1, 1 << 20, &v);
		if (ret) {
			BM_ERR("%s: want 1..%d", arg, 1 << 20);
			break;
		}
		if (c == KEY_HIDDEN)
			p->hidden_ovr = (int)v;
		else if (c == KEY_EXPERTS)
			p->experts_ovr = (int)v;
		else
			p->topk_ovr = (int)v;
		break;
	case KEY_EXPERT_US:
	case KEY_WEIGHT_BITS: {
		double d;

		ret = bm_parse_double(arg, &d);
		if (ret || d < 0 || d > 1e6) {
			BM_ERR("%s: want a number >= 0", arg);
			ret = -EINVAL;
			break;
		}
		if (c == KEY_EXPERT_US)
			p->expert_us = d;
		else
			p->weight_bits = d;
		break;
	}
	case KEY_ROUTING_ONLY:
		p->routing_only = true;
		break;
	case KEY_EP:
		ret = bm_parse_int(arg, 1, 1024, &v);
		if (ret)
			BM_ERR("--ep %s: want 1..1024", arg);
		p->ep = (int)v;
		break;
	case KEY_LIST:
		p->list = true;
		break;
	case KEY_NO_SAMPLES:
		p->no_samples = true;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	return ret ? -EINVAL : 0;
}

static int parse_args(struct a2a_params *p, int argc, char **argv)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->com	       = BM_COMMON_INIT(1, 256, 200, 20, BM_OOB_DEFAULT_PORT);
	p->gen.kind    = A2A_GEN_UNIFORM;
	p->gen.zipf_s  = 1.0;
	p->gen.seed    = 1;
	p->model       = "qwen3-coder-30b-a3b";
	p->weight_bits = 4.156;
	p->ep	       = 2;
	p->pattern     = &a2a_pat_a2a;
	p->nrt	       = NRT_OPTS_INIT;
	ret = nrt_parse_opts(opt_tab, argc, argv, &p->com, &p->nrt, a2a_opt, p);
	if (!ret && (p->com.sweep.min < 1 || p->com.sweep.max > 65536)) {
		BM_ERR("tokens per step: want 1..65536");
		ret = -EINVAL;
	}
	if (!ret && p->com.iters < 1) {
		BM_ERR("-n: want at least 1 step");
		ret = -EINVAL;
	}
	return ret;
}

/* Model file, then overrides. */
static int load_geom(struct a2a_params *p)
{
	int ret;

	ret = a2a_geom_load(p->model, &p->geom, p->model_path,
			    sizeof(p->model_path));
	if (ret)
		return ret;
	if (p->hidden_ovr)
		p->geom.hidden = p->hidden_ovr;
	if (p->experts_ovr)
		p->geom.n_experts = p->experts_ovr;
	if (p->topk_ovr)
		p->geom.topk = p->topk_ovr;
	if (p->geom.topk > p->geom.n_experts || p->geom.topk > 256) {
		BM_ERR("top-%d with %d experts: want top-k <= experts, <= 256",
		       p->geom.topk, p->geom.n_experts);
		return -EINVAL;
	}
	p->gen.n_experts = p->geom.n_experts;
	p->gen.topk	 = p->geom.topk;
	return 0;
}

int main(int argc, char **argv)
{
	struct a2a_params p;
	int code;

	bm_log_init(A2A_TOOL, -1);
	code = bm_front(A2A_TOOL, parse_args(&p, argc, argv), &p.com, usage);
	if (code >= 0)
		return code;
	if (p.list) {
		list(stdout);
		return BM_EXIT_OK;
	}
	if (load_geom(&p))
		return BM_EXIT_USAGE;
	if (p.routing_only)
		return a2a_routing_only(&p, argc, argv);
#if HAVE_NCCL
	return a2a_run_nccl(&p, argc, argv);
#else
	return nrt_not_built(&p.nrt, A2A_TOOL,
			     "--routing-only works without them");
#endif
}
