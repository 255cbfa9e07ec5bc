/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark (meson test --benchmark) of the hugetlbfs backend on real 2 MiB
 * hugepages; skips (exit 77) unless $HUGEMEM_TEST_HUGE_DIR names a hugetlbfs
 * mount with at least 520 free pages.
 *
 *   1. init + cleanup with -m 1024 (wall time of a forked child doing just that);
 *   2. hm_malloc of 1 GiB + hm_free (no preallocation: the heap grows by 512
 *      pages and releases them);
 * each next to the zeroing floor measured in the same run (mmap of 1 GiB of
 * fresh hugepages from the same mount, memset, munmap) and, when built with
 * libdpdk (HM_BENCH_DPDK), DPDK 22.11 doing the same in a forked child
 * (rte_eal_init -m 1024 + rte_eal_cleanup; rte_malloc 1 GiB + rte_free).
 * Median of 5 samples; figures in docs/performance.md.
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

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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
	t0 = now_ms();
	p = mmap(NULL, GB1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ftruncate(fd, (off_t)GB1) != 0) {
		close(fd);
		return -1;
	}
	memset(p, 0, GB1);
	munmap(p, GB1);
	t1 = now_ms();
	close(fd);
	return t1 - t0;
}

/* Wall time of a child running @p fn; -1 if it failed. */
static double
child_ms(int (*fn)(double *inner), double *inner_out)
{
	int pipefd[2], status;
	double t0 = now_ms(), t1, inner = -1;
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
	t1 = now_ms();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	if (inner_out != NULL)
		*inner_out = inner;
	return t1 - t0;
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
	struct hm_hugetlbfs_info info;
	double fl[SAMPLES], hi[SAMPLES], hm[SAMPLES], inner;
	uint64_t free_pages = 0;

	dir = getenv("HUGEMEM_TEST_HUGE_DIR");
	if (dir == NULL || *dir == '\0') {
		printf("SKIP: needs HUGEMEM_TEST_HUGE_DIR (a hugetlbfs mount with >= 520 free "
		       "2 MiB pages)\n");
		return 77;
	}
	if (hm_hugetlbfs_discover(NULL, dir, &info) == 0)
		for (unsigned int k = 0; k < info.n_sizes; k++)
			if (info.sizes[k].page_sz == 2 * HM_MB)
				free_pages = info.sizes[k].free_pages[0];
	if (free_pages < 520) {
		printf("SKIP: only %" PRIu64 " free 2 MiB pages (need 520)\n", free_pages);
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
	double f = median(fl), a = median(hi), b = median(hm);
	printf("zeroing floor, 1 GiB of fresh 2M pages: %.1f ms\n", f);
	printf("hugemem init+cleanup -m 1024: %.1f ms (%.2fx floor)\n", a, a / f);
	printf("hugemem hm_malloc+hm_free 1 GiB: %.1f ms (%.2fx floor)\n", b, b / f);
#ifdef HM_BENCH_DPDK
	double di[SAMPLES], dm[SAMPLES];
	for (int i = 0; i < SAMPLES; i++) {
		if (child_ms(dpdk_init_cleanup, &inner) < 0) {
			printf("DPDK: rte_eal_init failed; no comparison\n");
			return 0;
		}
		di[i] = inner;
		if (child_ms(dpdk_malloc_1g, &inner) < 0) {
			printf("DPDK: rte_malloc 1 GiB failed; no comparison\n");
			return 0;
		}
		dm[i] = inner;
	}
	double c = median(di), d = median(dm);
	printf("DPDK rte_eal_init+cleanup -m 1024: %.1f ms (hugemem/DPDK %.2f)\n", c, a / c);
	printf("DPDK rte_malloc+rte_free 1 GiB: %.1f ms (%.2fx floor; hugemem/DPDK %.2f)\n", d,
	       d / f, b / d);
#endif
	return 0;
}
