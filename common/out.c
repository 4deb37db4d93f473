// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gitrev.h"
#include "log.h"
#include "out.h"

extern char **environ;

/* A results file: held in memory during the run, written at close into
 * ".NAME.part" beside it and renamed into place, so that a crash, a kill
 * or a full disk leaves the final name valid or absent. The .part file is
 * created at open and flock()ed: a second writer of the same name is
 * refused at once; one a killed run left behind is reused. */
struct bm_sink {
	const char *what;	/* "JSON" or "CSV", for messages */
	char	   *path;	/* final name; NULL: stdout or none */
	char	   *part;	/* the temporary name */
	int	    fd;		/* the temporary file, locked; -1 none */
	char	   *mem;	/* the content (open_memstream) */
	size_t	    memlen;
};

struct bm_out {
	json_t	      *doc;	/* meta, params, results, summary */
	FILE	      *table;	/* stdout or NULL */
	FILE	      *csv;	/* NULL, stdout or a memory stream */
	FILE	      *json;	/* NULL or stdout (files: json_sink) */
	struct bm_sink json_sink;
	struct bm_sink csv_sink;
	struct bm_col *cols;
	size_t	       ncols;
	json_t	      *csv_keys; /* array: the CSV header in force */
	bool	       csv_header_due;
};

static void sink_drop(struct bm_sink *k)
{
	if (k->fd >= 0) {
		unlink(k->part);
		close(k->fd);
	}
	k->fd = -1;
	free(k->part);
	free(k->path);
	free(k->mem);
	k->part = k->path = k->mem = NULL;
}

/* Open time: the final name must not exist; the .part file is ours
 * (created, or a regular file of ours left by a killed run: never a link
 * someone planted) and locked. */
