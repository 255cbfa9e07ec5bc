/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every benchmark (tests/bench_*.c) shares: the clocks, the statistics,
 * pinning, the environment that says where real hugepages are and which backend
 * hugemem runs on, DPDK's EAL start on those hugepages, and the ROW lines that
 * scripts/bench-table.py turns into the table `make bench` ends with. Include
 * after defining SAMPLES.
 *
 * Method (docs/performance.md, "Method"):
 *  - a single-thread sample is timed in the thread's CPU time
 *    (CLOCK_THREAD_CPUTIME_ID: user + system time of this thread only), so time
 *    the scheduler gives other jobs on the shared machine is not counted;
 *  - where threads interact (a producer and a consumer, the NIC's device thread)
 *    the sample is wall time and the row says the 1-minute load average beside it;
 *    where both libraries run such a workload (the ring on two cores), the samples
 *    come in adjacent pairs, one of each library, and the ratio is the median of
 *    the pairs' ratios (each pair saw about the same machine);
 *  - the RX driver's samples are short (one drain of 960 packets, ~10 µs) and
 *    timed with the TSC; the row gives the minimum over the samples;
 *  - otherwise the row gives the median of SAMPLES samples, the two libraries'
 *    samples interleaved (alternating which goes first).
 *
 * Environment:
 *   HUGEMEM_BENCH_HUGE_DIR  a hugetlbfs mount of 2 MiB pages: DPDK always runs on
 *                           it (never --no-huge; without it, or without enough
 *                           free pages, the DPDK column is skipped with the reason)
 *                           and hugemem's hugetlbfs backend uses it
 *   HUGEMEM_BENCH_BACKEND   hugemem's backend: emu (default) or hugetlbfs
 *   HM_BENCH_NO_DPDK=1      skip DPDK on purpose
 *   HM_BENCH_VERBOSE=1      print every sample
 *   HM_BENCH_ONLY=text      ring, mempool, malloc, i40e, mp: only the workloads
 *                           whose name contains text
 *   HM_BENCH_SIDE=hugemem|dpdk  ring, mempool, malloc: only that library's samples (for
 *                           valgrind --tool=callgrind or perf on one side)
 *
 * Output lines the table script reads (fields separated by '|'):
 *   ROW|workload|hugemem|dpdk or -|unit|backend|timing
 *   NOTE|text               (printed once under the table)
 * timing: "cpu" (median of CPU-time samples), "wall@<load>" (median of wall-time
 * samples, load average), "wall-min@<load>" (minimum of short wall-time samples),
 * "tsc-min" (minimum of short TSC samples), "wall-pairs@<load>[@<ratio>]"
 * (adjacent pairs of wall-time samples, one per library: the figures are each
 * side's median, <ratio> the median of the pairs' hugemem/DPDK ratios, which
 * the table shows as the ratio).
 */
#ifndef HUGEMEM_BENCH_COMMON_H
#define HUGEMEM_BENCH_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>

#include "hugemem/hugemem.h"

#ifdef HM_BENCH_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_version.h>
#endif

#ifndef SAMPLES
#error "define SAMPLES (figures per median) before including bench_common.h"
#endif

#ifndef HM_BENCH_MARCH
#define HM_BENCH_MARCH "" /* meson passes the -march of pkg-config libdpdk */
#endif

#define BENCH_HUGETLBFS_MAGIC 0x958458f6L
#define BENCH_NAN ((double)NAN)

/* This thread's CPU time in ns (user + system). */
static inline double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Monotonic wall time in ns. */
static inline double
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The 1-minute load average, or -1. */
static inline double
loadavg1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
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

