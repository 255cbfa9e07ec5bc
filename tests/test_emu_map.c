/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the emu backend, part 2 (part 1: test_emu.c): pages mapped and
 * unmapped through the ops table on two nodes, the synthetic IOVA layouts, a
 * frame given back on unmap, and fault injection (nth, every, node, pool,
 * rate, clear and dump). Needs no hugepages and no root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common_i.h"
#include "helpers.h"
#include "hugemem/emu.h"
#include "emu_test_common.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
test_emu_map_shuffled_two_nodes(void **state)
{
	enum { N = 16 };
	struct hm_backend be;
	struct hm_page pg[2][N];
	uint64_t iova[2][N];
	char *va[2];
	bool identity = true;

	(void)state;
	be_create(&be, "nodes=2;2M=16,16;4K=4,4;lcores=0@0,1@1;iova=shuffled;seed=7", NULL);
	for (int n = 0; n < 2; n++) {
		va[n] = map_n(&be, M2, n, N, pg[n]);
		assert_int_equal(hm_emu_pages_in_use(&be, n, M2), N);
	}
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	for (int n = 0; n < 2; n++) {
		for (int i = 0; i < N; i++) {
			assert_string_equal(va_prot(va[n] + i * M2), "rw-");
			/* a fresh page reads as zero; then holds what is written */
			assert_int_equal(va[n][i * M2], 0);
			assert_int_equal(va[n][i * M2 + M2 - 1], 0);
			memset(va[n] + i * M2, 'A' + n * N + i, 64);
			va[n][i * M2 + M2 - 1] = (char)i;
			iova[n][i] = pg[n][i].iova;
			assert_int_equal(iova[n][i] % M2, 0);
		}
	}
	for (int n = 0; n < 2; n++)
		for (int i = 0; i < N; i++) {
			assert_int_equal(va[n][i * M2 + 63], 'A' + n * N + i);
			assert_int_equal(va[n][i * M2 + M2 - 1], i);
		}
	/* per node: a permutation of the pool's N frames; pools disjoint */
	for (int n = 0; n < 2; n++) {
		uint64_t s[N];
		memcpy(s, iova[n], sizeof(s));
		qsort(s, N, sizeof(s[0]), cmp_u64);
		for (int i = 0; i < N; i++) {
			assert_int_equal(s[i], s[0] + (uint64_t)i * M2); /* exactly 0..N-1 */
			identity = identity && iova[n][i] == s[i];
		}
	}
	assert_false(identity); /* shuffled is not contiguous (seed 7) */
	uint64_t lo0 = iova[0][0], hi0 = iova[0][0], lo1 = iova[1][0], hi1 = iova[1][0];
	for (int i = 0; i < N; i++) {
		lo0 = iova[0][i] < lo0 ? iova[0][i] : lo0;
		hi0 = iova[0][i] > hi0 ? iova[0][i] : hi0;
		lo1 = iova[1][i] < lo1 ? iova[1][i] : lo1;
		hi1 = iova[1][i] > hi1 ? iova[1][i] : hi1;
	}
	assert_true(hi0 + M2 <= lo1 || hi1 + M2 <= lo0);
	/* exhausted: -ENOMEM naming node and size, VA still reserved */
	char *extra = reserve(M2, M2);
	struct hm_page xp;
	assert_err(map_page(&be, extra, M2, 1, &xp), -ENOMEM, "no free 2M page on node 1 (all 16 in use)");
	assert_reserved(extra, M2);
	/* 4K pools live in their own ranges too */
	struct hm_page p4[2];
	char *v4 = map_n(&be, K4, 0, 1, &p4[0]);
	char *v4b = map_n(&be, K4, 1, 1, &p4[1]);
	for (int n = 0; n < 2; n++)
		for (int i = 0; i < N; i++) {
			assert_true(p4[0].iova != iova[n][i] && p4[1].iova != iova[n][i]);
			assert_true(p4[0].iova >> 44 != iova[n][i] >> 44);
		}
	assert_true(p4[0].iova >> 44 != p4[1].iova >> 44);
	unmap_n(&be, v4, 1, &p4[0]);
	unmap_n(&be, v4b, 1, &p4[1]);
	for (int n = 0; n < 2; n++) {
		unmap_n(&be, va[n], N, pg[n]);
		assert_int_equal(hm_emu_pages_in_use(&be, n, M2), 0);
	}
	hm_emu_ops.destroy(&be);
	hm_va_release(extra, M2);
}

/* IOVAs of n consecutive maps on node 0 with topology @p topo. */
static void
iova_sequence(const char *topo, uint64_t sz, unsigned int n, uint64_t *iova)
{
	struct hm_backend be;
	struct hm_page pg[64];
	char *va;

	assert_true(n <= 64);
	be_create(&be, topo, NULL);
	va = map_n(&be, sz, 0, n, pg);
	for (unsigned int i = 0; i < n; i++)
		iova[i] = pg[i].iova;
	unmap_n(&be, va, n, pg);
	hm_emu_ops.destroy(&be);
}

