/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzone conformance tests: DPDK's validation order and errno values, the
 * alignment / bound / IOVA-contiguity / page-size / socket properties, the
 * biggest-block reservation, the name index (lookup, reuse, a full table, a
 * randomised model against a shadow array), walks, the validator, threads, and
 * memory going back to the backend. Topologies are emu topology strings, which
 * hm_test_init_cfg turns into caps on the machine under hugetlbfs; the second
 * node of a test is hm_test_node_b() (node 0 on one-node machines). Synthetic
 * IOVA layouts (iova=contig) are emu-only.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "malloc_i.h" /* malloc_zone_validate: hm_malloc_validate refuses zones */
#include "hugemem/hugemem.h"

#define MB2 (2ULL << 20)

static const char *const TOPO2 = "nodes=2;2M=64,64;lcores=0@0,1@1";

static bool allow_leaks; /* the next init_with sets hm_config.allow_leaks */

static int
init_with(const char *topo, uint64_t memory, unsigned int max)
{
	struct hm_config c;

	hm_config_init(&c);
	c.allow_leaks = allow_leaks;
	c.file_prefix = "memzone"; /* other test programs run in parallel in the same dir */
	c.topology = topo;
	c.memory = memory;
	c.max_memzones = max;
	return hm_test_init_cfg(&c);
}

static int
collect_name(const struct hm_memzone *z, void *arg)
{
	char (*names)[HM_MEMZONE_NAMESIZE] = arg;
	unsigned int i = 0;

	while (names[i][0] != '\0')
		i++;
	memcpy(names[i], z->name, HM_MEMZONE_NAMESIZE);
	return 0;
}

/* Free every zone still reserved (a test's zones are its fixtures): hm_cleanup
 * then finds nothing leaked. */
static void
free_all_zones(void)
{
	unsigned int n = hm_memzone_count();
	char (*names)[HM_MEMZONE_NAMESIZE] = calloc(n + 1, HM_MEMZONE_NAMESIZE);

	assert_non_null(names);
	assert_int_equal(hm_memzone_walk(collect_name, names), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_memzone_free(hm_memzone_lookup(names[i])), 0);
	free(names);
	assert_int_equal(hm_memzone_count(), 0);
}

/* cmocka teardown: the test's zones go, then hm_cleanup must find no leak. */
static int
zones_teardown(void **state)
{
	if (hm_initialized())
		free_all_zones();
	allow_leaks = false;
	return hm_test_teardown(state);
}

/* Usable bytes of @p z's block, which hm_malloc_validate refuses (-EINVAL). */
static size_t
zone_usable(const struct hm_memzone *z)
{
	size_t usable = 0;

	assert_int_equal(malloc_zone_validate(z->addr, &usable), 0);
	return usable;
}

static void
assert_valid(void)
{
	const char *why = NULL;

	if (hm_memzone_check(&why) != 0)
		fail_msg("memzone check: %s (%s)", why != NULL ? why : "?", hm_last_error());
	why = NULL;
	if (hm_malloc_check(&why) != 0)
		fail_msg("malloc check: %s", why != NULL ? why : "?");
}

/* Nothing changed: same count, validators pass, no allocation beyond the zones. */
static void
assert_unchanged(unsigned int count)
{
	assert_int_equal(hm_memzone_count(), count);
	assert_valid();
	assert_int_equal(hm_malloc_leak_report(NULL), count);
}

static void
assert_fails(const struct hm_memzone *z, int err)
{
	if (z != NULL)
		fail_msg("expected errno %d, got zone '%s'", err, z->name);
	assert_int_equal(hm_errno, err);
}

static size_t
round64(size_t len)
{
	return (len + 63) & ~(size_t)63;
}

/* 1 when [addr, addr+len) is IOVA-contiguous, checked at every page boundary. */
static int
zone_iova_contig(const struct hm_memzone *z)
{
	uintptr_t a = (uintptr_t)z->addr, end = a + z->len;
	uint64_t pg = z->hugepage_sz;

	if (z->iova == HM_BAD_IOVA || hm_mem_virt2iova(z->addr) != z->iova)
		return 0;
	for (uintptr_t p = (a + pg) & ~(uintptr_t)(pg - 1); p < end; p += pg)
		if (hm_mem_virt2iova((void *)p) != z->iova + (p - a))
			return 0;
	return hm_mem_virt2iova((void *)(end - 1)) == z->iova + (end - 1 - a);
}

static int
walk_nop(const struct hm_memzone *z, void *arg)
{
	(void)z;
	(void)arg;
	return 0;
}

/* ------------------------------------------------------------------ */

