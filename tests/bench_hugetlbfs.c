/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark (meson test --benchmark; scripts/bench-table.py for the table) of the
 * hugetlbfs backend on real 2 MiB hugepages; skips (exit 77) unless
 * $HUGEMEM_BENCH_HUGE_DIR (or $HUGEMEM_TEST_HUGE_DIR) names a hugetlbfs mount
 * with at least 520 free pages.
 *
 *   1. init + cleanup with -m 1024 (a forked child doing just that);
 *   2. hm_malloc of 1 GiB + hm_free (no preallocation: the heap grows by 512
 *      pages and releases them);
 * each next to the zeroing floor measured in the same run (mmap of 1 GiB of
 * fresh hugepages from the same mount, memset, munmap) and, when built with
 * libdpdk (HM_BENCH_DPDK), DPDK 22.11 doing the same in a forked child
 * (rte_eal_init -m 1024 + rte_eal_cleanup; rte_malloc 1 GiB + rte_free).
 * Each figure is CPU time (user + system: the kernel's page zeroing is system
 * time of the thread that faults): the floor this thread's, the children's
 * their whole process's (every thread DPDK starts included). Median of 5
 * samples.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hugemem/hugemem.h"
#include "hugemem/hugetlbfs.h"

#ifdef HM_BENCH_DPDK
#include <rte_eal.h>
#include <rte_malloc.h>
#endif

#define GB1 (1ULL << 30)
#define SAMPLES 5

#include "bench_common.h"

static const char *dir;

/* CPU time of the whole process (the children), ms. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread, ms. */
static double
thread_ms(void)
{
	return cpu_ns() / 1e6;
}

/* 1 GiB of fresh hugepages from the mount: map, memset, unmap. */
static double
floor_ms(void)
{
	char path[4096];
	double t0, t1;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/bench_floor", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		return -1;
	unlink(path);
	t0 = thread_ms();
	p = mmap(NULL, GB1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ftruncate(fd, (off_t)GB1) != 0) {
		close(fd);
		return -1;
	}
	memset(p, 0, GB1);
	munmap(p, GB1);
	t1 = thread_ms();
	close(fd);
	return t1 - t0;
}

