/* SPDX-License-Identifier: MIT */
/*
 * Shared bits of the libFuzzer targets (tests/fuzz/fuzz_NAME.c). Each
 * target defines LLVMFuzzerTestOneInput() and checks invariants with
 * FUZZ_CHECK, which aborts (a crash libFuzzer saves) when one breaks.
 * The library's own messages go to stderr; scripts/fuzz.sh runs with
 * -close_fd_mask=3 so they cost nothing (sanitizer reports still show).
 */
#ifndef NETROOF_FUZZ_H
#define NETROOF_FUZZ_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "bm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",      \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* The input as a NUL-terminated string (caller frees). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits a copy of the input at NUL bytes into argv[1..] (argv[0] is
 * "fuzz"), at most max - 1 entries; returns argc. *buf_p to free. */
static inline int fuzz_argv(const uint8_t *data, size_t size, char **argv,
			    int max, char **buf_p)
{
	char *buf = malloc(size + 1), *p;
	int argc = 1;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "fuzz";
	for (p = buf; argc < max - 1 && p <= buf + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	*buf_p = buf;
	return argc;
}

/*
 * The input as a file, for parsers that only take a path: one memfd per
 * target (made on first use), rewritten each time, named by its
 * /proc/self/fd path (which has a '/', so every loader takes it as a path,
 * not a model name). No disk, no temporary file to clean up.
 */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	size_t off = 0;
	ssize_t n;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0))
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	return path;
}

/* The input as one JSON value; NULL when it is not one, or past 64 KiB
 * (no profile or document is that big). */
static inline json_t *fuzz_json(const uint8_t *data, size_t size)
{
	json_error_t jerr;

	if (size > 1 << 16)
		return NULL;
	return json_loadb((const char *)data, size, 0, &jerr);
}

/* A finite number >= lo: what every accepted figure must be. */
#define FUZZ_FINITE_GE(x, lo) FUZZ_CHECK(isfinite(x) && (x) >= (lo))

#endif