static void
test_memzone_invalid_args(void **state)
{
	const char *n31 = "abcdefghijklmnopqrstuvwxyz01234";     /* 31 chars */
	const char *n32 = "abcdefghijklmnopqrstuvwxyz012345";    /* 32 chars */
	const struct hm_memzone *z, *a;
	struct hm_memzone copy;
	(void)state;

	hm_test_quiet_log();
	/* before init: ENODEV everywhere */
	assert_fails(hm_memzone_reserve("a", 64, HM_SOCKET_ID_ANY, 0), ENODEV);
	assert_fails(hm_memzone_reserve_aligned("a", 64, HM_SOCKET_ID_ANY, 0, 64), ENODEV);
	assert_fails(hm_memzone_reserve_bounded("a", 64, HM_SOCKET_ID_ANY, 0, 64, 4096), ENODEV);
	assert_fails(hm_memzone_reserve(NULL, 64, HM_SOCKET_ID_ANY, 0), ENODEV);
	assert_fails(hm_memzone_lookup("a"), ENODEV);
	assert_fails(hm_memzone_lookup(NULL), ENODEV);
	memset(&copy, 0, sizeof(copy));
	assert_int_equal(hm_memzone_free(&copy), -ENODEV);
	assert_int_equal(hm_memzone_free(NULL), -ENODEV);
	assert_int_equal(hm_memzone_walk(walk_nop, NULL), -ENODEV);
	assert_int_equal(hm_memzone_walk(NULL, NULL), -ENODEV);
	hm_errno = 0;
	assert_int_equal(hm_memzone_count(), 0);
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_int_equal(hm_memzone_max_get(), 0);
	assert_int_equal(hm_errno, ENODEV);
	assert_int_equal(hm_memzone_check(NULL), -ENODEV);
	hm_memzone_dump(NULL);
	hm_memzone_dump(stderr); /* "not initialised" */

	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	assert_int_equal(hm_memzone_max_get(), HM_MEMZONE_MAX_DEFAULT);
	assert_unchanged(0);

	/* names */
	assert_fails(hm_memzone_reserve(NULL, 64, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_memzone_reserve("", 64, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_memzone_reserve(n32, 64, HM_SOCKET_ID_ANY, 0), ENAMETOOLONG);
	assert_unchanged(0);
	a = hm_memzone_reserve(n31, 64, HM_SOCKET_ID_ANY, 0);
	assert_non_null(a);
	assert_string_equal(a->name, n31);
	assert_unchanged(1);
	assert_fails(hm_memzone_reserve(n31, 64, HM_SOCKET_ID_ANY, 0), EEXIST);
	assert_fails(hm_memzone_reserve(n31, 0, 0, 0), EEXIST);
	assert_unchanged(1);

	/* DPDK's order: name length before duplicate before arguments */
	assert_fails(hm_memzone_reserve_aligned(n32, 64, -2, 0x8, 3), ENAMETOOLONG);
	assert_fails(hm_memzone_reserve_aligned(n31, SIZE_MAX, -2, 0x8, 3), EEXIST);

	/* alignment */
	assert_fails(hm_memzone_reserve_aligned("b", 64, HM_SOCKET_ID_ANY, 0, 3), EINVAL);
	assert_fails(hm_memzone_reserve_aligned("b", 64, HM_SOCKET_ID_ANY, 0, 96), EINVAL);
	assert_fails(hm_memzone_reserve_aligned("b", 64, HM_SOCKET_ID_ANY, 0, 0x80000001u), EINVAL);
	/* length */
	assert_fails(hm_memzone_reserve("b", SIZE_MAX, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_memzone_reserve("b", SIZE_MAX - 62, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_memzone_reserve("b", SIZE_MAX - 63, HM_SOCKET_ID_ANY, 0), ENOMEM);
	assert_fails(hm_memzone_reserve("b", 1ULL << 40, 0, 0), ENOMEM);
	/* bound */
	assert_fails(hm_memzone_reserve_bounded("b", 64, HM_SOCKET_ID_ANY, 0, 64, 3000), EINVAL);
	assert_fails(hm_memzone_reserve_bounded("b", 64, HM_SOCKET_ID_ANY, 0, 64, 96), EINVAL);
	assert_fails(hm_memzone_reserve_bounded("b", 4096, HM_SOCKET_ID_ANY, 0, 64, 2048), EINVAL);
	assert_fails(hm_memzone_reserve_bounded("b", 65, HM_SOCKET_ID_ANY, 0, 64, 64), EINVAL);
	assert_fails(hm_memzone_reserve_bounded("b", 0, HM_SOCKET_ID_ANY, 0, 64, 32), EINVAL);
	/* socket */
	assert_fails(hm_memzone_reserve("b", 64, -2, 0), EINVAL);
	assert_fails(hm_memzone_reserve("b", 64, INT32_MIN, 0), EINVAL);
	/* a socket with no heap: ENOMEM, as DPDK (it has no memory) */
	assert_fails(hm_memzone_reserve("b", 64, 99, 0), ENOMEM);
	assert_fails(hm_memzone_reserve("b", 64, 2, 0), ENOMEM); /* nodes 0..1 */
	assert_fails(hm_memzone_reserve("b", 0, 99, 0), ENOMEM); /* biggest too */
	assert_fails(hm_memzone_reserve("b", 64, INT32_MAX, 0), ENOMEM);
	/* flags */
	assert_fails(hm_memzone_reserve("b", 64, HM_SOCKET_ID_ANY, 0x8), EINVAL);
	assert_fails(hm_memzone_reserve("b", 64, HM_SOCKET_ID_ANY, 0x80000000u), EINVAL);
	assert_fails(hm_memzone_reserve("b", 64, HM_SOCKET_ID_ANY,
					HM_MEMZONE_2MB | HM_MEMZONE_IOVA_CONTIG | 0x1000), EINVAL);
	assert_unchanged(1);
	assert_null(hm_memzone_lookup("b"));
	assert_int_equal(hm_errno, ENOENT);

	/* accepted edge values */
	z = hm_memzone_reserve_aligned("align0", 1, HM_SOCKET_ID_ANY, 0, 0);
	assert_non_null(z);
	assert_int_equal(z->len, 64);
	assert_int_equal((uintptr_t)z->addr % 64, 0);
	assert_int_equal(hm_memzone_free(z), 0);
	z = hm_memzone_reserve_bounded("bound", 64, hm_test_node_b(), 0, 1, 64);
	assert_non_null(z);
	assert_int_equal(hm_memzone_free(z), 0);
	assert_unchanged(1);

	/* free */
	assert_int_equal(hm_memzone_free(NULL), -EINVAL);
	memcpy(&copy, a, sizeof(copy));
	assert_int_equal(hm_memzone_free(&copy), -EINVAL);
	assert_int_equal(hm_memzone_free((const struct hm_memzone *)((const char *)a + 8)), -EINVAL);
	assert_int_equal(hm_memzone_free(a + 1), -EINVAL); /* a free slot */
	assert_unchanged(1);
	assert_int_equal(hm_memzone_free(a), 0);
	assert_int_equal(hm_memzone_free(a), -EINVAL); /* double free */
	assert_unchanged(0);

	/* lookup, walk */
	assert_fails(hm_memzone_lookup(NULL), EINVAL);
	assert_fails(hm_memzone_lookup(""), ENOENT);
	assert_fails(hm_memzone_lookup(n31), ENOENT);
	assert_fails(hm_memzone_lookup("a-name-that-is-much-longer-than-31-characters"), ENOENT);
	assert_int_equal(hm_memzone_walk(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memzone_walk(walk_nop, NULL), 0);
	assert_unchanged(0);
}

/* Descriptor fields: name, len rounded to 64, iova, page size, socket, flags. */
static void
test_memzone_descriptor_fields(void **state)
{
	static const size_t lens[] = { 1, 63, 64, 65, 1000, 4096, 100000, 3 << 20 };
	char name[32];
	(void)state;

	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int sock = (int)(i % 2) & hm_test_node_b();
		snprintf(name, sizeof(name), "f%zu", i);
		const struct hm_memzone *z = hm_memzone_reserve(name, lens[i], sock, 0);
		assert_non_null(z);
		assert_string_equal(z->name, name);
		assert_int_equal(z->len, round64(lens[i]));
		assert_int_equal(z->flags, 0);
		assert_int_equal(z->socket_id, sock);
		assert_int_equal(z->hugepage_sz, MB2);
		assert_true(z->iova == hm_mem_virt2iova(z->addr));
		assert_true(z->iova != HM_BAD_IOVA);
		assert_int_equal((uintptr_t)z->addr % 64, 0);
		struct hm_memseg *ms = hm_mem_virt2memseg(z->addr, NULL);
		assert_non_null(ms);
		assert_int_equal(ms->socket_id, sock);
		assert_true(zone_usable(z) >= z->len);
		memset(z->addr, 0xa5, z->len); /* the whole zone is usable */
		assert_ptr_equal(hm_memzone_lookup(name), z);
	}
	assert_int_equal(hm_memzone_count(), sizeof(lens) / sizeof(lens[0]));
	assert_valid();

	/* the allocations carry the type tag "memzone" */
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	assert_non_null(f);
	assert_int_equal(hm_malloc_leak_report(f), sizeof(lens) / sizeof(lens[0]));
	fclose(f);
	assert_non_null(strstr(buf, "'memzone'"));
	free(buf);
}

static void
test_memzone_alignment(void **state)
{
	static const size_t lens[] = { 64, 1000, 5000 };
	const struct hm_memzone *zs[64];
	unsigned int n = 0;
	char name[32];
	(void)state;

	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	for (unsigned int sh = 6; sh <= 21; sh++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			unsigned int align = 1u << sh;
			snprintf(name, sizeof(name), "al%u_%zu", sh, l);
			const struct hm_memzone *z = hm_memzone_reserve_aligned(name, lens[l],
				(int)(n % 2) & hm_test_node_b(), 0, align);
			if (z == NULL)
				fail_msg("align %u len %zu: %s", align, lens[l], hm_last_error());
			assert_int_equal((uintptr_t)z->addr % align, 0);
			assert_int_equal(z->len, round64(lens[l]));
			memset(z->addr, 1, z->len);
			zs[n++] = z;
		}
		assert_valid();
	}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_memzone_free(zs[i]), 0);
	assert_unchanged(0);
}

static void
test_memzone_bounded(void **state)
{
	uint64_t rng = hm_test_seed();
	const struct hm_memzone *live[16] = { 0 };
	char name[32];
	(void)state;

	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	for (unsigned int it = 0; it < 400; it++) {
		unsigned int k = it % 16;
		if (live[k] != NULL) {
			assert_int_equal(hm_memzone_free(live[k]), 0);
			live[k] = NULL;
		}
		uint64_t r = hm_test_rand(&rng);
		unsigned int bound = 1u << (7 + r % 14);               /* 128 .. 1M */
		size_t len = (size_t)((r >> 8) % bound) + 1;            /* 1 .. bound */
		unsigned int align = 1u << (6 + (r >> 40) % 7);        /* 64 .. 4096 */
		if ((r >> 50) % 8 == 0)
			len = 0; /* len 0 with a bound: exactly bound bytes */
		snprintf(name, sizeof(name), "bd%u", it);
		const struct hm_memzone *z = hm_memzone_reserve_bounded(name, len,
			HM_SOCKET_ID_ANY, 0, align, bound);
		if (z == NULL)
			fail_msg("len %zu align %u bound %u: %s", len, align, bound, hm_last_error());
		uintptr_t a = (uintptr_t)z->addr;
		assert_int_equal(z->len, len == 0 ? bound : round64(len));
		assert_int_equal(a % align, 0);
		assert_true(a / bound == (a + z->len - 1) / bound);
		if (len == 0)
			assert_int_equal(a % bound, 0);
		live[k] = z;
		if (it % 32 == 0)
			assert_valid();
	}
	for (unsigned int k = 0; k < 16; k++)
		if (live[k] != NULL)
			assert_int_equal(hm_memzone_free(live[k]), 0);
	assert_unchanged(0);
}

/* IOVA_CONTIG on shuffled physical addresses: 4K pages are practically never
 * contiguous, so flagged zones must land in single 2M pages. */
static void
test_memzone_iova_contig(void **state)
{
	static const size_t sizes[] = { 20000, 64 << 10, 200 << 10, 1 << 20, 1536 << 10 };
	const size_t n_sizes = sizeof(sizes) / sizeof(sizes[0]);
	unsigned int noncontig = 0;
	char name[32];
	int nb = hm_test_node_b();
	(void)state;

	assert_int_equal(init_with("nodes=2;2M=64,64;4K=2048,2048;lcores=0@0,1@1;"
				   "iova=shuffled;seed=7", 0, 0), 0);
	if (hm_test_is_emu())
		assert_int_equal(hm_memseg_iova_is_va(), 0);
	/* without the flag first: the heap grows with its smallest pages (emu: 4K) */
	for (int s = 0; s <= nb; s++)
		for (size_t i = 0; i < n_sizes; i++) {
			snprintf(name, sizeof(name), "plain%d_%zu", s, i);
			const struct hm_memzone *z = hm_memzone_reserve(name, sizes[i], s, 0);
			assert_non_null(z);
			noncontig += !zone_iova_contig(z);
		}
	printf("# %u of %zu zones without IOVA_CONTIG are not IOVA-contiguous\n", noncontig,
	       (size_t)(nb + 1) * n_sizes);
	/* the checker sees the shuffled layout of emu's 4K pages (real pages may
	 * happen to be contiguous) */
	if (hm_test_is_emu())
		assert_true(noncontig > 0);
	for (int s = 0; s <= nb; s++)
		for (size_t i = 0; i < n_sizes; i++) {
			snprintf(name, sizeof(name), "contig%d_%zu", s, i);
			const struct hm_memzone *z = hm_memzone_reserve(name, sizes[i], s,
									HM_MEMZONE_IOVA_CONTIG);
			if (z == NULL)
				fail_msg("%zu bytes contig on %d: %s", sizes[i], s, hm_last_error());
			assert_int_equal(z->socket_id, s);
			assert_true(zone_iova_contig(z));
		}
	/* several 2M pages: either contiguous or refused with ENOMEM */
	for (int s = 0; s <= nb; s++) {
		snprintf(name, sizeof(name), "multi%d", s);
		const struct hm_memzone *z = hm_memzone_reserve(name, 6 << 20, s,
								HM_MEMZONE_IOVA_CONTIG);
		if (z == NULL)
			assert_int_equal(hm_errno, ENOMEM);
		else
			assert_true(zone_iova_contig(z));
		/* aligned and bounded flavours too */
		snprintf(name, sizeof(name), "ab%d", s);
		z = hm_memzone_reserve_bounded(name, 300 << 10, s, HM_MEMZONE_IOVA_CONTIG, 4096,
					       1 << 20);
		assert_non_null(z);
		assert_true(zone_iova_contig(z));
	}
	assert_valid();
}

/* On a contiguous layout a multi-page IOVA_CONTIG zone succeeds. */
static void
test_memzone_iova_contig_multipage(void **state)
{
	(void)state;
	hm_test_need_emulated("iova=contig is a synthetic layout in which every run of pages "
			      "is IOVA-contiguous");
	assert_int_equal(init_with("nodes=1;2M=64;iova=contig", 0, 0), 0);
	const struct hm_memzone *z = hm_memzone_reserve("big", 10 << 20, 0, HM_MEMZONE_IOVA_CONTIG);
	assert_non_null(z);
	assert_true(zone_iova_contig(z));
	assert_valid();
}

static void
test_memzone_page_size_flags(void **state)
{
	const struct hm_memzone *z;
	(void)state;

	hm_test_need_page_sz(1ULL << 30);
	hm_test_quiet_log();
	assert_int_equal(init_with("nodes=1;2M=64;1G=2", 0, 0), 0);
	z = hm_memzone_reserve("p2m", 1 << 20, 0, HM_MEMZONE_2MB);
	assert_non_null(z);
	assert_int_equal(z->hugepage_sz, MB2);
	z = hm_memzone_reserve("p1g", 1 << 20, 0, HM_MEMZONE_1GB);
	assert_non_null(z);
	assert_int_equal(z->hugepage_sz, 1ULL << 30);
	assert_int_equal(hm_mem_virt2memseg(z->addr, NULL)->page_sz, 1ULL << 30);
	z = hm_memzone_reserve("p2m-again", 4096, HM_SOCKET_ID_ANY, HM_MEMZONE_2MB);
	assert_non_null(z);
	assert_int_equal(z->hugepage_sz, MB2);
	z = hm_memzone_reserve("either", 4096, 0, HM_MEMZONE_2MB | HM_MEMZONE_1GB);
	assert_non_null(z);
	assert_true(z->hugepage_sz == MB2 || z->hugepage_sz == 1ULL << 30);
	/* a size the machine does not have */
	assert_fails(hm_memzone_reserve("p16m", 4096, 0, HM_MEMZONE_16MB), ENOMEM);
	z = hm_memzone_reserve("p16m", 4096, 0, HM_MEMZONE_16MB | HM_MEMZONE_SIZE_HINT_ONLY);
	assert_non_null(z);
	assert_true(z->hugepage_sz == MB2 || z->hugepage_sz == 1ULL << 30);
	assert_int_equal(hm_memzone_count(), 5);
	assert_valid();
}

/* No 1G pages at all: the 1G flag fails unless it is only a hint. */
static void
test_memzone_page_size_missing(void **state)
{
	const struct hm_memzone *z;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with("nodes=1;2M=64", 0, 0), 0);
	assert_fails(hm_memzone_reserve("g", 1 << 20, 0, HM_MEMZONE_1GB), ENOMEM);
	assert_fails(hm_memzone_reserve("g", 1 << 20, HM_SOCKET_ID_ANY, HM_MEMZONE_1GB), ENOMEM);
	assert_unchanged(0);
	z = hm_memzone_reserve("g", 1 << 20, 0, HM_MEMZONE_1GB | HM_MEMZONE_SIZE_HINT_ONLY);
	assert_non_null(z);
	assert_int_equal(z->hugepage_sz, MB2);
	assert_unchanged(1);
}

static void
test_memzone_socket_placement(void **state)
{
	const struct hm_memzone *z;
	(void)state;

	hm_test_need_nodes(2);
	hm_test_quiet_log();
	/* node 0 has two pages only */
	assert_int_equal(init_with("nodes=2;2M=2,32;lcores=0@0,1@1", 0, 0), 0);
	for (int s = 0; s < 2; s++) {
		char name[16];
		snprintf(name, sizeof(name), "s%d", s);
		z = hm_memzone_reserve(name, 4096, s, 0);
		assert_non_null(z);
		assert_int_equal(z->socket_id, s);
		assert_int_equal(hm_mem_virt2memseg(z->addr, NULL)->socket_id, s);
	}
	int home = hm_socket_id();
	if (home < 0)
		home = hm_lcore_to_socket_id(hm_get_main_lcore());
	z = hm_memzone_reserve("any", 4096, HM_SOCKET_ID_ANY, 0);
	assert_non_null(z);
	assert_int_equal(z->socket_id, home);
	/* an explicit node never falls back; ANY does */
	assert_fails(hm_memzone_reserve("big0", 6 << 20, 0, 0), ENOMEM);
	z = hm_memzone_reserve("big-any", 6 << 20, HM_SOCKET_ID_ANY, 0);
	assert_non_null(z);
	assert_int_equal(z->socket_id, 1);
	assert_int_equal(hm_mem_virt2memseg((char *)z->addr + z->len - 1, NULL)->socket_id, 1);
	assert_unchanged(4);
}

/* len 0: the biggest free block (no growth), or exactly bound bytes with a bound. */
static void
test_memzone_biggest(void **state)
{
	struct hm_malloc_socket_stats st;
	const struct hm_memzone *z;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with("nodes=1;2M=64", 16 << 20, 0), 0);
	assert_int_equal(hm_malloc_get_socket_stats(0, &st), 0);
	z = hm_memzone_reserve("biggest", 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(z);
	printf("# biggest: %zu bytes of a %zu-byte free element\n", z->len,
	       st.greatest_free_size);
	assert_true(z->len > (15u << 20) && z->len <= (16u << 20));
	assert_int_equal(z->len % 64, 0);
	assert_true(zone_usable(z) >= z->len);
	assert_int_equal(z->socket_id, 0);
	assert_int_equal(hm_mem_virt2memseg(z->addr, NULL)->socket_id, 0);
	assert_valid();
	/* nothing big is left: a second biggest gets little or nothing */
	const struct hm_memzone *z2 = hm_memzone_reserve("biggest2", 0, 0, 0);
	if (z2 != NULL) {
		assert_true(z2->len < (1u << 20));
		assert_int_equal(hm_memzone_free(z2), 0);
	} else {
		assert_int_equal(hm_errno, ENOMEM);
	}
	assert_int_equal(hm_memzone_free(z), 0);

	/* aligned biggest */
	z = hm_memzone_reserve_aligned("big-al", 0, 0, 0, 1 << 20);
	assert_non_null(z);
	assert_int_equal((uintptr_t)z->addr % (1 << 20), 0);
	assert_true(z->len >= (14u << 20));
	assert_int_equal(hm_memzone_free(z), 0);

	/* len 0 with a bound */
	z = hm_memzone_reserve_bounded("bnd", 0, HM_SOCKET_ID_ANY, 0, 64, 1 << 20);
	assert_non_null(z);
	assert_int_equal(z->len, 1 << 20);
	assert_int_equal((uintptr_t)z->addr % (1 << 20), 0);
	z = hm_memzone_reserve_bounded("bnd2", 0, 0, 0, 0, 4096);
	assert_non_null(z);
	assert_int_equal(z->len, 4096);
	assert_int_equal((uintptr_t)z->addr % 4096, 0);
	assert_unchanged(2);
}

static void
test_memzone_lookup_free_reuse(void **state)
{
	const struct hm_memzone *a, *b, *c, *d;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	a = hm_memzone_reserve("alpha", 100, 0, 0);
	b = hm_memzone_reserve("beta", 200, hm_test_node_b(), 0);
	c = hm_memzone_reserve("gamma", 300, HM_SOCKET_ID_ANY, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_ptr_equal(hm_memzone_lookup("alpha"), a);
	assert_ptr_equal(hm_memzone_lookup("beta"), b);
	assert_ptr_equal(hm_memzone_lookup("gamma"), c);
	assert_fails(hm_memzone_lookup("Beta"), ENOENT);
	assert_fails(hm_memzone_lookup("bet"), ENOENT);
	assert_fails(hm_memzone_lookup("betaa"), ENOENT);

	assert_int_equal(hm_memzone_free(b), 0);
	assert_fails(hm_memzone_lookup("beta"), ENOENT);
	assert_unchanged(2);
	/* the first free slot is reused */
	d = hm_memzone_reserve("delta", 64, HM_SOCKET_ID_ANY, 0);
	assert_ptr_equal(d, b);
	assert_string_equal(d->name, "delta");
	assert_fails(hm_memzone_lookup("beta"), ENOENT);
	assert_ptr_equal(hm_memzone_lookup("delta"), d);
	/* the freed name is available again */
	b = hm_memzone_reserve("beta", 64, HM_SOCKET_ID_ANY, 0);
	assert_non_null(b);
	assert_ptr_equal(hm_memzone_lookup("beta"), b);
	assert_ptr_equal(hm_memzone_lookup("alpha"), a);
	assert_ptr_equal(hm_memzone_lookup("gamma"), c);
	assert_unchanged(4);
}

static void
test_memzone_table_full(void **state)
{
	static const struct hm_memzone *zs[HM_MEMZONE_MAX_DEFAULT];
	const struct hm_memzone *z;
	char name[32];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with("nodes=1;2M=64", 0, 0), 0);
	for (unsigned int i = 0; i < HM_MEMZONE_MAX_DEFAULT; i++) {
		snprintf(name, sizeof(name), "zone-%u", i);
		zs[i] = hm_memzone_reserve(name, 64 + (i % 4) * 64, HM_SOCKET_ID_ANY, 0);
		if (zs[i] == NULL)
			fail_msg("zone %u: %s", i, hm_last_error());
	}
	assert_int_equal(hm_memzone_count(), HM_MEMZONE_MAX_DEFAULT);
	assert_valid();
	assert_fails(hm_memzone_reserve("one-more", 64, HM_SOCKET_ID_ANY, 0), ENOSPC);
	/* table full is the first check */
	assert_fails(hm_memzone_reserve(NULL, 64, HM_SOCKET_ID_ANY, 0), ENOSPC);
	assert_fails(hm_memzone_reserve("zone-7", 64, HM_SOCKET_ID_ANY, 0), ENOSPC);
	assert_fails(hm_memzone_reserve_aligned("x", SIZE_MAX, -5, 0x8, 3), ENOSPC);
	assert_unchanged(HM_MEMZONE_MAX_DEFAULT);
	for (unsigned int i = 0; i < HM_MEMZONE_MAX_DEFAULT; i++) {
		snprintf(name, sizeof(name), "zone-%u", i);
		assert_ptr_equal(hm_memzone_lookup(name), zs[i]);
	}
	assert_int_equal(hm_memzone_free(zs[1234]), 0);
	z = hm_memzone_reserve("one-more", 64, HM_SOCKET_ID_ANY, 0);
	assert_ptr_equal(z, zs[1234]);
	assert_fails(hm_memzone_reserve("zone-1234", 64, HM_SOCKET_ID_ANY, 0), ENOSPC);
	assert_unchanged(HM_MEMZONE_MAX_DEFAULT);
	/* empty it in a scrambled order, then fill it again */
	for (unsigned int i = 0; i < HM_MEMZONE_MAX_DEFAULT; i++) {
		unsigned int k = (i * 1031u) % HM_MEMZONE_MAX_DEFAULT;
		assert_int_equal(hm_memzone_free(k == 1234 ? z : zs[k]), 0);
	}
	assert_unchanged(0);
	for (unsigned int i = 0; i < HM_MEMZONE_MAX_DEFAULT; i++) {
		snprintf(name, sizeof(name), "again-%u", i);
		assert_non_null(hm_memzone_reserve(name, 64, HM_SOCKET_ID_ANY, 0));
	}
	assert_unchanged(HM_MEMZONE_MAX_DEFAULT);
}

static void
test_memzone_configured_max(void **state)
{
	const struct hm_memzone *zs[10];
	char name[32];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with(TOPO2, 0, 10), 0);
	assert_int_equal(hm_memzone_max_get(), 10);
	for (unsigned int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		zs[i] = hm_memzone_reserve(name, 128, HM_SOCKET_ID_ANY, 0);
		assert_non_null(zs[i]);
	}
	assert_fails(hm_memzone_reserve("m10", 128, HM_SOCKET_ID_ANY, 0), ENOSPC);
	assert_unchanged(10);
	assert_int_equal(hm_memzone_free(zs[3]), 0);
	assert_non_null(hm_memzone_reserve("m10", 128, HM_SOCKET_ID_ANY, 0));
	assert_unchanged(10);
	free_all_zones();
	assert_int_equal(hm_cleanup(), 0);

	/* absurd sizes are refused, nothing is left behind */
	assert_int_equal(init_with(TOPO2, 0, (1u << 20) + 1), -EINVAL);
	assert_int_equal(hm_initialized(), 0);
	assert_int_equal(init_with(TOPO2, 0, UINT32_MAX), -EINVAL);
	/* the largest accepted size works */
	assert_int_equal(init_with(TOPO2, 0, 1u << 20), 0);
	assert_int_equal(hm_memzone_max_get(), 1u << 20);
	assert_non_null(hm_memzone_reserve("x", 64, HM_SOCKET_ID_ANY, 0));
	assert_ptr_equal(hm_memzone_lookup("x"), hm_memzone_lookup("x"));
	assert_unchanged(1);
	free_all_zones();
	assert_int_equal(hm_cleanup(), 0);
	/* a table of one */
	assert_int_equal(init_with(TOPO2, 0, 1), 0);
	assert_non_null(hm_memzone_reserve("only", 64, HM_SOCKET_ID_ANY, 0));
	assert_fails(hm_memzone_reserve("two", 64, HM_SOCKET_ID_ANY, 0), ENOSPC);
	assert_int_equal(hm_memzone_free(hm_memzone_lookup("only")), 0);
	assert_non_null(hm_memzone_reserve("two", 64, HM_SOCKET_ID_ANY, 0));
	assert_unchanged(1);
}

