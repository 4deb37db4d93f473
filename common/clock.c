// SPDX-License-Identifier: MIT
#include "clock.h"

int bm_ms_left(uint64_t deadline_ns)
{
	uint64_t now = bm_now_ns();

	if (now >= deadline_ns)
		return 0;
	/* Round up: poll(…, 0) would spin on the last sub-millisecond. */
	return (int)((deadline_ns - now + 999999) / 1000000);
}
