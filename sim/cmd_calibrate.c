// SPDX-License-Identifier: MIT
/*
 * sim calibrate: fit the host/kernel parameters of a hardware profile to a
 * measured table, into a new profile file. Never the network: link facts
 * come from ib_lat (--net) or the built-in link profiles, never from tok/s.
 *
 * What is fitted: every parameter of the profile marked "kind": "fitted"
 * that carries "bounds": [lo, hi] (for an object value such as
 * request_fixed_ms, "bounds": {"pp": [lo, hi], ...} per member). The
 * objective is the mean absolute percentage error averaged per (mode,
 * speculation) group first, so that two EAGLE3 cells weigh as much as
 * fifteen TP rows; rows of an --exclude transport are left out (the
 * built-in gb10 profile was fitted with --exclude socket, because no GB10
 * TCP latency is measured: a host term would absorb a network error).
 * The search is coordinate-wise golden-section within the bounds, a few
 * sweeps; the result says per parameter where it started and ended, and
 * the new profile records the cells in each fitted parameter's "cells".
 *
 * Output: one row per fitted parameter (key, before, after, lo, hi);
 * summary: the objective and the overall MAPE before and after.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "out.h"

enum { K_MEASURED = SIM_K_CMD, K_EXCLUDE, K_OUTFILE, K_SWEEPS };

const struct bm_opt sim_calibrate_opts[] = {
	{ "measured", K_MEASURED, "FILE|DIR", "the measured table (as sim validate --measured)" },
	SIM_OPT_DEPLOY,
	{ "net", SIM_K_NET, "FILE", "your link measured (ib_lat, nccl_coll JSON), repeatable" },
	{ "exclude", K_EXCLUDE, "TRANSPORT", "leave out the rows of this transport (repeatable)" },
	{ "out", K_OUTFILE, "FILE", "the new profile (required; never overwritten)" },
	{ "sweeps", K_SWEEPS, "N", "passes over the parameters (default 6)" },
	SIM_OPT_HW,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

#define CAL_MAX 32
#define CAL_EXCL 4

struct cal_param {
	char	key[64];	/* "eff_int4", "request_fixed_ms.pp" */
	json_t *holder;		/* the object holding "value" (or the value
				 * object, for members) */
	const char *member;	/* member of the value object, NULL scalar */
	double	lo, hi, before, after;
};

struct calibration {
	const char	 *measured, *out;
	const char	 *exclude[CAL_EXCL];
	int		  nexclude;
	int		  sweeps;
	struct sim_mset	  set;
	struct cal_param  p[CAL_MAX];
	int		  np;
	json_t		 *root;		/* the profile being edited */
	char		  path[1200];
	const char	 *hwname;
};

static int own_opt(int key, const char *arg, void *priv)
{
	struct calibration *k = priv;

	switch (key) {
	case K_MEASURED:
		k->measured = arg;
		return 0;
	case K_EXCLUDE:
		if (k->nexclude >= CAL_EXCL) {
			BM_ERR("--exclude: at most %d transports", CAL_EXCL);
			return -EINVAL;
		}
		k->exclude[k->nexclude++] = arg;
		return 0;
	case K_OUTFILE:
		k->out = arg;
		return 0;
	case K_SWEEPS:
		return sim_parse_count("--sweeps", arg, 1, 50, &k->sweeps);
	}
	return -EINVAL;
}

static double value_of(const struct cal_param *p)
{
	json_t *v = json_object_get(p->holder, "value");

	return json_number_value(p->member ? json_object_get(v, p->member) : v);
}

static void set_value(const struct cal_param *p, double x)
{
	json_t *v = json_object_get(p->holder, "value");

	if (p->member)
		json_object_set_new(v, p->member, json_real(x));
	else
		json_object_set_new(p->holder, "value", json_real(x));
}

