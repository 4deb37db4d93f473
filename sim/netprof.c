// SPDX-License-Identifier: MIT
/*
 * sim network profiles: built-in link facts or curves, measured tool
 * documents merged on top, and the cost of one collective (netprof.h).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static double num(json_t *v, bool *ok)
{
	*ok = json_is_number(v);
	return *ok ? json_number_value(v) : 0;
}

int sim_param_read(json_t *o, const char *path, const char *key,
		   enum sim_kind def_kind, struct sim_param *p)
{
	json_t *v = json_object_get(o, key), *k, *s;
	bool ok;

	memset(p, 0, sizeof(*p));
	p->kind = def_kind;
	if (json_is_object(v)) {
		k = json_object_get(v, "kind");
		s = json_object_get(v, "source");
		if (json_is_string(k) &&
		    sim_kind_parse(json_string_value(k), &p->kind)) {
			BM_ERR("%s: \"%s\": unknown kind '%s' (physical, "
			       "published, derived, fitted)", path, key,
			       json_string_value(k));
			return -EINVAL;
		}
		if (!json_is_string(k))
			BM_WARN("%s: \"%s\" does not say its kind", path, key);
		snprintf(p->src, sizeof(p->src), "%s",
			 json_is_string(s) ? json_string_value(s) : path);
		v = json_object_get(v, "value");
	} else {
		snprintf(p->src, sizeof(p->src), "%s", path);
	}
	p->v = num(v, &ok);
	if (!ok || !isfinite(p->v) || p->v < 0) {
		BM_ERR("%s: missing, negative or non-numeric \"%s\"", path, key);
		return -EINVAL;
	}
	return 0;
}

/* ---- curves --------------------------------------------------------- */

