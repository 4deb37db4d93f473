// SPDX-License-Identifier: MIT
/*
 * sim import: the measured rows of benchmark files (import.h) as netroof's
 * measured CSV, on stdout unless --csv FILE or -J - says otherwise. Every
 * row keeps its source file and how its tok/s was derived, and the other
 * figures the file had (TPOT mean, ITL percentiles, ...) as more columns;
 * `sim validate --measured` reads the CSV back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm.h"
#include "cli.h"
#include "import.h"

const struct bm_opt sim_import_opts[] = {
	SIM_OPT_DEPLOY,
	SIM_OPTS_OUT,
	BM_OPT_END,
};

/* The table when stdout is not the CSV (--csv FILE): the row as sim sees
 * it and where it came from. */
static const struct bm_col import_cols[] = {
	{ "model", NULL, 20, -1 },	{ "mode", NULL, 6, -1 },
	{ "nodes", NULL, 5, -1 },	{ "transport", NULL, 9, -1 },
	{ "spec", NULL, 8, -1 },	{ "length", NULL, 6, -1 },
	{ "ctx", NULL, 7, 0 },		{ "tok_s", NULL, 8, 2 },
	{ "source", NULL, 1, -1 },
};

/* Every extra column of the set, in the order first seen, so that every
 * CSV row has the same columns. */
static json_t *extra_keys(const struct sim_mset *set)
{
	json_t *keys = json_array(), *seen = json_object(), *v;
	const char *key;
	int i;

	for (i = 0; keys && seen && i < set->n; i++) {
		json_object_foreach(set->rows[i].extra, key, v) {
			if (json_object_get(seen, key))
				continue;
			json_object_set_new(seen, key, json_true());
			json_array_append_new(keys, json_string(key));
		}
	}
	json_decref(seen);
	return keys;
}

int sim_import_main(int argc, char **argv, const struct sim_cmd *cmd)
{
	struct sim_opts o = { .accept = -1, .want_args = true,
			      .epilogue = sim_import_help() };
	struct sim_mset set = { 0 };
	struct sim_out so = { 0 };
	struct sim_deploy dep;
	json_t *keys = NULL, *inputs;
	int i, ret;

	ret = sim_parse(argc, argv, cmd, &o, NULL, NULL);
	if (ret)
		return ret > 0 ? BM_EXIT_OK : BM_EXIT_USAGE;
	if (!o.n_args) {
		BM_ERR("no FILE or DIR to import");
		fprintf(stderr, "Try 'sim import --help'.\n");
		return BM_EXIT_USAGE;
	}
	/* the CSV is what `sim import` is for: stdout unless told */
	if (!o.csv_path && !(o.json_path && !strcmp(o.json_path, "-")))
		o.csv_path = "-";
	ret = sim_out_open(&o, cmd, argc, argv, &so);
	if (!ret && o.deploy) {
		bm_out_param(so.out, "deploy", json_string(o.deploy));
		ret = sim_deploy_parse(o.deploy, &dep);
	}
	if (ret)
		goto out;
	inputs = json_array();
	for (i = 0; i < o.n_args; i++)
		json_array_append_new(inputs, json_string(o.args[i]));
	bm_out_param(so.out, "inputs", inputs);
	for (i = 0; !ret && i < o.n_args; i++)
		ret = sim_import_path(o.args[i], o.deploy ? &dep : NULL, &set);
	if (ret)
		goto out;
	keys = extra_keys(&set);
	if (!keys) {
		ret = -ENOMEM;
		goto out;
	}
	if (so.table)
		bm_out_columns(so.out, import_cols,
			       sizeof(import_cols) / sizeof(import_cols[0]));
	for (i = 0; i < set.n; i++)
		bm_out_row(so.out, sim_mrow_json(&set.rows[i], keys));
	bm_out_summary(so.out, "rows", json_integer(set.n));
	bm_out_summary(so.out, "files", json_integer(set.files));
	BM_INFO("%d row%s from %d file%s", set.n, set.n == 1 ? "" : "s",
		set.files, set.files == 1 ? "" : "s");
out:
	json_decref(keys);
	sim_mset_free(&set);
	return sim_out_close(&so, ret);
}