static int add_param(struct calibration *k, const char *key, json_t *holder,
		     const char *member, json_t *b)
{
	struct cal_param *p;

	if (k->np >= CAL_MAX) {
		BM_ERR("%s: more than %d fitted parameters", k->path, CAL_MAX);
		return -EINVAL;
	}
	if (!json_is_array(b) || json_array_size(b) != 2 ||
	    !json_is_number(json_array_get(b, 0)) ||
	    !json_is_number(json_array_get(b, 1)) ||
	    !(json_number_value(json_array_get(b, 0)) <
	      json_number_value(json_array_get(b, 1)))) {
		BM_ERR("%s: %s: \"bounds\" must be [lo, hi] with lo < hi",
		       k->path, key);
		return -EINVAL;
	}
	p = &k->p[k->np++];
	snprintf(p->key, sizeof(p->key), "%s%s%s", key, member ? "." : "",
		 member ? member : "");
	p->holder = holder;
	p->member = member;
	p->lo = json_number_value(json_array_get(b, 0));
	p->hi = json_number_value(json_array_get(b, 1));
	p->before = value_of(p);
	if (!json_is_number(p->member ? json_object_get(json_object_get(
			holder, "value"), member) :
			json_object_get(holder, "value"))) {
		BM_ERR("%s: %s has no numeric value", k->path, p->key);
		return -EINVAL;
	}
	return 0;
}

/* Every fitted parameter with bounds below o. */
static int find_params(struct calibration *k, json_t *o, const char *prefix)
{
	const char *key, *mk;
	json_t *v, *kind, *b, *bv;
	char full[64];
	int ret = 0;

	json_object_foreach(o, key, v) {
		if (!json_is_object(v) || key[0] == '_' || ret)
			continue;
		snprintf(full, sizeof(full), "%s%s%s", prefix,
			 *prefix ? "." : "", key);
		if (!json_object_get(v, "value")) {
			ret = find_params(k, v, full);
			continue;
		}
		kind = json_object_get(v, "kind");
		b = json_object_get(v, "bounds");
		if (!b || !json_is_string(kind) ||
		    strcmp(json_string_value(kind), "fitted"))
			continue;
		if (json_is_object(b)) {
			json_object_foreach(b, mk, bv)
				if (!ret)
					ret = add_param(k, full, v, mk, bv);
		} else {
			ret = add_param(k, full, v, NULL, b);
		}
	}
	return ret;
}

static bool excluded(const struct calibration *k, const struct sim_mrow *m)
{
	int i;

	for (i = 0; i < k->nexclude; i++)
		if (!strcmp(k->exclude[i], m->transport))
			return true;
	return false;
}

/* The objective (mean over (mode, spec) groups of the group's MAPE) on the
 * rows not excluded, and the plain MAPE over every row. */
static int evaluate(struct calibration *k, struct sim_ctx *c,
		    const struct sim_opts *o, double *obj_p, double *all_p)
{
	double gsum[SIM_MODE_NR][2] = { { 0 } }, sum = 0, e, tok, obj = 0;
	int gcnt[SIM_MODE_NR][2] = { { 0 } }, i, g, ng = 0, ret;
	struct sim_loaded ld = { "", "" };

	ret = sim_hw_from_json(k->root, k->path, k->hwname, &c->hw);
	for (i = 0; i < k->set.n && !ret; i++) {
		const struct sim_mrow *m = &k->set.rows[i];

		ret = sim_mrow_predict(c, m, NULL, o->net, o->n_net, &ld,
				       &tok);
		if (ret)
			break;
		e = 100 * fabs(tok - m->tok_s) / m->tok_s;
		sum += e;
		if (excluded(k, m))
			continue;
		gsum[m->mode][m->spec_tokens > 0] += e;
		gcnt[m->mode][m->spec_tokens > 0]++;
	}
	if (ret)
		return ret;
	for (g = 0; g < SIM_MODE_NR * 2; g++) {
		if (!gcnt[g / 2][g % 2])
			continue;
		obj += gsum[g / 2][g % 2] / gcnt[g / 2][g % 2];
		ng++;
	}
	if (!ng) {
		BM_ERR("%s: every row is excluded: nothing to fit on",
		       k->measured);
		return -EINVAL;
	}
	*obj_p = obj / ng;
	*all_p = sum / k->set.n;
	return 0;
}

