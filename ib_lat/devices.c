// SPDX-License-Identifier: MIT
/*
 * ib_lat --devices: this node's diagnosis (diag/) as text, and with -J as
 * JSON. Every device and every device check is in scope; the NCCL_*
 * environment checks are not (they judge a GPU tool's run, not a node).
 */
#include <errno.h>
#include <string.h>

#include "transport.h"

int lat_devices_report(FILE *f, const char *json_path)
{
	const struct diag_scope scope = { .groups = DIAG_G_DEVICES };
	struct diag_report *r = NULL;
	struct bm_file *bf = NULL;
	json_t *doc = NULL;
	FILE *jf = NULL;
	int ret;

	if (json_path && strcmp(json_path, "-")) {
		/* never over a file; whole or absent (message printed) */
		if (bm_file_open(json_path, "JSON", &bf))
			return BM_EXIT_USAGE;
		jf = bm_file_stream(bf);
	} else if (json_path) {
		/* The JSON has stdout: the text goes to stderr. */
		jf = stdout;
		f = stderr;
	}
	ret = diag_diagnose(&scope, &r);
	if (ret) {
		fprintf(stderr, "ib_lat: diagnosis failed: %s\n", strerror(-ret));
		goto out;
	}
	diag_print(r, f);
	if (jf) {
		doc = diag_report_json(r, "ib_lat --devices");
		if (!doc || json_dumpf(doc, jf, JSON_INDENT(1)) ||
		    fputc('\n', jf) == EOF)
			ret = -EIO;
	}
out:
	if (bf && bm_file_close(bf, !ret) && !ret)
		ret = -EIO;
	json_decref(doc);
	diag_report_free(r);
	return ret ? BM_EXIT_FAIL : BM_EXIT_OK;
}
