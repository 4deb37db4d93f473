// SPDX-License-Identifier: MIT
/*
 * sim collective: one collective on a network profile, for n ranks and a
 * range of sizes: NCCL's algorithm and protocol (its own tuning model),
 * the crossings, and what each term of the link model costs; with
 * --measured, against a nccl_coll document of the same transport (its
 * in-graph time, else its isolated p50), so the model can be checked on a
 * rank count it was not fitted on.
 *
 * Output: one row per size (op, size, nranks, algo, proto, crossings,
 * channels, link/proxy/wire/base/launch/total us, NCCL's own estimate,
 * measured us and the error when there is a measurement).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { K_OP = SIM_K_CMD, K_SIZE, K_MINB, K_MAXB, K_FACTOR, K_MEAS, K_LAUNCH };

const struct bm_opt sim_collective_opts[] = {
	{ "op", K_OP, "OP", "allreduce (default), allgather, reducescatter, broadcast, sendrecv" },
	{ "nodes", SIM_K_NODES, "N", "ranks, one GPU per node (default 2)" },
	SIM_OPT_TRANSPORT,
	{ "net", SIM_K_NET, "FILE", "measured ib_lat JSON: link facts of the transport (repeatable)" },
	{ "size", K_SIZE, "SIZE", "one size (bytes; K/M suffixes)" },
	{ "minbytes", K_MINB, "SIZE", "sweep from (default 8)" },
	{ "maxbytes", K_MAXB, "SIZE", "sweep to (default 1M)" },
	{ "stepfactor", K_FACTOR, "F", "sweep factor (default 4)" },
	{ "measured", K_MEAS, "FILE", "nccl_coll JSON to compare with (its rank count, its op)" },
	{ "launch-us", K_LAUNCH, "US", "kernel launch inside the graph (default: the hardware profile's kernel_us)" },
	SIM_OPT_HW,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

struct coll_opts {
	enum sim_op op;
	double	    size, minb, maxb, factor, launch;
	const char *measured;
};

static int own_opt(int key, const char *arg, void *priv)
{
	struct coll_opts *co = priv;
	size_t v;

	switch (key) {
	case K_OP:
		if (sim_op_parse(arg, &co->op)) {
			BM_ERR("invalid --op: '%s'", arg);
			return -EINVAL;
		}
		return 0;
	case K_SIZE:
	case K_MINB:
	case K_MAXB:
		if (bm_parse_size(arg, &v) || !v) {
			BM_ERR("invalid size: '%s'", arg);
			return -EINVAL;
		}
		*(key == K_SIZE ? &co->size : key == K_MINB ? &co->minb :
		  &co->maxb) = (double)v;
		return 0;
	case K_FACTOR:
		if (sim_parse_nonneg("--stepfactor", arg, &co->factor))
			return -EINVAL;
		if (co->factor <= 1) {
			BM_ERR("--stepfactor must be > 1");
			return -EINVAL;
		}
		return 0;
	case K_MEAS:
		co->measured = arg;
		return 0;
	case K_LAUNCH:
		return sim_parse_nonneg("--launch-us", arg, &co->launch);
	}
	return -EINVAL;
}

/* The measured curve: the file merged into a copy of the profile, which
 * then holds it at the file's rank count. */
static int load_measured(const struct sim_ctx *c, const char *path,
			 struct sim_netprof *m, int *nranks_p)
{
	int i, ret;

	*m = c->net;
	m->ncurves = 0;
	ret = sim_netprof_merge_measured(m, path);
	if (ret == -EXDEV)
		ret = -EINVAL;
	if (ret)
		return ret;
	for (i = 0; i < m->ncurves; i++)
		if (m->curve[i].kind == SIM_KIND_MEASURED)
			*nranks_p = m->curve[i].nranks;
	return 0;
}

static json_t *row_of(enum sim_op op, double size, int n,
		      const struct sim_coll_cost *cc, double meas)
{
	json_t *row = json_pack("{s:s,s:f,s:i,s:s,s:s,s:i,s:i,s:i,s:f,s:f,"
				"s:f,s:f,s:f,s:f,s:f}",
		"op", sim_op_name(op), "size", size, "nranks", n,
		"algo", sim_algo_name(cc->algo),
		"proto", sim_proto_name(cc->proto), "crossings", cc->crossings,
		"proxies", cc->proxies, "channels", cc->channels,
		"link_us", cc->link_us, "proxy_us", cc->proxy_us,
		"wire_us", cc->wire_us, "base_us", cc->base_us,
		"launch_us", cc->launch_us, "total_us", cc->total_us,
		"nccl_model_us", cc->nccl_us);

	if (meas > 0) {
		json_object_set_new(row, "measured_us", json_real(meas));
		json_object_set_new(row, "error_pct", json_real(round(
			1000 * (cc->total_us - meas) / meas) / 10));
	}
	return row;
}

