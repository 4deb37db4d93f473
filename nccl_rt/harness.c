// SPDX-License-Identifier: MIT
/* The GPU tools' shared pipeline (see harness.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Rank 0 writes the table, CSV and JSON; the other ranks stay quiet. */
static int open_out(struct nrt_harness *h, int argc, char **argv)
{
	struct bm_out_cfg ocfg;
	const char *k;
	json_t *v;
	int me = h->ctx.boot.rank;

	ocfg = (struct bm_out_cfg){
		.json_path = me == 0 ? h->com->json_path : NULL,
		.csv_path = me == 0 ? h->com->csv_path : NULL,
		.quiet = me != 0 || h->com->quiet,
	};
	if (bm_out_open(&ocfg, h->t->name, argc, argv, &h->out)) {
		h->out = NULL;
		return -EINVAL;	/* a refused output path is a usage error */
	}
	json_object_foreach(h->params, k, v)
		bm_out_param(h->out, k, json_incref(v));
	return 0;
}

/* Who ran, on what, over which path; loudly when not the one asked. */
static void meta(struct nrt_harness *h)
{
	struct nrt_ctx *c = &h->ctx;
	const char *asked = nrt_net_name(c->boot.o.net);

	nrt_meta(c, h->out);
	bm_out_comment(h->out, "%s: %d rank(s) (%s), GPU %s, NCCL %d, "
		       "transport %s (%s)", h->t->name, c->boot.nranks,
		       c->boot.launch.source, c->gpu_name, c->nccl_version,
		       c->comm.path.transport, c->comm.path.detail);
	if (c->comm.path.mismatch)
		bm_out_comment(h->out, "!!! asked for %s, NCCL used %s: these "
			       "are NOT %s numbers !!!", asked,
			       c->comm.path.transport, asked);
	if (c->caveat[0])
		bm_out_comment(h->out, "%s; MPS %s", c->caveat,
			       nrt_mps_state(&c->mps));
	if (c->mps.time_sliced)
		bm_out_comment(h->out, "!!! no CUDA MPS: the ranks time-slice "
			       "the GPU; every figure below is NOT a latency "
			       "(a functional run) !!!");
}

int nrt_harness_row(struct nrt_harness *h, json_t *row)
{
	if (h->ctx.mps.time_sliced)
		json_object_set_new(row, "time_sliced", json_true());
	return bm_out_row(h->out, row);
}

/* The data check's summary; a wrong element fails the run. */
static int summary(struct nrt_harness *h, int ret)
{
	const char *err = ret ? (bm_log_last_error() ? bm_log_last_error() :
				 strerror(-ret)) : NULL;
	const char *v = nrt_check_summary(&h->check, err, h->out);

	bm_out_summary(h->out, "figures_are_latencies",
		       json_boolean(!h->ctx.mps.time_sliced));
	if (h->ctx.mps.time_sliced)
		bm_out_comment(h->out, "!!! time-sliced GPU (no CUDA MPS): "
			       "the figures above are NOT latencies !!!");

	if (h->check.wrong) {
		BM_ERR("data check FAILED: %llu wrong element(s)",
		       (unsigned long long)h->check.wrong);
		return ret ? ret : -EBADMSG;
	}
	if (!ret && h->check.done != h->check.planned) {
		BM_ERR("internal: %llu checks planned, %llu made (%s)",
		       (unsigned long long)h->check.planned,
		       (unsigned long long)h->check.done, v);
		return -EDOM;
	}
	return ret;
}

int nrt_harness_main(const struct nrt_tool *t, void *tool,
		     const struct bm_common *com, struct nrt_opts *o,
		     int argc, char **argv)
{
	struct nrt_harness h = { .t = t, .tool = tool, .com = com };
	char *ptext = NULL;
	int ret, code, oret = 0;

	o->tool = t->name;	/* for nrt_front's messages, and the hello */
	if (nrt_front(o, &code))
		return code;
	h.params = t->params(&h);
	ptext = h.params ? bm_params_text(h.params) : NULL;
	if (!ptext) {
		BM_ERR("out of memory for the params");
		ret = -ENOMEM;
		goto out_params;
	}
	o->params = ptext;
	ret = nrt_init(&h.ctx, o);
	if (ret) {
		if (ret == -ENODEV)
			fprintf(stderr, "%s: no CUDA GPU here: skipping "
				"(exit 77)\n", t->name);
		goto out_params;	/* nrt_init undid what it made */
	}
	ret = t->setup ? t->setup(&h) : 0;
	if (!ret)
		ret = open_out(&h, argc, argv);
	if (ret)
		goto out_teardown;
	meta(&h);
	if (t->meta)
		t->meta(&h);
	ret = t->run(&h);
	ret = summary(&h, ret);
	/* a results file that could not be written (full disk: none is left
	 * behind) fails the run, after the teardown a good run does */
	oret = bm_out_close(h.out, ret ? (bm_log_last_error() ?
					  bm_log_last_error() :
					  strerror(-ret)) : NULL);
	h.out = NULL;
out_teardown:
	/* after an error the peers may be gone: abort, do not finalize; the
	 * tool's graphs are gone by now, and the abort ends the kernels that
	 * wait for a dead peer before the tool's cudaFree would wait on
	 * them (nccl_rt.h) */
	if (ret && ret != -EBADMSG)
		nrt_comm_close(&h.ctx.comm, true);
	if (t->teardown)
		t->teardown(&h);
	nrt_fini(&h.ctx);
out_params:
	json_decref(h.params);
	free(ptext);
	return bm_exit_of(ret ? ret : oret);
}
