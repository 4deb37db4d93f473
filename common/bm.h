/* SPDX-License-Identifier: MIT */
/*
 * netroof common library: one include for the shared harness.
 *
 * Exit codes shared by every tool (and by Meson's test protocol):
 *   0  ok
 *   1  runtime failure, or a data check failed
 *   2  usage error (bad option, bad file, refused output path)
 *   77 device or backend unavailable, or not built
 *   99 harness error (internal bug)
 *
 * Functions return 0 or a negative errno unless said otherwise; output
 * parameters (ending in _p) are set only on success.
 */
#ifndef BM_H
#define BM_H

enum bm_exit {
	BM_EXIT_OK	= 0,
	BM_EXIT_FAIL	= 1,
	BM_EXIT_USAGE	= 2,
	BM_EXIT_UNAVAIL = 77,
	BM_EXIT_HARNESS = 99,
};

/*
 * The exit status of a result, the same in every tool: 0 -> 0; a positive
 * value is already a status; -EINVAL/-ERANGE/-EEXIST -> 2 (usage: bad
 * option, bad input file, refused output path); -ENODEV/-ENOTSUP/-ENOSYS ->
 * 77 (device or backend unavailable); -EDOM -> 99 (internal); anything else
 * (-EBADMSG data check, -ETIMEDOUT, -EPIPE/-ECONNRESET vanished peer,
 * -EPROTO garbage from a peer, -ECANCELED parameters differ, -EIO) -> 1.
 * So a peer's bad frame must be -EPROTO, not -EINVAL.
 */
int bm_exit_of(int ret);

#include "clock.h"
#include "log.h"
#include "stats.h"
#include "opts.h"
#include "oob.h"
#include "out.h"
#include "launch.h"
#include "fault.h"

#endif
