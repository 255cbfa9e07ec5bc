/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark (meson test --benchmark): one 2M page mapped and unmapped through
 * hm_memseg_alloc_pages / hm_memseg_free_pages on each backend that can run
 * here: emu (tmpfs files), fuse (the hugetlbfs backend on a hugemem-fusefs
 * mount; needs /dev/fuse) and hugetlbfs (real pages; needs
 * $HUGEMEM_TEST_HUGE_DIR, as scripts/hugepages.sh sets it). Untouched pages, and
 * pages written once per 4 KiB before the unmap (the write-back cost on fuse).
 * On fuse it also prints the FUSE requests per map+unmap. Median of 5 samples of
 * 64 pages; a backend that cannot run is reported as skipped, never a failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/fusefs.h"
#include "hugemem/hugemem.h"
#include "hugemem/hugetlbfs.h"

#define SAMPLES 5

#include "bench_common.h"

#define N 64
#define M2 (2ULL << 20)

/* The daemon's request counter (fuse), or 0. */
static uint64_t
requests(void)
{
	char st[8192];
	const char *mnt, *p;
	const struct hm_backend *be = hm_backend_get();

	if (be == NULL || strcmp(be->ops->name, "fuse") != 0 ||
	    (mnt = hm_fusefs_backend_mount(be)) == NULL || hm_fusefs_status(mnt, st, sizeof(st)) < 0)
		return 0;
	p = strstr(st, " requests");
	while (p != NULL && p > st && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return p != NULL ? strtoull(p, NULL, 10) : 0;
}

static void
bench(const char *backend, bool touch)
{
	struct hm_memseg *ms[N];
	struct hm_config c;
	double a[SAMPLES], f[SAMPLES];
	uint64_t r0, r1;
	const char *dir = getenv("HUGEMEM_TEST_HUGE_DIR");

	hm_config_init(&c);
	c.backend = backend;
	c.file_prefix = "benchbe";
	c.topology = strcmp(backend, "hugetlbfs") == 0 ? "nodes=1;2M=128" : "nodes=1;2M=256";
	if (strcmp(backend, "hugetlbfs") == 0)
		c.huge_dir = dir;
	if (hm_init_config(&c) < 0) {
		printf("page map/unmap 2M %-9s: skipped (%s)\n", backend, hm_last_error());
		return;
	}
	r0 = requests();
	for (int s = 0; s < SAMPLES; s++) {
		double t0 = wall_ns(), t1;
		for (int i = 0; i < N; i++)
			if (hm_memseg_alloc_pages(&ms[i], 1, M2, 0, 0) != 1) {
				printf("page map 2M %s: %s\n", backend, hm_last_error());
				exit(1);
			}
		t1 = wall_ns();
		if (touch) /* not timed: dirty every 4 KiB, so the unmap writes back */
			for (int i = 0; i < N; i++)
				for (uint64_t o = 0; o < M2; o += 4096)
					((volatile char *)ms[i]->addr)[o] = (char)o;
		double t2 = wall_ns();
		for (int i = 0; i < N; i++)
			hm_memseg_free_pages(&ms[i], 1);
		double t3 = wall_ns();
		a[s] = (t1 - t0) / N;
		f[s] = (t3 - t2) / N;
	}
	r1 = requests();
	/* wall time: a fuse page map is a round trip through the daemon's
	 * threads, so the load average is printed beside it */
	printf("page map   2M %-9s %-9s: %8.1f us/page (wall, load %.2f)\n", backend,
	       touch ? "(dirty)" : "", median(a) / 1000, loadavg1());
	printf("page unmap 2M %-9s %-9s: %8.1f us/page", backend, touch ? "(dirty)" : "",
	       median(f) / 1000);
	if (r1 > r0)
		printf("  (%.1f FUSE requests per map+unmap)", (double)(r1 - r0) / (N * SAMPLES));
	printf("\n");
	hm_cleanup();
}

int
main(void)
{
	const char *dir = getenv("HUGEMEM_TEST_HUGE_DIR");

	for (int touch = 0; touch < 2; touch++) {
		bench("emu", touch);
		if (hm_backend_lookup("fuse") != NULL)
			bench("fuse", touch);
		else
			printf("page map/unmap 2M fuse     : skipped (not built)\n");
		if (hm_backend_lookup("hugetlbfs") != NULL && dir != NULL && *dir != '\0')
			bench("hugetlbfs", touch);
		else
			printf("page map/unmap 2M hugetlbfs: skipped (no $HUGEMEM_TEST_HUGE_DIR; "
			       "scripts/hugepages.sh sets it)\n");
	}
	return 0;
}