static int sink_open(struct bm_sink *k, const char *path, const char *what)
{
	const char *base = strrchr(path, '/');
	size_t dl = base ? (size_t)(base - path) + 1 : 0;
	const char *why = NULL;
	struct stat st;
	int ret;

	k->what = what;
	k->fd = -1;
	if (!lstat(path, &st)) {
		BM_ERR("%s file '%s' exists: refusing to overwrite it "
		       "(remove it or choose another name)", what, path);
		return -EEXIST;
	}
	if (errno != ENOENT || !*path || (base && !base[1])) {
		ret = *path && errno != ENOENT ? -errno : -EINVAL;
		goto err;
	}
	k->path = strdup(path);
	k->part = malloc(strlen(path) + 8);
	if (!k->path || !k->part) {
		ret = -ENOMEM;
		goto err;
	}
	sprintf(k->part, "%.*s.%s.part", (int)dl, path, base ? base + 1 : path);
	k->fd = open(k->part, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (k->fd < 0 && errno != ELOOP) {
		ret = -errno;
		goto err;
	}
	if (k->fd < 0 || fstat(k->fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_nlink != 1)
		why = "is in the way and is not a file of ours";
	else if (flock(k->fd, LOCK_EX | LOCK_NB))
		why = "is held by another run writing the same file";
	if (why) {
		if (k->fd >= 0)
			close(k->fd);
		k->fd = -1;
		BM_ERR("%s file '%s': '%s' %s: refusing", what, path, k->part,
		       why);
		ret = -EEXIST;
		goto out;
	}
	if (ftruncate(k->fd, 0)) {
		ret = -errno;
		goto err;
	}
	return 0;
err:
	BM_ERR("cannot create %s file '%s': %s", what, path, strerror(-ret));
out:
	sink_drop(k);
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Close time: the content into .part, fsync, then the final name without
 * replacing anything (RENAME_NOREPLACE, or link() where the filesystem
 * lacks it). On failure nothing is left behind but what we say. */
static int sink_commit(struct bm_sink *k)
{
	int ret;

	ret = write_all(k->fd, k->mem ? k->mem : "", k->memlen);
	if (!ret && fsync(k->fd))
		ret = -errno;
	if (!ret && renameat2(AT_FDCWD, k->part, AT_FDCWD, k->path,
			      RENAME_NOREPLACE)) {
		ret = -errno;
		if (ret == -EINVAL || ret == -ENOSYS) {
			ret = link(k->part, k->path) ? -errno : 0;
			if (!ret)
				unlink(k->part);
		}
	}
	if (ret == -EEXIST) {
		BM_ERR("%s file '%s' appeared during the run: not overwriting "
		       "it; this run's results are in '%s'", k->what, k->path,
		       k->part);
		close(k->fd);
		k->fd = -1;	/* keep the .part: it holds the results */
	} else if (ret) {
		BM_ERR("writing %s file '%s' failed: %s (no file left behind)",
		       k->what, k->path, strerror(-ret));
	} else {
		close(k->fd);	/* renamed: nothing to unlink */
		k->fd = -1;
	}
	return ret;
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
	o->json_sink.fd = o->csv_sink.fd = -1;
	if (cfg->json_path && !strcmp(cfg->json_path, "-")) {
		o->json = stdout;
	} else if (cfg->json_path) {
		ret = sink_open(&o->json_sink, cfg->json_path, "JSON");
		if (ret)
			goto err;
	}
	if (cfg->csv_path && !strcmp(cfg->csv_path, "-")) {
		o->csv = stdout;
	} else if (cfg->csv_path) {
		ret = sink_open(&o->csv_sink, cfg->csv_path, "CSV");
		if (ret)
			goto err;
		o->csv = open_memstream(&o->csv_sink.mem, &o->csv_sink.memlen);
		if (!o->csv) {
			ret = -ENOMEM;
			goto err;
		}
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

err:
	sink_drop(&o->json_sink);
	sink_drop(&o->csv_sink);
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
	struct bm_sink *k;
	int ret = 0, r;

	if (!o)
		return 0;
	k = &o->json_sink;
	if (errmsg)
		json_object_set_new(o->doc, "error", json_string(errmsg));
	if (o->json == stdout) {
		if (json_dumpf(o->doc, stdout, JSON_INDENT(2) |
			       JSON_REAL_PRECISION(10)) ||
		    fputc('\n', stdout) == EOF || fflush(stdout)) {
			BM_ERR("writing JSON to stdout failed: %s",
			       strerror(errno ? errno : EIO));
			ret = -EIO;
		}
	} else if (k->fd >= 0) {
		FILE *m = open_memstream(&k->mem, &k->memlen);
		bool bad = !m;

		if (m) {
			bad = json_dumpf(o->doc, m, JSON_INDENT(2) |
					 JSON_REAL_PRECISION(10)) ||
			      fputc('\n', m) == EOF;
			bad |= fclose(m) != 0;
		}
		if (bad) {
			ret = -ENOMEM;
			BM_ERR("writing JSON file '%s' failed: %s", k->path,
			       strerror(ENOMEM));
		} else {
			ret = sink_commit(k);
		}
	}
	if (o->csv == stdout) {
		if (fflush(stdout) && !ret) {
			BM_ERR("writing CSV to stdout failed: %s",
			       strerror(errno));
			ret = -EIO;
		}
	} else if (o->csv) {
		r = fclose(o->csv) ? -ENOMEM : sink_commit(&o->csv_sink);
		if (r && !ret)
			ret = r;
	}
	sink_drop(&o->json_sink);
	sink_drop(&o->csv_sink);
	json_decref(o->doc);
	json_decref(o->csv_keys);
	free(o->cols);
	free(o);
	return ret;
}

struct bm_file {
	struct bm_sink k;
	FILE	      *m;	/* memory stream into k.mem */
};

int bm_file_open(const char *path, const char *what, struct bm_file **f_p)
{
	struct bm_file *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	ret = sink_open(&f->k, path, what);
	if (ret) {
		free(f);
		return ret;
	}
	f->m = open_memstream(&f->k.mem, &f->k.memlen);
	if (!f->m) {
		sink_drop(&f->k);
		free(f);
		return -ENOMEM;
	}
	*f_p = f;
	return 0;
}

FILE *bm_file_stream(struct bm_file *f)
{
	return f->m;
}

int bm_file_close(struct bm_file *f, bool commit)
{
	int ret = 0;

	if (!f)
		return 0;
	if (fclose(f->m) && commit) {
		BM_ERR("writing %s file '%s' failed: %s (no file left behind)",
		       f->k.what, f->k.path, strerror(ENOMEM));
		ret = -ENOMEM;
	} else if (commit) {
		ret = sink_commit(&f->k);
	}
	sink_drop(&f->k);	/* unlinks the .part unless it was renamed */
	free(f);
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
