/* SPDX-License-Identifier: MIT */
#ifndef BM_CLOCK_H
#define BM_CLOCK_H
#include <stdint.h>
#include <time.h>

/* Nanoseconds from CLOCK_MONOTONIC_RAW: not slewed by NTP, so intervals are
 * what the oscillator counted. Cost: one vDSO call (~20 ns). */
static inline uint64_t bm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Milliseconds left until deadline_ns (0 if passed), for poll(). */
int bm_ms_left(uint64_t deadline_ns);

#endif