/* Median of @p n figures (sorts @p v). */
static inline double
median_n(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* Minimum of @p n figures. */
static inline double
minimum(const double *v, unsigned int n)
{
	double m = v[0];

	for (unsigned int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
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

static inline int
bench_env_on(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* 1 when workload @p name is selected by $HM_BENCH_ONLY (all when unset). */
static inline int
bench_wanted(const char *name)
{
	const char *only = getenv("HM_BENCH_ONLY");

	return only == NULL || *only == '\0' || strstr(name, only) != NULL;
}

/* 1 when the samples of hugemem (@p dpdk 0) or DPDK (1) run ($HM_BENCH_SIDE). */
static inline int
bench_side(int dpdk)
{
	const char *side = getenv("HM_BENCH_SIDE");

	if (side == NULL || *side == '\0')
		return 1;
	return strcmp(side, dpdk ? "dpdk" : "hugemem") == 0;
}

/* ---------------------------------------------------------------- output */

/* One row of the table: @p dpdk NaN when there is no DPDK figure. */
static inline void
bench_row(const char *workload, double hm, double dpdk, const char *unit, const char *backend,
	  const char *timing)
{
	char d[32];

	if (isnan(dpdk))
		snprintf(d, sizeof(d), "-");
	else
		snprintf(d, sizeof(d), "%.6g", dpdk);
	printf("ROW|%s|%.6g|%s|%s|%s|%s\n", workload, hm, d, unit, backend, timing);
}

/* A wall-time row: the timing field carries the load average. */
static inline void
bench_row_wall(const char *workload, double hm, double dpdk, const char *unit,
	       const char *backend)
{
	char t[32];

	snprintf(t, sizeof(t), "wall@%.2f", loadavg1());
	bench_row(workload, hm, dpdk, unit, backend, t);
}

/* A row of adjacent pairs (wall time, one sample of each library per pair):
 * @p ratio is the median of the pairs' hugemem/DPDK ratios (NaN: one side only),
 * which the table shows instead of hm / dpdk; the figures are each side's median. */
static inline void
bench_row_pairs(const char *workload, double hm, double dpdk, const char *unit,
		const char *backend, double ratio)
{
	char t[48];

	if (isnan(ratio))
		snprintf(t, sizeof(t), "wall-pairs@%.2f", loadavg1());
	else
		snprintf(t, sizeof(t), "wall-pairs@%.2f@%.6g", loadavg1(), ratio);
	bench_row(workload, hm, dpdk, unit, backend, t);
}

static inline void
bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void
bench_note(const char *fmt, ...)
{
	va_list ap;

	fputs("NOTE|", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* ---------------------------------------------------------------- hugepages */

/*
 * The hugetlbfs mount of $HUGEMEM_BENCH_HUGE_DIR when it is one, of 2 MiB pages,
 * with at least @p need free pages (the kernel's free count, capped by the
 * mount's own size limit). NULL otherwise, with the reason in @p why.
 */
static inline const char *
bench_huge_dir(unsigned int need, char *why, size_t len)
{
	const char *d = getenv("HUGEMEM_BENCH_HUGE_DIR");
	unsigned long long free_pages = 0;
	struct statfs sf;
	FILE *f;

	if (d == NULL || *d == '\0')
		d = getenv("HUGEMEM_TEST_HUGE_DIR");
	if (d == NULL || *d == '\0') {
		snprintf(why, len, "HUGEMEM_BENCH_HUGE_DIR is not set (make bench reserves and "
			 "mounts 2 MiB pages as root)");
		return NULL;
	}
	if (statfs(d, &sf) != 0 || (long)sf.f_type != BENCH_HUGETLBFS_MAGIC) {
		snprintf(why, len, "%s is not a hugetlbfs mount", d);
		return NULL;
	}
	if (sf.f_bsize != 2 * 1024 * 1024) {
		snprintf(why, len, "%s has %ld-byte pages, not 2 MiB", d, (long)sf.f_bsize);
		return NULL;
	}
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	if (f == NULL || fscanf(f, "%llu", &free_pages) != 1)
		free_pages = 0;
	if (f != NULL)
		fclose(f);
	if (sf.f_blocks > 0 && sf.f_blocks != (fsblkcnt_t)-1 && sf.f_bavail < free_pages)
		free_pages = sf.f_bavail;
	if (free_pages < need) {
		snprintf(why, len, "%llu free 2 MiB pages at %s, %u needed", free_pages, d, need);
		return NULL;
	}
	return d;
}

/* hugemem's backend for this run: $HUGEMEM_BENCH_BACKEND, "emu" by default. */
static inline const char *
bench_backend(void)
{
	const char *b = getenv("HUGEMEM_BENCH_BACKEND");

	return b != NULL && strcmp(b, "hugetlbfs") == 0 ? "hugetlbfs" : "emu";
}

/*
 * Configure hugemem for this run: the backend of bench_backend(), in memory
 * (no files), on the hugepage mount for hugetlbfs (@p need free pages);
 * @p emu_topology (may be NULL) only for emu. Exits 1 with the reason when
 * hugetlbfs is asked for and cannot run.
 */
static inline void
bench_hm_config(struct hm_config *c, const char *prefix, uint64_t memory,
		const char *emu_topology, unsigned int need)
{
	char why[256];

	hm_config_init(c);
	c->backend = bench_backend();
	c->in_memory = true;
	c->file_prefix = prefix;
	c->memory = memory;
	if (strcmp(c->backend, "hugetlbfs") == 0) {
		c->huge_dir = bench_huge_dir(need, why, sizeof(why));
		if (c->huge_dir == NULL) {
			fprintf(stderr, "hugemem on hugetlbfs: %s\n", why);
			exit(1);
		}
	} else {
		c->topology = emu_topology;
	}
}

/* ---------------------------------------------------------------- DPDK */

#ifdef HM_BENCH_DPDK
/*
 * Start DPDK's EAL on lcore @p cpu, on the 2 MiB pages of the hugepage mount
 * (--in-memory: memfds from the kernel's pool, nothing left behind), with
 * -m @p mem_mb when non-zero. @p need: free pages the run needs. @return 1 when
 * it runs; 0 with a NOTE saying why not.
 */
static inline int
bench_dpdk_start(const char *prog, int cpu, unsigned int mem_mb, unsigned int need)
{
	char lcores[16], mem[16], hd[4200], why[256];
	char *argv[16];
	const char *dir;
	int argc = 0;

	if (bench_env_on("HM_BENCH_NO_DPDK")) {
		bench_note("dpdk: skipped (HM_BENCH_NO_DPDK)");
		return 0;
	}
	dir = bench_huge_dir(need, why, sizeof(why));
	if (dir == NULL) {
		bench_note("dpdk: not compared: %s", why);
		return 0;
	}
	snprintf(lcores, sizeof(lcores), "%d", cpu < 0 ? 0 : cpu);
	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	argv[argc++] = (char *)prog;
	argv[argc++] = (char *)"-l";
	argv[argc++] = lcores;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--in-memory";
	argv[argc++] = hd;
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=error";
	if (mem_mb != 0) {
		snprintf(mem, sizeof(mem), "%u", mem_mb);
		argv[argc++] = (char *)"-m";
		argv[argc++] = mem;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		bench_note("dpdk: not compared: rte_eal_init on %s failed: %s", dir,
			   rte_strerror(rte_errno));
		return 0;
	}
	printf("dpdk: %s, EAL -l %s --no-pci --in-memory --huge-dir=%s%s%s (2 MiB pages)\n",
	       rte_version(), lcores, dir, mem_mb ? " -m " : "", mem_mb ? mem : "");
	return 1;
}
#endif

/* What the compiler was told about the CPU for this file (both libraries' inline
 * fast paths are compiled here). */
static inline void
bench_say_flags(const char *prog)
{
#ifdef HM_BENCH_DPDK
	bench_note("%s: hugemem's and DPDK's inline fast paths compiled in one file with "
		   "-march=%s (the flag pkg-config libdpdk adds); libhugemem itself with the "
		   "build's default", prog, HM_BENCH_MARCH);
#else
	(void)prog;
#endif
}

#endif
