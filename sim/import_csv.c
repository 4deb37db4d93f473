// SPDX-License-Identifier: MIT
/*
 * sim import: netroof's measured CSV (import.h). Typed by hand (the
 * reference tables) or written by `sim import`: the eight columns sim
 * needs, optional source and tok_s_from, and any other columns, kept as
 * extras. RFC 4180 quoting (common/out writes it); '#' lines are comments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm.h"
#include "import.h"

#define CSV_FIELDS_MAX 64

static const char *const need[] = { "model", "mode", "nodes", "transport",
				    "spec", "length", "ctx", "tok_s" };
#define NNEED (sizeof(need) / sizeof(need[0]))
enum { C_SOURCE = NNEED, C_HOW, NCOL };

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Split one line in place: fields in f, their count, or -EINVAL for an
 * unterminated quote or text after a closing quote. */
static int split(char *s, char **f, int max)
{
	char *w, *c;
	int n = 0;

	while (n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '"') {
			f[n] = s;
			c = strchr(s, ',');
			if (c)
				*c = '\0';
			f[n] = trim(f[n]);
			n++;
			if (!c)
				break;
			s = c + 1;
			continue;
		}
		f[n] = w = ++s;
		for (;;) {
			if (!*s)
				return -EINVAL;
			if (*s == '"' && s[1] == '"') {
				*w++ = '"';
				s += 2;
			} else if (*s == '"') {
				s++;
				break;
			} else {
				*w++ = *s++;
			}
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s && *s != ',')
			return -EINVAL;
		c = s;
		*w = '\0';	/* w <= the closing quote: already read */
		n++;
		if (!*c)
			break;
		s = c + 1;
	}
	return n;
}

/* A column value of the extras: a number when it reads as one. */
static json_t *extra_value(const char *s)
{
	double d;
	long l;

	if (!bm_parse_int(s, -(1L << 52), 1L << 52, &l))
		return json_integer(l);
	if (!bm_parse_double(s, &d))
		return json_real(d);
	return json_string(s);
}

static int row_parse(char **f, int nf, const int *idx, char **names,
		     struct sim_mrow *r, const char *path, int line)
{
	double out;
	size_t sz;
	long l;
	int i;

	r->line = line;
	snprintf(r->where, sizeof(r->where), "%s:%d", path, line);
	snprintf(r->model, sizeof(r->model), "%s", f[idx[0]]);
	if (sim_mode_parse(f[idx[1]], &r->mode))
		goto bad_mode;
	if (bm_parse_int(f[idx[2]], 1, 64, &l))
		goto bad;
	r->nodes = (int)l;
	snprintf(r->transport, sizeof(r->transport), "%s", f[idx[3]]);
	if (!sim_transport_ok(r->transport) ||
	    sim_spec_parse(f[idx[4]], &r->spec_tokens))
		goto bad;
	if (!sim_length_parse(f[idx[5]], &r->length))
		snprintf(r->length_txt, sizeof(r->length_txt), "%s",
			 f[idx[5]]);
	else if (!bm_parse_double(f[idx[5]], &out) && out >= 1)
		sim_mrow_set_out(r, out);
	else
		goto bad;
	if (!bm_parse_size(f[idx[6]], &sz))
		r->ctx = (double)sz;
	else if (bm_parse_double(f[idx[6]], &r->ctx) || r->ctx < 0)
		goto bad;
	if (bm_parse_double(f[idx[7]], &r->tok_s) || r->tok_s <= 0)
		goto bad;
	if ((r->mode == SIM_SINGLE) != !strcmp(r->transport, "none")) {
		BM_ERR("%s:%d: transport 'none' goes with mode single only",
		       path, line);
		return -EINVAL;
	}
	/* what sim_query_check would refuse later, without the line */
	if (!r->model[0] || (r->mode == SIM_SINGLE) != (r->nodes == 1)) {
		BM_ERR("%s:%d: %s", path, line, r->model[0] ?
		       "mode single is 1 node, the others 2 or more" :
		       "model missing");
		return -EINVAL;
	}
	if (idx[C_SOURCE] >= 0 && idx[C_SOURCE] < nf && *f[idx[C_SOURCE]])
		snprintf(r->source, sizeof(r->source), "%s", f[idx[C_SOURCE]]);
	else
		snprintf(r->source, sizeof(r->source), "%s", r->where);
	if (idx[C_HOW] >= 0 && idx[C_HOW] < nf)
		snprintf(r->how, sizeof(r->how), "%s", f[idx[C_HOW]]);
	for (i = 0; i < nf; i++) {
		if (!names[i] || !*f[i])
			continue;
		if (!r->extra)
			r->extra = json_object();
		json_object_set_new(r->extra, names[i], extra_value(f[i]));
	}
	return 0;
bad_mode:
	BM_ERR("%s:%d: mode must be single|pp|tp|ep", path, line);
	return -EINVAL;
bad:
	BM_ERR("%s:%d: bad row (nodes 1..64, transport roce|socket|none, spec "
	       "none|eagle3[:K], length short|medium|long or output tokens, "
	       "ctx >= 0, tok_s > 0)", path, line);
	return -EINVAL;
}