/* --max-memzones=N: parsed, validated (the message names the limit), applied. */
static void
test_memzone_max_option(void **state)
{
	static const char *const bad[] = { "--max-memzones=0", "--max-memzones=-1",
					   "--max-memzones=abc", "--max-memzones=1048577",
					   "--max-memzones=", "--max-memzones=10x",
					   "--max-memzones=99999999999999999999" };
	struct hm_config c, before;
	char *argv[3] = { (char *)"prog", NULL, NULL };
	(void)state;

	hm_test_quiet_log();
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hm_config_init(&c);
		c.max_memzones = 7;
		before = c;
		argv[1] = (char *)bad[i];
		assert_int_equal(hm_config_parse(&c, 2, argv), -EINVAL);
		if (strstr(hm_last_error(), "--max-memzones") == NULL ||
		    strstr(hm_last_error(), "1048576") == NULL)
			fail_msg("'%s': the message does not name the option and its limit: %s",
				 bad[i], hm_last_error());
		assert_memory_equal(&c, &before, sizeof(c));
	}
	hm_config_init(&c);
	argv[1] = (char *)"--max-memzones=1048576";
	assert_int_equal(hm_config_parse(&c, 2, argv), 1);
	assert_int_equal(c.max_memzones, HM_MEMZONE_MAX_LIMIT);
	/* a struct beyond the limit: refused at init, naming it, nothing created */
	c.max_memzones = HM_MEMZONE_MAX_LIMIT + 1;
	c.topology = TOPO2;
	assert_int_equal(hm_test_init_cfg(&c), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "HM_MEMZONE_MAX_LIMIT"));
	assert_int_equal(hm_initialized(), 0);

	/* applied: a table of 3 */
	hm_config_init(&c);
	argv[1] = (char *)"--max-memzones=3";
	assert_int_equal(hm_config_parse(&c, 2, argv), 1);
	c.topology = TOPO2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memzone_max_get(), 3);
	assert_non_null(hm_memzone_reserve("a", 64, 0, 0));
	assert_non_null(hm_memzone_reserve("b", 64, 0, 0));
	assert_non_null(hm_memzone_reserve("c", 64, 0, 0));
	assert_fails(hm_memzone_reserve("d", 64, 0, 0), ENOSPC);
	assert_non_null(strstr(hm_last_error(), "3 zones"));
	assert_unchanged(3);
}

