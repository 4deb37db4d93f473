// SPDX-License-Identifier: MIT
/* The output writers: JSON schema and escaping, CSV quoting, refusal to
 * overwrite, params text. Files are written for real and read back. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "bm.h"
#include "bm_test.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	if (f) {
		if (!fread(buf, 1, 65535, f))
			buf[0] = '\0';	/* empty or unreadable: "" */
		fclose(f);
	}
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/netroof-test-out-XXXXXX", jpath[128], cpath[128];
	const char *nasty = "quote\" backslash\\ nl\n tab\t ctl\x01 µs, comma";
	char *argv[] = { "tool", "-J", "x.json", NULL };
	struct bm_out_cfg cfg = { 0 };
	struct bm_out *o, *o2;
	struct bm_stats st = { .n = 3, .min = 1, .p50 = 2, .p90 = 3, .p99 = 3,
			       .p999 = 3, .max = 3, .mean = 2, .stdev = 1 };
	json_error_t jerr;
	json_t *doc, *row, *p;
	char *csv, *txt;

	EXPECT(mkdtemp(dir) != NULL);
	snprintf(jpath, sizeof(jpath), "%s/out.json", dir);
	snprintf(cpath, sizeof(cpath), "%s/out.csv", dir);
	setenv("NCCL_TEST_KNOB", "42", 1);
	setenv("UNRELATED_KNOB", "1", 1);
	cfg.json_path = jpath;
	cfg.csv_path = cpath;
	cfg.quiet = true;
	EXPECT_EQ(bm_out_open(&cfg, "tool", 3, argv, &o), 0);
	bm_out_param(o, "iters", json_integer(1000));
	bm_out_param(o, "label", json_string(nasty));
	bm_out_comment(o, "one-way latency = RTT/2");
	row = json_pack("{sisssb}", "size", 8, "name", nasty, "ok", 1);
	bm_json_stats(row, "lat_us", &st, 1e-3);
	/* reals in CSV: the shortest exact text, 17 digits only if needed */
	json_object_set_new(row, "tok_s", json_real(91.83));
	json_object_set_new(row, "sum", json_real(0.1 + 0.2));
	EXPECT_EQ(bm_out_row(o, row), 0);
	EXPECT_EQ(bm_out_row(o, json_pack("{sisn}", "size", 16, "name")), 0);
	EXPECT_EQ(bm_out_row(o, json_integer(3)), -EINVAL);
	/* A second writer may not clobber the first one's file. */
	EXPECT_EQ(bm_out_open(&cfg, "tool", 3, argv, &o2), -EEXIST);
	EXPECT_EQ(bm_out_close(o, "peer vanished"), 0);

	doc = json_load_file(jpath, 0, &jerr);
	EXPECT(doc != NULL);
	if (!doc) {
		fprintf(stderr, "json: %s\n", jerr.text);
		return TEST_DONE();
	}
	EXPECT(json_is_object(json_object_get(doc, "meta")));
	EXPECT(json_is_object(json_object_get(doc, "params")));
	EXPECT(json_is_array(json_object_get(doc, "results")));
	EXPECT(json_is_object(json_object_get(doc, "summary")));
	EXPECT_STREQ(json_string_value(json_object_get(doc, "error")),
		     "peer vanished");
	p = json_object_get(doc, "meta");
	EXPECT_STREQ(json_string_value(json_object_get(p, "tool")), "tool");
	EXPECT(json_string_value(json_object_get(p, "git_revision")) != NULL);
	EXPECT(json_string_value(json_object_get(p, "host")) != NULL);
	EXPECT(json_string_value(json_object_get(p, "kernel")) != NULL);
	EXPECT_STREQ(json_string_value(json_array_get(
		     json_object_get(p, "argv"), 2)), "x.json");
	EXPECT_STREQ(json_string_value(json_object_get(
		     json_object_get(p, "env"), "NCCL_TEST_KNOB")), "42");
	EXPECT(json_object_get(json_object_get(p, "env"), "UNRELATED_KNOB") ==
	       NULL);
	EXPECT_STREQ(json_string_value(json_array_get(
		     json_object_get(p, "notes"), 0)), "one-way latency = RTT/2");
	/* Escaping round-trips exactly. */
	EXPECT_STREQ(json_string_value(json_object_get(
		     json_object_get(doc, "params"), "label")), nasty);
	row = json_array_get(json_object_get(doc, "results"), 0);
	EXPECT_STREQ(json_string_value(json_object_get(row, "name")), nasty);
	EXPECT_NEAR(json_real_value(json_object_get(row, "lat_us_p50")), 0.002,
		    1e-12);
	EXPECT_NEAR(json_real_value(json_object_get(row, "lat_us_stdev")),
		    0.001, 1e-12);
	EXPECT_EQ(json_array_size(json_object_get(doc, "results")), 2);
	json_decref(doc);

	/* CSV: header of the first row's keys; RFC 4180 quoting. */
	csv = slurp(cpath);
	EXPECT(!strncmp(csv, "size,name,ok,lat_us_min,lat_us_p50,", 35));
	EXPECT(strstr(csv, "\n8,\"quote\"\" backslash\\ nl\n tab\t ctl\x01 µs,"
			   " comma\",yes,0.001") != NULL);
	EXPECT(strstr(csv, "\n16,,,") != NULL);	/* null and missing: empty */
	EXPECT(strstr(csv, ",91.83,0.30000000000000004\n") != NULL);
	free(csv);

	/* Params text: sorted, JSON-encoded values, one per line. */
	p = json_pack("{sisssf}", "iters", 5, "alpha", "a\nb", "f", 0.5);
	txt = bm_params_text(p);
	EXPECT_STREQ(txt, "alpha=\"a\\nb\"\nf=0.5\niters=5\n");
	free(txt);
	json_decref(p);

	unlink(jpath);
	unlink(cpath);

	/* During the run only the locked .part exists; the final name comes
	 * at close, complete. A .part a killed run left is reused. */
	{
		char part[160], other[160];
		json_t *d;
		FILE *f;

		snprintf(part, sizeof(part), "%s/.out.json.part", dir);
		f = fopen(part, "w");
		fputs("{ \"truncated", f);	/* what a killed run left */
		fclose(f);
		cfg.csv_path = NULL;
		EXPECT_EQ(bm_out_open(&cfg, "tool", 3, argv, &o), 0);
		EXPECT(access(jpath, F_OK) != 0);
		EXPECT(access(part, F_OK) == 0);
		EXPECT_EQ(bm_out_row(o, json_pack("{si}", "size", 1)), 0);
		EXPECT_EQ(bm_out_close(o, NULL), 0);
		EXPECT(access(part, F_OK) != 0);
		d = json_load_file(jpath, 0, &jerr);
		EXPECT(d != NULL && json_is_null(json_object_get(d, "error")));
		json_decref(d);
		unlink(jpath);

		/* The name appears meanwhile: not overwritten; the results
		 * stay in the .part, which the message names. */
		EXPECT_EQ(bm_out_open(&cfg, "tool", 3, argv, &o), 0);
		f = fopen(jpath, "w");
		fputs("keep", f);
		fclose(f);
		EXPECT_EQ(bm_out_close(o, NULL), -EEXIST);
		EXPECT(strstr(bm_log_last_error(), ".out.json.part") != NULL);
		txt = slurp(jpath);
		EXPECT_STREQ(txt, "keep");
		free(txt);
		d = json_load_file(part, 0, &jerr);
		EXPECT(d != NULL);
		json_decref(d);
		unlink(part);
		unlink(jpath);

		/* A planted symlink as the .part is refused, its target
		 * untouched. */
		snprintf(other, sizeof(other), "%s/victim", dir);
		f = fopen(other, "w");
		fputs("precious", f);
		fclose(f);
		EXPECT_EQ(symlink(other, part), 0);
		EXPECT_EQ(bm_out_open(&cfg, "tool", 3, argv, &o), -EEXIST);
		txt = slurp(other);
		EXPECT_STREQ(txt, "precious");
		free(txt);
		unlink(part);
		unlink(other);

		/* No such directory: refused at open, nothing created. */
		cfg.json_path = "/nonexistent-netroof-dir/x.json";
		EXPECT_EQ(bm_out_open(&cfg, "tool", 3, argv, &o), -ENOENT);
		cfg.json_path = "";
		EXPECT(bm_out_open(&cfg, "tool", 3, argv, &o) < 0);
	}
	/* bm_file: a plain file (sim's plots) the same way: nothing on disk
	 * before the commit, complete after it, nothing when given up. */
	{
		char path[160], part[160];
		struct bm_file *bf;

		snprintf(path, sizeof(path), "%s/plot.gp", dir);
		snprintf(part, sizeof(part), "%s/.plot.gp.part", dir);
		EXPECT_EQ(bm_file_open(path, "plot", &bf), 0);
		fputs("plot x\n", bm_file_stream(bf));
		EXPECT(access(path, F_OK) != 0);
		EXPECT_EQ(bm_file_close(bf, true), 0);
		txt = slurp(path);
		EXPECT_STREQ(txt, "plot x\n");
		free(txt);
		EXPECT(access(part, F_OK) != 0);
		EXPECT_EQ(bm_file_open(path, "plot", &bf), -EEXIST);
		unlink(path);
		EXPECT_EQ(bm_file_open(path, "plot", &bf), 0);
		fputs("half a sweep", bm_file_stream(bf));
		EXPECT_EQ(bm_file_close(bf, false), 0);
		EXPECT(access(path, F_OK) != 0 && access(part, F_OK) != 0);
	}
	EXPECT_EQ(rmdir(dir), 0);	/* nothing left behind */
	return TEST_DONE();
}