/* Golden-section search of one parameter within its bounds. */
static int fit_one(struct calibration *k, struct sim_ctx *c,
		   const struct sim_opts *o, struct cal_param *p, double *best)
{
	const double g = (sqrt(5.0) - 1) / 2;
	double a = p->lo, b = p->hi, x1, x2, f1, f2, all, keep = value_of(p);
	int it, ret;

	x1 = b - g * (b - a);
	x2 = a + g * (b - a);
	set_value(p, x1);
	ret = evaluate(k, c, o, &f1, &all);
	set_value(p, x2);
	if (!ret)
		ret = evaluate(k, c, o, &f2, &all);
	for (it = 0; it < 24 && !ret; it++) {
		if (f1 < f2) {
			b = x2;
			x2 = x1;
			f2 = f1;
			x1 = b - g * (b - a);
			set_value(p, x1);
			ret = evaluate(k, c, o, &f1, &all);
		} else {
			a = x1;
			x1 = x2;
			f1 = f2;
			x2 = a + g * (b - a);
			set_value(p, x2);
			ret = evaluate(k, c, o, &f2, &all);
		}
	}
	if (ret)
		return ret;
	/* keep the old value unless the new one is better */
	set_value(p, (a + b) / 2);
	ret = evaluate(k, c, o, &f1, &all);
	if (!ret && f1 > *best)
		set_value(p, keep);
	else if (!ret)
		*best = f1;
	return ret;
}

static int write_profile(struct calibration *k, const struct sim_opts *o)
{
	struct bm_file *bf;
	char cells[600];
	size_t off;
	int i, ret;

	off = (size_t)snprintf(cells, sizeof(cells), "%s (sim calibrate: MAPE "
			       "averaged per mode and speculation", k->measured);
	for (i = 0; i < k->nexclude && off < sizeof(cells); i++)
		off += (size_t)snprintf(cells + off, sizeof(cells) - off,
					"%s%s", i ? ", " : "; without the "
					"rows over ", k->exclude[i]);
	if (off < sizeof(cells))
		snprintf(cells + off, sizeof(cells) - off, "%s)", o->n_net ?
			 "; the link from the --net files" : "");
	for (i = 0; i < k->np; i++) {
		json_object_set_new(k->p[i].holder, "cells", json_string(cells));
		/* values to the precision the fit has */
		set_value(&k->p[i], round(k->p[i].after * 1e4) / 1e4);
	}
	/* never overwritten, never half-written (a full disk: no file) */
	ret = bm_file_open(k->out, "profile", &bf);
	if (ret)
		return ret;
	if (json_dumpf(k->root, bm_file_stream(bf), JSON_INDENT(2) |
		       JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) ||
	    fputc('\n', bm_file_stream(bf)) == EOF) {
		bm_file_close(bf, false);
		BM_ERR("%s: out of memory for the profile", k->out);
		return -ENOMEM;
	}
	return bm_file_close(bf, true);
}

