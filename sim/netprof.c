// SPDX-License-Identifier: MIT
/*
 * sim network profiles: data files and measured tool output -> latency
 * curves, interpolated linearly in log2(size).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netprof.h"

static const char *const sim_op_names[SIM_OP_NR] = {
	[SIM_OP_ALLREDUCE] = "allreduce",
	[SIM_OP_ALLGATHER] = "allgather",
	[SIM_OP_REDUCESCATTER] = "reducescatter",
	[SIM_OP_BROADCAST] = "broadcast",
	[SIM_OP_SENDRECV] = "sendrecv",
};

const char *sim_op_name(enum sim_op op)
{
	return op < SIM_OP_NR ? sim_op_names[op] : "?";
}

int sim_op_parse(const char *s, enum sim_op *op_p)
{
	int i;

	for (i = 0; i < SIM_OP_NR; i++) {
		if (!strcmp(s, sim_op_names[i])) {
			*op_p = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int curve_add(struct sim_op_curve *c, double size, double us)
{
	int i, j;

	if (!(size > 0) || !(us > 0) || !isfinite(us))
		return -EINVAL;
	for (i = 0; i < c->n; i++) {
		if (c->size[i] == size) {	/* same size twice: keep the lower */
			if (us < c->us[i])
				c->us[i] = us;
			return 0;
		}
		if (c->size[i] > size)
			break;
	}
	if (c->n >= SIM_NET_POINTS)
		return -ENOSPC;
	for (j = c->n; j > i; j--) {
		c->size[j] = c->size[j - 1];
		c->us[j] = c->us[j - 1];
	}
	c->size[i] = size;
	c->us[i] = us;
	c->n++;
	return 0;
}

static double num(json_t *v, bool *ok)
{
	if (json_is_number(v)) {
		*ok = true;
		return json_number_value(v);
	}
	*ok = false;
	return 0;
}

/* A parameter: a number or { "value": number, "why": "..." }. */
static int param(json_t *o, const char *path, const char *key, double *v_p)
{
	json_t *v = json_object_get(o, key);
	bool ok;

	if (json_is_object(v))
		v = json_object_get(v, "value");
	*v_p = num(v, &ok);
	if (!ok) {
		BM_ERR("%s: missing or non-numeric \"%s\"", path, key);
		return -EINVAL;
	}
	return 0;
}