/* A child runs @p fn, which measures itself; @return its figure, -1 if it failed. */
static double
child_ms(int (*fn)(double *inner), double *inner_out)
{
	int pipefd[2], status;
	double inner = -1;
	pid_t pid;

	if (pipe(pipefd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		double v = -1;
		int rc = fn(&v);
		if (write(pipefd[1], &v, sizeof(v)) != sizeof(v))
			rc = 1;
		_exit(rc == 0 ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &inner, sizeof(inner)) != sizeof(inner))
		inner = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	if (inner_out != NULL)
		*inner_out = inner;
	return inner;
}

static int
hm_init_cleanup(double *inner)
{
	char *argv[] = { (char *)"bench", (char *)"--backend=hugetlbfs", (char *)"-m",
			 (char *)"1024", (char *)"--file-prefix=bench", NULL, NULL };
	char hd[4200];
	double t0 = now_ms();

	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	argv[5] = hd;
	if (hm_init(6, argv) < 0) {
		fprintf(stderr, "hm_init: %s\n", hm_last_error());
		return 1;
	}
	hm_cleanup();
	*inner = now_ms() - t0;
	return 0;
}

static int
hm_malloc_1g(double *inner)
{
	char *argv[] = { (char *)"bench", (char *)"--backend=hugetlbfs",
			 (char *)"--file-prefix=bench", NULL, NULL };
	char hd[4200];
	double t0;
	void *p;

	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	argv[3] = hd;
	if (hm_init(4, argv) < 0)
		return 1;
	t0 = now_ms();
	p = hm_malloc("bench", GB1, 0);
	if (p == NULL)
		return 1;
	hm_free(p);
	*inner = now_ms() - t0;
	hm_cleanup();
	return 0;
}

#ifdef HM_BENCH_DPDK
static int
dpdk_init_cleanup(double *inner)
{
	char hd[4200];
	char *argv[] = { (char *)"bench", (char *)"-l", (char *)"0", (char *)"--no-pci",
			 (char *)"-m", (char *)"1024", (char *)"--file-prefix=bench-dpdk",
			 (char *)"--log-level=1", hd, NULL };
	double t0 = now_ms();

	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	if (rte_eal_init(9, argv) < 0)
		return 1;
	rte_eal_cleanup();
	*inner = now_ms() - t0;
	return 0;
}

static int
dpdk_malloc_1g(double *inner)
{
	char hd[4200];
	char *argv[] = { (char *)"bench", (char *)"-l", (char *)"0", (char *)"--no-pci",
			 (char *)"--file-prefix=bench-dpdk", (char *)"--log-level=1", hd, NULL };
	double t0;
	void *p;

	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	if (rte_eal_init(7, argv) < 0)
		return 1;
	t0 = now_ms();
	p = rte_malloc("bench", GB1, 0);
	if (p == NULL)
		return 1;
	rte_free(p);
	*inner = now_ms() - t0;
	rte_eal_cleanup();
	return 0;
}
#endif

int
main(void)
{
	double fl[SAMPLES], hi[SAMPLES], hm[SAMPLES], inner;
	char why[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	dir = bench_huge_dir(520, why, sizeof(why));
	if (dir == NULL) {
		printf("SKIP: needs a hugetlbfs mount with >= 520 free 2 MiB pages: %s\n", why);
		return 77;
	}
	for (int i = 0; i < SAMPLES; i++) {
		fl[i] = floor_ms();
		if (child_ms(hm_init_cleanup, &inner) < 0)
			return 1;
		hi[i] = inner;
		if (child_ms(hm_malloc_1g, &inner) < 0)
			return 1;
		hm[i] = inner;
	}
	double f = median(fl), a = median(hi), b = median(hm), c = BENCH_NAN, d = BENCH_NAN;
	printf("zeroing floor, 1 GiB of fresh 2M pages: %.1f ms\n", f);
	printf("hugemem init+cleanup -m 1024: %.1f ms (%.2fx floor)\n", a, a / f);
	printf("hugemem hm_malloc+hm_free 1 GiB: %.1f ms (%.2fx floor)\n", b, b / f);
	bench_row("zeroing floor: mmap + memset + munmap of 1 GiB of fresh 2 MiB pages", f,
		  BENCH_NAN, "ms", "hugetlbfs", "cpu");
#ifdef HM_BENCH_DPDK
	double di[SAMPLES], dm[SAMPLES];
	for (int i = 0; i < SAMPLES; i++) {
		if (bench_env_on("HM_BENCH_NO_DPDK")) {
			bench_note("dpdk: skipped (HM_BENCH_NO_DPDK)");
			goto rows;
		}
		if (child_ms(dpdk_init_cleanup, &inner) < 0) {
			bench_note("bench_hugetlbfs: DPDK not compared: rte_eal_init on %s failed",
				   dir);
			goto rows;
		}
		di[i] = inner;
		if (child_ms(dpdk_malloc_1g, &inner) < 0) {
			bench_note("bench_hugetlbfs: DPDK not compared: rte_malloc 1 GiB failed");
			goto rows;
		}
		dm[i] = inner;
	}
	c = median(di);
	d = median(dm);
	printf("DPDK rte_eal_init+cleanup -m 1024: %.1f ms (hugemem/DPDK %.2f)\n", c, a / c);
	printf("DPDK rte_malloc+rte_free 1 GiB: %.1f ms (%.2fx floor; hugemem/DPDK %.2f)\n", d,
	       d / f, b / d);
rows:
#endif
	bench_row("init + cleanup, -m 1024 on 2 MiB hugepages", a, c, "ms", "hugetlbfs", "cpu");
	bench_row("malloc + free of 1 GiB, heap growth and release", b, d, "ms", "hugetlbfs",
		  "cpu");
	return 0;
}