struct walk_state {
	unsigned int calls;
	unsigned int stop_at;
	int nested_ok;
};

static int
walk_cb(const struct hm_memzone *z, void *arg)
{
	struct walk_state *w = arg;

	w->calls++;
	/* readers nest inside a walk; writers refuse instead of deadlocking */
	if (hm_memzone_lookup(z->name) != z || hm_memzone_check(NULL) != 0 ||
	    hm_memzone_walk(walk_nop, NULL) != 0 || hm_memzone_count() != 5)
		w->nested_ok = 0;
	if (hm_memzone_reserve("from-walk", 64, HM_SOCKET_ID_ANY, 0) != NULL || hm_errno != EDEADLK)
		w->nested_ok = 0;
	if (hm_memzone_free(z) != -EDEADLK)
		w->nested_ok = 0;
	return w->calls == w->stop_at ? 42 : 0;
}

static void
test_memzone_walk_and_dump(void **state)
{
	struct walk_state w;
	char name[32];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	for (unsigned int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "walk%u", i);
		assert_non_null(hm_memzone_reserve(name, 1000 * (i + 1),
						   (int)(i % 2) & hm_test_node_b(), 0));
	}
	memset(&w, 0, sizeof(w));
	w.nested_ok = 1;
	assert_int_equal(hm_memzone_walk(walk_cb, &w), 0);
	assert_int_equal(w.calls, 5);
	assert_true(w.nested_ok);
	memset(&w, 0, sizeof(w));
	w.nested_ok = 1;
	w.stop_at = 3;
	assert_int_equal(hm_memzone_walk(walk_cb, &w), 42);
	assert_int_equal(w.calls, 3);
	assert_true(w.nested_ok);
	assert_unchanged(5);

	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	assert_non_null(f);
	hm_memzone_dump(f);
	fclose(f);
	for (unsigned int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "'walk%u'", i);
		assert_non_null(strstr(buf, name));
	}
	assert_non_null(strstr(buf, "5/2560"));
	assert_non_null(strstr(buf, "page=2M"));
	free(buf);
	hm_memzone_dump(NULL);
}

