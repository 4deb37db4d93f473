// SPDX-License-Identifier: MIT
/*
 * nccl_coll without a GPU: busbw factors and counts (nccl-tests' formulas),
 * the data check's expected values against an independent host reduction,
 * bf16/fp16 conversions, decode presets from the shipped model configs, and
 * the NCCL-log parsers (path, algorithm/protocol) on log text in NCCL's
 * format.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bm_test.h"
#include "config.h"
#include "coll.h"
#include "half.h"
#include "nrt_log.h"

static void test_factors(void)
{
	const struct coll_ops *const *t = coll_ops_table;

	EXPECT_NEAR(t[COLL_ALLREDUCE]->bus_factor(1), 0.0, 1e-12);
	EXPECT_NEAR(t[COLL_ALLREDUCE]->bus_factor(2), 1.0, 1e-12);
	EXPECT_NEAR(t[COLL_ALLREDUCE]->bus_factor(8), 1.75, 1e-12);
	EXPECT_NEAR(t[COLL_ALLGATHER]->bus_factor(2), 0.5, 1e-12);
	EXPECT_NEAR(t[COLL_REDUCESCATTER]->bus_factor(4), 0.75, 1e-12);
	EXPECT_NEAR(t[COLL_BROADCAST]->bus_factor(8), 1.0, 1e-12);
	EXPECT_NEAR(t[COLL_SENDRECV]->bus_factor(2), 1.0, 1e-12);
}

static void test_counts(void)
{
	size_t s, r;

	coll_ops_table[COLL_ALLGATHER]->counts(1024, 4, &s, &r);
	EXPECT_EQ(s, 256);
	EXPECT_EQ(r, 1024);
	coll_ops_table[COLL_REDUCESCATTER]->counts(1024, 4, &s, &r);
	EXPECT_EQ(s, 1024);
	EXPECT_EQ(r, 256);
	coll_ops_table[COLL_ALLREDUCE]->counts(7, 2, &s, &r);
	EXPECT_EQ(s, 7);
	EXPECT_EQ(r, 7);
	EXPECT_EQ(coll_round_size(COLL_ALLGATHER, COLL_BF16, 2, 10), 8);
	EXPECT_EQ(coll_round_size(COLL_ALLREDUCE, COLL_FP32, 2, 10), 8);
	EXPECT_EQ(coll_round_size(COLL_ALLREDUCE, COLL_FP32, 2, 3), 0);
	EXPECT_EQ(coll_round_size(COLL_REDUCESCATTER, COLL_FP32, 3, 100), 96);
}

/* The data check against a reduction computed here, independently. */
static void test_check(void)
{
	enum { N = 3, COUNT = 300 };
	enum coll_dtype types[] = { COLL_BF16, COLL_FP16, COLL_FP32 };
	size_t ti, i;
	int r;

	for (ti = 0; ti < 3; ti++) {
		enum coll_dtype t = types[ti];
		size_t e = coll_dtype_size(t);
		char *in = malloc(N * COUNT * 4), *out = malloc(COUNT * 4);
		float sum;

		for (r = 0; r < N; r++)
			coll_fill(t, in + (size_t)r * COUNT * e, COUNT, r, 0);
		/* all-reduce result of rank 1, computed by hand */
		for (i = 0; i < COUNT; i++) {
			sum = 0;
			for (r = 0; r < N; r++)
				sum += coll_get(t, in + (size_t)r * COUNT * e, i);
			if (t == COLL_FP32)
				((float *)out)[i] = sum;
			else if (t == COLL_BF16)
				((uint16_t *)out)[i] = bm_f2bf16(sum);
			else
				((uint16_t *)out)[i] = bm_f2fp16(sum);
		}
		EXPECT_EQ(coll_count_wrong(COLL_ALLREDUCE, t, out, COUNT, 1, N,
					   0), 0);
		/* two corrupted elements are counted */
		memset(out + 5 * e, 0x7f, e);
		memset(out + 77 * e, 0, e);
		EXPECT_EQ(coll_count_wrong(COLL_ALLREDUCE, t, out, COUNT, 1, N,
					   0), coll_expected(COLL_ALLREDUCE, 1,
							     N, 0, COUNT, 77) ?
			  2 : 1);
		/* all-gather of rank 2: the concatenation of the inputs */
		EXPECT_EQ(coll_count_wrong(COLL_ALLGATHER, t, in, N * COUNT, 2,
					   N, 0), 0);
		/* broadcast from root 2 of rank 0: root's buffer */
		EXPECT_EQ(coll_count_wrong(COLL_BROADCAST, t, in + 2 * COUNT * e,
					   COUNT, 0, N, 2), 0);
		EXPECT(coll_count_wrong(COLL_BROADCAST, t, in, COUNT, 0, N, 2) >
		       0);
		/* send/recv: rank 1 receives rank 0's buffer */
		EXPECT_EQ(coll_count_wrong(COLL_SENDRECV, t, in, COUNT, 1, N, 0),
			  0);
		free(in);
		free(out);
	}
	/* values are small integers: exact in every type */
	for (i = 0; i < 1000; i++) {
		float v = coll_val(3, i);

		EXPECT(v >= -5 && v <= 5 && v == (float)(int)v);
	}
}

