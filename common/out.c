// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gitrev.h"
#include "log.h"
#include "out.h"

extern char **environ;

struct bm_out {
	json_t	      *doc;	/* meta, params, results, summary */
	FILE	      *table;	/* stdout or NULL */
	FILE	      *csv;	/* NULL, stdout or a file */
	FILE	      *json;	/* NULL, stdout or a file */
	struct bm_col *cols;
	size_t	       ncols;
	json_t	      *csv_keys; /* array: the CSV header in force */
	bool	       csv_header_due;
};

static int open_excl(const char *path, const char *what, FILE **f_p)
{
	FILE *f;
	int fd;

	if (!strcmp(path, "-")) {
		*f_p = stdout;
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int ret = -errno;

		if (ret == -EEXIST)
			BM_ERR("%s file '%s' exists: refusing to overwrite it "
			       "(remove it or choose another name)", what, path);
		else
			BM_ERR("cannot create %s file '%s': %s", what, path,
			       strerror(-ret));
		return ret;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	*f_p = f;
	return 0;
}

static bool env_wanted(const char *e)
{
	static const char *const pfx[] = { "NCCL_", "CUDA_", "UCX_",
					   "NETROOF_", "RDMAV_", "MLX5_" };
	size_t i;

	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (!strncmp(e, pfx[i], strlen(pfx[i])))
			return true;
	return false;
}

static json_t *meta_new(const char *tool, int argc, char **argv)
{
	json_t *meta = json_object(), *av = json_array(), *env = json_object();
	char host[256] = "", ts[32];
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	char **e;
	int i;

	json_object_set_new(meta, "tool", json_string(tool));
	json_object_set_new(meta, "version", json_string(NETROOF_VERSION));
	json_object_set_new(meta, "git_revision", json_string(NETROOF_GITREV));
	for (i = 0; i < argc; i++)
		json_array_append_new(av, json_string(argv[i]));
	json_object_set_new(meta, "argv", av);
	for (e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && env_wanted(*e)) {
			char key[256];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - *e), *e);
			json_object_set_new(env, key, json_string(eq + 1));
		}
	}
	json_object_set_new(meta, "env", env);
	gethostname(host, sizeof(host) - 1);
	json_object_set_new(meta, "host", json_string(host));
	if (!uname(&u)) {
		char k[600];

		snprintf(k, sizeof(k), "%s %s %s", u.sysname, u.release,
			 u.machine);
		json_object_set_new(meta, "kernel", json_string(k));
	}
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(meta, "time_utc", json_string(ts));
	json_object_set_new(meta, "built_with",
		json_pack("{sbsbsbsbsb}", "verbs", HAVE_VERBS, "rdmacm",
			  HAVE_RDMACM, "hwloc", HAVE_HWLOC, "cuda", HAVE_CUDA,
			  "nccl", HAVE_NCCL));
	json_object_set_new(meta, "devices", json_array());
	json_object_set_new(meta, "notes", json_array());
	return meta;
}

int bm_out_open(const struct bm_out_cfg *cfg, const char *tool, int argc,
		char **argv, struct bm_out **out_p)
{
	struct bm_out *o = calloc(1, sizeof(*o));
	int ret;

	if (!o)
		return -ENOMEM;
	if (cfg->json_path) {
		ret = open_excl(cfg->json_path, "JSON", &o->json);
		if (ret)
			goto err;
	}
	if (cfg->csv_path) {
		ret = open_excl(cfg->csv_path, "CSV", &o->csv);
		if (ret)
			goto err_json;
	}
	if (!cfg->quiet && o->json != stdout && o->csv != stdout)
		o->table = stdout;
	o->doc = json_pack("{s:o,s:o,s:o,s:o,s:n}", "meta",
			   meta_new(tool, argc, argv), "params", json_object(),
			   "results", json_array(), "summary", json_object(),
			   "error");
	o->csv_keys = json_array();
	o->csv_header_due = true;
	*out_p = o;
	return 0;

err_json:
	if (o->json && o->json != stdout) {
		fclose(o->json);
		unlink(cfg->json_path);
	}
err:
	free(o);
	return ret;
}

static void section_set(struct bm_out *o, const char *sec, const char *key,
			json_t *val)
{
	json_object_set_new(json_object_get(o->doc, sec), key,
			    val ? val : json_null());
}

void bm_out_meta(struct bm_out *o, const char *key, json_t *val)
{
	section_set(o, "meta", key, val);
}

void bm_out_param(struct bm_out *o, const char *key, json_t *val)
{
	section_set(o, "params", key, val);
}

void bm_out_summary(struct bm_out *o, const char *key, json_t *val)
{
	section_set(o, "summary", key, val);
}

json_t *bm_out_params(struct bm_out *o)
{
	return json_object_get(o->doc, "params");
}

void bm_out_comment(struct bm_out *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(
		json_object_get(json_object_get(o->doc, "meta"), "notes"),
		json_string(buf));
	if (o->table) {
		fprintf(o->table, "# %s\n", buf);
		fflush(o->table);
	}
}

void bm_out_columns(struct bm_out *o, const struct bm_col *cols, size_t n)
{
	size_t i;

	free(o->cols);
	o->cols = calloc(n, sizeof(*cols));
	o->ncols = o->cols ? n : 0;
	if (o->cols)
		memcpy(o->cols, cols, n * sizeof(*cols));
	o->csv_header_due = true;
	if (!o->table)
		return;
	fputc('#', o->table);
	for (i = 0; i < o->ncols; i++) {
		const char *h = cols[i].head ? cols[i].head : cols[i].key;
		int w = cols[i].width - (i == 0);	/* room for the '#' */

		fprintf(o->table, " %*s", w > 0 ? w : 1, h);
	}
	fputc('\n', o->table);
	fflush(o->table);
}