/* Randomised operations against a shadow array of (name -> zone or NULL). */
static void
test_memzone_model(void **state)
{
	enum { N_NAMES = 48, MAX = 32, OPS = 20000 };
	const struct hm_memzone *shadow[N_NAMES] = { 0 };
	const struct hm_memzone *stale[N_NAMES] = { 0 };
	char names[N_NAMES][32];
	uint64_t rng = hm_test_seed();
	unsigned int n_live = 0, n_ok = 0, n_full = 0, n_dup = 0;
	(void)state;

	hm_test_quiet_log();
	for (int i = 0; i < N_NAMES; i++)
		snprintf(names[i], sizeof(names[i]), i % 3 == 0 ? "n%d" : "model-zone-%d-%s", i,
			 i % 2 ? "x" : "yy");
	assert_int_equal(init_with(TOPO2, 0, MAX), 0);
	for (int op = 0; op < OPS; op++) {
		uint64_t r = hm_test_rand(&rng);
		int k = (int)(r % N_NAMES);
		unsigned int what = (unsigned int)((r >> 8) % 100);

		if (what < 45) {
			size_t len = (r >> 16) % 4 == 0 ? (size_t)((r >> 20) % (300 << 10)) + 1
							: (size_t)((r >> 20) % 4096) + 1;
			unsigned int align = (r >> 40) % 3 == 0 ? 1u << (6 + (r >> 42) % 8) : 0;
			unsigned int bound = 0;
			int sock = (int)((r >> 46) % 3) - 1;
			if (sock > hm_test_node_b())
				sock = hm_test_node_b(); /* one-node machines */
			unsigned int flags = (r >> 48) % 4 == 0 ? HM_MEMZONE_IOVA_CONTIG : 0;
			if ((r >> 50) % 4 == 0) {
				bound = 1u << 20;
				while (bound < round64(len))
					bound <<= 1;
			}
			const struct hm_memzone *z = hm_memzone_reserve_bounded(names[k], len, sock,
										flags, align, bound);
			if (n_live == MAX) {
				assert_fails(z, ENOSPC);
				n_full++;
			} else if (shadow[k] != NULL) {
				assert_fails(z, EEXIST);
				n_dup++;
			} else {
				if (z == NULL)
					fail_msg("op %d: reserve '%s' %zu: %s", op, names[k], len,
						 hm_last_error());
				assert_string_equal(z->name, names[k]);
				assert_int_equal(z->len, round64(len));
				if (align != 0)
					assert_int_equal((uintptr_t)z->addr % align, 0);
				if (bound != 0)
					assert_true((uintptr_t)z->addr / bound ==
						    ((uintptr_t)z->addr + z->len - 1) / bound);
				if (sock >= 0)
					assert_int_equal(z->socket_id, sock);
				memset(z->addr, (int)op, z->len < 256 ? z->len : 256);
				shadow[k] = z;
				n_live++;
				n_ok++;
			}
		} else if (what < 75) {
			if (shadow[k] != NULL) {
				assert_int_equal(hm_memzone_free(shadow[k]), 0);
				stale[k] = shadow[k];
				shadow[k] = NULL;
				n_live--;
			} else if (stale[k] != NULL) {
				bool reused = false;
				for (int j = 0; j < N_NAMES; j++)
					reused |= shadow[j] == stale[k];
				if (!reused)
					assert_int_equal(hm_memzone_free(stale[k]), -EINVAL);
			}
		} else {
			const struct hm_memzone *z = hm_memzone_lookup(names[k]);
			if (shadow[k] == NULL)
				assert_fails(z, ENOENT);
			else
				assert_ptr_equal(z, shadow[k]);
		}
		assert_int_equal(hm_memzone_count(), n_live);
		assert_valid();
		if (op % 1000 == 0)
			for (int j = 0; j < N_NAMES; j++)
				assert_ptr_equal(hm_memzone_lookup(names[j]), shadow[j]);
	}
	printf("# %u reserved, %u EEXIST, %u ENOSPC\n", n_ok, n_dup, n_full);
	assert_true(n_full > 0 && n_dup > 0);
	for (int j = 0; j < N_NAMES; j++)
		if (shadow[j] != NULL)
			assert_int_equal(hm_memzone_free(shadow[j]), 0);
	assert_unchanged(0);
}