static int curve_add(struct sim_op_curve *c, double size, double us)
{
	int i, j;

	if (!(size > 0) || !(us > 0) || !isfinite(us) || !isfinite(size))
		return -EINVAL;
	for (i = 0; i < c->n; i++) {
		if (c->size[i] == size) {	/* same size twice: the lower */
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

/* The curve of (op, nranks), NULL if none; add: make one. */
static struct sim_op_curve *curve_of(struct sim_netprof *p, enum sim_op op,
				     int nranks, bool add)
{
	int i;

	for (i = 0; i < p->ncurves; i++)
		if (p->curve[i].op == op && p->curve[i].nranks == nranks)
			return &p->curve[i];
	if (!add || p->ncurves >= SIM_NET_CURVES)
		return NULL;
	memset(&p->curve[p->ncurves], 0, sizeof(p->curve[0]));
	p->curve[p->ncurves].op = op;
	p->curve[p->ncurves].nranks = nranks;
	return &p->curve[p->ncurves++];
}

static const struct sim_op_curve *curve_find(const struct sim_netprof *p,
					     enum sim_op op, int nranks)
{
	return curve_of((struct sim_netprof *)p, op, nranks, false);
}

/* linear in log2(size) between points, size / bw beyond the last */
static double curve_us(const struct sim_op_curve *c, double size)
{
	double f;
	int i;

	if (size <= c->size[0])
		return c->us[0];
	if (size >= c->size[c->n - 1])
		return c->us[c->n - 1] + (c->bw_gbs > 0 ?
			(size - c->size[c->n - 1]) / (c->bw_gbs * 1e3) : 0);
	for (i = 1; i < c->n && c->size[i] < size; i++)
		;
	f = (log2(size) - log2(c->size[i - 1])) /
	    (log2(c->size[i]) - log2(c->size[i - 1]));
	return c->us[i - 1] + f * (c->us[i] - c->us[i - 1]);
}

/* ---- built-in profiles ---------------------------------------------- */

static const char *const gpu_names[] = { "volta", "ampere", "hopper",
					 "blackwell" };
static const char *const cpu_names[] = { "intel", "amd", "arm" };

static int pick(json_t *v, const char *const *names, int n, int *out)
{
	int i;

	if (!json_is_string(v))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!strcasecmp(json_string_value(v), names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int load_link(json_t *root, const char *path, struct sim_link *l)
{
	json_t *nc = json_object_get(root, "nccl");
	json_int_t ch;
	int ret = 0, g, c;

	ret |= sim_param_read(root, path, "one_way_us", SIM_KIND_PUBLISHED,
			      &l->one_way_us);
	ret |= sim_param_read(root, path, "bw_gbs", SIM_KIND_PUBLISHED,
			      &l->bw_gbs);
	ret |= sim_param_read(root, path, "proxy_us", SIM_KIND_PUBLISHED,
			      &l->proxy_us);
	if (json_object_get(root, "ll_bw_gbs"))
		ret |= sim_param_read(root, path, "ll_bw_gbs",
				      SIM_KIND_PUBLISHED, &l->ll_bw_gbs);
	if (ret)
		return -EINVAL;
	if (!json_is_object(nc) ||
	    !json_is_number(json_object_get(nc, "bw_gbs")) ||
	    !json_is_integer(json_object_get(nc, "channels")) ||
	    pick(json_object_get(nc, "gpu"), gpu_names, 4, &g) ||
	    pick(json_object_get(nc, "cpu"), cpu_names, 3, &c)) {
		BM_ERR("%s: \"nccl\" needs bw_gbs, channels, ll128, gpu "
		       "(volta|ampere|hopper|blackwell), cpu (intel|amd|arm)",
		       path);
		return -EINVAL;
	}
	l->nccl_bw_gbs = json_number_value(json_object_get(nc, "bw_gbs"));
	ch = json_integer_value(json_object_get(nc, "channels"));
	l->channels = ch >= 1 && ch <= 64 ? (int)ch : 0;  /* 2^32+1 is not 1 */
	l->ll128 = json_is_true(json_object_get(nc, "ll128"));
	l->gpu = g;
	l->cpu = c;
	if (!(l->bw_gbs.v > 0) || !(l->nccl_bw_gbs > 0) || !l->channels) {
		BM_ERR("%s: bandwidths must be > 0 and channels 1..64", path);
		return -EINVAL;
	}
	return 0;
}

static int load_curves(json_t *root, const char *path, const char *name,
		       struct sim_netprof *p, enum sim_kind kind)
{
	json_t *ops = json_object_get(root, "ops"), *c, *pts, *pt;
	struct sim_op_curve *cv;
	const char *key;
	struct sim_param bw;
	enum sim_op op;
	size_t i;
	bool ok1, ok2;

	json_object_foreach(ops, key, c) {
		if (key[0] == '_')
			continue;
		if (sim_op_parse(key, &op)) {
			BM_ERR("%s: unknown op \"%s\"", path, key);
			return -EINVAL;
		}
		cv = curve_of(p, op, 2, true);
		if (!cv || sim_param_read(c, path, "bw_gbs", kind, &bw))
			return -EINVAL;
		cv->bw_gbs = bw.v;
		cv->kind = kind;
		pts = json_object_get(c, "points_us");
		json_array_foreach(pts, i, pt) {
			double s = num(json_array_get(pt, 0), &ok1);
			double us = num(json_array_get(pt, 1), &ok2);

			if (!ok1 || !ok2 || curve_add(cv, s, us)) {
				BM_ERR("%s: op %s: bad point %zu", path, key, i);
				return -EINVAL;
			}
		}
		if (!cv->n) {
			BM_ERR("%s: op %s has no points_us", path, key);
			return -EINVAL;
		}
		snprintf(cv->source, sizeof(cv->source), "built-in %s (%s)",
			 name, sim_kind_name(kind));
	}
	if (!curve_find(p, SIM_OP_ALLREDUCE, 2)) {
		BM_ERR("%s: no allreduce curve", path);
		return -EINVAL;
	}
	return 0;
}

int sim_netprof_from_json(json_t *root, const char *path, const char *name,
			  struct sim_netprof *p)
{
	enum sim_kind kind = SIM_KIND_FITTED;
	json_t *v;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(root)) {
		BM_ERR("%s: not a JSON object", path);
		return -EINVAL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	v = json_object_get(root, "about");
	snprintf(p->about, sizeof(p->about), "%s",
		 json_is_string(v) ? json_string_value(v) : name);
	v = json_object_get(root, "transport");
	if (!json_is_string(v) || (strcmp(json_string_value(v), "ib") &&
				   strcmp(json_string_value(v), "socket"))) {
		BM_ERR("%s: \"transport\" must be \"ib\" or \"socket\"", path);
		return -EINVAL;
	}
	p->tr = strcmp(json_string_value(v), "ib") ? SIM_TR_SOCKET : SIM_TR_IB;
	p->whatif = json_is_true(json_object_get(root, "whatif"));
	p->any_ranks = json_is_true(json_object_get(root, "any_ranks"));
	v = json_object_get(root, "kind");
	if (json_is_string(v) && !strcmp(json_string_value(v), "link")) {
		p->has_link = true;
		p->link.tr = p->tr;
		snprintf(p->link.name, sizeof(p->link.name), "%s", name);
		ret = load_link(root, path, &p->link);
	} else if (json_is_string(v) && !strcmp(json_string_value(v),
						"curves")) {
		v = json_object_get(root, "curve_kind");
		if (json_is_string(v) &&
		    sim_kind_parse(json_string_value(v), &kind)) {
			BM_ERR("%s: bad \"curve_kind\"", path);
			return -EINVAL;
		}
		ret = load_curves(root, path, name, p, kind);
		if (!ret && json_object_get(root, "p2p_one_way_us")) {
			struct sim_param sk;

			ret = sim_param_read(root, path, "p2p_one_way_us", kind,
					     &sk);
			p->curve_ep_skew_us = sk.v;
		}
	} else {
		BM_ERR("%s: \"kind\" must be \"link\" or \"curves\"", path);
		ret = -EINVAL;
	}
	return ret;
}

int sim_netprof_load_builtin(const char *datadir, const char *name,
			     struct sim_netprof *p)
{
	char path[1200];
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(p, 0, sizeof(*p));
	if (strchr(name, '/') || !*name) {
		BM_ERR("unknown network profile '%s' (built-in: roce, socket, "
		       "roce-fitted, socket-fitted, roce-oneshot; measured "
		       "files go to --net)", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/profiles/net-%s.json", datadir, name);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		BM_ERR("network profile '%s': %s (built-in: roce, socket, "
		       "roce-fitted, socket-fitted, roce-oneshot)", name,
		       jerr.text);
		return -EINVAL;
	}
	ret = sim_netprof_from_json(root, path, name, p);
	json_decref(root);
	return ret;
}

/* ---- measured documents --------------------------------------------- */

static void used_add(struct sim_netprof *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void used_add(struct sim_netprof *p, const char *fmt, ...)
{
	size_t off = strlen(p->used);
	va_list ap;

	if (off >= sizeof(p->used) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(p->used + off, sizeof(p->used) - off, fmt, ap);
	va_end(ap);
}

static const char *tr_word(enum sim_transport t)
{
	return t == SIM_TR_IB ? "IB/RoCE" : "socket";
}

/* ib_lat: latency rows (op "lat") and bandwidth rows (op "bw"). */
static int merge_ib_lat(struct sim_netprof *p, const char *path, json_t *rows)
{
	static const char *const ib_pref[] = { "write", "send", "read" };
	double best_lat[3] = { INFINITY, INFINITY, INFINITY };
	double best_size[3] = { 0 }, bw = 0, bw_size = 0, lat;
	size_t i, best_row[3] = { 0 }, bw_row = 0;
	const char *t, *op, *is;
	bool ok, rtt, seen_other = false;
	json_t *row;
	int k, which = -1;

	if (!p->has_link) {
		BM_ERR("%s: an ib_lat file sets link-level facts, but profile "
		       "'%s' is a curve what-if with no link (use --transport "
		       "roce or socket)", path, p->name);
		return -EINVAL;
	}
	json_array_foreach(rows, i, row) {
		t = json_string_value(json_object_get(row, "transport"));
		op = json_string_value(json_object_get(row, "op"));
		if (!t || !op)
			continue;
		k = -1;
		if (p->tr == SIM_TR_SOCKET && !strcmp(t, "tcp"))
			k = 0;
		for (int j = 0; p->tr == SIM_TR_IB && j < 3; j++)
			if (!strcmp(t, ib_pref[j]))
				k = j;
		if (k < 0) {
			seen_other = true;
			continue;
		}
		if (!strcmp(op, "bw")) {
			double b = num(json_object_get(row, "bw_gbps"), &ok);

			if (ok && b > bw) {
				bw = b;
				bw_size = num(json_object_get(row, "size"), &ok);
				bw_row = i;
			}
			continue;
		}
		lat = num(json_object_get(row, "lat_us_p50"), &ok);
		if (!ok || !(lat > 0))
			continue;
		is = json_string_value(json_object_get(row, "lat_is"));
		rtt = is ? !strcmp(is, "rtt") : !strcmp(t, "read");
		if (rtt)
			lat /= 2;	/* a read is a round trip */
		/* the smallest message is the link's one-way latency */
		double sz = num(json_object_get(row, "size"), &ok);

		if (!ok)
			continue;
		if (best_size[k] == 0 || sz < best_size[k] ||
		    (sz == best_size[k] && lat < best_lat[k])) {
			best_size[k] = sz;
			best_lat[k] = lat;
			best_row[k] = i;
		}
	}
	for (k = 0; k < 3 && which < 0; k++)
		if (isfinite(best_lat[k]))
			which = k;
	if (which < 0 && bw <= 0) {
		if (!p->quiet_mismatch || !seen_other)
			BM_ERR("%s: no %s rows (ib_lat %s): this file "
			       "measured %s; give one of this transport (or an "
			       "ib_lat --compare file, which has both)", path,
			       tr_word(p->tr), p->tr == SIM_TR_IB ?
			       "-t write|send|read" : "-t tcp", seen_other ?
			       "the other transport" : "nothing usable");
		return seen_other ? -EXDEV : -EINVAL;
	}
	if (which >= 0) {
		p->link.one_way_us.v = best_lat[which];
		p->link.one_way_us.kind = SIM_KIND_MEASURED;
		snprintf(p->link.one_way_us.src, sizeof(p->link.one_way_us.src),
			 "%s row %zu: %s %.0f B p50%s", path, best_row[which],
			 p->tr == SIM_TR_SOCKET ? "tcp" : ib_pref[which],
			 best_size[which],
			 which == 2 ? " / 2 (round trip)" : "");
		used_add(p, "%s one-way %.2f us (%s); ", tr_word(p->tr),
			 best_lat[which], p->link.one_way_us.src);
	}
	if (bw > 0) {
		p->link.bw_gbs.v = bw;
		p->link.bw_gbs.kind = SIM_KIND_MEASURED;
		snprintf(p->link.bw_gbs.src, sizeof(p->link.bw_gbs.src),
			 "%s row %zu: --bw %.0f B", path, bw_row, bw_size);
		used_add(p, "bandwidth %.2f GB/s (%s); ", bw,
			 p->link.bw_gbs.src);
	}
	return 0;
}

/* nccl_coll's transport words: "ib", "socket", "p2p", "shm", ... */
static int tr_of(const char *s, enum sim_transport *t)
{
	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "ib") || strcasestr(s, "roce")) {
		*t = SIM_TR_IB;
		return 0;
	}
	if (!strcasecmp(s, "socket") || !strcasecmp(s, "tcp")) {
		*t = SIM_TR_SOCKET;
		return 0;
	}
	return -EINVAL;
}

static int merge_curve_rows(struct sim_netprof *p, const char *path,
			    json_t *root, json_t *rows, const char *tool)
{
	json_t *meta = json_object_get(root, "meta"), *params, *row, *v;
	struct sim_op_curve fresh[SIM_OP_NR];
	const char *tw = json_string_value(json_object_get(meta, "transport"));
	enum sim_transport t;
	int nranks, cnt[SIM_OP_NR] = { 0 }, i, total = 0;
	double hidden = 0;
	bool ok, moe = !strcmp(tool, "moe_alltoall");
	size_t r;

	/* the tools write an integer, at most the bootstrap's 65535 */
	v = json_object_get(meta, "nranks");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 65535) {
		BM_ERR("%s: %s document without meta.nranks (an integer "
		       "1..65535)", path, tool);
		return -EINVAL;
	}
	nranks = (int)json_integer_value(v);
	if (nranks < 2) {
		BM_ERR("%s: measured on one rank: no collective crossed a "
		       "network (transport '%s'); measure with 2 or more ranks "
		       "on the link", path, tw ? tw : "?");
		return -EINVAL;
	}
	if (tr_of(tw, &t)) {
		BM_ERR("%s: its collectives ran over '%s', neither IB/RoCE nor "
		       "sockets: it says nothing about a link", path,
		       tw ? tw : "?");
		return -EINVAL;
	}
	/* nccl_coll --compare: a second communicator on the other network,
	 * its medians in the rows (socket_lat_us_p50 beside ib_lat_us_p50) */
	if (t != p->tr && !moe) {
		const char *tw2 = json_string_value(json_object_get(
			json_object_get(meta, "compare_path"), "transport"));
		enum sim_transport t2;

		if (!tr_of(tw2, &t2) && t2 == p->tr) {
			t = t2;
			tw = tw2;
		}
	}
	if (t != p->tr) {
		if (!p->quiet_mismatch)
			BM_ERR("%s: its collectives ran over '%s', not %s: it "
			       "cannot set the %s profile", path, tw,
			       tr_word(p->tr), p->name);
		return -EXDEV;
	}
	params = json_object_get(root, "params");
	if (moe) {
		const char *pat = json_string_value(json_object_get(params,
							"pattern"));

		hidden = num(json_object_get(params, "hidden"), &ok);
		if (!pat || strcmp(pat, "eptp") || !ok || hidden <= 0) {
			BM_ERR("%s: only moe_alltoall -P eptp runs (vLLM's EP "
			       "with TP: one all-reduce after the experts) "
			       "give a collective sim uses; this is '%s'",
			       path, pat ? pat : "?");
			return -EINVAL;
		}
	}
	memset(fresh, 0, sizeof(fresh));
	json_array_foreach(rows, r, row) {
		enum sim_op op = SIM_OP_ALLREDUCE;
		const char *ops = json_string_value(json_object_get(row, "op"));
		const char *mode = json_string_value(json_object_get(row,
								     "mode"));
		double size, us;

		if (moe) {
			size = num(json_object_get(row, "tokens"), &ok) *
			       hidden * 2;
			us = ok ? num(json_object_get(row, "combine_us_p50"),
				      &ok) : 0;
		} else {
			if (!ops || sim_op_parse(ops, &op))
				continue;
			size = num(json_object_get(row, "size"), &ok);
			if (!ok)
				continue;
			/* inside a CUDA graph, one after the other: what
			 * vLLM's decode graph does; else the isolated p50 */
			us = mode && !strcmp(mode, "graph") ?
			     num(json_object_get(row, "oop_time_us"), &ok) :
			     num(json_object_get(row, "oop_lat_us_p50"), &ok);
			if (!ok && t == SIM_TR_IB)
				us = num(json_object_get(row, "ib_lat_us_p50"),
					 &ok);
			if (!ok && t == SIM_TR_SOCKET)
				us = num(json_object_get(row,
						"socket_lat_us_p50"), &ok);
		}
		if (!ok || curve_add(&fresh[op], size, us))
			continue;
		cnt[op]++;
	}
	for (i = 0; i < SIM_OP_NR; i++) {
		struct sim_op_curve *cv;

		if (!cnt[i])
			continue;
		cv = curve_of(p, i, nranks, true);
		if (!cv) {
			BM_ERR("%s: too many measured curves", path);
			return -ENOSPC;
		}
		fresh[i].op = i;
		fresh[i].nranks = nranks;
		fresh[i].kind = SIM_KIND_MEASURED;
		fresh[i].bw_gbs = p->has_link ? p->link.bw_gbs.v : 0;
		snprintf(fresh[i].source, sizeof(fresh[i].source),
			 "%s (%s, %d ranks over %s)", path, tool, nranks,
			 tw);
		*cv = fresh[i];
		used_add(p, "%s at %d ranks: %d sizes from %s; ",
			 sim_op_name(i), nranks, cnt[i], path);
		total += cnt[i];
	}
	if (!total) {
		BM_ERR("%s: no row with an op, a size and a latency", path);
		return -EINVAL;
	}
	return 0;
}

int sim_netprof_merge_json(struct sim_netprof *p, const char *path,
			   json_t *root)
{
	json_t *rows = json_object_get(root, "results");
	const char *tool;

	tool = json_string_value(json_object_get(json_object_get(root, "meta"),
						 "tool"));
	if (!tool || !json_is_array(rows)) {
		BM_ERR("--net %s: no \"results\" array or no meta.tool: not "
		       "an ib_lat, nccl_coll or moe_alltoall -J document",
		       path);
		return -EINVAL;
	}
	if (!strcmp(tool, "ib_lat"))
		return merge_ib_lat(p, path, rows);
	if (!strcmp(tool, "nccl_coll") || !strcmp(tool, "moe_alltoall"))
		return merge_curve_rows(p, path, root, rows, tool);
	BM_ERR("--net %s: written by '%s'; sim reads ib_lat, nccl_coll and "
	       "moe_alltoall documents", path, tool);
	return -EINVAL;
}

int sim_netprof_merge_measured(struct sim_netprof *p, const char *path)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	root = json_load_file(path, 0, &jerr);
	if (!root) {
		BM_ERR("--net %s: %s", path, jerr.text);
		return jerr.line < 0 ? -ENOENT : -EINVAL;
	}
	ret = sim_netprof_merge_json(p, path, root);
	json_decref(root);
	return ret;
}

/* ---- costing -------------------------------------------------------- */

int sim_net_cost(const struct sim_netprof *p, enum sim_op op, double size,
		 int nranks, double launch_us, struct sim_net_cost *c)
{
	const struct sim_op_curve *cv;
	int ret;

	memset(c, 0, sizeof(*c));
	if (nranks < 2 || !(size > 0))
		return 0;
	cv = curve_find(p, op, nranks);
	/* a curve-only profile has no model: its allreduce curve stands in
	 * for an op it did not list */
	if (!cv && !p->has_link && p->any_ranks)
		cv = curve_find(p, op, 2);
	if (!cv && !p->has_link && (nranks == 2 || p->any_ranks))
		cv = curve_find(p, SIM_OP_ALLREDUCE, 2);
	if (cv && (cv->kind == SIM_KIND_MEASURED || !p->has_link)) {
		c->us = curve_us(cv, size);
		c->source = cv->source;
		return 0;
	}
	if (!p->has_link) {
		BM_ERR("profile '%s' holds 2-rank curves only (fitted what-if): "
		       "it cannot cost %d ranks", p->name, nranks);
		return -EINVAL;
	}
	ret = sim_coll_cost(&p->link, op, size, nranks, launch_us, &c->model);
	if (ret)
		return ret;
	c->modelled = true;
	c->us = c->model.total_us;
	return 0;
}

double sim_net_us(const struct sim_netprof *p, enum sim_op op, double size,
		  int nranks, double launch_us)
{
	struct sim_net_cost c;

	return sim_net_cost(p, op, size, nranks, launch_us, &c) ? 0 : c.us;
}

void sim_netprof_scale(struct sim_netprof *p, double factor)
{
	int i, j;

	for (i = 0; i < p->ncurves; i++)
		for (j = 0; j < p->curve[i].n; j++)
			p->curve[i].us[j] *= factor;
	p->link.one_way_us.v *= factor;
	p->link.proxy_us.v *= factor;
}

void sim_netprof_set_one_way(struct sim_netprof *p, double us)
{
	p->link.one_way_us.v = us;
	p->link.one_way_us.kind = SIM_KIND_MEASURED;
	snprintf(p->link.one_way_us.src, sizeof(p->link.one_way_us.src),
		 "what-if: one-way %.1f us", us);
}
