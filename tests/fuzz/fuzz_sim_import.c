// SPDX-License-Identifier: MIT
/*
 * sim's measured rows (sim validate --measured, sim import): a netroof
 * CSV, vllm bench latency (with its .pytorch.json sidecar), vllm bench
 * serve (one object or JSON Lines), llama-benchy JSON, told apart by
 * content (sim_import_buf), with an optional --deploy.
 *   input: [ "deploy: K=V ...\n" ] FILE [ "\0" SIDECAR ]
 *     the first line, when it starts "deploy: ", is --deploy's text
 *     (sim_deploy_parse); a NUL byte splits the file from the latency
 *     file's sidecar, written beside it as NAME.pytorch.json
 * Invariants: the import ends in 0 or -EINVAL; an accepted file gives at
 * least one row and every row is something validate can predict: a
 * model, a mode, 1..64 nodes, a known transport that is "none" exactly for
 * mode single, 0..16 draft tokens, a context >= 0, an output length class
 * or >= 1 output tokens, a finite tok/s > 0, where it came from; the row
 * turns into its CSV columns.
 */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "import.h"

/*
 * A sidecar needs a real file beside the main one: a directory made for
 * this input and removed before returning (libFuzzer may end the process
 * without running atexit handlers). Without one, the main file's name is
 * in no directory, so no sidecar can be found.
 */
static int import(const uint8_t *file, size_t n, const uint8_t *sc,
		  size_t sn, const struct sim_deploy *up, struct sim_mset *set)
{
	const char *t = getenv("TMPDIR");
	char dir[96], path[128], side[128];
	FILE *f;
	int ret;

	if (!sc)
		return sim_import_buf("/nonexistent-fuzz-dir/run.json",
				      (const char *)file, n, up, set);
	snprintf(dir, sizeof(dir), "%s/netroof-fuzz-import.XXXXXX",
		 t && *t && strlen(t) < 40 ? t : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/run.json", dir);
	snprintf(side, sizeof(side), "%s/run.pytorch.json", dir);
	f = fopen(side, "w");
	if (!f || fwrite(sc, 1, sn, f) != sn || fclose(f))
		abort();
	ret = sim_import_buf(path, (const char *)file, n, up, set);
	unlink(side);
	rmdir(dir);
	return ret;
}

static bool known_transport(const char *t)
{
	return !strcmp(t, "roce") || !strcmp(t, "socket") ||
	       !strcmp(t, "roce-oneshot") || !strcmp(t, "none");
}

static void check_row(const struct sim_mrow *r)
{
	json_t *o;

	FUZZ_CHECK(r->model[0]);
	FUZZ_CHECK(r->mode < SIM_MODE_NR);
	FUZZ_CHECK(r->nodes >= 1 && r->nodes <= 64);
	FUZZ_CHECK((r->mode == SIM_SINGLE) == (r->nodes == 1));
	FUZZ_CHECK(known_transport(r->transport));
	FUZZ_CHECK((r->mode == SIM_SINGLE) == !strcmp(r->transport, "none"));
	FUZZ_CHECK(r->spec_tokens >= 0 && r->spec_tokens <= 16);
	FUZZ_FINITE_GE(r->ctx, 0);
	FUZZ_CHECK(isfinite(r->out_tokens));
	FUZZ_CHECK(r->out_tokens == 0 ? r->length < SIM_LEN_NR :
		   r->out_tokens >= 1);
	/* the class's name, or the tokens (0 tokens is no class) */
	FUZZ_CHECK(r->out_tokens > 0 ||
		   !strcmp(r->length_txt, sim_length_name(r->length)));
	FUZZ_CHECK(isfinite(r->tok_s) && r->tok_s > 0);
	FUZZ_CHECK(r->source[0] && r->where[0]);
	FUZZ_CHECK(!r->extra || json_is_object(r->extra));
	o = sim_mrow_json(r, NULL);
	FUZZ_CHECK(json_is_object(o) &&
		   json_real_value(json_object_get(o, "tok_s")) == r->tok_s);
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *file = data, *nul, *nl;
	struct sim_deploy user, *up = NULL;
	struct sim_mset set = { 0 };
	size_t n = size;
	char *text;
	int i, ret;

	if (size > 1 << 16)
		return 0;
	if (n > 8 && !memcmp(file, "deploy: ", 8)) {
		nl = memchr(file, '\n', n);
		if (!nl)
			return 0;
		text = fuzz_str(file + 8, (size_t)(nl - file) - 8);
		ret = sim_deploy_parse(text, &user);
		free(text);
		if (ret)
			return 0;
		up = &user;
		n -= (size_t)(nl + 1 - file);
		file = nl + 1;
	}
	nul = memchr(file, '\0', n);
	if (nul)
		ret = import(file, (size_t)(nul - file), nul + 1,
			     n - (size_t)(nul + 1 - file), up, &set);
	else
		ret = import(file, n, NULL, 0, up, &set);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (!ret) {
		FUZZ_CHECK(set.n >= 1 && set.files == 1);
		for (i = 0; i < set.n; i++)
			check_row(&set.rows[i]);
	}
	sim_mset_free(&set);
	return 0;
}
