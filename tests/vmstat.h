/* SPDX-License-Identifier: BSD-3-Clause */
/* A counter of /proc/vmstat, for tests and benchmarks (header only: the
 * benchmarks do not link the test helpers). */
#ifndef HUGEMEM_TESTS_VMSTAT_H
#define HUGEMEM_TESTS_VMSTAT_H

#include <stdio.h>
#include <string.h>

/* The value of /proc/vmstat's counter @p name, -1 if unreadable or absent. */
static inline long long
hm_test_vmstat(const char *name)
{
	char key[64];
	long long v, r = -1;
	FILE *f = fopen("/proc/vmstat", "re");

	if (f == NULL)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (strcmp(key, name) == 0) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

#endif /* HUGEMEM_TESTS_VMSTAT_H */
