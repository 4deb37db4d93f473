/* SPDX-License-Identifier: MIT */
/*
 * sim plots: data as CSV next to a gnuplot script that renders one SVG.
 *
 * Every script starts with sim_plot_begin(): an SVG terminal, the output
 * file, a ',' separator and gnuplot's enhanced text mode OFF, so that '~',
 * '_' and '^' in titles and labels (model names, "~41 us") print as written
 * instead of overprinting or turning into subscripts. The key sits outside
 * the plot area, so it can never cover data.
 *
 * Nothing is overwritten: sim_plot_create() refuses an existing file, and
 * sim_plot_begin() refuses to let gnuplot replace an existing SVG. Nothing
 * is left half-written: a file's content stays in memory until
 * sim_plot_close() (common/out.h bm_file: a temporary file, fsync, a
 * rename that replaces nothing), so a full disk or a failed sweep leaves
 * no file, and an SVG gnuplot did not finish is removed.
 */
#ifndef SIM_PLOT_H
#define SIM_PLOT_H
#include <stdbool.h>
#include <stdio.h>

/* mkdir -p: 0 or -errno (message printed). */
int sim_mkdir(const char *dir);
/* dir/name for writing, to be closed with sim_plot_close (not fclose);
 * NULL with a message when it exists or cannot be created. */
FILE *sim_plot_create(const char *dir, const char *name);
/* keep: write the file (0, or -errno with a message: nothing is left
 * behind); else give it up. */
int   sim_plot_close(FILE *f, bool keep);
/* The script dir/<stem>.gp, writing <stem>.svg of w x h pixels, with its
 * title and axis labels. NULL (message printed) when either file exists. */
FILE *sim_plot_begin(const char *dir, const char *stem, int w, int h,
		     const char *title, const char *xlabel,
		     const char *ylabel);
/* One curve of the plot command: the first starts "plot ", the next ones
 * continue the line; *n counts them. Finish with sim_plot_end(). */
void sim_plot_curve(FILE *f, int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Ends the plot command and writes the script (sim_plot_close). */
int sim_plot_end(FILE *f);
/* "set xtics (...)" labelling each of the n token counts (0, 512, 1K, ...,
 * 128K); a 0 is drawn at zero_at (a log axis has no 0). */
void sim_plot_token_tics(FILE *f, const double *v, int n, double zero_at);
/* Run gnuplot on dir/script. 0 also when gnuplot is missing or fails (a
 * warning says so; the CSV and script stay). */
int sim_gnuplot(const char *dir, const char *script);

#endif
