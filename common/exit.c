// SPDX-License-Identifier: MIT
/*
 * The one mapping from a tool's result (0 or -errno) to its exit status,
 * shared by every tool (see bm.h for the codes).
 */
#include <errno.h>

#include "bm.h"

int bm_exit_of(int ret)
{
	if (ret >= 0)
		return ret;	/* 0, or already an exit status */
	switch (ret) {
	case -EINVAL:		/* bad option, argument or input file */
	case -ERANGE:		/* a value out of its range */
	case -EEXIST:		/* refusing to overwrite an output file */
		return BM_EXIT_USAGE;
	case -ENODEV:		/* no such device here */
	case -ENOTSUP:		/* transport or backend not built */
	case -ENOSYS:
		return BM_EXIT_UNAVAIL;
	case -EDOM:		/* an internal consistency check failed */
		return BM_EXIT_HARNESS;
	default:		/* -EBADMSG (data check), -ETIMEDOUT, -EPIPE,
				 * -EPROTO, -ECANCELED, -EIO, ...: the run failed */
		return BM_EXIT_FAIL;
	}
}
