// SPDX-License-Identifier: MIT
/*
 * nccl_coll: NCCL collectives at LLM-decode sizes, the way vLLM incurs them.
 *
 * Methodology
 * -----------
 * For every (collective, size) and each launch mode (eager: one NCCL call
 * per operation; graph: operations captured into a CUDA graph, as vLLM
 * decodes) and each placement (out-of-place, in-place):
 *
 *  1. warm-up: --warmup operations, not timed.
 *  2. data check: buffers filled with small integers (exact in bf16/fp16/
 *     fp32), one operation, result copied back and compared element by
 *     element with the host's expected values -> #wrong, summed over the
 *     ranks (as nccl-tests). Any wrong element makes the exit status 1;
 *     the summary says "passed" only when every planned check was made.
 *  3. pipelined time (nccl-tests' "time"): ranks meet at a bootstrap
 *     barrier, the host clock runs around --pipe-iters back-to-back
 *     operations (graph mode: one graph of --pipe-iters operations launched
 *     --graph-launches times) and a stream sync; time = elapsed / number of
 *     operations (nccl-tests -n, -G). Repeated --pipe-reps times (default
 *     5) and averaged, to tame the noise of one short timing; every
 *     repetition is in the JSON. Averaged over ranks, as nccl-tests
 *     does. algbw = size / time; busbw = algbw x factor (coll.h).
 *     Comparable with all_reduce_perf column by column.
 *  4. isolated latency: -n samples of one operation each. Each sample is
 *     [memset of --gate-bytes][1-element all-reduce "start barrier"][event
 *     e0][operation][event e1] on one stream; the sample is e1 - e0 (GPU
 *     time, CUDA events, ~0.5 us resolution). The barrier lines the ranks
 *     up so they start together; the memset ahead of it keeps the GPU busy
 *     while the host enqueues, so host launch cost is not in the sample
 *     (inside vLLM's graph the all-reduce also starts right after the
 *     previous kernel). Samples are gathered to rank 0: percentiles per
 *     rank, and for the slowest rank (per-sample maximum over ranks); the
 *     raw samples go into the JSON.
 *
 * The transport NCCL really used is read back from NCCL's own INFO log
 * (nccl_rt/nrt_log.h) and recorded in meta; --net ib that ended on sockets
 * is an error (exit 1) unless --allow-fallback, and then it is labelled.
 * So is the algorithm and protocol NCCL chose per row: rank 0's TUNING
 * lines for that operation and byte count, written at capture in graph
 * mode and at each call in eager mode (columns algo, proto).
 *
 * Ranks: one per GPU (--local N, or any launcher), or N on one GPU, each
 * its own host to NCCL (--local-hosts N, under CUDA MPS; nccl_rt/nrt_mps.h):
 * NCCL's socket transport over loopback TCP, labelled as such.
 * --compare opens a second communicator on the other network (ncclConfig_t
 * netName) in the same process and measures both in alternating blocks,
 * order reversed every block; ratio socket/IB with a 95% CI over blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "nccl_coll.h"

enum {
	KEY_OP = 'o',
	KEY_DTYPE = 'd',
	KEY_ROOT = 'r',
	KEY_MODE = BM_KEY_TOOL,
	KEY_PLACE,
	KEY_DECODE,
	KEY_DECODE_MODE,
	KEY_TP,
	KEY_PIPE_ITERS,
	KEY_GRAPH_LAUNCHES,
	KEY_PIPE_REPS,
	KEY_GATE,
	KEY_COMPARE,
	KEY_BLOCKS,
	KEY_DRY_RUN,
	KEY_NO_SAMPLES,
};

static const struct bm_opt opt_tab[] = {
	{ "op", KEY_OP, "OP[,OP]", "allreduce (default), allgather, "
	  "reducescatter, broadcast, sendrecv, or all" },
	{ "dtype", KEY_DTYPE, "T", "bf16 (default), fp16, fp32" },
	{ "root", KEY_ROOT, "R", "broadcast root (default 0)" },
	{ "mode", KEY_MODE, "M", "eager, graph or both (default both)" },
	{ "place", KEY_PLACE, "P", "oop, inplace or both (default both)" },
	{ "decode", KEY_DECODE, "MODEL", "sizes one decoded token sends "
	  "(sim/models/MODEL.json or a path)" },
	{ "decode-mode", KEY_DECODE_MODE, "tp|pp", "parallelism for --decode "
	  "(default tp)" },
	{ "tp", KEY_TP, "N", "tensor-parallel size for --decode (default: "
	  "nranks, at least 2)" },
	{ "pipe-iters", KEY_PIPE_ITERS, "N", "pipelined: operations per timing "
	  "(nccl-tests -n; default 20)" },
	{ "graph-launches", KEY_GRAPH_LAUNCHES, "N", "pipelined graph mode: "
	  "graph launches (nccl-tests -G; default 10)" },
	{ "pipe-reps", KEY_PIPE_REPS, "N", "pipelined: repeat the timing N "
	  "times, report the mean (default 5)" },
	{ "gate-bytes", KEY_GATE, "SIZE", "isolated: memset ahead of each "
	  "sample (default 64M; 0: none)" },
	{ "compare", KEY_COMPARE, NULL, "IB against sockets in one run, "
	  "alternating blocks" },
	{ "blocks", KEY_BLOCKS, "N", "--compare: blocks per size (default 10)" },
	{ "dry-run", KEY_DRY_RUN, NULL, "same as --print-launch" },
	{ "no-samples", KEY_NO_SAMPLES, NULL, "leave raw samples out of JSON" },
	BM_OPTS_SWEEP,
	NRT_OPTS,
	BM_OPTS_OOB,
	BM_OPTS_OUT,
	BM_OPT_END,
};

static int parse_ops(struct coll_params *p, const char *arg)
{
	char buf[256], *tok, *save = NULL;
	enum coll_op op;

	snprintf(buf, sizeof(buf), "%s", arg);
	memset(p->ops, 0, sizeof(p->ops));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (int i = 0; i < COLL_NOPS; i++)
				p->ops[i] = true;
			continue;
		}
		if (coll_op_parse(tok, &op)) {
			BM_ERR("unknown --op '%s'", tok);
			return -EINVAL;
		}
		p->ops[op] = true;
	}
	return 0;
}

/* Canonical params: what every rank must agree on. */
json_t *coll_params_json(const struct coll_params *p)
{
	json_t *o = json_object(), *ops = json_array();
	int i;

	for (i = 0; i < COLL_NOPS; i++)
		if (p->ops[i])
			json_array_append_new(ops, json_string(
				coll_ops_table[i]->name));
	json_object_set_new(o, "ops", ops);
	json_object_set_new(o, "dtype", json_string(coll_dtype_name(p->dtype)));
	json_object_set_new(o, "root", json_integer(p->root));
	json_object_set_new(o, "eager", json_boolean(p->eager));
	json_object_set_new(o, "graph", json_boolean(p->graph));
	json_object_set_new(o, "oop", json_boolean(p->oop));
	json_object_set_new(o, "inplace", json_boolean(p->inplace));
	json_object_set_new(o, "minbytes", json_integer((json_int_t)
							p->com.sweep.min));
	json_object_set_new(o, "maxbytes", json_integer((json_int_t)
							p->com.sweep.max));
	json_object_set_new(o, "stepfactor", json_real(p->com.sweep.factor));
	json_object_set_new(o, "stepbytes", json_integer((json_int_t)
							 p->com.sweep.incr));
	json_object_set_new(o, "iters", json_integer((json_int_t)p->com.iters));
	json_object_set_new(o, "warmup", json_integer((json_int_t)
						      p->com.warmup));
	json_object_set_new(o, "pipe_iters", json_integer(p->pipe_iters));
	json_object_set_new(o, "graph_launches", json_integer(
		p->graph_launches));
	json_object_set_new(o, "pipe_reps", json_integer(p->pipe_reps));
	json_object_set_new(o, "gate_bytes", json_integer((json_int_t)
							  p->gate_bytes));
	json_object_set_new(o, "decode", p->decode ? json_string(p->decode) :
			    json_null());
	json_object_set_new(o, "decode_mode", json_string(p->decode_mode));
	json_object_set_new(o, "net", json_string(nrt_net_name(p->nrt.net)));
	json_object_set_new(o, "compare", json_boolean(p->compare));
	json_object_set_new(o, "blocks", json_integer(p->blocks));
	json_object_set_new(o, "timing_isolated", json_string(
		"GPU events around one op after a 1-element all-reduce start "
		"barrier, a memset gate ahead hides host launch cost"));
	json_object_set_new(o, "timing_pipelined", json_string(
		"host clock around back-to-back ops / op count (nccl-tests)"));
	return o;
}

