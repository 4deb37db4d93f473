// SPDX-License-Identifier: MIT
/* The collectives' table, data types and the data check (see coll.h). */
#include <errno.h>
#include <string.h>

#include "coll.h"
#include "half.h"

const struct coll_ops *const coll_ops_table[COLL_NOPS] = {
	[COLL_ALLREDUCE] = &coll_allreduce_ops,
	[COLL_ALLGATHER] = &coll_allgather_ops,
	[COLL_REDUCESCATTER] = &coll_reducescatter_ops,
	[COLL_BROADCAST] = &coll_broadcast_ops,
	[COLL_SENDRECV] = &coll_sendrecv_ops,
};

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

double coll_factor_one(int n)
{
	return 1.0;
}

void coll_counts_same(size_t count, int n, size_t *s, size_t *r)
{
	*s = count;
	*r = count;
}

int coll_op_parse(const char *s, enum coll_op *op_p)
{
	const char *const *a;
	int i;

	for (i = 0; i < COLL_NOPS; i++) {
		const struct coll_ops *ops = coll_ops_table[i];
		bool hit = !strcmp(s, ops->name);

		for (a = ops->aliases; !hit && a && *a; a++)
			hit = !strcmp(s, *a);
		if (hit) {
			*op_p = (enum coll_op)i;
			return 0;
		}
	}
	return -EINVAL;
}

size_t coll_round_size(enum coll_op op, enum coll_dtype t, int nranks,
		       size_t size)
{
	size_t unit = coll_dtype_size(t);

	if (coll_ops_table[op]->rank_blocks)
		unit *= (size_t)nranks;
	return size / unit * unit;
}

float coll_expected(enum coll_op op, int rank, int nranks, int root,
		    size_t recv_count, size_t i)
{
	if (op < 0 || op >= COLL_NOPS)
		return 0;
	return coll_ops_table[op]->expected(rank, nranks, root, recv_count, i);
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
			((uint16_t *)buf)[i] = bm_f2bf16(v);
		else
			((uint16_t *)buf)[i] = bm_f2fp16(v);
	}
}

float coll_get(enum coll_dtype t, const void *buf, size_t i)
{
	if (t == COLL_FP32)
		return ((const float *)buf)[i];
	if (t == COLL_BF16)
		return bm_bf162f(((const uint16_t *)buf)[i]);
	return bm_fp162f(((const uint16_t *)buf)[i]);
}

size_t coll_count_wrong(enum coll_op op, enum coll_dtype t, const void *recv,
			size_t recv_count, int rank, int nranks, int root)
{
	const struct coll_ops *ops = coll_ops_table[op];
	size_t i, wrong = 0;

	for (i = 0; i < recv_count; i++)
		if (coll_get(t, recv, i) != ops->expected(rank, nranks, root,
							  recv_count, i))
			wrong++;
	return wrong;
}
