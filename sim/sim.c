// SPDX-License-Identifier: MIT
/*
 * sim: roofline simulator of batch-1 decode on GB10 nodes. This file only
 * dispatches: every subcommand is cmd_<name>.c (see cli.h) and one line of
 * SIM_COMMANDS below, which both declares it and puts it in the table that
 * `sim --help` lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* X(name, synopsis, about): about is what `sim --help` lists and the
 * description `sim NAME --help` prints. */
#define SIM_COMMANDS(X)                                                        \
	X(predict, "--model M [OPTIONS]",                                      \
	  "tok/s and the per-token time breakdown of one setup")               \
	X(explain, "[OPTIONS]",                                                \
	  "socket against RoCE for every mode: tok/s, speedup, the terms\n"    \
	  "that account for it, and what this run's numbers say")              \
	X(validate, "--measured FILE|DIR [OPTIONS]",                           \
	  "every measured row predicted (netroof CSV, vLLM/llama-benchy\n"     \
	  "JSON): error per row, MAPE per mode and overall, socket->RoCE\n"    \
	  "speedups, the worst cells")                                         \
	X(sweep, "--out DIR | -J FILE | --csv FILE [OPTIONS]",                 \
	  "what-ifs (context to 128K, the link's one-way latency, memory\n"    \
	  "bandwidth, nodes 2/4/8, socket/RoCE/one-shot all-reduce) to CSV + SVG") \
	X(import, "[--deploy \"K=V ...\"] FILE|DIR... [OPTIONS]",                \
	  "vLLM/llama-benchy benchmark JSON to netroof's measured CSV\n"       \
	  "(each row keeps its source and how its tok/s was derived)")       \
	X(collective, "[--op OP] [--nodes N] [--transport T] [OPTIONS]",       \
	  "one collective on a link: NCCL's algorithm and protocol, its\n"     \
	  "crossings and every term of its cost; --measured: against nccl_coll") \
	X(plan, "--model M [--nodes-max N] [--transport T] [--ctx C] [OPTIONS]", \
	  "every deployment that fits (single, TP, PP, EP, TPxPP, EAGLE3),\n" \
	  "ranked by tok/s, with memory headroom and the vLLM flags")          \
	X(calibrate, "--measured FILE|DIR --out NEW.json [OPTIONS]",           \
	  "fit a hardware profile's host/kernel parameters (fitted, with\n"     \
	  "bounds) to your own measured table; never the network")

#define SIM_DECLARE(name, syn, about)                                          \
	extern const struct bm_opt sim_##name##_opts[];                        \
	int sim_##name##_main(int argc, char **argv, const struct sim_cmd *cmd);
SIM_COMMANDS(SIM_DECLARE)

#define SIM_ENTRY(name, syn, about)                                            \
	{ #name, sim_##name##_main, sim_##name##_opts, syn, about },
static const struct sim_cmd sim_cmds[] = { SIM_COMMANDS(SIM_ENTRY) };
#define SIM_NCMDS (sizeof(sim_cmds) / sizeof(sim_cmds[0]))

static const struct bm_opt top_opts[] = {
	{ "version", 'V', NULL, "print version and build features" },
	{ "help", 'h', NULL, "this help" },
	BM_OPT_END,
};

/* The command list of `sim --help`, from the table: continuation lines of
 * an about are indented under its first. */
static void list_commands(FILE *f)
{
	const char *s;
	size_t i;

	fprintf(f, "Commands:\n");
	for (i = 0; i < SIM_NCMDS; i++) {
		fprintf(f, "  %-9s ", sim_cmds[i].name);
		for (s = sim_cmds[i].about; *s; s++) {
			fputc(*s, f);
			if (*s == '\n')
				fprintf(f, "%12s", "");
		}
		fputc('\n', f);
	}
	fprintf(f, "'sim COMMAND --help' lists each command's options. Every "
		   "command writes\n-J FILE (JSON: meta, params, results, "
		   "summary, error) and --csv FILE;\n'-' is stdout.\n"
		   "Models: $NETROOF_MODELS, the install tree's "
		   "share/netroof/models or the\nsource tree's sim/models (or "
		   "a config.json path). Profiles: $NETROOF_SIM_DATA,\nthe "
		   "install tree or the source tree's sim/.\n"
		   "Examples:\n"
		   "  sim predict --model qwen3-coder-30b-a3b --mode tp "
		   "--transport roce\n"
		   "  sim explain --model qwen3-coder-30b-a3b\n"
		   "  sim validate --measured "
		   "results/vllm/qwen3-coder-gb10-2node.csv\n"
		   "  sim plan --model gpt-oss-120b --transport socket\n");
}

static void usage(FILE *f)
{
	char *epilogue = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&epilogue, &len);

	if (m) {
		list_commands(m);
		fclose(m);
	}
	bm_usage(f, "sim", "COMMAND [OPTIONS]",
		 "Roofline simulator of batch-1 LLM decode on GB10 nodes over "
		 "RoCE and sockets:\npredicts, explains, validates and plans "
		 "tok/s for single, PP, TP and EP.", top_opts, epilogue);
	free(epilogue);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	char list[256];
	size_t i, off;

	bm_log_init("sim", -1);
	if (!name || !strcmp(name, "--help") || !strcmp(name, "-h") ||
	    !strcmp(name, "help")) {
		usage(name ? stdout : stderr);
		return name ? BM_EXIT_OK : BM_EXIT_USAGE;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		bm_print_version(stdout, "sim");
		return BM_EXIT_OK;
	}
	for (i = 0; i < SIM_NCMDS; i++)
		if (!strcmp(name, sim_cmds[i].name))
			return sim_cmds[i].fn(argc, argv, &sim_cmds[i]);
	for (i = 0, off = 0; i < SIM_NCMDS && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s",
				i ? ", " : "", sim_cmds[i].name);
	BM_ERR("unknown command '%s' (%s; sim --help)", name, list);
	return BM_EXIT_USAGE;
}