static void test_half(void)
{
	EXPECT_EQ(bm_f2bf16(1.0f), 0x3f80);
	EXPECT_EQ(bm_f2bf16(-2.0f), 0xc000);
	EXPECT_NEAR(bm_bf162f(0x4049), 3.140625, 1e-9);
	/* 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: to even */
	EXPECT_EQ(bm_f2bf16(1.00390625f), 0x3f80);
	EXPECT_EQ(bm_f2fp16(1.0f), 0x3c00);
	EXPECT_EQ(bm_f2fp16(-2.5f), 0xc100);
	EXPECT_EQ(bm_f2fp16(65504.0f), 0x7bff);
	EXPECT_EQ(bm_f2fp16(1e6f), 0x7c00);
	EXPECT_EQ(bm_f2fp16(5.9604645e-08f), 0x0001);	/* smallest subnormal */
	EXPECT_NEAR(bm_fp162f(0x0001), 5.9604645e-08, 1e-15);
	EXPECT_NEAR(bm_fp162f(0x3555), 0.33325195, 1e-7);
	/* integers are exact up to 256 in bf16, 2048 in fp16 */
	for (int i = -2048; i <= 2048; i++) {
		if (i >= -256 && i <= 256)
			EXPECT_NEAR(bm_bf162f(bm_f2bf16((float)i)), i, 1e-9);
		EXPECT_NEAR(bm_fp162f(bm_f2fp16((float)i)), i, 1e-9);
	}
	EXPECT_NEAR(bm_bf162f(bm_f2bf16(257.0f)), 256, 1e-9);	/* to even */
	EXPECT_NEAR(bm_bf162f(bm_f2bf16(259.0f)), 260, 1e-9);
}