/* Freed zones give their pages back: mapped bytes return to their old value. */
static void
test_memzone_memory_returned(void **state)
{
	const struct hm_memzone *zs[24];
	int64_t before[2], peak[2];
	char name[32];
	(void)state;

	int nb = hm_test_node_b();
	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	for (int n = 0; n <= nb; n++)
		before[n] = hm_memseg_mapped_bytes(n);
	for (int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < 24; i++) {
			size_t len = i % 6 == 0 ? (5u << 20) + i * 4096 : 1000u * (i + 1);
			snprintf(name, sizeof(name), "ret%u", i);
			zs[i] = hm_memzone_reserve_aligned(name, len, (int)(i % 2) & nb, 0,
							   i % 4 == 0 ? 1u << 16 : 64);
			assert_non_null(zs[i]);
			memset(zs[i]->addr, 0x5a, zs[i]->len);
		}
		for (int n = 0; n <= nb; n++) {
			peak[n] = hm_memseg_mapped_bytes(n);
			assert_true(peak[n] > before[n]);
		}
		assert_valid();
		for (unsigned int i = 0; i < 24; i++)
			assert_int_equal(hm_memzone_free(zs[(i * 7) % 24]), 0);
		assert_unchanged(0);
		for (int n = 0; n <= nb; n++)
			assert_int_equal(hm_memseg_mapped_bytes(n), before[n]);
	}
}

