/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers every benchmark (tests/bench_*.c) uses: a monotonic clock in ns, the
 * median of SAMPLES figures, pinning to one CPU. Include after defining SAMPLES.
 */
#ifndef HUGEMEM_BENCH_COMMON_H
#define HUGEMEM_BENCH_COMMON_H

#include <sched.h>
#include <stdlib.h>
#include <time.h>

#ifndef SAMPLES
#error "define SAMPLES (figures per median) before including bench_common.h"
#endif

/* Monotonic time in ns. */
static inline double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* qsort comparator for doubles. */
static inline int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of SAMPLES figures (sorts @p v). */
static inline double
median(double *v)
{
	qsort(v, SAMPLES, sizeof(*v), cmp_d);
	return v[SAMPLES / 2];
}

/* Pin the calling thread to the first CPU it may run on; @return it, or -1. */
static inline int
pin_self(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			return -1;
		return c;
	}
	return -1;
}

#endif