static void usage(FILE *f)
{
	bm_usage(f, TOOL, "[options]   (one process per GPU; --local N or "
		 "--local-hosts N forks)",
		 "NCCL collectives at LLM-decode sizes: isolated per-op latency "
		 "(p50..max per rank and slowest rank) and nccl-tests' "
		 "pipelined time, eager and in CUDA graphs, over IB/RoCE or "
		 "sockets, with the transport NCCL really used.", opt_tab,
		 "Rank/size: --rank/--nranks/--peer, NETROOF_*, torchrun "
		 "(RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), Slurm, Open "
		 "MPI, PMI.\n"
		 "Examples:\n"
		 "  nccl_coll -b 8 -e 64M -f 2                    1 GPU sweep\n"
		 "  nccl_coll --local 2 --decode qwen3-coder-30b-a3b\n"
		 "  nccl_coll --local-hosts 4 -o all -b 8 -e 1M   4 ranks, "
		 "one GPU, sockets (MPS)\n"
		 "  nccl_coll --rank 0 --nranks 2 --net ib -p 18515   (node A)\n"
		 "  nccl_coll --rank 1 --nranks 2 --net ib --peer A:18515 (B)\n"
		 "  nccl_coll --compare ... (both nets, ratio socket/IB)\n"
		 "A rank that dies mid-run: the others abort their "
		 "communicator within --timeout\nand exit 1.\n"
		 "Exit: 0 ok, 1 failure or #wrong > 0, 2 usage, 77 no GPU, no "
		 "CUDA MPS for\n--local-hosts, or built without NCCL.\n");
}