static int warnings;

static void
count_warnings(enum hm_log_level level, const char *msg, void *arg)
{
	(void)arg;
	(void)msg;
	if (level <= HM_LOG_WARNING)
		warnings++;
}

/* Zones still reserved at hm_cleanup are leaks: each is logged by name, size and
 * socket, released, and hm_cleanup returns -EBUSY (0 with allow_leaks); a new
 * init starts with an empty table. */
static void
test_memzone_cleanup_and_reinit(void **state)
{
	(void)state;

	for (int cycle = 0; cycle < 3; cycle++) {
		allow_leaks = cycle == 1;
		assert_int_equal(init_with(TOPO2, 0, 0), 0);
		assert_int_equal(hm_memzone_count(), 0);
		assert_fails(hm_memzone_lookup("keep"), ENOENT);
		assert_non_null(hm_memzone_reserve("keep", 3 << 20, 0, 0));
		assert_non_null(hm_memzone_reserve("keep2", 100, hm_test_node_b(), 0));
		assert_non_null(hm_memzone_reserve("keep3", 0, 0, 0));
		assert_unchanged(3);
		if (cycle == 2)
			free_all_zones(); /* nothing left: no report */
		warnings = 0;
		hm_log_set_hook(count_warnings, NULL);
		assert_int_equal(hm_cleanup(), cycle == 0 ? -EBUSY : 0);
		hm_log_set_hook(NULL, NULL);
		assert_int_equal(warnings, cycle == 2 ? 0 : 3); /* one line a zone */
		assert_int_equal(hm_initialized(), 0);
		assert_int_equal(hm_memzone_count(), 0);
		assert_fails(hm_memzone_lookup("keep"), ENODEV);
	}
	allow_leaks = false;
}