static void test_presets(void)
{
	struct coll_model m;
	struct coll_item it[16];
	int n, i;
	long total_ar = 0;

	EXPECT_EQ(coll_model_load(NETROOF_SOURCE_ROOT
				  "/sim/models/qwen3-coder-30b-a3b.json",
				  &m, NULL, 0), 0);
	EXPECT_STREQ(m.model_type, "qwen3_moe");
	EXPECT_EQ(m.hidden_size, 2048);
	EXPECT(!m.qk_norm_allreduce);
	n = coll_decode_items(&m, "tp", 2, it, 16);
	EXPECT_EQ(n, 4);
	for (i = 0; i < n; i++)
		if (it[i].op == COLL_ALLREDUCE) {
			EXPECT_EQ(it[i].size, 2048 * 2);
			total_ar += it[i].per_token;
		}
	EXPECT_EQ(total_ar, 2 * 48 + 1);
	/* logits: 151936 padded to 64 per rank of 2 -> 151936, bf16 */
	EXPECT_EQ(it[n - 1].op, COLL_ALLGATHER);
	EXPECT_EQ(it[n - 1].size, 151936 * 2);

	/* by name: found by common/hfconfig on its search path */
	EXPECT_EQ(coll_model_load("minimax-m2.5", &m, NULL, 0), 0);
	EXPECT(m.qk_norm_allreduce);
	n = coll_decode_items(&m, "tp", 2, it, 16);
	EXPECT_EQ(n, 5);
	EXPECT_EQ(it[0].size, 3072 * 2);
	EXPECT_EQ(it[2].size, 8);
	EXPECT_EQ(it[2].dtype, COLL_FP32);
	EXPECT_EQ(it[2].per_token, 62);
	n = coll_decode_items(&m, "pp", 2, it, 16);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(it[0].op, COLL_SENDRECV);
	EXPECT_EQ(it[0].per_token, 2);
	EXPECT_EQ(coll_decode_items(&m, "ep", 2, it, 16), -EINVAL);
	EXPECT(coll_model_load("no-such-model", &m, NULL, 0) < 0);
	{
		json_t *j = json_pack("{s:s, s:i}", "model_type", "x",
				      "hidden_size", 10);
		char path[] = "/tmp/test_coll_model.XXXXXX.json";
		int fd = mkstemps(path, 5);

		EXPECT(fd >= 0);
		EXPECT_EQ(json_dumpfd(j, fd, 0), 0);
		close(fd);
		/* no num_hidden_layers: refused */
		EXPECT_EQ(coll_model_load(path, &m, NULL, 0), -EINVAL);
		json_object_set_new(j, "num_hidden_layers", json_integer(2));
		EXPECT_EQ(json_dump_file(j, path, 0), 0);
		EXPECT_EQ(coll_model_load(path, &m, NULL, 0), 0);
		EXPECT_EQ(m.vocab_size, 0);	/* optional */
		/* architectures[0] alone is not enough for a preset */
		json_object_del(j, "model_type");
		json_object_set_new(j, "architectures",
				    json_pack("[s]", "XForCausalLM"));
		EXPECT_EQ(json_dump_file(j, path, 0), 0);
		EXPECT_EQ(coll_model_load(path, &m, NULL, 0), -EINVAL);
		unlink(path);
		json_decref(j);
	}
	{
		/* fuzz_model_config: past 1e8 the byte counts wrapped (vocab
		 * 2^63-1: a 0-byte logits all-gather) and 2^32+1 layers
		 * became 1 */
		json_t *j = json_pack("{s:s, s:i, s:i, s:I}", "model_type",
				      "x", "hidden_size", 10,
				      "num_hidden_layers", 2, "vocab_size",
				      (json_int_t)INT64_MAX);
		char path[] = "/tmp/test_coll_big.XXXXXX.json";
		int fd = mkstemps(path, 5);

		EXPECT(fd >= 0);
		close(fd);
		EXPECT_EQ(json_dump_file(j, path, 0), 0);
		EXPECT_EQ(coll_model_load(path, &m, NULL, 0), -EINVAL);
		json_object_set_new(j, "vocab_size", json_integer(4096));
		EXPECT_EQ(json_dump_file(j, path, 0), 0);
		EXPECT_EQ(coll_model_load(path, &m, NULL, 0), 0);
		json_object_set_new(j, "num_hidden_layers",
				    json_integer(4294967297LL));
		EXPECT_EQ(json_dump_file(j, path, 0), 0);
		EXPECT_EQ(coll_model_load(path, &m, NULL, 0), -EINVAL);
		unlink(path);
		json_decref(j);
	}
}

