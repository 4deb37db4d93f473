// SPDX-License-Identifier: MIT
/*
 * nccl_rt without a GPU: the option defaults (one --timeout default for
 * every wait), the GPUDirect RDMA lines of NCCL's log and the peermem
 * probe, and what the data-check summary may claim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bm_test.h"
#include "nccl_rt.h"

/* Every wait of nccl_rt uses --timeout, whose default is the common one. */
static void test_timeout_default(void)
{
	struct nrt_opts o = NRT_OPTS_INIT;
	struct bm_common c = BM_COMMON_INIT(1, 2, 3, 4, 5);

	EXPECT_EQ(o.timeout_ms, c.timeout_ms);
	c.timeout_ms = 2500;
	nrt_opts_from_common(&o, &c);
	EXPECT_EQ(o.timeout_ms, 2500);
}

static void parse(const char *text, int nranks, struct nrt_path *p)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	nrt_parse_log(f, nranks, NRT_NET_IB, p);
	fclose(f);
}

static void test_gdr_log(void)
{
	static const char on[] =
		"h:1:2 [0] NCCL INFO NET/IB : GPU Direct RDMA (DMABUF) enabled "
		"for HCA 0 'rocep1s0f0'\n"
		"h:1:2 [0] NCCL INFO DMA-BUF is available on GPU device 0\n"
		"h:1:2 [0] NCCL INFO NCCL_NET_GDR_LEVEL set by environment to "
		"SYS\n"
		"h:1:2 [0] NCCL INFO GPU Direct RDMA Enabled for GPU 1000 / "
		"HCA 0 (distance 4 <= 5), read 1\n"
		"h:1:2 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[0] [send] via "
		"NET/IB/0/GDRDMA\n";
	static const char off[] =
		"h:1:2 [0] NCCL INFO NET/IB : GPU Direct RDMA Disabled for HCA "
		"0 'mlx5_0' (no module)\n"
		"h:1:2 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[0] [send] via "
		"NET/IB/0\n";
	struct nrt_path p;
	json_t *j;

	parse(on, 2, &p);
	EXPECT_EQ(p.gdr_log.gpu, 1);
	EXPECT_EQ(p.gdr_log.hca, 1);
	EXPECT(p.gdr_log.dmabuf);
	EXPECT_STREQ(p.gdr_log.level, "SYS");
	EXPECT(!strncmp(p.gdr_log.line, "GPU Direct RDMA Enabled for GPU", 31));
	EXPECT(p.gdr && p.net_seen);
	j = nrt_gdr_json(&p, 1, 1);
	EXPECT(json_is_true(json_object_get(j, "nccl_connection_gdrdma")));
	EXPECT_STREQ(json_string_value(json_object_get(j, "nccl_gpu_nic")),
		     "enabled");
	EXPECT_STREQ(json_string_value(json_object_get(j, "nvidia_peermem")),
		     "loaded");
	json_decref(j);

	parse(off, 2, &p);
	EXPECT_EQ(p.gdr_log.gpu, -1);
	EXPECT_EQ(p.gdr_log.hca, 0);
	EXPECT(!p.gdr_log.dmabuf);
	EXPECT(!strncmp(p.gdr_log.line, "NET/IB : GPU Direct RDMA Disabled",
			33));
	EXPECT(!p.gdr && p.net_seen);

	/* one rank: NCCL logs none of it, so nothing is claimed */
	parse("h:1:2 [0] NCCL INFO comm 0x1 rank 0 nranks 1\n", 1, &p);
	j = nrt_gdr_json(&p, 0, -1);
	EXPECT(json_is_null(json_object_get(j, "nccl_connection_gdrdma")));
	EXPECT(json_is_null(json_object_get(j, "nccl_gpu_nic")));
	EXPECT(json_is_null(json_object_get(j, "nccl_net_plugin")));
	EXPECT(json_is_null(json_object_get(j, "nccl_dmabuf")));
	EXPECT(json_is_null(json_object_get(j,
					    "cuda_gpudirect_rdma_supported")));
	EXPECT_STREQ(json_string_value(json_object_get(j, "nvidia_peermem")),
		     "not loaded");
	json_decref(j);
}

static void touch(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_peermem(void)
{
	char root[] = "/tmp/test_nrt.XXXXXX", cmd[600];
	char path[512];
	FILE *f;
	int real, here;

	if (!mkdtemp(root)) {
		EXPECT(0);
		return;
	}
	EXPECT_EQ(nrt_peermem_loaded(root), -ENOENT);	/* nothing to read */
	touch(root, "/proc/modules", "nvidia_uvm 1 0 - Live 0x0\n");
	EXPECT_EQ(nrt_peermem_loaded(root), 0);
	touch(root, "/proc/modules", "nvidia_peermem 16384 0 - Live 0x0\n");
	EXPECT_EQ(nrt_peermem_loaded(root), 1);
	touch(root, "/proc/modules", "\n");
	touch(root, "/sys/module/nvidia_peermem/version", "1\n");
	EXPECT_EQ(nrt_peermem_loaded(root), 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	EXPECT_EQ(system(cmd), 0);
	/* this machine: the probe agrees with what is here */
	real = nrt_peermem_loaded("");
	here = !access("/sys/module/nvidia_peermem", F_OK) ||
	       !access("/sys/module/nv_peer_mem", F_OK);
	snprintf(path, sizeof(path), "/proc/modules");
	f = fopen(path, "r");
	if (f) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			here |= !strncmp(line, "nvidia_peermem ", 15);
		fclose(f);
	}
	EXPECT(real == here || (real == 1 && !here));
}

static void test_verdict(void)
{
	struct nrt_check c = { 0 };
	char why[256];

	/* stopped before planning (a bad model file): not run, and why */
	EXPECT_STREQ(nrt_check_verdict(&c, "model not found", why,
				       sizeof(why)), "not run");
	EXPECT(strstr(why, "model not found") != NULL);
	/* planned, nothing checked: the run stopped first */
	c.planned = 4;
	EXPECT_STREQ(nrt_check_verdict(&c, "model not found", why,
				       sizeof(why)), "not run");
	EXPECT(strstr(why, "model not found") != NULL);
	/* part of the checks made, none wrong: not a pass */
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, "timed out", why, sizeof(why)),
		     "FAILED");
	EXPECT(strstr(why, "2 of 4") != NULL);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "passed");
	EXPECT_STREQ(why, "");
	/* every check made, but with wrong elements */
	c.done = 0;
	nrt_check_add(&c, 3);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "FAILED");
	EXPECT(strstr(why, "3 wrong") != NULL);
	/* a run that checks nothing by design says why */
	c = (struct nrt_check){ .none_why = "--compare times only" };
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "not run");
	EXPECT_STREQ(why, "--compare times only");
}

int main(void)
{
	bm_log_init("test_nrt", -1);
	test_timeout_default();
	test_gdr_log();
	test_peermem();
	test_verdict();
	return TEST_DONE();
}