/* The validator notices a damaged descriptor. */
static void
test_memzone_check_detects_corruption(void **state)
{
	const char *why;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	assert_non_null(hm_memzone_reserve("one", 100, 0, 0));
	struct hm_memzone *z = (struct hm_memzone *)hm_memzone_reserve("victim", 1000,
									 hm_test_node_b(), 0);
	assert_non_null(z);
	assert_non_null(hm_memzone_reserve("three", 100, 0, 0));
	assert_valid();

	size_t usable = zone_usable(z), len = z->len;
	z->len = usable + 64;
	why = NULL;
	assert_int_equal(hm_memzone_check(&why), -EFAULT);
	assert_non_null(why);
	z->len = len;
	assert_valid();

	z->name[0] = 'V';
	why = NULL;
	assert_int_equal(hm_memzone_check(&why), -EFAULT);
	printf("# renamed: %s\n", why);
	z->name[0] = 'v';
	assert_valid();

	void *addr = z->addr;
	z->addr = (char *)addr + 64;
	assert_int_equal(hm_memzone_check(NULL), -EFAULT);
	z->addr = addr;

	z->flags = 1;
	assert_int_equal(hm_memzone_check(NULL), -EFAULT);
	z->flags = 0;
	assert_valid();
	/* a byte written into a free slot */
	struct hm_memzone *free_slot = z + 2;
	free_slot->socket_id = 3;
	assert_int_equal(hm_memzone_check(NULL), -EFAULT);
	free_slot->socket_id = 0;
	assert_valid();
	assert_int_equal(hm_memzone_free(z), 0);
	assert_unchanged(2);
}

/* Threads reserving, looking up and freeing at once. */
struct thr_arg {
	int id;
	int iters;
	int errors;
};

static void *
thr_main(void *p)
{
	struct thr_arg *a = p;
	char name[32], other[32];

	for (int i = 0; i < a->iters; i++) {
		snprintf(name, sizeof(name), "t%d-%d", a->id, i % 8);
		const struct hm_memzone *z = hm_memzone_reserve(name, 64 + (size_t)(i % 16) * 512,
								HM_SOCKET_ID_ANY, 0);
		if (z == NULL || hm_memzone_lookup(name) != z) {
			a->errors++;
			continue;
		}
		memset(z->addr, a->id, z->len);
		snprintf(other, sizeof(other), "t%d-%d", (a->id + 1) % 4, i % 8);
		/* another thread's zone may be freed at any moment (as in DPDK, a
		 * descriptor is only stable while its owner keeps it): look it up,
		 * never dereference it */
		(void)hm_memzone_lookup(other);
		if (i % 50 == 0 && hm_memzone_check(NULL) != 0)
			a->errors++;
		if (hm_memzone_reserve(name, 64, HM_SOCKET_ID_ANY, 0) != NULL || hm_errno != EEXIST)
			a->errors++;
		if (hm_memzone_free(z) != 0)
			a->errors++;
	}
	return NULL;
}

static void
test_memzone_threads(void **state)
{
	pthread_t t[4];
	struct thr_arg a[4];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with(TOPO2, 0, 0), 0);
	for (int i = 0; i < 4; i++) {
		a[i].id = i;
		a[i].iters = 2000;
		a[i].errors = 0;
		assert_int_equal(pthread_create(&t[i], NULL, thr_main, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].errors, 0);
	}
	assert_unchanged(0);
}


/* The biggest-block reserve honours page-size flags; a bound on an empty heap
 * grows it by what the size needs, not by the bound. */
static void
test_memzone_biggest_flags_and_bounded_growth(void **state)
{
	const struct hm_memzone *mz;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_with("nodes=1;2M=16;4K=512", 2 * MB2 + 8 * 4096, 0), 0);
	mz = hm_memzone_reserve("big2m", 0, 0, HM_MEMZONE_2MB);
	assert_non_null(mz);
	assert_true(mz->hugepage_sz == MB2);
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_int_equal(hm_cleanup(), 0);

	/* no preallocation: the heap is empty, the bound is huge, the zone tiny */
	assert_int_equal(init_with("nodes=1;2M=4", 0, 0), 0);
	int64_t before = hm_memseg_mapped_bytes(0);
	mz = hm_memzone_reserve_bounded("tiny", 64, 0, 0, 64, 1u << 30);
	assert_non_null(mz);
	assert_true(hm_memseg_mapped_bytes(0) - before <= (int64_t)MB2);
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_valid();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_memzone_invalid_args, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_descriptor_fields, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_alignment, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_bounded, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_iova_contig, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_iova_contig_multipage, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_page_size_flags, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_page_size_missing, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_socket_placement, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_biggest, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_biggest_flags_and_bounded_growth,
					  zones_teardown),
		cmocka_unit_test_teardown(test_memzone_lookup_free_reuse, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_table_full, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_configured_max, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_max_option, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_walk_and_dump, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_model, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_memory_returned, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_cleanup_and_reinit, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_check_detects_corruption, zones_teardown),
		cmocka_unit_test_teardown(test_memzone_threads, zones_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