static void test_parse_log(void)
{
	static const char two_ib[] =
		"host:1:2 [0] NCCL INFO NET/IB : Using [0]rocep1s0f0:1/RoCE\n"
		"host:1:2 [0] NCCL INFO Using network IB\n"
		"host:1:2 [0] NCCL INFO Channel 00/0 : 1[0] -> 0[0] [receive] "
		"via NET/IB/0/GDRDMA\n"
		"host:1:2 [0] NCCL INFO Channel 01/0 : 0[0] -> 1[0] [send] via "
		"NET/IB/0/GDRDMA\n";
	static const char two_sock[] =
		"host:1:2 [0] NCCL INFO NET/Socket : Using [0]enp1s0f0np0\n"
		"host:1:2 [0] NCCL INFO Using network Socket\n"
		"host:1:2 [0] NCCL INFO Channel 00/0 : 1[0] -> 0[0] [receive] "
		"via NET/Socket/0\n";
	static const char p2p[] =
		"h:1:2 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[1] via P2P/CUMEM\n"
		"h:1:2 [0] NCCL INFO Channel 01/0 : 0[0] -> 1[1] via P2P/CUMEM\n";
	static const char tuning[] =
		"h:1:2 [0] NCCL INFO 4096 Bytes -> Algo 1 proto 0 time 12.5\n"
		"h:1:2 [0] NCCL INFO Best tuning, algorithm, TREE, protocol, LL128\n";
	static const char tuning_old[] =
		"h:1:2 [0] NCCL INFO 8 Bytes -> Algo 0 proto 2 time 9.1\n";
	struct nrt_path p;
	char a[32], pr[32];
	FILE *f;

	f = fmemopen((void *)two_ib, sizeof(two_ib) - 1, "r");
	nrt_parse_log(f, 2, NRT_NET_IB, &p);
	fclose(f);
	EXPECT_STREQ(p.transport, "ib");
	EXPECT_STREQ(p.net_plugin, "IB");
	EXPECT(p.gdr);
	EXPECT(!p.mismatch);
	EXPECT_EQ(p.nchannels, 2);

	/* asked for IB, got sockets: loud mismatch */
	f = fmemopen((void *)two_sock, sizeof(two_sock) - 1, "r");
	nrt_parse_log(f, 2, NRT_NET_IB, &p);
	fclose(f);
	EXPECT_STREQ(p.transport, "socket");
	EXPECT(p.mismatch);
	EXPECT(!p.gdr);
	f = fmemopen((void *)two_sock, sizeof(two_sock) - 1, "r");
	nrt_parse_log(f, 2, NRT_NET_SOCKET, &p);
	fclose(f);
	EXPECT(!p.mismatch);

	f = fmemopen((void *)p2p, sizeof(p2p) - 1, "r");
	nrt_parse_log(f, 2, NRT_NET_AUTO, &p);
	fclose(f);
	EXPECT_STREQ(p.transport, "p2p");
	EXPECT_STREQ(p.detail, "P2P/CUMEM");

	f = fmemopen((void *)p2p, sizeof(p2p) - 1, "r");
	nrt_parse_log(f, 1, NRT_NET_IB, &p);
	fclose(f);
	EXPECT_STREQ(p.transport, "none/intra-process");
	EXPECT(!p.mismatch);

	f = fmemopen((void *)tuning, sizeof(tuning) - 1, "r");
	EXPECT_EQ(nrt_parse_algo(f, NULL, -1, a, sizeof(a), pr, sizeof(pr)),
		  2);
	fclose(f);
	EXPECT_STREQ(a, "TREE");
	EXPECT_STREQ(pr, "LL128");
	f = fmemopen((void *)tuning_old, sizeof(tuning_old) - 1, "r");
	nrt_parse_algo(f, NULL, -1, a, sizeof(a), pr, sizeof(pr));
	fclose(f);
	EXPECT_STREQ(a, "Tree");
	EXPECT_STREQ(pr, "Simple");
	f = fmemopen((void *)two_ib, sizeof(two_ib) - 1, "r");
	EXPECT_EQ(nrt_parse_algo(f, NULL, -1, a, sizeof(a), pr, sizeof(pr)),
		  0);
	fclose(f);
	EXPECT_STREQ(a, "unknown");
	EXPECT_STREQ(pr, "unknown");
}

/* NCCL 2.28's TUNING lines (enqueue.cc:724, rank 0), as a 2-rank socket run
 * writes them: the 1-element barrier all-reduce before every sample, the
 * row's own operation, another collective, COLL and channel lines. */
/* nrt_parse_algo over text; a and pr hold 32 bytes. */
static int algo_of(const char *text, const char *func, long long bytes,
		   char *a, char *pr)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int n = nrt_parse_algo(f, func, bytes, a, 32, pr, 32);

	fclose(f);
	return n;
}