/* One value as text: reals with prec digits, "-" for missing/null. */
static void fmt_value(const json_t *v, int prec, char *buf, size_t len)
{
	if (!v || json_is_null(v))
		snprintf(buf, len, "-");
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.*f", prec >= 0 ? prec : 3,
			 json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(buf, len, "...");
}

static void csv_field(FILE *f, const json_t *v)
{
	const char *s, *p;

	if (!v || json_is_null(v))
		return;
	if (!json_is_string(v)) {
		char buf[64];

		if (json_is_real(v)) {
			/* the shortest text that reads back as the same
			 * double: 91.83, not 91.829999999999998 */
			double d = json_real_value(v);
			int p;

			for (p = 15; p < 17; p++) {
				snprintf(buf, sizeof(buf), "%.*g", p, d);
				if (strtod(buf, NULL) == d)
					break;
			}
			if (p == 17)
				snprintf(buf, sizeof(buf), "%.17g", d);
		}
		else
			fmt_value(v, -1, buf, sizeof(buf));
		fputs(buf, f);
		return;
	}
	s = json_string_value(v);
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);	/* RFC 4180: quote, double the quotes */
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void csv_row(struct bm_out *o, json_t *row)
{
	const char *key;
	json_t *v;
	size_t i;

	if (o->csv_header_due) {
		json_array_clear(o->csv_keys);
		json_object_foreach(row, key, v)
			if (!json_is_array(v) && !json_is_object(v))
				json_array_append_new(o->csv_keys,
						      json_string(key));
		for (i = 0; i < json_array_size(o->csv_keys); i++)
			fprintf(o->csv, "%s%s", i ? "," : "",
				json_string_value(json_array_get(o->csv_keys, i)));
		fputc('\n', o->csv);
		o->csv_header_due = false;
	}
	for (i = 0; i < json_array_size(o->csv_keys); i++) {
		if (i)
			fputc(',', o->csv);
		csv_field(o->csv, json_object_get(row,
			json_string_value(json_array_get(o->csv_keys, i))));
	}
	fputc('\n', o->csv);
	fflush(o->csv);
}

int bm_out_row(struct bm_out *o, json_t *row)
{
	char buf[128];
	size_t i;

	if (!json_is_object(row)) {
		json_decref(row);
		return -EINVAL;
	}
	if (o->table && o->ncols) {
		for (i = 0; i < o->ncols; i++) {
			fmt_value(json_object_get(row, o->cols[i].key),
				  o->cols[i].prec, buf, sizeof(buf));
			fprintf(o->table, " %*s", o->cols[i].width, buf);
		}
		fputc('\n', o->table);
		fflush(o->table);
	}
	if (o->csv)
		csv_row(o, row);
	json_array_append_new(json_object_get(o->doc, "results"), row);
	return 0;
}

int bm_out_close(struct bm_out *o, const char *errmsg)
{
	int ret = 0;

	if (!o)
		return 0;
	if (errmsg)
		json_object_set_new(o->doc, "error", json_string(errmsg));
	if (o->json) {
		if (json_dumpf(o->doc, o->json, JSON_INDENT(2) |
				JSON_REAL_PRECISION(10)) ||
		    fputc('\n', o->json) == EOF)
			ret = -EIO;
		if (o->json != stdout) {
			if (fclose(o->json))
				ret = -errno;
		} else {
			fflush(stdout);
		}
	}
	if (o->csv && o->csv != stdout && fclose(o->csv))
		ret = -errno;
	if (ret)
		BM_ERR("writing output failed: %s", strerror(-ret));
	json_decref(o->doc);
	json_decref(o->csv_keys);
	free(o->cols);
	free(o);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *bm_params_text(json_t *params)
{
	size_t n = json_object_size(params), i = 0, len = 1;
	const char **keys, *key;
	char *txt, *p;
	json_t *v;

	keys = calloc(n + 1, sizeof(*keys));
	if (!keys)
		return NULL;
	json_object_foreach(params, key, v)
		keys[i++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	/* Two passes: measure, then write. */
	for (i = 0; i < n; i++) {
		char *s = json_dumps(json_object_get(params, keys[i]),
				     JSON_ENCODE_ANY | JSON_COMPACT);

		len += strlen(keys[i]) + 2 + (s ? strlen(s) : 0);
		free(s);
	}
	txt = malloc(len);
	if (!txt) {
		free(keys);
		return NULL;
	}
	p = txt;
	*p = '\0';
	for (i = 0; i < n; i++) {
		v = json_object_get(params, keys[i]);
		/* JSON-encoded values: a string cannot smuggle a newline. */
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		p += sprintf(p, "%s=%s\n", keys[i], s ? s : "");
		free(s);
	}
	free(keys);
	return txt;
}

json_t *bm_json_stats(json_t *row, const char *prefix,
		      const struct bm_stats *st, double scale)
{
	const struct {
		const char *name;
		double v;
	} f[] = { { "min", st->min }, { "p50", st->p50 }, { "p90", st->p90 },
		  { "p99", st->p99 }, { "p999", st->p999 }, { "max", st->max },
		  { "mean", st->mean }, { "stdev", st->stdev } };
	char key[96];
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(key, sizeof(key), "%s_%s", prefix, f[i].name);
		json_object_set_new(row, key, json_real(f[i].v * scale));
	}
	return row;
}

json_t *bm_json_samples(const double *v, size_t n, double scale)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i] * scale));
	return a;
}