static void
test_emu_layouts(void **state)
{
	enum { N = 64 };
	uint64_t a[N], b[N], c[N];
	unsigned int runs = 0, longest = 0, run = 1;

	(void)state;
	/* contig: consecutive maps are IOVA-contiguous, pool 0 at 1 << 44 */
	iova_sequence("4K=64;iova=contig", K4, N, a);
	assert_int_equal(a[0], 1ULL << 44);
	for (int i = 1; i < N; i++)
		assert_int_equal(a[i], a[i - 1] + K4);
	/* second pool (node 1) starts at 2 << 44 */
	{
		struct hm_backend be;
		struct hm_page pg;
		char *va;
		be_create(&be, "nodes=2;4K=2", NULL);
		va = map_n(&be, K4, 1, 1, &pg);
		assert_int_equal(pg.iova, 2ULL << 44);
		unmap_n(&be, va, 1, &pg);
		hm_emu_ops.destroy(&be);
	}

	/* shuffled: a permutation, deterministic per seed */
	iova_sequence("4K=64;iova=shuffled;seed=42", K4, N, a);
	iova_sequence("4K=64;iova=shuffled;seed=42", K4, N, b);
	iova_sequence("4K=64;iova=shuffled;seed=43", K4, N, c);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	memcpy(b, a, sizeof(a));
	qsort(b, N, sizeof(b[0]), cmp_u64);
	for (int i = 0; i < N; i++)
		assert_int_equal(b[i], (1ULL << 44) + (uint64_t)i * K4);
	int contiguous_steps = 0;
	for (int i = 1; i < N; i++)
		contiguous_steps += a[i] == a[i - 1] + K4;
	assert_true(contiguous_steps < N / 4);

	/* fragmented: increasing, runs of 1..4 contiguous frames, gaps >= 1 page */
	iova_sequence("4K=64;iova=fragmented;seed=5", K4, N, a);
	iova_sequence("4K=64;iova=fragmented;seed=5", K4, N, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(a[0], 1ULL << 44);
	for (int i = 1; i < N; i++) {
		assert_true(a[i] > a[i - 1]);
		if (a[i] == a[i - 1] + K4) {
			run++;
		} else {
			assert_true(a[i] >= a[i - 1] + 2 * K4);
			assert_true(a[i] <= a[i - 1] + 4 * K4);
			runs++;
			longest = run > longest ? run : longest;
			run = 1;
		}
		assert_true(run <= 4);
	}
	assert_true(runs >= N / 4 - 1); /* at most 4 frames per run */
	assert_true(longest >= 2);      /* some contiguity */

	/* 2M pages: same rules, and IOVAs aligned to the page */
	iova_sequence("2M=8;iova=fragmented;seed=9", M2, 8, a);
	for (int i = 0; i < 8; i++)
		assert_int_equal(a[i] % M2, 0);
}

static void
test_emu_unmap_returns_frame(void **state)
{
	struct hm_backend be;
	struct hm_page pg[4], again;
	char *va;

	(void)state;
	be_create(&be, "4K=4", NULL);
	va = map_n(&be, K4, 0, 4, pg);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 4);
	va[K4] = 'x';
	hm_emu_ops.page_unmap(&be, &pg[1]);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 3);
	assert_reserved(va + K4, K4);
	assert_string_equal(va_prot(va), "rw-");
	assert_string_equal(va_prot(va + 2 * K4), "rw-");
	/* the lowest free frame comes back, zeroed, at any VA */
	assert_int_equal(map_page(&be, va + K4, K4, 0, &again), 0);
	assert_int_equal(again.iova, pg[1].iova);
	assert_int_equal(again.handle, pg[1].handle);
	assert_int_equal(va[K4], 0);
	pg[1] = again;
	/* exhaustion leaves the VA reserved */
	char *extra = reserve(K4, K4);
	struct hm_page xp;
	assert_err(map_page(&be, extra, K4, 0, &xp), -ENOMEM, "no free 4K page on node 0");
	assert_reserved(extra, K4);
	hm_va_release(extra, K4);
	unmap_n(&be, va, 4, pg);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	hm_emu_ops.destroy(&be);
}

/* One map+unmap at @p va: the page_map return code. */
static int
cycle(struct hm_backend *be, void *va, uint64_t sz, int node)
{
	struct hm_page pg;
	int rc = map_page(be, va, sz, node, &pg);

	if (rc == 0)
		be->ops->page_unmap(be, &pg);
	else
		assert_reserved(va, sz);
	return rc;
}