static void test_parse_tuning(void)
{
	static const char log[] =
		"gpu1:4242:4242 [0] NCCL INFO Channel 00/0 : 1[0] -> 0[0] "
		"[receive] via NET/Socket/0\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: 4 Bytes -> Algo RING "
		"proto LL channel{Lo..Hi}={0..0}\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: opCount 1a sendbuff "
		"0x7f00 recvbuff 0x7f00 count 2048 datatype 9 op 0 root 0 comm "
		"0x55 [nranks=2] stream 0x56\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: 4096 Bytes -> Algo "
		"RING proto LL channel{Lo..Hi}={0..0}\n"
		"gpu1:4242:4242 [0] NCCL INFO AllGather: 4096 Bytes -> Algo "
		"RING proto SIMPLE channel{Lo..Hi}={0..1}\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: 4 Bytes -> Algo RING "
		"proto LL channel{Lo..Hi}={0..0}\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: 4096 Bytes -> Algo "
		"RING proto LL channel{Lo..Hi}={0..0}\n"
		"gpu1:4242:4242 [0] NCCL INFO ReduceScatter: 524288 Bytes -> "
		"Algo RING proto LL128 channel{Lo..Hi}={0..3}\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: 1048576 Bytes -> Algo "
		"TREE proto SIMPLE channel{Lo..Hi}={0..1}\n"
		"gpu1:4242:4242 [0] NCCL INFO AllReduce: 1048576 Bytes -> Algo "
		"RING proto SIMPLE channel{Lo..Hi}={0..1}\n";
	char a[32], pr[32];

	EXPECT_EQ(algo_of(log, "AllReduce", 4096, a, pr), 2);
	EXPECT_STREQ(a, "RING");
	EXPECT_STREQ(pr, "LL");
	/* all-gather: NCCL's bytes are one rank's block */
	EXPECT_EQ(algo_of(log, "AllGather", 4096, a, pr), 1);
	EXPECT_STREQ(a, "RING");
	EXPECT_STREQ(pr, "SIMPLE");
	EXPECT_EQ(algo_of(log, "ReduceScatter", 524288, a, pr), 1);
	EXPECT_STREQ(pr, "LL128");
	/* the barrier's lines are its own */
	EXPECT_EQ(algo_of(log, "AllReduce", 4, a, pr), 2);
	/* lines of one operation that disagree: said so */
	EXPECT_EQ(algo_of(log, "AllReduce", 1048576, a, pr), 2);
	EXPECT_STREQ(a, "mixed");
	EXPECT_STREQ(pr, "mixed");
	/* a size NCCL never logged, a function it never ran */
	EXPECT_EQ(algo_of(log, "AllReduce", 8192, a, pr), 0);
	EXPECT_STREQ(a, "unknown");
	EXPECT_EQ(algo_of(log, "Broadcast", -1, a, pr), 0);
	/* unfiltered: the last line */
	EXPECT_EQ(algo_of(log, NULL, -1, a, pr), 8);
	EXPECT_STREQ(a, "RING");
	EXPECT_STREQ(pr, "SIMPLE");
	/* the log file as a row reads it: what came before the row is
	 * skipped, what follows is its own */
	{
		struct nrt_log l = { .tuning = true };
		char path[] = "/tmp/test_coll_log.XXXXXX";
		int fd = mkstemp(path);
		FILE *w = fd >= 0 ? fdopen(fd, "w") : NULL;

		EXPECT(w != NULL);
		if (w) {
			snprintf(l.path, sizeof(l.path), "%s", path);
			fputs(log, w);
			fflush(w);
			nrt_log_skip(&l);
			EXPECT(l.off == (long)strlen(log));
			fputs("h:1:1 [0] NCCL INFO AllReduce: 4096 Bytes -> "
			      "Algo TREE proto LL128 channel{Lo..Hi}={0..0}\n",
			      w);
			fflush(w);
			EXPECT_EQ(nrt_log_algo(&l, "AllReduce", 4096, a,
					       sizeof(a), pr, sizeof(pr)), 1);
			EXPECT_STREQ(a, "TREE");
			EXPECT_STREQ(pr, "LL128");
			/* read once: the next row starts after it */
			EXPECT_EQ(nrt_log_algo(&l, "AllReduce", 4096, a,
					       sizeof(a), pr, sizeof(pr)), 0);
			l.tuning = false;
			EXPECT_EQ(nrt_log_algo(&l, "AllReduce", 4096, a,
					       sizeof(a), pr, sizeof(pr)), 0);
			EXPECT_STREQ(a, "not-logged");
			fclose(w);
		}
		unlink(path);
	}
	EXPECT(nrt_subsys_has("INIT,NET,GRAPH,ENV,TUNING", "TUNING"));
	EXPECT(!nrt_subsys_has("INIT,NET,GRAPH,ENV", "TUNING"));
	EXPECT(nrt_subsys_has("ALL", "TUNING"));
	EXPECT(nrt_subsys_has("^COLL", "TUNING"));
	EXPECT(!nrt_subsys_has("^COLL,tuning", "TUNING"));
	EXPECT(!nrt_subsys_has(NULL, "TUNING"));
	EXPECT(nrt_subsys_has(NULL, "INIT"));
}

static void test_parse(void)
{
	enum coll_op op;
	enum coll_dtype t;

	EXPECT_EQ(coll_op_parse("allreduce", &op), 0);
	EXPECT_EQ(op, COLL_ALLREDUCE);
	EXPECT_EQ(coll_op_parse("rs", &op), 0);
	EXPECT_EQ(op, COLL_REDUCESCATTER);
	EXPECT_EQ(coll_op_parse("alltoall", &op), -EINVAL);
	EXPECT_EQ(coll_dtype_parse("fp16", &t), 0);
	EXPECT_EQ(t, COLL_FP16);
	EXPECT_EQ(coll_dtype_parse("int8", &t), -EINVAL);
	EXPECT_EQ(nrt_net_nccl_name(NRT_NET_SOCKET)[0], 'S');
	EXPECT(nrt_net_nccl_name(NRT_NET_AUTO) == NULL);
}

int main(void)
{
	test_factors();
	test_counts();
	test_check();
	test_half();
	test_presets();
	test_parse_log();
	test_parse_tuning();
	test_parse();
	return TEST_DONE();
}
