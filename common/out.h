/* SPDX-License-Identifier: MIT */
/*
 * Output: one record schema, three writers.
 *
 * A run is a document { "meta", "params", "results": [rows], "summary",
 * "error" } (iperf3's sections). A row is a flat JSON object; its keys carry
 * their unit (lat_us_p50, busbw_gbps, size). The same row goes to
 *   - the human table on stdout: '#' comment lines, then fixed-width columns
 *     chosen by bm_out_columns() (grep -v '^#' gives the data);
 *   - CSV (--csv FILE): a header row of keys, then one line per row;
 *   - JSON (-J FILE): the whole document, written at bm_out_close(), also
 *     when the run failed (with "error" set).
 * With -J - or --csv - that format replaces the table on stdout.
 *
 * An existing output file is never overwritten: bm_out_open() refuses it
 * (-EEXIST, message printed; the tool exits 2), and so does bm_out_close()
 * if the name appeared meanwhile (the results stay in the temporary file,
 * named in the message). A file's content is kept in memory during the
 * run and written at bm_out_close() to a temporary ".NAME.XXXXXX" in the
 * same directory, fsync'ed, then renamed into place without replacing
 * anything: a crash, a kill or a full disk leaves the file valid or absent,
 * never truncated (a write error removes the temporary file and is
 * reported: -ENOSPC, -EIO ...).
 *
 * meta is filled automatically: tool, version, git revision, argv, the
 * NCCL_*, CUDA_*, UCX_*, NETROOF_* environment, host, kernel, time (UTC);
 * tools add "devices" and the like with bm_out_meta().
 */
#ifndef BM_OUT_H
#define BM_OUT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "stats.h"

struct bm_col {
	const char *key;   /* row key */
	const char *head;  /* column heading (defaults to key) */
	int	    width; /* characters */
	int	    prec;  /* digits after the point for reals; -1: as is */
};

struct bm_out_cfg {
	const char *json_path; /* NULL: no JSON; "-": stdout */
	const char *csv_path;  /* NULL: no CSV; "-": stdout */
	bool	    quiet;     /* no table, no comments on stdout */
};

struct bm_out;

/* Checks the output names (absent, directory writable); creates nothing.
 * tool/argv go into meta. */
int bm_out_open(const struct bm_out_cfg *cfg, const char *tool, int argc,
		char **argv, struct bm_out **out_p);

/* Sections: each takes a reference to val (jansson "steal" semantics). */
void bm_out_meta(struct bm_out *o, const char *key, json_t *val);
void bm_out_param(struct bm_out *o, const char *key, json_t *val);
void bm_out_summary(struct bm_out *o, const char *key, json_t *val);
json_t *bm_out_params(struct bm_out *o);	/* borrowed */

/* A '#' line in the table (and in meta.notes of the JSON). */
void bm_out_comment(struct bm_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Declares (or changes) the table columns and prints the heading. */
void bm_out_columns(struct bm_out *o, const struct bm_col *cols, size_t n);
/* Adds a row (stolen) to results and prints it to table/CSV at once. */
int  bm_out_row(struct bm_out *o, json_t *row);

/* Writes the JSON document with status: errmsg NULL = success ("error":
 * null), else "error": errmsg; commits the files (see above). Frees o.
 * Returns 0 or -errno (write failed, name taken meanwhile: message
 * printed); tools must fold it into their exit status. */
int bm_out_close(struct bm_out *o, const char *errmsg);

/*
 * A file that is not a run's document (sim's plot scripts and wide CSVs),
 * written the same way: refused when the name exists, the content held in
 * memory until bm_file_close(), then written to ".NAME.part" beside it,
 * fsync'ed and renamed without replacing anything. A full disk or a write
 * error leaves nothing behind; a file given up (commit false) neither.
 */
struct bm_file;
/* what names the file in messages ("CSV", "plot script"). 0, or -EEXIST
 * (the name exists, or another run writes it) / -errno, message printed. */
int   bm_file_open(const char *path, const char *what, struct bm_file **f_p);
/* Where to write (a memory stream; valid until bm_file_close). */
FILE *bm_file_stream(struct bm_file *f);
/* commit: write the file (0, or -errno with a message: -ENOSPC, -EIO,
 * -EEXIST when the name appeared meanwhile); else drop it. Frees f. */
int   bm_file_close(struct bm_file *f, bool commit);

/* Canonical text of a flat params object: "key=value\n", keys sorted, for
 * the bootstrap's hello (bm_oob_cfg.params). Caller frees. */
char *bm_params_text(json_t *params);

/* Helpers to build rows. */
json_t *bm_json_stats(json_t *row, const char *prefix,
		      const struct bm_stats *st, double scale);
json_t *bm_json_samples(const double *v, size_t n, double scale);

#endif