static void
test_emu_fault_nth(void **state)
{
	struct hm_backend be;
	char *va = reserve(K4, K4);

	(void)state;
	be_create(&be, "4K=4", NULL);
	assert_int_equal(cycle(&be, va, K4, 0), 0); /* calls before the spec do not count */
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(hm_emu_ops.fault(&be, "nth=3"), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "emu: injected fault (nth=3)");
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	for (int i = 0; i < 10; i++) /* once only */
		assert_int_equal(cycle(&be, va, K4, 0), 0);
	/* invalid-argument calls do not count */
	assert_int_equal(hm_emu_ops.fault(&be, "nth=1"), 0);
	assert_int_equal(cycle(&be, va, K4, 5), -EINVAL);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=1");
	hm_emu_ops.destroy(&be);

	/* at create */
	be_create(&be, "4K=4", "nth=2");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=2");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_fault_every(void **state)
{
	struct hm_backend be;
	char *va = reserve(K4, K4);

	(void)state;
	be_create(&be, "4K=1", NULL);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(hm_emu_ops.fault(&be, "every=3"), 0);
	for (int i = 1; i <= 12; i++) {
		if (i % 3 == 0)
			assert_err(cycle(&be, va, K4, 0), -ENOMEM, "injected fault (every=3)");
		else
			assert_int_equal(cycle(&be, va, K4, 0), 0);
	}
	/* every=1: all fail; nth and every together count the same calls */
	assert_int_equal(hm_emu_ops.fault(&be, "clear;every=1"), 0);
	for (int i = 0; i < 3; i++)
		assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=1");
	assert_int_equal(hm_emu_ops.fault(&be, "clear;every=2;nth=3"), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=2");
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=3");
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=2");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_fault_node(void **state)
{
	struct hm_backend be;
	char *va = reserve(M2, M2);

	(void)state;
	be_create(&be, "nodes=3;4K=2;2M=1", "node=1");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cycle(&be, va, K4, 0), 0);
		assert_err(cycle(&be, va, K4, 1), -ENOMEM, "injected fault (node=1)");
		assert_err(cycle(&be, va, M2, 1), -ENOMEM, "2M page on node 1");
		assert_int_equal(cycle(&be, va, M2, 2), 0);
	}
	assert_int_equal(hm_emu_ops.fault(&be, "node=2"), 0); /* adds a node */
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(cycle(&be, va, K4, 1), -ENOMEM);
	assert_int_equal(cycle(&be, va, K4, 2), -ENOMEM);
	assert_int_equal(hm_emu_ops.fault(&be, "clear"), 0);
	assert_int_equal(cycle(&be, va, K4, 1), 0);
	assert_int_equal(cycle(&be, va, K4, 2), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, M2);
}

static void
test_emu_fault_pool(void **state)
{
	struct hm_backend be;
	struct hm_page pg[4], xp;
	struct hm_probe probe;
	char *va, *extra = reserve(M2, M2);

	(void)state;
	be_create(&be, "nodes=2;2M=4;4K=1", NULL);
	va = map_n(&be, M2, 0, 3, pg);
	assert_int_equal(hm_emu_ops.fault(&be, "pool=0:2M:2"), 0);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, M2), 3); /* not revoked */
	assert_string_equal(va_prot(va + 2 * M2), "rw-");
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[0], 2);
	assert_int_equal(probe.sizes[0].num_pages[1], 4);
	assert_err(map_page(&be, extra, M2, 0, &xp), -ENOMEM, "injected fault (pool=0:2M:2)");
	assert_reserved(extra, M2);
	assert_int_equal(cycle(&be, extra, M2, 1), 0); /* other node unaffected */
	hm_emu_ops.page_unmap(&be, &pg[2]);
	hm_emu_ops.page_unmap(&be, &pg[1]);
	assert_int_equal(map_page(&be, va + M2, M2, 0, &pg[1]), 0);
	assert_err(map_page(&be, va + 2 * M2, M2, 0, &xp), -ENOMEM, "pool=0:2M:2");
	/* limit 0, and a limit above the pool's size clamps */
	assert_int_equal(hm_emu_ops.fault(&be, "pool=1:2M:0;pool=0:4K:100"), 0);
	assert_int_equal(cycle(&be, extra, M2, 1), -ENOMEM);
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[1], 0);
	assert_int_equal(probe.sizes[1].num_pages[0], 1);
	char *d = dump_str(&be);
	assert_non_null(strstr(d, "pool=0:2M:2"));
	assert_non_null(strstr(d, "pool 2M node 0: total 4, in use 2, limit 2"));
	assert_non_null(strstr(d, "pool 2M node 1: total 4, in use 0, limit 0"));
	free(d);
	assert_int_equal(hm_emu_ops.fault(&be, "clear"), 0);
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[0], 4);
	assert_int_equal(probe.sizes[0].num_pages[1], 4);
	assert_int_equal(map_page(&be, va + 2 * M2, M2, 0, &pg[2]), 0);
	unmap_n(&be, va, 3, pg);
	hm_emu_ops.destroy(&be);
	hm_va_release(extra, M2);
}