int sim_netprof_load_builtin(const char *datadir, const char *name,
			     struct sim_netprof *p)
{
	char path[1024];
	json_error_t jerr;
	json_t *root, *ops, *c, *pts, *pt;
	const char *key;
	enum sim_op op;
	size_t i;
	bool ok1, ok2;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (strchr(name, '/')) {
		BM_ERR("unknown network profile '%s' (built-in: roce, socket, "
		       "roce-oneshot; measured files go to --net)", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/profiles/net-%s.json", datadir, name);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		BM_ERR("network profile '%s': %s (built-in: roce, socket, "
		       "roce-oneshot)", name, jerr.text);
		return jerr.line < 0 ? -ENOENT : -EINVAL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	ret = param(root, path, "p2p_one_way_us", &p->p2p_one_way_us);
	if (ret)
		goto out;
	snprintf(p->p2p_source, sizeof(p->p2p_source), "built-in %s", name);
	ops = json_object_get(root, "ops");
	if (!json_is_object(ops)) {
		BM_ERR("%s: missing \"ops\"", path);
		ret = -EINVAL;
		goto out;
	}
	json_object_foreach(ops, key, c) {
		if (key[0] == '_')
			continue;
		if (sim_op_parse(key, &op)) {
			BM_ERR("%s: unknown op \"%s\"", path, key);
			ret = -EINVAL;
			goto out;
		}
		pts = json_object_get(c, "points_us");
		ret = param(c, path, "bw_gbs", &p->op[op].bw_gbs);
		if (ret)
			goto out;
		json_array_foreach(pts, i, pt) {
			double s = num(json_array_get(pt, 0), &ok1);
			double us = num(json_array_get(pt, 1), &ok2);

			if (!ok1 || !ok2 || curve_add(&p->op[op], s, us)) {
				BM_ERR("%s: op %s: bad point %zu", path, key, i);
				ret = -EINVAL;
				goto out;
			}
		}
		if (!p->op[op].n) {
			BM_ERR("%s: op %s has no points_us", path, key);
			ret = -EINVAL;
			goto out;
		}
		snprintf(p->op[op].source, sizeof(p->op[op].source),
			 "built-in %s", name);
	}
	for (i = 0; i < SIM_OP_NR; i++) {
		if (!p->op[i].n && i != SIM_OP_ALLREDUCE) {
			/* missing op: fall back on the all-reduce curve */
			p->op[i] = p->op[SIM_OP_ALLREDUCE];
			snprintf(p->op[i].source, sizeof(p->op[i].source),
				 "built-in %s (all-reduce curve)", name);
		}
	}
	if (!p->op[SIM_OP_ALLREDUCE].n) {
		BM_ERR("%s: no allreduce curve", path);
		ret = -EINVAL;
	}
out:
	json_decref(root);
	return ret;
}

/* The latency of one row: the first field present, in this order. */
static const char *const lat_keys[] = {
	"lat_us_p50", "oop_lat_us_p50", "inplace_lat_us_p50", "time_us",
	"oop_time_us", "inplace_time_us", "lat_us_mean", "rdma_lat_us_p50",
};

/* Rows that name a transport: tcp/socket rows feed only the socket
 * profile, verbs/IB/RoCE rows only the others; unnamed rows feed any. */
static bool row_transport_ok(json_t *row, const char *prof)
{
	static const char *const keys[] = { "transport", "tr", "net" };
	bool sock_prof = !strcmp(prof, "socket");
	const char *t = NULL;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && !t; i++)
		if (json_is_string(json_object_get(row, keys[i])))
			t = json_string_value(json_object_get(row, keys[i]));
	if (!t)
		return true;
	if (strcasestr(t, "tcp") || strcasestr(t, "socket"))
		return sock_prof;
	if (strcasestr(t, "ib") || strcasestr(t, "rc") || strcasestr(t, "roce") ||
	    strcasestr(t, "rdma") || strcasestr(t, "verbs"))
		return !sock_prof;
	return true;
}

int sim_netprof_merge_measured(struct sim_netprof *p, const char *path,
			       char *used, size_t used_len)
{
	struct sim_op_curve fresh[SIM_OP_NR];
	int cnt[SIM_OP_NR] = { 0 }, p2p_n = 0;
	const char *tool = "?", *lat_key = NULL;
	double p2p_min = INFINITY;
	json_error_t jerr;
	json_t *root, *rows, *row, *v;
	size_t i, k, off = 0;
	int ret = 0;

	memset(fresh, 0, sizeof(fresh));
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		BM_ERR("%s: %s", path, jerr.text);
		return jerr.line < 0 ? -ENOENT : -EINVAL;
	}
	v = json_object_get(json_object_get(root, "meta"), "tool");
	if (json_is_string(v))
		tool = json_string_value(v);
	rows = json_object_get(root, "results");
	if (!json_is_array(rows)) {
		BM_ERR("%s: no \"results\" array (expected ib_lat, nccl_coll or "
		       "moe_alltoall JSON output)", path);
		ret = -EINVAL;
		goto out;
	}
	json_array_foreach(rows, i, row) {
		enum sim_op op = SIM_OP_SENDRECV;
		const char *ops = NULL;
		double size, us = 0;
		bool ok;

		size = num(json_object_get(row, "size"), &ok);
		if (!ok)
			continue;
		for (k = 0; k < sizeof(lat_keys) / sizeof(lat_keys[0]); k++) {
			us = num(json_object_get(row, lat_keys[k]), &ok);
			if (ok) {
				lat_key = lat_keys[k];
				break;
			}
		}
		if (!ok)
			continue;
		v = json_object_get(row, "op");
		if (json_is_string(v))
			ops = json_string_value(v);
		if (!ops || !strcmp(ops, "lat") || !strcmp(ops, "write") ||
		    !strcmp(ops, "send"))
			op = SIM_OP_SENDRECV;
		else if (!strcmp(ops, "alltoall"))
			op = SIM_OP_ALLGATHER;	/* 2 ranks: the same exchange */
		else if (sim_op_parse(ops, &op))
			continue;
		if (!row_transport_ok(row, p->name))
			continue;
		if (op == SIM_OP_SENDRECV) {
			if (size <= 8192 && us < p2p_min)
				p2p_min = us;
			p2p_n++;
		}
		if (!curve_add(&fresh[op], size, us))
			cnt[op]++;
	}
	off += snprintf(used + off, used_len - off, "%s (%s):", path, tool);
	for (i = 0; i < SIM_OP_NR; i++) {
		if (!cnt[i])
			continue;
		fresh[i].bw_gbs = p->op[i].bw_gbs;
		snprintf(fresh[i].source, sizeof(fresh[i].source),
			 "%s %s rows", path, lat_key ? lat_key : "?");
		p->op[i] = fresh[i];
		if (off < used_len)
			off += snprintf(used + off, used_len - off,
					" %s %d sizes;", sim_op_name(i), cnt[i]);
	}
	if (p2p_n && isfinite(p2p_min)) {
		p->p2p_one_way_us = p2p_min;
		snprintf(p->p2p_source, sizeof(p->p2p_source),
			 "%s smallest one-way p50", path);
		if (off < used_len)
			off += snprintf(used + off, used_len - off,
					" p2p one-way %.2f us;", p2p_min);
	}
	if (!cnt[0] && !cnt[1] && !cnt[2] && !cnt[3] && !cnt[4]) {
		BM_ERR("%s: no row with \"size\" and a latency (%s, ...)", path,
		       lat_keys[0]);
		ret = -EINVAL;
		goto out;
	}
	if (off < used_len)
		snprintf(used + off, used_len - off, " rest built-in %s",
			 p->name);
out:
	json_decref(root);
	return ret;
}

double sim_net_us(const struct sim_netprof *p, enum sim_op op, double size,
		  int nranks)
{
	const struct sim_op_curve *c = &p->op[op];
	double us, f, steps = 1;
	int i;

	if (nranks < 2 || !c->n)
		return 0;
	if (size <= c->size[0]) {
		us = c->us[0];
	} else if (size >= c->size[c->n - 1]) {
		us = c->us[c->n - 1];
		if (c->bw_gbs > 0)
			us += (size - c->size[c->n - 1]) / (c->bw_gbs * 1e3);
	} else {
		for (i = 1; i < c->n && c->size[i] < size; i++)
			;
		f = (log2(size) - log2(c->size[i - 1])) /
		    (log2(c->size[i]) - log2(c->size[i - 1]));
		us = c->us[i - 1] + f * (c->us[i] - c->us[i - 1]);
	}
	if (op != SIM_OP_SENDRECV)
		steps = log2((double)nranks);
	return us * steps;
}

void sim_netprof_scale(struct sim_netprof *p, double factor)
{
	int i, j;

	for (i = 0; i < SIM_OP_NR; i++)
		for (j = 0; j < p->op[i].n; j++)
			p->op[i].us[j] *= factor;
	p->p2p_one_way_us *= factor;
}