/* The header: idx[k] the column of need[k] / source / tok_s_from (-1:
 * absent); names[j] the extra column j's name (NULL: a known column). */
static int header_parse(char **f, int nf, int *idx, char **names,
			const char *path, int line)
{
	size_t k;
	int j, i;

	for (j = 0; j < nf; j++) {
		names[j] = f[j];
		/* a name twice: which is the figure? (and extras are keys) */
		for (i = 0; i < j; i++) {
			if (!strcmp(f[i], f[j])) {
				BM_ERR("%s:%d: column '%s' twice", path, line,
				       f[j]);
				return -EINVAL;
			}
		}
	}
	for (k = 0; k < NCOL; k++) {
		const char *want = k < NNEED ? need[k] :
				   k == C_SOURCE ? "source" : "tok_s_from";

		idx[k] = -1;
		for (j = 0; j < nf; j++)
			if (!strcmp(f[j], want))
				idx[k] = j;
		if (idx[k] >= 0)
			names[idx[k]] = NULL;
		else if (k < NNEED)
			goto lacks;
	}
	return 0;
lacks:
	for (j = 0; j < nf; j++)	/* llama-benchy --format csv */
		if (!strcmp(f[j], "test_name"))
			break;
	if (j < nf)
		BM_ERR("%s:%d: a llama-benchy CSV: its test names lack the "
		       "prompt size; save with llama-benchy --format json", path,
		       line);
	else
		BM_ERR("%s:%d: header lacks column '%s' (need model,mode,nodes,"
		       "transport,spec,length,ctx,tok_s)", path, line, need[k]);
	return -EINVAL;
}

int sim_read_csv(const char *path, const char *text, size_t len,
		 struct sim_mset *set)
{
	char *buf = NULL, *f[CSV_FIELDS_MAX], *names[CSV_FIELDS_MAX];
	char *hdr = NULL;
	int idx[NCOL], n = 0, line = 0, nf, nh = 0, j, ret = 0;
	struct sim_mrow *r;
	size_t cap = 0;
	FILE *fp;

	fp = fmemopen((void *)text, len, "r");
	if (!fp) {
		ret = -errno;
		BM_ERR("%s: %s", path, strerror(-ret));
		return ret;
	}
	while (getline(&buf, &cap, fp) > 0) {
		char *s = trim(buf);

		line++;
		if (!*s || *s == '#')
			continue;
		if (!hdr) {
			hdr = strdup(s);
			if (!hdr) {
				ret = -ENOMEM;
				goto out;
			}
			nh = split(hdr, f, CSV_FIELDS_MAX);
			ret = nh < 0 ? -EINVAL : header_parse(f, nh, idx,
							       names, path,
							       line);
			if (nh < 0)
				BM_ERR("%s:%d: bad quoting", path, line);
			if (ret)
				goto out;
			continue;
		}
		nf = split(s, f, CSV_FIELDS_MAX);
		if (nf < 0) {
			BM_ERR("%s:%d: bad quoting", path, line);
			ret = -EINVAL;
			goto out;
		}
		for (j = 0; j < (int)NNEED; j++) {
			if (idx[j] >= nf) {
				BM_ERR("%s:%d: %d fields, too few", path, line,
				       nf);
				ret = -EINVAL;
				goto out;
			}
		}
		ret = sim_mset_add(set, path, &r);
		if (!ret)
			ret = row_parse(f, nf < nh ? nf : nh, idx, names, r,
					path, line);
		if (!ret)
			ret = sim_mrow_check(r);
		if (ret)
			goto out;
		n++;
	}
	if (!n) {
		BM_ERR("%s: no data rows", path);
		ret = -EINVAL;
	}
out:
	free(hdr);
	free(buf);
	fclose(fp);
	return ret;
}