int sim_calibrate_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct sim_opts o = { .accept = -1 };
	struct calibration k = { .sweeps = 6 };
	struct sim_out so = { 0 };
	struct sim_deploy dep;
	struct sim_ctx *c;
	double obj0 = 0, all0 = 0, obj = 0, all = 0;
	json_error_t jerr;
	int s;
	int i, ret;

	ret = sim_parse(argc, argv, cmd, &o, own_opt, &k);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!k.measured || !k.out) {
		BM_ERR("--measured and --out are required");
		return BM_EXIT_USAGE;
	}
	if (!access(k.out, F_OK)) {
		BM_ERR("%s exists (refusing to overwrite)", k.out);
		return BM_EXIT_USAGE;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return BM_EXIT_FAIL;
	ret = sim_out_open(&o, cmd, argc, argv, &so);
	if (!ret)
		ret = sim_ctx_init(c, o.hw);
	if (!ret && o.deploy)
		ret = sim_deploy_parse(o.deploy, &dep);
	if (!ret)
		ret = sim_import_path(k.measured, o.deploy ? &dep : NULL, &k.set);
	if (ret)
		goto out;
	k.hwname = o.hw ? o.hw : "gb10";
	sim_hw_path(c->datadir, k.hwname, k.path, sizeof(k.path));
	k.root = json_load_file(k.path, JSON_DECODE_ANY, &jerr);
	if (!k.root) {
		BM_ERR("%s: %s", k.path, jerr.text);
		ret = -EINVAL;
		goto out;
	}
	ret = find_params(&k, k.root, "");
	if (!ret && !k.np) {
		BM_ERR("%s: no parameter is \"kind\": \"fitted\" with \"bounds\": "
		       "nothing to calibrate", k.path);
		ret = -EINVAL;
	}
	if (!ret)
		ret = evaluate(&k, c, &o, &obj0, &all0);
	obj = obj0;
	for (s = 0; s < k.sweeps && !ret; s++) {
		for (i = 0; i < k.np && !ret; i++)
			ret = fit_one(&k, c, &o, &k.p[i], &obj);
		if (!ret && !o.quiet)
			fprintf(stderr, "sim calibrate: sweep %d/%d: objective "
				"%.3f%%\n", s + 1, k.sweeps, obj);
	}
	if (!ret)
		ret = evaluate(&k, c, &o, &obj, &all);
	if (ret)
		goto out;
	for (i = 0; i < k.np; i++)
		k.p[i].after = value_of(&k.p[i]);
	ret = write_profile(&k, &o);
	if (ret)
		goto out;
	if (so.table) {
		int nx = 0;

		for (i = 0; i < k.set.n; i++)
			nx += excluded(&k, &k.set.rows[i]);
		fprintf(so.table, "# sim calibrate: %s on %s (%d rows, %d left "
			"out by --exclude) -> %s\n", k.path, k.measured, k.set.n,
			nx, k.out);
		fprintf(so.table, "%-24s %10s %10s %10s %10s\n", "parameter",
			"before", "after", "lo", "hi");
		for (i = 0; i < k.np; i++)
			fprintf(so.table, "%-24s %10.4f %10.4f %10.4g %10.4g\n",
				k.p[i].key, k.p[i].before, k.p[i].after,
				k.p[i].lo, k.p[i].hi);
		fprintf(so.table, "=> objective (MAPE per mode and speculation, "
			"fitted rows) %.2f%% -> %.2f%%; MAPE over every row "
			"%.2f%% -> %.2f%%\n", obj0, obj, all0, all);
	}
	for (i = 0; i < k.np; i++)
		bm_out_row(so.out, json_pack("{s:s,s:f,s:f,s:f,s:f}", "parameter",
			   k.p[i].key, "before", k.p[i].before, "after",
			   k.p[i].after, "lo", k.p[i].lo, "hi", k.p[i].hi));
	bm_out_param(so.out, "measured", json_string(k.measured));
	bm_out_param(so.out, "profile", json_string(k.path));
	bm_out_param(so.out, "out", json_string(k.out));
	bm_out_summary(so.out, "objective_before_pct", json_real(obj0));
	bm_out_summary(so.out, "objective_after_pct", json_real(obj));
	bm_out_summary(so.out, "mape_before_pct", json_real(all0));
	bm_out_summary(so.out, "mape_after_pct", json_real(all));
out:
	json_decref(k.root);
	sim_mset_free(&k.set);
	free(c);
	return sim_out_close(&so, ret);
}
