/* SPDX-License-Identifier: MIT */
/* sim front end: options and helpers shared by the subcommands. */
#ifndef SIM_H
#define SIM_H
#include <jansson.h>
#include <stdio.h>

#include "opts.h"
#include "roofline.h"

struct sim_opts {
	const char     *model;
	enum sim_mode	mode;
	int		nodes;
	bool		nodes_set;
	const char     *transport;
	double		ctx;
	enum sim_length length;
	int		spec_tokens;
	bool		spec;
	double		accept;
	const char     *net;
	const char     *hw;
	const char     *quant;
	bool		json;
	bool		quiet;
	const char     *measured;
	const char     *plot;
	const char     *out;
	bool		no_plot;
	double		max_mape, max_cell, max_speedup;
};

int sim_parse(int argc, char **argv, const struct bm_opt *tab,
	      const char *cmd, const char *synopsis, const char *about,
	      struct sim_opts *o);
int sim_ctx_init(struct sim_ctx *c, const char *hw);
int sim_ctx_model(struct sim_ctx *c, const char *model, const char *quant);
int sim_ctx_net(struct sim_ctx *c, const char *transport, const char *net,
		char *used, size_t used_len);
int sim_exit_of(int ret);
void sim_model_line(FILE *f, const struct sim_model *m);
json_t *sim_result_json(const struct sim_ctx *c, const struct sim_query *q,
			const struct sim_result *r, const char *transport);

/* mkdir -p; 0 or -EIO (message printed). */
int sim_mkdir(const char *dir);
/* Run gnuplot on dir/script (0), or say it is missing (0: CSVs stay). */
int sim_gnuplot(const char *dir, const char *script);

int sim_cmd_validate(int argc, char **argv, const struct bm_opt *tab);
int sim_cmd_sweep(int argc, char **argv, const struct bm_opt *tab);

#endif