int sim_collective_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct sim_opts o = { .nodes = 2, .transport = "roce", .accept = -1 };
	struct coll_opts co = { .op = SIM_OP_ALLREDUCE, .minb = 8,
				.maxb = 1048576, .factor = 4, .launch = -1 };
	struct sim_out so = { 0 };
	struct sim_netprof *meas = NULL;
	struct sim_ctx *c;
	double size, sum_err = 0;
	char used[512];
	int ret, n, nmeas = 0, nerr = 0;

	ret = sim_parse(argc, argv, cmd, &o, own_opt, &co);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	c = calloc(1, sizeof(*c));
	meas = calloc(1, sizeof(*meas));
	if (!c || !meas) {
		free(c);
		free(meas);
		return BM_EXIT_FAIL;
	}
	ret = sim_out_open(&o, cmd, argc, argv, &so);
	if (!ret)
		ret = sim_ctx_init(c, o.hw);
	if (!ret)
		ret = sim_ctx_net(c, o.transport, o.net, o.n_net, true, NULL,
				  used, sizeof(used));
	if (!ret && !c->net.has_link) {
		BM_ERR("profile '%s' has no link-level facts: nothing to model "
		       "(use roce, socket, or a link profile)", o.transport);
		ret = -EINVAL;
	}
	if (!ret && co.measured)
		ret = load_measured(c, co.measured, meas, &nmeas);
	if (ret)
		goto out;
	n = co.measured && nmeas ? nmeas : o.nodes;
	if (co.launch < 0)
		co.launch = c->hw.kernel_us;
	if (co.size > 0)
		co.minb = co.maxb = co.size;
	if (so.table) {
		fprintf(so.table, "# sim collective: %s over %s (%s), %d ranks, "
			"launch %.2f us\n", sim_op_name(co.op), c->net.name,
			c->net.about, n, co.launch);
		fprintf(so.table, "# %s\n", used);
		if (co.measured)
			fprintf(so.table, "# measured: %s\n", co.measured);
		fprintf(so.table, "%10s %-6s %-6s %4s %3s %3s %8s %8s %8s %7s "
			"%7s %8s %8s %9s %7s\n", "size(B)", "algo", "proto", "hops",
			"px", "ch", "link_us", "proxy_us", "wire_us", "base",
			"launch", "total_us", "nccl_us", "measured", "error");
	}
	for (size = co.minb; size <= co.maxb * (1 + 1e-9); size *= co.factor) {
		struct sim_coll_cost cc;
		struct sim_net_cost mc;
		double m = 0;

		ret = sim_coll_cost(&c->net.link, co.op, size, n, co.launch, &cc);
		if (ret)
			goto out;
		if (co.measured && !sim_net_cost(meas, co.op, size, n,
						 co.launch, &mc) &&
		    !mc.modelled) {
			m = mc.us;
			sum_err += fabs(cc.total_us - m) / m;
			nerr++;
		}
		if (so.table) {
			fprintf(so.table, "%10.0f %-6s %-6s %4d %3d %3d %8.2f "
				"%8.2f %8.2f %7.2f %7.2f %8.2f %8.2f",
				size, sim_algo_name(cc.algo),
				sim_proto_name(cc.proto), cc.crossings,
				cc.proxies, cc.channels, cc.link_us,
				cc.proxy_us, cc.wire_us, cc.base_us,
				cc.launch_us, cc.total_us, cc.nccl_us);
			if (m > 0)
				fprintf(so.table, " %9.2f %+6.1f%%\n", m,
					100 * (cc.total_us - m) / m);
			else
				fprintf(so.table, " %9s %7s\n", "-", "-");
		}
		bm_out_row(so.out, row_of(co.op, size, n, &cc, m));
		if (co.size > 0)
			break;
	}
	bm_out_param(so.out, "op", json_string(sim_op_name(co.op)));
	bm_out_param(so.out, "nranks", json_integer(n));
	bm_out_param(so.out, "transport", json_string(c->net.name));
	bm_out_param(so.out, "net_files", sim_net_files_json(&o));
	bm_out_param(so.out, "measured_file", co.measured ?
		     json_string(co.measured) : json_null());
	bm_out_param(so.out, "launch_us", json_real(co.launch));
	if (nerr) {
		bm_out_summary(so.out, "mean_abs_error_pct",
			       json_real(round(1000 * sum_err / nerr) / 10));
		if (so.table)
			fprintf(so.table, "=> %d sizes against %s: mean |error| "
				"%.1f%%\n", nerr, co.measured,
				100 * sum_err / nerr);
	}
out:
	free(meas);
	free(c);
	return sim_out_close(&so, ret);
}
