/* SPDX-License-Identifier: MIT */
/* The start every tool's main shares, after its options are parsed. */
#ifndef BM_FRONT_H
#define BM_FRONT_H
#include <stdio.h>

#include "opts.h"

/*
 * parse_ret is the tool's parse_args() result. A failure prints the usage
 * to stderr (exit 2); --help prints it to stdout and --version the version
 * (exit 0); -q lowers the log level to warnings. Returns -1 when the tool
 * should go on, else the exit status to return from main.
 */
int bm_front(const char *tool, int parse_ret, const struct bm_common *c,
	     void (*usage)(FILE *f));

#endif
