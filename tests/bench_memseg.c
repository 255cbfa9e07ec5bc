/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarks (meson test --benchmark; scripts/bench-table.py for the table):
 * memseg lookups, page map/unmap through the emu backend, and init/cleanup cost.
 * Timed in this thread's CPU time (system time included: mmap, ftruncate and
 * page faults are the kernel's work on our behalf); median of 5 samples, each
 * >= 10^4 operations for the lookups. Prints one line per figure; never fails
 * on a number.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"

#define SAMPLES 5

#include "bench_common.h"

static volatile uintptr_t sink;

static int
init_with(const char *topo, uint64_t memory, bool in_memory)
{
	struct hm_config c;
	hm_config_init(&c);
	c.topology = topo;
	c.memory = memory;
	c.in_memory = in_memory;
	c.file_prefix = "bench";
	return hm_init_config(&c);
}

static void
bench_lookups(void)
{
	enum { PAGES = 256, OPS = 1 << 20 };
	struct hm_memseg *ms[PAGES];
	hm_iova_t iova[PAGES];
	char *va[PAGES];
	double t2i[SAMPLES], i2v[SAMPLES], v2m[SAMPLES];
	uint64_t rng = 88172645463325252ULL;

	if (init_with("nodes=2;2M=512,512;iova=shuffled;seed=3", 0, true) < 0) {
		fprintf(stderr, "init: %s\n", hm_last_error());
		exit(1);
	}
	for (int i = 0; i < PAGES; i += 32) {
		int n = hm_memseg_alloc_pages(ms + i, 32, 2 << 20, (i / 32) & 1, 0);
		if (n != 32) {
			fprintf(stderr, "alloc: %s\n", hm_last_error());
			exit(1);
		}
	}
	for (int i = 0; i < PAGES; i++) {
		va[i] = (char *)ms[i]->addr + 1000;
		iova[i] = ms[i]->iova + 1000;
	}
	for (int s = 0; s < SAMPLES; s++) {
		double t0 = cpu_ns();
		for (int k = 0; k < OPS; k++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			sink += hm_mem_virt2iova(va[rng % PAGES]);
		}
		double t1 = cpu_ns();
		for (int k = 0; k < OPS; k++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			sink += (uintptr_t)hm_mem_iova2virt(iova[rng % PAGES]);
		}
		double t2 = cpu_ns();
		for (int k = 0; k < OPS; k++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			sink += (uintptr_t)hm_mem_virt2memseg(va[rng % PAGES], NULL);
		}
		double t3 = cpu_ns();
		t2i[s] = (t1 - t0) / OPS;
		i2v[s] = (t2 - t1) / OPS;
		v2m[s] = (t3 - t2) / OPS;
	}
	bench_row("hm_mem_virt2iova, 256 pages in 16 lists, random", median(t2i), BENCH_NAN,
		  "ns/call", "emu", "cpu");
	bench_row("hm_mem_iova2virt, 256 pages, shuffled IOVAs", median(i2v), BENCH_NAN,
		  "ns/call", "emu", "cpu");
	bench_row("hm_mem_virt2memseg, 256 pages", median(v2m), BENCH_NAN, "ns/call", "emu",
		  "cpu");
	hm_cleanup();
}

static void
bench_pages(bool in_memory)
{
	enum { N = 256 };
	struct hm_memseg *ms[N];
	double a[SAMPLES], f[SAMPLES];

	if (init_with("nodes=1;2M=512", 0, in_memory) < 0)
		exit(1);
	for (int s = 0; s < SAMPLES; s++) {
		double t0 = cpu_ns();
		for (int i = 0; i < N; i++)
			if (hm_memseg_alloc_pages(&ms[i], 1, 2 << 20, 0, 0) != 1)
				exit(1);
		double t1 = cpu_ns();
		for (int i = 0; i < N; i++)
			hm_memseg_free_pages(&ms[i], 1);
		double t2 = cpu_ns();
		a[s] = (t1 - t0) / N;
		f[s] = (t2 - t1) / N;
	}
	bench_row(in_memory ? "page map 2 MiB, emu in-memory (untouched)"
			    : "page map 2 MiB, emu tmpfs (untouched)",
		  median(a) / 1000, BENCH_NAN, "µs/page", "emu", "cpu");
	bench_row(in_memory ? "page unmap 2 MiB, emu in-memory" : "page unmap 2 MiB, emu tmpfs",
		  median(f) / 1000, BENCH_NAN, "µs/page", "emu", "cpu");
	hm_cleanup();
}

static void
bench_init(const char *what, uint64_t memory, bool in_memory)
{
	double t[SAMPLES];

	for (int s = 0; s < SAMPLES; s++) {
		double t0 = cpu_ns();
		if (init_with("nodes=2;2M=1024,1024;lcores=0@0,1@1", memory, in_memory) < 0) {
			fprintf(stderr, "init: %s\n", hm_last_error());
			exit(1);
		}
		hm_cleanup();
		t[s] = cpu_ns() - t0;
	}
	char label[96];

	snprintf(label, sizeof(label), "hm_init + hm_cleanup %s", what);
	bench_row(label, median(t) / 1e6, BENCH_NAN, "ms", "emu", "cpu");
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_lookups();
	bench_pages(false);
	bench_pages(true);
	bench_init("(emu, no preallocation)", 0, false);
	bench_init("-m 1024 (emu, 512 x 2 MiB, tmpfs)", 1024ULL << 20, false);
	bench_init("-m 1024 --in-memory (emu)", 1024ULL << 20, true);
	return 0;
}