/* Failure pattern of n map/unmap cycles after applying @p spec. */
static uint64_t
rate_pattern(const char *topo, const char *spec, char *va, int n)
{
	struct hm_backend be;
	uint64_t bits = 0;

	be_create(&be, topo, NULL);
	assert_int_equal(hm_emu_ops.fault(&be, spec), 0);
	for (int i = 0; i < n; i++) {
		int rc = cycle(&be, va, K4, 0);
		if (rc != 0) {
			assert_int_equal(rc, -ENOMEM);
			assert_non_null(strstr(hm_last_error(), "emu: injected fault ("));
			bits |= 1ULL << i;
		}
	}
	hm_emu_ops.destroy(&be);
	return bits;
}

static void
test_emu_fault_rate(void **state)
{
	char *va = reserve(K4, K4);
	uint64_t a, b, c;
	struct hm_backend be;

	(void)state;
	a = rate_pattern("4K=1;seed=11", "rate=500", va, 64);
	b = rate_pattern("4K=1;seed=11", "rate=500", va, 64);
	c = rate_pattern("4K=1;seed=12", "rate=500", va, 64);
	assert_int_equal(a, b);
	assert_true(a != c);
	assert_true(__builtin_popcountll(a) > 8 && __builtin_popcountll(a) < 56);
	/* other faults do not shift the rate sequence: every armed fault advances per call */
	b = a | 1ULL << 2; /* call 3 */
	for (int i = 9; i < 64; i += 10)
		b |= 1ULL << i; /* calls 10, 20, ... */
	assert_int_equal(rate_pattern("4K=1;seed=11", "rate=500;nth=3;every=10", va, 64), b);
	assert_int_equal(rate_pattern("4K=1;seed=11", "rate=0", va, 64), 0);
	assert_int_equal(rate_pattern("4K=1;seed=11", "rate=1000", va, 64), UINT64_MAX);
	/* rate= restarts the sequence: the same pattern after other calls */
	be_create(&be, "4K=1;seed=11", NULL);
	for (int i = 0; i < 5; i++)
		assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(hm_emu_ops.fault(&be, "rate=500"), 0);
	for (int i = 0; i < 7; i++)
		cycle(&be, va, K4, 0);
	assert_int_equal(hm_emu_ops.fault(&be, "rate=500"), 0);
	b = 0;
	for (int i = 0; i < 64; i++)
		if (cycle(&be, va, K4, 0) != 0)
			b |= 1ULL << i;
	assert_int_equal(a, b);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_fault_clear_dump(void **state)
{
	struct hm_backend be;
	char *va = reserve(K4, K4), *d;

	(void)state;
	be_create(&be, "nodes=2;4K=2", "nth=1;every=4;node=1;rate=0");
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=1");
	assert_err(cycle(&be, va, K4, 1), -ENOMEM, "node=1");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=4");
	d = dump_str(&be);
	assert_non_null(strstr(d, "emu: topology nodes=2;4K=2;lcores="));
	assert_non_null(strstr(d, "every=4"));
	assert_non_null(strstr(d, "node=1"));
	assert_null(strstr(d, " nth="));
	assert_non_null(strstr(d, "page_map calls 4, injected failures nth 1 every 1 node 1 pool 0 rate 0"));
	assert_non_null(strstr(d, "pool 4K node 1: total 2, in use 0, limit 2"));
	free(d);
	assert_int_equal(hm_emu_ops.fault(&be, "clear"), 0);
	d = dump_str(&be);
	assert_non_null(strstr(d, "faults:\n"));
	assert_non_null(strstr(d, "page_map calls 0, injected failures nth 0 every 0 node 0 pool 0 rate 0"));
	free(d);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(cycle(&be, va, K4, 0), 0);
		assert_int_equal(cycle(&be, va, K4, 1), 0);
	}
	/* clear inside a spec: later items apply */
	assert_int_equal(hm_emu_ops.fault(&be, "node=0;clear;node=1"), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(cycle(&be, va, K4, 1), -ENOMEM);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_map_shuffled_two_nodes),
		cmocka_unit_test(test_emu_layouts),
		cmocka_unit_test(test_emu_unmap_returns_frame),
		cmocka_unit_test(test_emu_fault_nth),
		cmocka_unit_test(test_emu_fault_every),
		cmocka_unit_test(test_emu_fault_node),
		cmocka_unit_test(test_emu_fault_pool),
		cmocka_unit_test(test_emu_fault_rate),
		cmocka_unit_test(test_emu_fault_clear_dump),
	};

	return cmocka_run_group_tests(tests, emu_group_setup, emu_group_teardown);
}
