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
 *   3. first touch of a 1 GiB block: hm_malloc of 1 GiB (the heap grows) and one
 *      write per 4 KiB, then a second pass of the same writes (re-touch: the TLB
 *      reach of what is underneath), on the hugetlbfs backend and on emu, in
 *      in-memory mode (anonymous memory, THP where the kernel's policy allows it)
 *      and with page files on /dev/shm (shmem THP only where that tmpfs is mounted
 *      huge=; 3 samples: without THP a sample takes seconds); the emu rows say
 *      what is underneath (hm_emu_backing_page_size) in a note, with the ratio to
 *      the hugetlbfs backend;
 * each next to the zeroing floor measured in the same run (mmap of 1 GiB of
 * fresh hugepages from the same mount, memset, munmap) and, when built with
 * libdpdk (HM_BENCH_DPDK), DPDK 22.11 doing the same in a forked child
 * (rte_eal_init -m 1024 + rte_eal_cleanup; rte_malloc 1 GiB + rte_free).
 * Each figure is CPU time (user + system: the kernel's page zeroing is system
 * time of the thread that faults): the floor this thread's, the children's
 * their whole process's (every thread DPDK starts included). Median of 5
 * samples.
 *
 * Memory of the same history on both sides (workload 3). In a VM a guest page
 * the host has not backed costs a host fault on its first touch, inside the
 * guest's clear_page: in this one (Firecracker, free page reporting of 2M
 * blocks) 1 GiB of such memory takes 1-2.6 s to zero instead of 65-95 ms,
 * whatever the guest's page size (hugetlbfs pages reserved just before: 1.0 s
 * on their first use). The hugetlbfs pages of this run were reserved before it
 * and are reused by every sample, never returned to the guest's allocator, so
 * after the first sample they are always backed. Anonymous and shmem THP come
 * from the allocator, whose free memory the guest reports to the host (which
 * drops it) and whose per-CPU lists hold up to ~300 MiB per CPU: an untimed run in
 * another child gives the timed one its memory back only when both ran on the
 * same CPU (on the other CPU the timed child read 124-380 ms, on the same one
 * 66-75; docs/performance-history.md, issue #19 part 7). So every timed child, whatever its backend
 * (DPDK's too), first pins itself to one CPU, then maps, populates and frees
 * 1 GiB + 64 MiB of madvised anonymous memory, untimed, and only then starts
 * (hm_init, the timed hm_malloc and touch): what it allocates next comes back
 * from that CPU's lists, backed, as on bare metal. The figure still includes
 * all of a user's first touch there: the allocation, the kernel zeroing every
 * 2M page again (system time) and the backend's own work.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "hugemem/hugetlbfs.h"

#ifdef HM_BENCH_DPDK
#include <rte_eal.h>
#include <rte_malloc.h>
#endif

#define GB1 (1ULL << 30)
#define SAMPLES 5

#include "bench_common.h"
#include "vmstat.h"

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

/* First touch and re-touch of a 1 GiB block, after hm_init with @p argv. */
static double retouch_ms; /* the child's second figure, passed back beside the first */

static void
touch_pass(volatile char *p)
{
	for (uint64_t off = 0; off < GB1; off += 4096)
		p[off] = (char)off;
}

static int
touch_after(int argc, char **argv, double *inner)
{
	double t0, t1;
	char *p;

	if (hm_init(argc, argv) < 0) {
		fprintf(stderr, "hm_init: %s\n", hm_last_error());
		return 1;
	}
	t0 = now_ms();
	p = hm_malloc("bench", GB1, 0);
	if (p == NULL)
		return 1;
	touch_pass(p);
	t1 = now_ms();
	touch_pass(p);
	retouch_ms = now_ms() - t1;
	*inner = t1 - t0;
	hm_free(p);
	hm_cleanup();
	return 0;
}

static int
touch_hugetlbfs(double *inner)
{
	char *argv[] = { (char *)"bench", (char *)"--backend=hugetlbfs",
			 (char *)"--file-prefix=bench", NULL, NULL };
	char hd[4200];

	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	argv[3] = hd;
	return touch_after(4, argv, inner);
}

static int
touch_emu_in_memory(double *inner)
{
	char *argv[] = { (char *)"bench", (char *)"--backend=emu", (char *)"--in-memory",
			 (char *)"--topology=nodes=1;2M=1024", NULL };

	return touch_after(4, argv, inner);
}

static int
touch_emu_files(double *inner)
{
	char *argv[] = { (char *)"bench", (char *)"--backend=emu", (char *)"--file-prefix=bench",
			 (char *)"--topology=nodes=1;2M=1024", NULL };

	return touch_after(4, argv, inner);
}

/* a tmpfs mounted huge=within_size by this program (root), or "" */
static char thp_tmpfs[64];

static int
touch_emu_files_thp(double *inner)
{
	char rd[128];
	char *argv[] = { (char *)"bench", (char *)"--backend=emu", (char *)"--file-prefix=bench",
			 (char *)"--topology=nodes=1;2M=1024", rd, NULL };

	snprintf(rd, sizeof(rd), "--runtime-dir=%s", thp_tmpfs);
	return touch_after(5, argv, inner);
}

/* Mount a tmpfs with huge=within_size for the page-file THP row; "" when we cannot. */
static void
thp_tmpfs_mount(void)
{
	char d[] = "/tmp/hugemem-bench-thp.XXXXXX";

	thp_tmpfs[0] = '\0';
	if (mkdtemp(d) == NULL)
		return;
	if (mount("tmpfs", d, "tmpfs", 0, "huge=within_size,size=1200m,mode=0700") != 0) {
		bench_note("bench_hugetlbfs: no row for emu page files on a huge=within_size tmpfs: "
			   "mount: %s (needs root)", strerror(errno));
		rmdir(d);
		return;
	}
	snprintf(thp_tmpfs, sizeof(thp_tmpfs), "%s", d);
}

static void
thp_tmpfs_umount(void)
{
	if (thp_tmpfs[0] == '\0')
		return;
	if (umount2(thp_tmpfs, MNT_DETACH) == 0)
		rmdir(thp_tmpfs);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#define WARM_LEN (GB1 + (64ULL << 20))
#define M2 (2ULL << 20)

/*
 * Untimed, in the timed child, pinned: map, populate and free WARM_LEN of
 * madvised anonymous memory (2M aligned), so that the guest memory the child
 * allocates next has been used, and is backed by the host, like the hugetlbfs
 * pool's (the header comment). The kernel zeroes it again when it is allocated.
 */
static void
warm_up(void)
{
	char *raw, *p;

	raw = mmap(NULL, WARM_LEN + M2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (raw == MAP_FAILED)
		return;
	p = (char *)(((uintptr_t)raw + M2 - 1) & ~(uintptr_t)(M2 - 1));
	(void)madvise(p, WARM_LEN, MADV_HUGEPAGE);
	if (madvise(p, WARM_LEN, MADV_POPULATE_WRITE) != 0)
		for (uint64_t off = 0; off < WARM_LEN; off += 4096)
			((volatile char *)p)[off] = 0;
	munmap(raw, WARM_LEN + M2);
}

/*
 * A child measuring first touch, after warm_up() on the CPU it is pinned to;
 * its re-touch figure in *re.
 */
static double
touch_child(int (*fn)(double *), double *re)
{
	int pipefd[2], status;
	double v[2] = { -1, -1 };
	pid_t pid;

	if (pipe(pipefd) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		double w[2] = { -1, -1 };
		int rc;

		(void)pin_self();
		warm_up();
		rc = fn(&w[0]);
		w[1] = retouch_ms;
		if (write(pipefd[1], w, sizeof(w)) != sizeof(w))
			rc = 1;
		_exit(rc == 0 ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], v, sizeof(v)) != sizeof(v))
		v[0] = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	*re = v[1];
	return v[0];
}

static double
median3(double *v)
{
	qsort(v, 3, sizeof(*v), cmp_d);
	return v[1];
}

#ifdef HM_BENCH_DPDK
static int
dpdk_touch(double *inner)
{
	char hd[4200];
	char *argv[] = { (char *)"bench", (char *)"-l", (char *)"0", (char *)"--no-pci",
			 (char *)"--file-prefix=bench-dpdk", (char *)"--log-level=1", hd, NULL };
	double t0, t1;
	char *p;

	snprintf(hd, sizeof(hd), "--huge-dir=%s", dir);
	if (rte_eal_init(7, argv) < 0)
		return 1;
	t0 = now_ms();
	p = rte_malloc("bench", GB1, 0);
	if (p == NULL)
		return 1;
	touch_pass(p);
	t1 = now_ms();
	touch_pass(p);
	retouch_ms = now_ms() - t1;
	*inner = t1 - t0;
	rte_free(p);
	rte_eal_cleanup();
	return 0;
}

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

/* Workload 3: first touch and re-touch of 1 GiB on each backend, DPDK beside. */
static int
touch_rows(void)
{
	double ft[4][SAMPLES], rt[4][SAMPLES], dft[SAMPLES], drt[SAMPLES], re;
	double f[4], r[4], df = BENCH_NAN, dr = BENCH_NAN;
	int (*fns[4])(double *) = { touch_hugetlbfs, touch_emu_in_memory, touch_emu_files,
				    touch_emu_files_thp };
	const char *be[4] = { "hugetlbfs", "emu", "emu page files", "emu page files" };
	const char *what[4] = { "", ", emu --in-memory", ", emu page files on /dev/shm",
				", emu page files on a tmpfs mounted huge=within_size" };
	int nk = 3;
	char why[512];
	bool dpdk_ok = false;

	thp_tmpfs_mount();
	nk = thp_tmpfs[0] != '\0' ? 4 : 3;
	for (int i = 0; i < SAMPLES; i++) {
		for (int k = 0; k < nk; k++) {
			if (k == 2 && i >= 3)
				continue; /* seconds per sample without THP: 3 samples */
			long long a0 = hm_test_vmstat("thp_fault_alloc");
			long long f0 = hm_test_vmstat("thp_fault_fallback");
			/* warm_up() in the child first: the header comment */
			ft[k][i] = touch_child(fns[k], &re);
			if (ft[k][i] < 0) {
				fprintf(stderr, "bench_hugetlbfs: first touch on %s failed\n", be[k]);
				thp_tmpfs_umount();
				return 1;
			}
			rt[k][i] = re;
			if (bench_env_on("HM_BENCH_VERBOSE"))
				printf("sample %d, %s%s: first touch %.1f ms, re-touch %.1f ms (machine-wide "
				       "during the child, warm-up included: thp_fault_alloc +%lld, "
				       "thp_fault_fallback +%lld)\n", i, be[k], what[k], ft[k][i], re,
				       hm_test_vmstat("thp_fault_alloc") - a0,
				       hm_test_vmstat("thp_fault_fallback") - f0);
		}
	}
#ifdef HM_BENCH_DPDK
	dpdk_ok = !bench_env_on("HM_BENCH_NO_DPDK");
	for (int i = 0; dpdk_ok && i < SAMPLES; i++) {
		dft[i] = touch_child(dpdk_touch, &re);
		drt[i] = re;
		if (dft[i] < 0) {
			bench_note("bench_hugetlbfs: DPDK first touch not compared: rte_malloc "
				   "1 GiB failed");
			dpdk_ok = false;
		}
	}
	if (dpdk_ok) {
		df = median(dft);
		dr = median(drt);
	}
#else
	(void)dft;
	(void)drt;
#endif
	(void)dpdk_ok;
	for (int k = 0; k < nk; k++) {
		char w[200];
		f[k] = k == 2 ? median3(ft[k]) : median(ft[k]);
		r[k] = k == 2 ? median3(rt[k]) : median(rt[k]);
		snprintf(w, sizeof(w), "first touch of a 1 GiB block (hm_malloc + a write per "
			 "4 KiB)%s", what[k]);
		bench_row(w, f[k], df, "ms", be[k], "cpu");
		snprintf(w, sizeof(w), "re-touch of the same 1 GiB (a write per 4 KiB)%s", what[k]);
		bench_row(w, r[k], dr, "ms", be[k], "cpu");
		printf("%s%s: first touch %.1f ms, re-touch %.1f ms\n", be[k], what[k], f[k], r[k]);
	}
	for (int k = 1; k < nk; k++) {
		const char *path = k == 2 ? "/dev/shm" : thp_tmpfs;
		if (hm_emu_backing_page_size(k == 1, path, 2 * HM_MB, why, sizeof(why)) >= 0)
			bench_note("first touch%s: %.2fx the hugetlbfs backend (re-touch %.2fx); %s",
				   what[k], f[k] / f[0], r[k] / r[0], why);
	}
	thp_tmpfs_umount();
	return 0;
}

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
	return touch_rows();
}
