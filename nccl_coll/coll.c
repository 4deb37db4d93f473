// SPDX-License-Identifier: MIT
/* The collectives' table, types and the data check (see coll.h). */
#include <errno.h>
#include <string.h>

#include "coll.h"
#include "nccl_rt.h"

static const char *const dtype_names[COLL_NDTYPES] = { "bf16", "fp16",
						       "fp32" };
static const size_t dtype_sizes[COLL_NDTYPES] = { 2, 2, 4 };

const char *coll_dtype_name(enum coll_dtype t)
{
	return t < COLL_NDTYPES ? dtype_names[t] : "?";
}

size_t coll_dtype_size(enum coll_dtype t)
{
	return t < COLL_NDTYPES ? dtype_sizes[t] : 0;
}

int coll_dtype_parse(const char *s, enum coll_dtype *t_p)
{
	static const struct {
		const char *s;
		enum coll_dtype t;
	} names[] = {
		{ "bf16", COLL_BF16 }, { "bfloat16", COLL_BF16 },
		{ "fp16", COLL_FP16 }, { "half", COLL_FP16 },
		{ "float16", COLL_FP16 }, { "fp32", COLL_FP32 },
		{ "float", COLL_FP32 }, { "float32", COLL_FP32 },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].s)) {
			*t_p = names[i].t;
			return 0;
		}
	return -EINVAL;
}

static double factor_allreduce(int n)
{
	return 2.0 * (n - 1) / n;
}

static double factor_gather(int n)
{
	return (double)(n - 1) / n;
}

static double factor_one(int n)
{
	return 1.0;
}

static void counts_same(size_t count, int n, size_t *s, size_t *r)
{
	*s = count;
	*r = count;
}

static void counts_allgather(size_t count, int n, size_t *s, size_t *r)
{
	*s = count / (size_t)n;
	*r = *s * (size_t)n;
}

static void counts_reducescatter(size_t count, int n, size_t *s, size_t *r)
{
	*r = count / (size_t)n;
	*s = *r * (size_t)n;
}

const struct coll_ops coll_ops_table[COLL_NOPS] = {
	[COLL_ALLREDUCE] = { "allreduce", "sum", false, true,
			     factor_allreduce, counts_same },
	[COLL_ALLGATHER] = { "allgather", "none", false, true, factor_gather,
			     counts_allgather },
	[COLL_REDUCESCATTER] = { "reducescatter", "sum", false, true,
				 factor_gather, counts_reducescatter },
	[COLL_BROADCAST] = { "broadcast", "none", true, true, factor_one,
			     counts_same },
	[COLL_SENDRECV] = { "sendrecv", "none", false, false, factor_one,
			    counts_same },
};

int coll_op_parse(const char *s, enum coll_op *op_p)
{
	static const struct {
		const char *s;
		enum coll_op op;
	} alias[] = {
		{ "all_reduce", COLL_ALLREDUCE }, { "ar", COLL_ALLREDUCE },
		{ "all_gather", COLL_ALLGATHER }, { "ag", COLL_ALLGATHER },
		{ "reduce_scatter", COLL_REDUCESCATTER },
		{ "rs", COLL_REDUCESCATTER }, { "bcast", COLL_BROADCAST },
		{ "send_recv", COLL_SENDRECV }, { "p2p", COLL_SENDRECV },
	};
	size_t i;

	for (i = 0; i < COLL_NOPS; i++)
		if (!strcmp(s, coll_ops_table[i].name)) {
			*op_p = (enum coll_op)i;
			return 0;
		}
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(s, alias[i].s)) {
			*op_p = alias[i].op;
			return 0;
		}
	return -EINVAL;
}

size_t coll_round_size(enum coll_op op, enum coll_dtype t, int nranks,
		       size_t size)
{
	size_t unit = coll_dtype_size(t);

	if (op == COLL_ALLGATHER || op == COLL_REDUCESCATTER)
		unit *= (size_t)nranks;
	return size / unit * unit;
}

float coll_expected(enum coll_op op, int rank, int nranks, int root,
		    size_t recv_count, size_t i)
{
	float s = 0;
	int r;

	switch (op) {
	case COLL_ALLREDUCE:
		for (r = 0; r < nranks; r++)
			s += coll_val(r, i);
		return s;
	case COLL_ALLGATHER: {
		size_t per = recv_count / (size_t)nranks;

		return coll_val((int)(i / per), i % per);
	}
	case COLL_REDUCESCATTER:
		for (r = 0; r < nranks; r++)
			s += coll_val(r, (size_t)rank * recv_count + i);
		return s;
	case COLL_BROADCAST:
		return coll_val(root, i);
	case COLL_SENDRECV:
		return coll_val((rank + nranks - 1) % nranks, i);
	default:
		return 0;
	}
}

void coll_fill(enum coll_dtype t, void *buf, size_t n, int rank,
	       size_t first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float v = coll_val(rank, first + i);

		if (t == COLL_FP32)
			((float *)buf)[i] = v;
		else if (t == COLL_BF16)
			((uint16_t *)buf)[i] = nrt_f2bf16(v);
		else
			((uint16_t *)buf)[i] = nrt_f2fp16(v);
	}
}

float coll_get(enum coll_dtype t, const void *buf, size_t i)
{
	if (t == COLL_FP32)
		return ((const float *)buf)[i];
	if (t == COLL_BF16)
		return nrt_bf162f(((const uint16_t *)buf)[i]);
	return nrt_fp162f(((const uint16_t *)buf)[i]);
}

size_t coll_count_wrong(enum coll_op op, enum coll_dtype t, const void *recv,
			size_t recv_count, int rank, int nranks, int root)
{
	size_t i, wrong = 0;

	for (i = 0; i < recv_count; i++)
		if (coll_get(t, recv, i) != coll_expected(op, rank, nranks,
							  root, recv_count, i))
			wrong++;
	return wrong;
}