/* One of nccl_coll's own options (nrt_parse_opts): 0 or -EINVAL. */
static int coll_opt(void *ctx, int c, const char *arg)
{
	struct coll_params *p = ctx;
	int ret = 0;
	long v;

	switch (c) {
	case KEY_OP:
		ret = parse_ops(p, arg);
		break;
	case KEY_DTYPE:
		if (coll_dtype_parse(arg, &p->dtype)) {
			BM_ERR("unknown --dtype '%s'", arg);
			ret = -EINVAL;
		}
		break;
	case KEY_ROOT:
		ret = bm_parse_int(arg, 0, 65534, &v);
		p->root = (int)v;
		break;
	case KEY_MODE:
		p->eager = !strcmp(arg, "eager") ||
			   !strcmp(arg, "both");
		p->graph = !strcmp(arg, "graph") ||
			   !strcmp(arg, "both");
		if (!p->eager && !p->graph) {
			BM_ERR("--mode eager|graph|both");
			ret = -EINVAL;
		}
		break;
	case KEY_PLACE:
		p->oop = !strcmp(arg, "oop") ||
			 !strcmp(arg, "both");
		p->inplace = !strcmp(arg, "inplace") ||
			     !strcmp(arg, "both");
		if (!p->oop && !p->inplace) {
			BM_ERR("--place oop|inplace|both");
			ret = -EINVAL;
		}
		break;
	case KEY_DECODE:
		p->decode = arg;
		break;
	case KEY_DECODE_MODE:
		if (strcmp(arg, "tp") && strcmp(arg, "pp")) {
			BM_ERR("--decode-mode tp|pp");
			ret = -EINVAL;
		}
		p->decode_mode = arg;
		break;
	case KEY_TP:
		ret = bm_parse_int(arg, 1, 1024, &v);
		p->tp = (int)v;
		break;
	case KEY_PIPE_ITERS:
		ret = bm_parse_int(arg, 1, 100000, &v);
		p->pipe_iters = (int)v;
		break;
	case KEY_GRAPH_LAUNCHES:
		ret = bm_parse_int(arg, 1, 100000, &v);
		p->graph_launches = (int)v;
		break;
	case KEY_PIPE_REPS:
		ret = bm_parse_int(arg, 1, 1000, &v);
		p->pipe_reps = (int)v;
		break;
	case KEY_GATE:
		ret = bm_parse_size(arg, &p->gate_bytes);
		break;
	case KEY_COMPARE:
		p->compare = true;
		break;
	case KEY_BLOCKS:
		ret = bm_parse_int(arg, 2, 1000, &v);
		p->blocks = (int)v;
		break;
	case KEY_DRY_RUN:
		p->nrt.print_launch = true;
		break;
	case KEY_NO_SAMPLES:
		p->no_samples = true;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret) {
		/* the parsers print nothing; the others have said why */
		if (ret != -EINVAL || c == KEY_ROOT || c == KEY_TP ||
		    c == KEY_PIPE_ITERS || c == KEY_GRAPH_LAUNCHES ||
		    c == KEY_PIPE_REPS || c == KEY_GATE || c == KEY_BLOCKS)
			BM_ERR("bad value for option (-%c/%d): '%s'",
			       c < 256 ? c : '-', c, arg ? arg : "");
		return -EINVAL;
	}
	return 0;
}

static int parse_args(struct coll_params *p, int argc, char **argv)
{
	int ret;

	*p = (struct coll_params){
		.com = BM_COMMON_INIT(8, 64u << 20, 1000, 20,
				      BM_OOB_DEFAULT_PORT),
		.nrt = NRT_OPTS_INIT,
		.dtype = COLL_BF16,
		.eager = true, .graph = true, .oop = true, .inplace = true,
		.decode_mode = "tp",
		.pipe_iters = 20, .graph_launches = 10, .pipe_reps = 5,
		.gate_bytes = 64u << 20,
		.blocks = 10,
	};
	p->ops[COLL_ALLREDUCE] = true;
	ret = nrt_parse_opts(opt_tab, argc, argv, &p->com, &p->nrt, coll_opt,
			     p);
	if (!ret && p->com.iters < 1 && !p->com.help && !p->com.version) {
		BM_ERR("-n must be at least 1");
		ret = -EINVAL;
	}
	return ret;
}

bool coll_runs_place(const struct coll_params *p, enum coll_op op,
		     bool in_place)
{
	if (in_place)
		return p->inplace && coll_ops_table[op]->in_place_ok;
	return p->oop;
}

int main(int argc, char **argv)
{
	struct coll_params p;
	int code;

	bm_log_init(TOOL, -1);
	code = bm_front(TOOL, parse_args(&p, argc, argv), &p.com, usage);
	if (code >= 0)
		return code;
	if (p.compare && p.nrt.net == NRT_NET_AUTO)
		p.nrt.net = NRT_NET_IB;
#if HAVE_NCCL
	return coll_run_nccl(&p, argc, argv);
#else
	return nrt_not_built(&p.nrt, TOOL, NULL);
#endif
}
